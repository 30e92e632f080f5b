#!/usr/bin/env bash
# Fetch the raw sources of Danka's demo data from Debian 12 (bookworm).
#
#   bash fetch_sources.sh [DEST]        (default DEST: /tmp/demo-sources)
#
# Downloads the three .deb packages with `apt-get download` (no root needed
# beyond a working apt configuration, nothing is installed) and unpacks them
# with `dpkg -x` into DEST/root. Then run:
#
#   python3 build_demo_data.py --sources DEST
#
# The .deb files and DEST are NOT part of the repository.
set -euo pipefail

DEST="${1:-/tmp/demo-sources}"
PACKAGES=(fortunes-zh fortunes miscfiles)
# The versions the committed demo files were generated from (Debian 12).
# Other versions may produce different output; build_demo_data.py warns then.
EXPECTED="fortunes-zh=2.98 fortunes=1:1.99.1-7.3 miscfiles=1.5+dfsg-4"

for tool in apt-get dpkg dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool not found (a Debian system is needed)" >&2; exit 1; }
done

mkdir -p "$DEST"
cd "$DEST"
rm -f ./*.deb
apt-get download "${PACKAGES[@]}"

rm -rf root
mkdir -p root
: > versions.txt
for deb in ./*.deb; do
    dpkg -x "$deb" root
    printf '%s=%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >> versions.txt
done
sort -o versions.txt versions.txt

echo "Fetched into $DEST:"
cat versions.txt
echo "Expected: $EXPECTED"
