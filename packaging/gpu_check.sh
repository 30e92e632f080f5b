#!/usr/bin/env bash
# Run on a GPU machine (no Qt needed): builds the headless targets against the machine's Python torch and
# runs every GPU check and benchmark Danka has, then prints a summary. Results go to $OUT when set (the
# device tool's output folder), else to gpu-results/.
#
#   bash packaging/gpu_check.sh
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${OUT:-$root/gpu-results}
mkdir -p "$out"
export DANKA_PYTHON=${DANKA_PYTHON:-python3}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  "$DANKA_PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  nvcc --version | tail -1; git log -1 --format='commit %H %cd'; } 2>&1 | tee "$out/machine.txt"

start=$(date +%s)
if ! bash packaging/build_headless.sh build-gpu > "$out/build.log" 2>&1; then
  tail -40 "$out/build.log"; echo "GPU CHECK: build FAILED (log: $out/build.log)"; exit 1
fi
echo "build: $(( $(date +%s) - start )) s"

status=0
build-gpu/app/danka-cli check --require-gpu --seconds 1 | tee "$out/check.txt" || status=1
build-gpu/app/danka-cli --json check --require-gpu --seconds 1 > "$out/check.json" || status=1

echo
if [ $status = 0 ]; then echo "GPU CHECK: all passed"; else echo "GPU CHECK: FAILURES (see above)"; fi
exit $status
