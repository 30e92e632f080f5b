#!/usr/bin/env bash
# Every GPU check and benchmark of Danka in one call, on a machine with a GPU, CUDA and a Python torch (no Qt):
#   1. builds the headless targets against that torch with its nvcc (packaging/build_headless.sh);
#   2. `danka-cli check --kernels --require-gpu`: the runtime, Danka's kernel image on the GPU, and every
#      kernel (forward and gradients) against its float64 reference, full-model gradients, cached decoding;
#   3. `danka-cli bench attention`: Danka's flash attention against LibTorch's scaled_dot_product_attention;
#   4. `danka-cli bench model`: training tokens/s and MFU of minimind-26m and a GPT-2-small-sized model;
#   5. gpt-1.3b-24gb for a few steps under a 24 GiB cap (runtime.memory_cap) with the plan the estimator
#      recommends, on the demo corpus: its peak VRAM and whether it trains;
# then prints a summary table (also written to $OUT/summary.md for docs/gpu-results.md).
#
#   bash packaging/gpu_check.sh            results in $OUT when set (the device tool's folder), else gpu-results/
#   GPU_CHECK_QUICK=1 bash packaging/gpu_check.sh    skips the 1.3B run
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${OUT:-$root/gpu-results}
mkdir -p "$out"
export DANKA_PYTHON=${DANKA_PYTHON:-python3}
py=$DANKA_PYTHON

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  nvcc --version | tail -1; git log -1 --format='commit %H %cd' 2>/dev/null || true; date -u; } 2>&1 | tee "$out/machine.txt"

start=$(date +%s)
if ! bash packaging/build_headless.sh build-gpu > "$out/build.log" 2>&1; then
  tail -40 "$out/build.log"; echo "GPU CHECK: build FAILED (log: $out/build.log)"; exit 1
fi
echo "build: $(( $(date +%s) - start )) s" | tee "$out/build_time.txt"
cli=build-gpu/app/danka-cli
status=0
step() {  # step NAME COMMAND...: runs one stage, its JSON to $out/NAME.json and stderr to $out/NAME.log
  local name=$1; shift
  local t0; t0=$(date +%s)
  if "$@" > "$out/$name.json" 2> "$out/$name.log"; then echo "$name: ok ($(( $(date +%s) - t0 )) s)"
  else echo "$name: FAILED ($(( $(date +%s) - t0 )) s, see $out/$name.log)"; status=1; fi
}

step check "$cli" --json check --kernels --require-gpu --seconds 1
step bench_attention_bf16 "$cli" --json bench attention --device cuda --dtype bf16
step bench_attention_fp16 "$cli" --json bench attention --device cuda --dtype fp16
step bench_minimind "$cli" --json bench model --preset minimind-26m --device cuda:0 --dtype bf16 --batch 32 --seq-len 512 --steps 10
step bench_minimind_reference "$cli" --json bench model --preset minimind-26m --device cuda:0 --dtype bf16 --batch 32 --seq-len 512 --steps 10 --reference
step bench_gpt2_small "$cli" --json bench model --config bench/configs/gpt2-small.json --device cuda:0 --dtype bf16 --batch 16 --seq-len 1024 --steps 10
step bench_gpt2_small_reference "$cli" --json bench model --config bench/configs/gpt2-small.json --device cuda:0 --dtype bf16 --batch 16 --seq-len 1024 --steps 10 --reference

if [ "${GPU_CHECK_QUICK:-0}" != 1 ]; then
  # The 24 GB plan: the estimator's recommendation for gpt-1.3b-24gb at 24 GiB, trained for a few steps on
  # the demo corpus with the allocator capped at the budget.
  ws=$out/ws; rm -rf "$ws"
  c="$cli --workspace $ws"
  step tokenizer $c --json tokenizer train --input resources/demo/pretrain.jsonl --out "$ws/tokenizer"
  step dataset $c --json data prepare --input resources/demo/pretrain.jsonl --tokenizer "$ws/tokenizer" --out "$ws/data"
  step estimate_13b $c --json estimate --preset gpt-1.3b-24gb --budget 24GiB
  $c config show gpt-1.3b-24gb > "$out/preset_13b.json"
  "$py" - "$out" "$ws" <<'PY'
import json, sys
out, ws = sys.argv[1], sys.argv[2]
config = json.load(open(f"{out}/preset_13b.json"))
estimate = json.load(open(f"{out}/estimate_13b.json"))
plan = next(p for p in estimate["plans"] if p["plan"] == estimate["recommended"])
sequences = config["data"]["micro_batch_size"] * config["optim"]["grad_accum_steps"]
config["data"].update(dataset=f"{ws}/data", micro_batch_size=plan["micro_batch"])
config["optim"]["grad_accum_steps"] = 2  # a few steps, not the preset's 64-sequence batches
config["runtime"].update(precision=plan["precision"], activation_checkpointing=plan["checkpoint_every"],
                         offload_optimizer=plan["optimizer_on_cpu"], memory_cap=True, memory_budget_gib=24.0,
                         log_every=1, eval_every=0, eval_batches=2, checkpoint_every=0, sample_every=0)
config["schedule"].update(max_steps=12, warmup_steps=2)
json.dump(config, open(f"{out}/train_13b_config.json", "w"), indent=2)
print("gpt-1.3b-24gb plan:", plan["plan"])
PY
  step train_13b $c --json train --config "$out/train_13b_config.json"
  $c --json runs show 1 > "$out/run_13b.json" 2>/dev/null || true
  rm -rf "$ws/runs"/*/checkpoints  # 1.3B checkpoints are not results
fi

echo
"$py" packaging/gpu_summary.py "$out" | tee "$out/summary.md"
echo
if [ $status = 0 ]; then echo "GPU CHECK: all passed"; else echo "GPU CHECK: FAILURES (see above)"; fi
exit $status
