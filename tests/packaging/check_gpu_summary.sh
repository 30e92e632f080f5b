#!/usr/bin/env bash
# packaging/gpu_summary.py on what a gpu_check.sh run cut short leaves behind: no files at all; a truncated
# check.json; empty, non-object and field-less records; a run without metrics. It must print every section
# (saying what it could not read) and exit 0; on a complete record it prints the numbers; a missing folder
# is exit 2.
#   check_gpu_summary.sh PYTHON packaging/gpu_summary.py
set -u
py=$1
summary=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect NAME TEXT: the last output contains TEXT
  case "$out" in *"$2"*) ;; *) echo "FAIL $1: no \"$2\" in:"; echo "$out"; fail=1 ;; esac
}
summarise() {  # summarise NAME FOLDER: runs the summary, expects exit 0
  out=$("$py" "$summary" "$2" 2>&1)
  local rc=$?
  if [ $rc != 0 ]; then echo "FAIL $1: exit $rc:"; echo "$out"; fail=1; fi
}

# 1. Nothing ran (the build failed).
mkdir "$tmp/empty"
summarise empty "$tmp/empty"
expect empty "(no machine.txt)"
expect empty "check.json: No such file or directory"
expect empty "## gpt-1.3b-24gb under a 24 GiB cap"

# 2. Cut off half-way, in every way a file can be.
d=$tmp/partial
mkdir "$d"
printf 'NVIDIA H100 80GB HBM3, 570.00, 81559 MiB\n' > "$d/machine.txt"
printf '{"danka_version": "0.1", "gpus": [{"name": "NVIDIA H100"}], "checks": [{"name": "gpu 0", "sta' > "$d/check.json"
printf '{"dtype": "bf16", "rows": [{"shape": "gqa d128", "danka": {"ran": true, "forward_ms": 1.5}}, 7]}' \
  > "$d/bench_attention_bf16.json"
printf '{"device": "cuda:0", "rows": [{"name": "rmsnorm fp64 [1]", "skipped": "float64 on CUDA"}, "x", {"name": "swiglu fp32 [7]", "danka": {"ran": true, "ms": 0.01' \
  > "$d/bench_kernels.json"
: > "$d/bench_attention_fp16.json"
printf '{}' > "$d/bench_minimind.json"
printf '[1, 2]' > "$d/bench_minimind_reference.json"
printf '{"batch": 16, "seq_len": 1024, "train_tokens_per_s": "fast", "mfu": null}' > "$d/bench_gpt2_small.json"
printf '{"status": "failed", "error": "out of memory", "latest_metrics": {"train/loss": {"value": 3.5}}}' \
  > "$d/run_fp16_offload.json"
printf '{"recommended": "bf16 mb1 ckpt4", "plans": [{"plan": "bf16 mb1 ckpt4"}]}' > "$d/estimate_13b.json"
printf '{"status": "running"}' > "$d/run_13b.json"
summarise partial "$d"
expect partial "NVIDIA H100 80GB HBM3"
expect partial "check.json is not valid JSON"
expect partial "| gqa d128 | ?x?/? | ? | 1.500 |"
expect partial "fp16: not run: bench_attention_fp16.json is empty"
expect partial "bench_kernels.json is not valid JSON"
expect partial "| minimind-26m | Danka fused | ? x ? | n/a | n/a |"
expect partial "bench_minimind_reference.json holds a list, not an object"
expect partial "| 16 x 1024 | n/a | n/a |"
expect partial "Run status: failed (out of memory); steps n/a, last loss 3.5000"
expect partial "Recommended plan: bf16 mb1 ckpt4 (estimate n/a GiB)"
expect partial "Run status: running; steps n/a, last loss n/a"

# 3. A complete record still gives its numbers.
d=$tmp/complete
mkdir "$d"
cat > "$d/check.json" <<'JSON'
{"gpus": [{"name": "NVIDIA H100", "compute_capability": "9.0"}], "danka_cuda_kernels": true,
 "danka_cuda_archs": "8.0 8.9 9.0+PTX", "torch_version": "2.13.0", "torch_cuda_version": "13.0",
 "checks": [{"name": "gpu 0 danka kernels", "status": "pass", "value": 900, "detail": "image for compute 9.0 runs"}],
 "kernel_checks": [{"name": "rmsnorm fwd+bwd fp32 D=12288", "status": "pass", "value": 3.1e-7, "tolerance": 1e-5,
                    "seconds": 0.4}],
 "kernel_summary": {"pass": 1, "fail": 0, "skip": 0}, "kernel_device": "cuda"}
JSON
printf '{"device": "cuda:0", "device_name": "NVIDIA H100", "seconds_per_measure": 0.05, "rows": [{"name": "rmsnorm fp64 [1]", "skipped": "float64 on CUDA"}, {"name": "swiglu bf16 [7]", "speedup": 2.5, "danka": {"ran": true, "ms": 0.01, "gflops": 0.0091, "gbytes_per_s": 0.0098}, "reference": {"ran": false, "note": "out of memory"}}]}' > "$d/bench_kernels.json"
printf '{"batch": 32, "seq_len": 512, "train_tokens_per_s": 123456.7, "mfu": 0.4123, "peak_flops": 989e12, "decode_tokens_per_s_batch1": 900, "decode_tokens_per_s_batch8": 5000}' > "$d/bench_minimind.json"
printf '{"status": "completed", "latest_metrics": {"train/loss": {"value": 5.25, "step": 20}, "train/loss_scale": {"value": 32768}, "train/overflow_steps": {"value": 1}, "memory/cuda_peak_bytes": {"value": 2147483648}}}' > "$d/run_fp16_offload.json"
summarise complete "$d"
expect complete "| gpu 0 danka kernels | pass | 900 | image for compute 9.0 runs |"
expect complete "Kernel checks on cuda: 1 passed, 0 failed, 0 skipped"
expect complete "| swiglu bf16 [7] | 0.0100 | n/a: out of memory | 2.50 | 0.0091 | 0.0098 | n/a: out of memory |"
expect complete "1 cases not for this device"
expect complete "| rmsnorm fwd+bwd fp32 D=12288 | pass | 3.10e-07 | 1e-05 | 0.4 |"
expect complete "| minimind-26m | Danka fused | 32 x 512 | 123457 | 41.2% of 989 TFLOP/s | 900 / 5000 |"
expect complete "Run status: completed; steps 20, last loss 5.2500; peak CUDA allocated 2.00 GiB"
expect complete "Loss scale at the end 32768, overflow steps 1"

# 4. No folder at all is an error.
out=$("$py" "$summary" "$tmp/nowhere" 2>&1)
rc=$?
[ $rc = 2 ] || { echo "FAIL missing folder: exit $rc"; fail=1; }
expect missing "no such results folder"

[ $fail = 0 ] && echo "gpu_summary.py: partial and complete result folders summarised"
exit $fail
