#!/usr/bin/env bash
# Fails when a translation file has unfinished entries (lrelease reports them).
set -u
lrelease=$1
dir=$2
status=0
for ts in "$dir"/*.ts; do
  out=$("$lrelease" "$ts" -qm /dev/null 2>&1)
  echo "$(basename "$ts"): $(echo "$out" | grep Generated)"
  if ! echo "$out" | grep -q ' 0 unfinished'; then
    echo "FAIL: $ts has unfinished translations (run translations/fill_*.py)" >&2
    status=1
  fi
done
exit $status
