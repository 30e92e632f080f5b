#!/usr/bin/env python3
"""Danka against LibTorch's own scaled_dot_product_attention on the CPU, in one run: attention alone
(`danka-cli bench attention`: Danka's flash kernel against SDPA) and the whole minimind-26m model
(`danka-cli bench model`: Danka's kernels with attention as kernels::attention dispatches it, the same with
Danka's own flash attention everywhere, and the model as a LibTorch user writes it: SDPA, at::rms_norm,
silu * up, rotate_half RoPE, at::cross_entropy_loss), fp32 and bf16, T = 512 and 2048 (4096 tokens a step),
with peak memory. Training tokens/s are given as the range over the timed steps of the run.

    python3 bench/sdpa_bench.py BUILD_DIR [--quick] [--steps N] [--threads N] [--only attention|model]

--quick: tiny shapes and one step (checks that the benchmark runs); --only: one of the two parts. Prints
Markdown tables for docs/benchmarks.md.
"""
import json
import os
import subprocess
import sys


def run(cli, args):
    p = subprocess.run([cli, "--json"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"danka-cli {' '.join(args)} failed: {p.stderr[-2000:]}")
    return json.loads(p.stdout)


def mib(b):
    return f"{b / 2**20:.1f}"


def main():
    build = sys.argv[1]
    quick = "--quick" in sys.argv
    steps = sys.argv[sys.argv.index("--steps") + 1] if "--steps" in sys.argv else ("1" if quick else "4")
    threads = ["--threads", sys.argv[sys.argv.index("--threads") + 1]] if "--threads" in sys.argv else []
    cli = os.path.join(build, "app", "danka-cli")
    lengths = [32, 64] if quick else [512, 2048]
    dtypes = ["fp32", "bf16"]
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""

    if only != "model":
        attention(cli, threads, lengths, dtypes, quick)
    if only != "attention":
        model(cli, threads, lengths, dtypes, quick, steps)


def attention(cli, threads, lengths, dtypes, quick):
    print("### Attention alone (danka-cli bench attention --device cpu --lengths "
          f"{','.join(map(str, lengths))}{' --quick' if quick else ''})\n")
    print("| shape | dtype | B x H/Hkv, T | Danka fwd / fwd+bwd ms | SDPA fwd / fwd+bwd ms | fwd+bwd speedup "
          "(SDPA / Danka) | peak MiB fwd+bwd Danka / SDPA | SDPA backend | default path |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dtype in dtypes:
        args = threads + ["bench", "attention", "--device", "cpu", "--dtype", dtype,
                          "--lengths", ",".join(map(str, lengths))]
        if quick:
            args.append("--quick")
        r = run(cli, args)
        for row in r["rows"]:
            d, s = row["danka"], row["sdpa"]
            heads = f"{row['heads']}" + (f"/{row['kv_heads']}" if row["kv_heads"] != row["heads"] else "")

            def ms(t):
                return f"{t['forward_ms']:.1f} / {t['forward_backward_ms']:.1f}" if t["ran"] else "n/a"

            def peak(t):
                return mib(t["forward_backward_peak_bytes"]) if t["ran"] else "n/a"

            speed = f"{row['speedup_forward_backward']:.2f}x" if row["speedup_forward_backward"] else "n/a"
            print(f"| {row['shape']} | {dtype} | {row['batch']} x {heads}, {row['seq_len']} | {ms(d)} | {ms(s)} | "
                  f"{speed} | {peak(d)} / {peak(s)} | {s.get('note', '')} | {row.get('default_path', '')} |")



def model(cli, threads, lengths, dtypes, quick, steps):
    print("\n### Whole model, minimind-26m training step (forward + loss + backward), "
          f"{steps} timed steps after a warm-up\n")
    print("| dtype | B x T | kernels | training tokens/s (range over the steps) | MFU (median) | "
          "step peak MiB | decode tokens/s b1 / b8 |")
    print("|---|---|---|---|---|---|---|")
    preset = "demo" if quick else "minimind-26m"
    for dtype in dtypes:
        for T in lengths:
            batch = max(1, 4096 // T) if not quick else 2
            for kernels in ("danka", "danka-flash", "aten"):
                r = run(cli, threads + ["bench", "model", "--preset", preset, "--batch", str(batch), "--seq-len",
                                        str(T), "--steps", steps, "--dtype", dtype, "--kernels", kernels])
                tokens = batch * T
                lo, hi = tokens / r["train_step_seconds_max"], tokens / r["train_step_seconds_min"]
                print(f"| {dtype} | {batch} x {T} | {kernels} | {lo:,.0f}-{hi:,.0f} | {100 * r['mfu']:.1f}% | "
                      f"{mib(r['train_peak_bytes'])} | {r['decode_tokens_per_s_batch1']:.0f} / "
                      f"{r['decode_tokens_per_s_batch8']:.0f} |", flush=True)
    print(f"\nMFU against: {r['peak_flops_basis']} (bf16 rows: the bf16 peak, measured the same way).")


if __name__ == "__main__":
    main()
