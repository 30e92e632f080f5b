#!/usr/bin/env bash
# Danka set-up on a fresh Debian 12 machine: system packages, the pinned LibTorch (PyPI torch wheel, CUDA
# build) in a project-local virtual environment, configure and build; then run the studio, the tests or
# nothing. Idempotent: every step checks what is already there and does only what is missing.
#
#   packaging/setup.sh run     set up, build, open the studio on the demo workspace
#   packaging/setup.sh test    set up, build, run the whole test suite (what CI runs)
#   packaging/setup.sh build   set up and build only
#
# Environment: DANKA_BUILD_DIR (default build), DANKA_VENV (default .venv), DANKA_JOBS (default nproc),
# DANKA_SKIP_APT=1 to skip the Debian packages (for machines set up by other means).
set -euo pipefail

action=${1:-build}
case "$action" in run|test|build) ;; *) echo "usage: $0 run|test|build" >&2; exit 2 ;; esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${DANKA_BUILD_DIR:-build}
venv=${DANKA_VENV:-.venv}
jobs=${DANKA_JOBS:-$(nproc)}
# Pinned LibTorch: torch 2.13.0 is built against CUDA 13.0 (the major of the nvcc we compile with) and is the
# newest wheel whose headers still accept C++17 (2.14 requires C++20).
torch_version=2.13.0

say() { printf '\033[1;34m[danka setup]\033[0m %s\n' "$*"; }

# --- 1. Debian packages --------------------------------------------------------------------------------
packages=(cmake ninja-build g++ pkg-config python3 python3-venv python3-pip
          qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev qt6-tools-dev qt6-tools-dev-tools
          qt6-l10n-tools qt6-translations-l10n libsentencepiece-dev sentencepiece nlohmann-json3-dev
          libsqlite3-dev sqlite3 libcli11-dev libicu-dev xvfb xauth imagemagick fonts-noto-cjk clang-format)
if [ "${DANKA_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

# --- 2. LibTorch in a project-local virtual environment ------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  /usr/bin/python3 -m venv "$venv"
fi
have=$("$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)
if [ "${have%%+*}" != "$torch_version" ]; then
  say "installing torch==$torch_version into $venv (a large download, once)"
  "$venv/bin/python" -m pip install -q "torch==$torch_version" numpy
fi
# The Python ecosystem Danka's files must work with, used by the interop tests only (never by Danka).
interop=(transformers==5.23.0 sentencepiece==0.2.3 protobuf==7.36.2 peft==0.21.2)
if ! "$venv/bin/python" -c 'import transformers, sentencepiece, google.protobuf, peft' 2>/dev/null; then
  say "installing the interop test packages: ${interop[*]}"
  "$venv/bin/python" -m pip install -q "${interop[@]}"
fi
torch_prefix=$("$venv/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)')

# --- 3. Configure and build ----------------------------------------------------------------------------
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  say "configuring $build_dir"
  cuda_args=()
  [ -x /usr/local/cuda/bin/nvcc ] && cuda_args=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DDANKA_BUILD_TESTS=ON "${cuda_args[@]}"
fi
say "building ($jobs jobs)"
cmake --build "$build_dir" -j "$jobs"

# --- 4. Act --------------------------------------------------------------------------------------------
case "$action" in
  run)
    workspace=${DANKA_WORKSPACE:-$root/demo-workspace}
    say "starting the studio on $workspace"
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      say "no display found: running under xvfb-run"
      exec xvfb-run -a "$build_dir/app/danka" --workspace "$workspace" --demo
    fi
    exec "$build_dir/app/danka" --workspace "$workspace" --demo
    ;;
  test)
    say "running the test suite"
    QT_QPA_PLATFORM=offscreen ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
    ;;
  build) ;;
esac
