#!/usr/bin/env bash
# Run here (Debian, with apt): downloads the small build dependencies a GPU server may lack and extracts
# them into .deps/root (ignored by git), so that `run` can carry them there (carry: [".deps"]).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$root/.deps/debs" "$root/.deps/root"
cd "$root/.deps/debs"
apt-get download nlohmann-json3-dev libcli11-dev libsqlite3-dev libsqlite3-0 >/dev/null
for deb in *.deb; do dpkg -x "$deb" "$root/.deps/root"; done
echo "extracted $(ls *.deb | wc -l) packages into .deps/root"
