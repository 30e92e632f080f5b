#!/usr/bin/env bash
# Fails when a translation file has unfinished entries (lrelease reports them), or when a translation lacks
# or adds a placeholder of its source (%1..%9, %n): the message would show the wrong value or none.
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
  if ! python3 - "$ts" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
bad = 0
for message in ET.parse(sys.argv[1]).getroot().iter("message"):
    source = message.find("source").text or ""
    translation = message.find("translation")
    forms = [f.text or "" for f in translation.findall("numerusform")] or [translation.text or ""]
    want = sorted(set(re.findall(r"%[1-9n]", source)))
    for form in forms:
        if sorted(set(re.findall(r"%[1-9n]", form))) != want:
            print(f"placeholders differ: {source!r} -> {form!r}", file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY
  then
    echo "FAIL: $ts has translations whose placeholders differ from their source" >&2
    status=1
  fi
done
exit $status
