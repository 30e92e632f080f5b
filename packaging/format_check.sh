#!/usr/bin/env bash
# Checks that the C++ lines changed since the format base are formatted as .clang-format says, or formats
# them (--fix). Only changed lines count, so code written before .clang-format existed is never forced to
# change; a line a commit touches must be formatted.
#
#   packaging/format_check.sh [--base COMMIT] [PATH...]         check; exit 1 naming file:line with a diff
#   packaging/format_check.sh --fix [--base COMMIT] [PATH...]   format those lines in place
#
# The base is the commit recorded in packaging/format_base (the last one before .clang-format was rewritten
# to match the code), or --base / DANKA_FORMAT_BASE. "Changed" is the difference between the base and the
# working tree: what was committed since, what is modified and not committed yet, and untracked C++ files
# (not ignored).
# PATHs (files or folders) limit both the check and the fix, e.g. to the files one is about to commit.
# clang-format 14 (Debian 12's) is the reference; another major version may place a few tokens differently.
set -euo pipefail

fix=0
base=${DANKA_FORMAT_BASE:-}
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fix) fix=1 ;;
    --base) base=${2:?--base needs a commit}; shift ;;
    --base=*) base=${1#--base=} ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "format_check: unknown option $1" >&2; exit 2 ;;
    *) paths+=("$1") ;;
  esac
  shift
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# Paths given relative to the caller's folder are made relative to the root, where git runs.
for i in "${!paths[@]}"; do
  p=${paths[$i]}
  case "$p" in /*) ;; *) p=$OLDPWD/$p ;; esac
  paths[$i]=$(realpath -m --relative-to="$root" "$p")
done

clang_format=${DANKA_CLANG_FORMAT:-}
if [ -z "$clang_format" ]; then
  for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null; then clang_format=$c; break; fi
  done
fi
if [ -z "$clang_format" ]; then
  echo "format_check: clang-format not found (Debian: apt-get install clang-format; packaging/setup.sh does)" >&2
  exit 2
fi
version=$("$clang_format" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
[ "$version" = 14 ] || echo "format_check: warning: $clang_format is version $version; CI uses 14" >&2

if [ -z "$base" ]; then
  base=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' packaging/format_base | head -n 1 | tr -d '[:space:]')
fi
if ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
  # A shallow clone may not reach back to the base.
  echo "format_check: the base commit $base is not in this clone (shallow? git fetch --unshallow)" >&2
  exit 2
fi

# The C++ sources under the given paths (the whole tree without paths), as git pathspecs.
exts=(cpp h hpp cu cuh cc)
specs=()
for e in "${exts[@]}"; do
  if [ ${#paths[@]} -eq 0 ]; then specs+=(":(glob)**/*.$e")
  else for p in "${paths[@]}"; do
         if [ -d "$p" ]; then specs+=(":(glob)${p%/}/**/*.$e"); else case "$p" in *."$e") specs+=("$p") ;; esac; fi
       done
  fi
done
[ ${#specs[@]} -gt 0 ] || { echo "format_check: no C++ files among the paths given"; exit 0; }

# Changed line ranges per file: "path<TAB>--lines=a:b", from a zero-context diff (renames followed, so a moved
# file counts only the lines edited in the move); deletion-only hunks have no line left to format.
ranges=$(git diff --no-color --no-ext-diff --src-prefix=a/ --dst-prefix=b/ -U0 -M --diff-filter=ACMR "$base" -- "${specs[@]}" | awk '
  /^\+\+\+ / { file = substr($0, 7); next }
  /^@@ / {
    split($3, p, ",")
    start = substr(p[1], 2) + 0
    n = (p[2] == "") ? 1 : p[2] + 0
    if (n > 0) printf "%s\t--lines=%d:%d\n", file, start, start + n - 1
  }')
# New files not yet added: every line is new.
untracked=$(git ls-files --others --exclude-standard -- "${specs[@]}")
while IFS= read -r f; do
  [ -n "$f" ] || continue
  n=$(wc -l < "$f")
  [ "$n" -gt 0 ] || n=1
  ranges+=$'\n'"$f"$'\t'"--lines=1:$n"
done <<< "$untracked"

files=$(printf '%s\n' "$ranges" | cut -f1 | sed '/^$/d' | sort -u)
if [ -z "$files" ]; then
  echo "format_check: no C++ lines changed since ${base:0:12}"
  exit 0
fi

bad=0
checked=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  mapfile -t lines < <(printf '%s\n' "$ranges" | awk -F'\t' -v f="$f" '$1 == f { print $2 }')
  checked=$((checked + 1))
  if [ $fix = 1 ]; then
    before=$(cksum < "$f")
    "$clang_format" -i --style=file "${lines[@]}" "$f"
    [ "$(cksum < "$f")" = "$before" ] || echo "formatted $f"
    continue
  fi
  formatted=$("$clang_format" --style=file "${lines[@]}" "$f"; echo x)
  formatted=${formatted%x}  # the command substitution would drop the file's last newlines
  if ! printf '%s' "$formatted" | cmp -s - "$f"; then
    bad=$((bad + 1))
    # file:line of each place (the line in the file as it is now), then the diff with some context.
    printf '%s' "$formatted" | diff -U0 "$f" - | awk -v f="$f" '
      /^@@ / { split($2, p, ","); l = substr(p[1], 2) + (p[2] == "0" ? 1 : 0); print f ":" l ": not formatted as .clang-format says" }' || true
    printf '%s' "$formatted" | diff -U2 --label "$f" --label "$f (formatted)" "$f" - || true
  fi
done <<< "$files"

if [ $fix = 1 ]; then
  echo "format_check: changed lines of $checked file(s) formatted (base ${base:0:12})"
  exit 0
fi
if [ $bad -gt 0 ]; then
  echo "format_check: $bad of $checked changed C++ file(s) have unformatted changed lines (base ${base:0:12})." >&2
  echo "Run: packaging/format_check.sh --fix [PATH...]" >&2
  exit 1
fi
echo "format_check: the changed lines of $checked C++ file(s) are formatted (base ${base:0:12})"
