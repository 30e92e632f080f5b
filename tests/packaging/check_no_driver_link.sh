#!/usr/bin/env bash
# Fails when a Danka binary needs the NVIDIA driver library (libcuda) to start: they must run on CPU-only
# machines. Checks the ELF NEEDED entries, then starts each binary with --version.
set -u
status=0
for bin in "$@"; do
  if readelf -d "$bin" | grep -E 'NEEDED.*libcuda\.so' ; then
    echo "FAIL: $bin links libcuda (the driver); link cudart only" >&2
    status=1
  fi
  if ! QT_QPA_PLATFORM=offscreen "$bin" --version >/dev/null; then
    echo "FAIL: $bin --version did not run" >&2
    status=1
  fi
done
[ $status = 0 ] && echo "ok: $# binaries start without the GPU driver"
exit $status
