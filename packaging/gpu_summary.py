#!/usr/bin/env python3
"""Summary of a packaging/gpu_check.sh run: reads the JSON files it left in a folder and prints Markdown
tables (kernel checks, attention against SDPA, model throughput, the 24 GB plan) for docs/gpu-results.md.

    python3 packaging/gpu_summary.py RESULTS_DIR
"""
import json
import os
import sys


def load(folder, name):
    path = os.path.join(folder, name + ".json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"_missing": f"{name}.json: {e}"}


def fmt(v, spec=".3g"):
    return "n/a" if v is None else format(v, spec)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def kernel_section(folder):
    check = load(folder, "check")
    if "_missing" in check:
        return "## Kernel checks\n\nnot run: " + check["_missing"]
    out = ["## Kernel checks", ""]
    gpus = ", ".join(f"{g['name']} (sm {g['compute_capability']})" for g in check.get("gpus", []))
    out.append(f"GPU: {gpus or 'none'}; Danka CUDA kernels: {check.get('danka_cuda_kernels')} "
               f"({check.get('danka_cuda_archs')}); torch {check.get('torch_version')} CUDA {check.get('torch_cuda_version')}")
    out.append("")
    out.append(table(["check", "status", "value", "detail"],
                     [[c["name"], c["status"], fmt(c.get("value")), c.get("detail", "")] for c in check.get("checks", [])]))
    items = check.get("kernel_checks", [])
    if items:
        s = check.get("kernel_summary", {})
        out += ["", f"Kernel checks on {check.get('kernel_device')}: {s.get('pass', 0)} passed, {s.get('fail', 0)} failed, "
                    f"{s.get('skip', 0)} skipped", ""]
        out.append(table(["check", "status", "relative error", "tolerance"],
                         [[i["name"], i["status"], fmt(i.get("value"), ".2e"), fmt(i.get("tolerance"), ".0e")] for i in items]))
    return "\n".join(out)


def attention_section(folder):
    out = ["## Attention: Danka's kernels against LibTorch's scaled_dot_product_attention", ""]
    for dtype in ("bf16", "fp16"):
        r = load(folder, "bench_attention_" + dtype)
        if "_missing" in r:
            out += [f"{dtype}: not run: {r['_missing']}", ""]
            continue
        out += [f"{r.get('dtype')} on {r.get('device_name', r.get('device'))}, causal; FLOPs: {r.get('flops_formula')}", ""]
        rows = []
        for row in r.get("rows", []):
            d, s = row["danka"], row["sdpa"]
            rows.append([row["shape"], f"{row['batch']}x{row['heads']}/{row['kv_heads']}", row["seq_len"],
                         fmt(d.get("forward_ms"), ".3f") if d.get("ran") else "n/a",
                         fmt(s.get("forward_ms"), ".3f") if s.get("ran") else "n/a: " + s.get("note", ""),
                         fmt(row.get("speedup_forward"), ".2f"),
                         fmt(d.get("forward_backward_ms"), ".3f") if d.get("ran") else "n/a",
                         fmt(s.get("forward_backward_ms"), ".3f") if s.get("ran") else "n/a",
                         fmt(row.get("speedup_forward_backward"), ".2f"),
                         fmt(d.get("forward_backward_tflops"), ".1f") if d.get("ran") else "n/a"])
        out.append(table(["shape", "BxH/Hkv", "T", "Danka fwd ms", "SDPA fwd ms", "fwd x", "Danka f+b ms",
                          "SDPA f+b ms", "f+b x", "Danka f+b TFLOP/s"], rows))
        out.append("")
    return "\n".join(out)


def model_section(folder):
    out = ["## Training throughput (bench model, bf16 weights)", ""]
    rows = []
    for name, label in (("bench_minimind", "minimind-26m"), ("bench_gpt2_small", "GPT-2-small size (d 768, 12 layers)")):
        for suffix, kernels in (("", "Danka fused"), ("_reference", "plain LibTorch")):
            r = load(folder, name + suffix)
            if "_missing" in r:
                rows.append([label, kernels, "not run", "", "", ""])
                continue
            rows.append([label, kernels, f"{r['batch']} x {r['seq_len']}", f"{r['train_tokens_per_s']:.0f}",
                         f"{100 * r['mfu']:.1f}% of {r['peak_flops'] / 1e12:.0f} TFLOP/s",
                         f"{r['decode_tokens_per_s_batch1']:.0f} / {r['decode_tokens_per_s_batch8']:.0f}"])
    out.append(table(["model", "kernels", "batch", "train tokens/s", "MFU", "decode tokens/s (B1 / B8)"], rows))
    return "\n".join(out)


def plan_section(folder):
    out = ["## gpt-1.3b-24gb under a 24 GiB cap", ""]
    estimate, run = load(folder, "estimate_13b"), load(folder, "run_13b")
    if "_missing" in estimate:
        return "\n".join(out + ["not run: " + estimate["_missing"]])
    plan = next((p for p in estimate.get("plans", []) if p["plan"] == estimate.get("recommended")), None)
    if plan:
        out.append(f"Recommended plan: {plan['plan']} (estimate {plan['total_bytes'] / 2**30:.1f} GiB)")
    if "_missing" in run:
        out.append("training: not run: " + run["_missing"])
        return "\n".join(out)
    m = run.get("latest_metrics", {})
    def metric(name):
        return m.get(name, {}).get("value")
    peak = metric("memory/cuda_peak_bytes")
    out.append(f"Run status: {run.get('status')}{' (' + run['error'] + ')' if run.get('error') else ''}; "
               f"steps {m.get('train/loss', {}).get('step')}, last loss {fmt(metric('train/loss'), '.4f')}; "
               f"peak CUDA allocated {fmt(peak / 2**30 if peak else None, '.2f')} GiB, "
               f"reserved {fmt((metric('memory/cuda_reserved_bytes') or 0) / 2**30, '.2f')} GiB; "
               f"{fmt(metric('train/tokens_per_s'), '.0f')} tokens/s, MFU {fmt(100 * (metric('train/mfu') or 0), '.1f')}%")
    return "\n".join(out)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "gpu-results"
    machine = open(os.path.join(folder, "machine.txt")).read().strip() if os.path.exists(os.path.join(folder, "machine.txt")) else ""
    print("# GPU check\n\n```\n" + machine + "\n```\n")
    for section in (kernel_section, attention_section, model_section, plan_section):
        print(section(folder))
        print()


if __name__ == "__main__":
    main()
