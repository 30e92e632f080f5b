#!/usr/bin/env bash
# Builds the headless Danka (kernels, model, core, danka-cli) with Qt hidden from CMake: what a GPU server
# with only a compiler, CUDA and a Python torch can build.
#
#   packaging/build_headless.sh [BUILD_DIR]          (default build-headless)
#   DANKA_CUDA=ON packaging/build_headless.sh DIR     a GPU build: fails at once, saying why, without nvcc
#
# LibTorch comes from $DANKA_PYTHON (default: .venv/bin/python when present, else python3). nvcc is
# $CUDACXX, else the nvcc on PATH, else $CUDA_HOME/bin/nvcc (default /usr/local/cuda). DANKA_CUDA (AUTO, ON
# or OFF; default AUTO) is CMake's option: AUTO builds without Danka's CUDA kernels when nvcc is missing, ON
# (what packaging/gpu_check.sh asks for) refuses to. Small dependencies missing on the machine
# (nlohmann-json, CLI11, SQLite headers) can come from Debian packages extracted by packaging/gpu_deps.sh
# into .deps/root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${1:-build-headless}
cuda_mode=${DANKA_CUDA:-AUTO}
case "$cuda_mode" in
  AUTO|ON|OFF) ;;
  *) echo "build_headless: DANKA_CUDA must be AUTO, ON or OFF, got '$cuda_mode'" >&2; exit 2 ;;
esac
nvcc=
if [ "$cuda_mode" != OFF ]; then
  if [ -n "${CUDACXX:-}" ] && [ -x "$CUDACXX" ]; then nvcc=$CUDACXX
  elif command -v nvcc >/dev/null; then nvcc=$(command -v nvcc)
  elif [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then nvcc=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc; fi
fi
if [ "$cuda_mode" = ON ] && [ -z "$nvcc" ]; then
  # Before anything is configured: a GPU build without nvcc would otherwise come out CPU-only and every GPU
  # check after it would test LibTorch's ops instead of Danka's kernels.
  echo "build_headless: ERROR: a GPU build was asked for (DANKA_CUDA=ON) but nvcc was not found" \
       "(CUDACXX=${CUDACXX:-unset}, not on PATH, not at ${CUDA_HOME:-/usr/local/cuda}/bin/nvcc)." \
       "Install the CUDA toolkit of the torch wheel's major version, or point CUDACXX or CUDA_HOME at it." >&2
  exit 3
fi
python=${DANKA_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null) || {
  echo "build_headless: $python cannot import torch; set DANKA_PYTHON to a Python with torch" >&2; exit 1; }
prefix="$torch_prefix"
[ -d .deps/root/usr ] && prefix="$prefix;$root/.deps/root/usr"
nvcc_args=(-DDANKA_CUDA="$cuda_mode")
[ -n "$nvcc" ] && nvcc_args+=(-DCMAKE_CUDA_COMPILER="$nvcc")
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DDANKA_BUILD_GUI=OFF -DDANKA_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=TRUE "${nvcc_args[@]}"
cmake --build "$build_dir" --target danka-cli -j "${DANKA_JOBS:-$(nproc)}"
