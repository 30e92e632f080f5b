#!/usr/bin/env bash
# Builds the headless Danka (kernels, model, core, danka-cli) with Qt hidden from CMake: what a GPU server
# with only a compiler, CUDA and a Python torch can build.
#
#   packaging/build_headless.sh [BUILD_DIR]          (default build-headless)
#
# LibTorch comes from $DANKA_PYTHON (default: .venv/bin/python when present, else python3). Small
# dependencies missing on the machine (nlohmann-json, CLI11, SQLite headers) can come from Debian packages
# extracted by packaging/gpu_deps.sh into .deps/root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${1:-build-headless}
python=${DANKA_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null) || {
  echo "build_headless: $python cannot import torch; set DANKA_PYTHON to a Python with torch" >&2; exit 1; }
prefix="$torch_prefix"
[ -d .deps/root/usr ] && prefix="$prefix;$root/.deps/root/usr"
nvcc_args=()
if command -v nvcc >/dev/null; then nvcc_args=(-DCMAKE_CUDA_COMPILER="$(command -v nvcc)")
elif [ -x /usr/local/cuda/bin/nvcc ]; then nvcc_args=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc); fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DDANKA_BUILD_GUI=OFF -DDANKA_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=TRUE "${nvcc_args[@]}"
cmake --build "$build_dir" --target danka-cli -j "${DANKA_JOBS:-$(nproc)}"
