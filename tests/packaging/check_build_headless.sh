#!/usr/bin/env bash
# packaging/build_headless.sh asked for a GPU build (DANKA_CUDA=ON) on a machine without nvcc stops at once
# with an error naming nvcc, before configuring anything (it used to build a CPU-only danka-cli, and every
# GPU check after it would have tested LibTorch instead of Danka's kernels); a bad DANKA_CUDA is refused by
# name; with an nvcc on PATH the check lets the build go on (to the next requirement, a Python with torch).
#   check_build_headless.sh packaging/build_headless.sh
set -u
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A PATH with only what the script needs before its nvcc check: no nvcc anywhere on it, wherever the
# machine's toolkit lives, and CUDA_HOME pointing at nothing.
mkdir "$tmp/bin"
for tool in bash dirname; do ln -s "$(command -v "$tool")" "$tmp/bin/$tool"; done
fail=0
run() {  # run NAME EXPECTED_RC EXPECTED_TEXT ENV...: runs the script in a clean environment
  local name=$1 want_rc=$2 want_text=$3; shift 3
  local out rc
  out=$(env -i HOME="$tmp" PATH="$tmp/bin" CUDA_HOME="$tmp/no-cuda" DANKA_PYTHON="$tmp/no-python" "$@" \
        "$tmp/bin/bash" "$script" "$tmp/build-$name" 2>&1)
  rc=$?
  if [ "$rc" != "$want_rc" ]; then echo "FAIL $name: exit $rc, expected $want_rc; output: $out"; fail=1; fi
  case "$out" in *"$want_text"*) ;; *) echo "FAIL $name: no \"$want_text\" in: $out"; fail=1 ;; esac
  if [ -e "$tmp/build-$name" ]; then echo "FAIL $name: the build folder was created"; fail=1; fi
}
run gpu-without-nvcc 3 "a GPU build was asked for (DANKA_CUDA=ON) but nvcc was not found" DANKA_CUDA=ON
run bad-mode 2 "DANKA_CUDA must be AUTO, ON or OFF, got 'yes'" DANKA_CUDA=yes
# With an nvcc on PATH (a stand-in: the check only looks for it) the nvcc check passes and the script
# stops at the next requirement, the Python with torch.
printf '#!/bin/sh\nexit 0\n' > "$tmp/bin/nvcc"
chmod +x "$tmp/bin/nvcc"
run gpu-with-nvcc 1 "cannot import torch" DANKA_CUDA=ON
rm "$tmp/bin/nvcc"
# CUDACXX is honoured too.
printf '#!/bin/sh\nexit 0\n' > "$tmp/fake-nvcc"
chmod +x "$tmp/fake-nvcc"
run gpu-with-cudacxx 1 "cannot import torch" DANKA_CUDA=ON CUDACXX="$tmp/fake-nvcc"
# Without DANKA_CUDA=ON a missing nvcc is no error (AUTO builds without Danka's CUDA kernels).
run auto-without-nvcc 1 "cannot import torch"
[ $fail = 0 ] && echo "build_headless.sh: nvcc checks as expected"
exit $fail
