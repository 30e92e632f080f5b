#!/usr/bin/env python3
"""Summary of a packaging/gpu_check.sh run: reads the JSON files it left in a folder and prints Markdown
tables (kernel checks, the kernel lab's cases timed against their references, attention against SDPA, model
throughput, the fp16 / offloaded-optimizer training step, the 24 GB plan) for docs/gpu-results.md.

    python3 packaging/gpu_summary.py RESULTS_DIR

A run cut short (the device's time ran out, a step crashed) leaves missing, empty or truncated files and
records without some fields: every section then says what it could not read, and the summary still prints
and exits 0. Only a missing RESULTS_DIR is an error (exit 2).
"""
import json
import os
import sys


def load(folder, name):
    """The JSON object of NAME.json, or {"_missing": why} when it is absent, empty, truncated or not an object."""
    path = os.path.join(folder, name + ".json")
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        return {"_missing": f"{name}.json: {e.strerror or e}"}
    if not text.strip():
        return {"_missing": f"{name}.json is empty (the step printed nothing: see {name}.log)"}
    try:
        value = json.loads(text)
    except ValueError as e:
        return {"_missing": f"{name}.json is not valid JSON ({e}; cut off?)"}
    if not isinstance(value, dict):
        return {"_missing": f"{name}.json holds a {type(value).__name__}, not an object"}
    return value


def get(d, *path, default=None):
    """d[path[0]][path[1]]... or default where a level is missing or not a mapping."""
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def fmt(v, spec=".3g"):
    v = num(v)
    return "n/a" if v is None else format(v, spec)


def scaled(v, factor, spec):
    v = num(v)
    return "n/a" if v is None else format(v * factor, spec)


def cell(v):
    return str(v).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def records(value):
    """The dict entries of a list (a truncated or hand-edited file may hold anything else)."""
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def kernel_section(folder):
    check = load(folder, "check")
    if "_missing" in check:
        return "## Kernel checks\n\nnot run: " + check["_missing"]
    out = ["## Kernel checks", ""]
    gpus = ", ".join(f"{get(g, 'name', default='?')} (sm {get(g, 'compute_capability', default='?')})"
                     for g in records(check.get("gpus")))
    out.append(f"GPU: {gpus or 'none'}; Danka CUDA kernels: {check.get('danka_cuda_kernels')} "
               f"({check.get('danka_cuda_archs')}); torch {check.get('torch_version')} CUDA {check.get('torch_cuda_version')}")
    out.append("")
    out.append(table(["check", "status", "value", "detail"],
                     [[c.get("name", "?"), c.get("status", "?"), fmt(c.get("value")), c.get("detail", "")]
                      for c in records(check.get("checks"))]))
    items = records(check.get("kernel_checks"))
    if items:
        s = check.get("kernel_summary") if isinstance(check.get("kernel_summary"), dict) else {}
        out += ["", f"Kernel checks on {check.get('kernel_device')}: {s.get('pass', 0)} passed, {s.get('fail', 0)} failed, "
                    f"{s.get('skip', 0)} skipped", ""]
        named = lambda i: (f"{i['device']}: " if i.get("device") else "") + str(i.get("name", "?"))
        out.append(table(["check", "status", "relative error", "tolerance", "s"],
                         [[named(i), i.get("status", "?"), fmt(i.get("value"), ".2e"),
                           fmt(i.get("tolerance"), ".2g"), fmt(i.get("seconds"), ".1f")] for i in items]))
    elif "kernel_checks" not in check:
        out += ["", "kernel checks: not in check.json (the run stopped before them, or --kernels was not given)"]
    return "\n".join(out)


def kernel_bench_section(folder):
    r = load(folder, "bench_kernels")
    out = ["## Kernel lab: Danka's ops against their plain-LibTorch references (bench kernels)", ""]
    if "_missing" in r:
        return "\n".join(out + ["not run: " + r["_missing"]])
    out += [f"On {r.get('device_name', r.get('device'))}, {fmt(r.get('seconds_per_measure'))} s per median; "
            f"{r.get('flops_convention', '')}", ""]
    rows, skipped = [], 0
    for row in records(r.get("rows")):
        if row.get("skipped"):
            skipped += 1
            continue
        d = row.get("danka") if isinstance(row.get("danka"), dict) else {}
        ref = row.get("reference") if isinstance(row.get("reference"), dict) else {}
        timed = lambda t, key, spec: fmt(t.get(key), spec) if t.get("ran") else "n/a: " + str(t.get("note", ""))
        rows.append([row.get("name", "?"), timed(d, "ms", ".4f"), timed(ref, "ms", ".4f"), fmt(row.get("speedup"), ".2f"),
                     timed(d, "gflops", ".3g"), timed(d, "gbytes_per_s", ".3g"), timed(ref, "gbytes_per_s", ".3g")])
    if not rows:
        return "\n".join(out + ["no timed rows (the benchmark stopped before its first case)"])
    out.append(table(["case", "Danka ms", "reference ms", "x", "Danka GFLOP/s", "Danka GB/s", "reference GB/s"], rows))
    out += ["", f"{skipped} cases not for this device (float64: the reference runs on CUDA)."]
    return "\n".join(out)


def attention_section(folder):
    out = ["## Attention: Danka's kernels against LibTorch's scaled_dot_product_attention", ""]
    for dtype in ("bf16", "fp16"):
        r = load(folder, "bench_attention_" + dtype)
        if "_missing" in r:
            out += [f"{dtype}: not run: {r['_missing']}", ""]
            continue
        out += [f"{r.get('dtype', dtype)} on {r.get('device_name', r.get('device'))}, causal; FLOPs: {r.get('flops_formula')}", ""]
        rows = []
        for row in records(r.get("rows")):
            d = row.get("danka") if isinstance(row.get("danka"), dict) else {}
            s = row.get("sdpa") if isinstance(row.get("sdpa"), dict) else {}
            rows.append([row.get("shape", "?"), f"{row.get('batch', '?')}x{row.get('heads', '?')}/{row.get('kv_heads', '?')}",
                         row.get("seq_len", "?"),
                         fmt(d.get("forward_ms"), ".3f") if d.get("ran") else "n/a",
                         fmt(s.get("forward_ms"), ".3f") if s.get("ran") else "n/a: " + str(s.get("note", "")),
                         fmt(row.get("speedup_forward"), ".2f"),
                         fmt(d.get("forward_backward_ms"), ".3f") if d.get("ran") else "n/a",
                         fmt(s.get("forward_backward_ms"), ".3f") if s.get("ran") else "n/a",
                         fmt(row.get("speedup_forward_backward"), ".2f"),
                         fmt(d.get("forward_backward_tflops"), ".1f") if d.get("ran") else "n/a"])
        if not rows:
            out += ["no rows (the benchmark stopped before its first shape)", ""]
            continue
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
                rows.append([label, kernels, "not run: " + r["_missing"], "", "", ""])
                continue
            peak = num(r.get("peak_flops"))
            mfu = num(r.get("mfu"))
            rows.append([label, kernels, f"{r.get('batch', '?')} x {r.get('seq_len', '?')}",
                         fmt(r.get("train_tokens_per_s"), ".0f"),
                         (f"{100 * mfu:.1f}%" if mfu is not None else "n/a") +
                         (f" of {peak / 1e12:.0f} TFLOP/s" if peak else ""),
                         f"{fmt(r.get('decode_tokens_per_s_batch1'), '.0f')} / {fmt(r.get('decode_tokens_per_s_batch8'), '.0f')}"])
    out.append(table(["model", "kernels", "batch", "train tokens/s", "MFU", "decode tokens/s (B1 / B8)"], rows))
    return "\n".join(out)


def run_line(run):
    """One line on a `danka-cli runs show` record: status, steps, loss, memory, speed."""
    def metric(name):
        return get(run, "latest_metrics", name, "value")
    error = run.get("error")
    return (f"Run status: {run.get('status', '?')}{' (' + str(error) + ')' if error else ''}; "
            f"steps {get(run, 'latest_metrics', 'train/loss', 'step', default='n/a')}, "
            f"last loss {fmt(metric('train/loss'), '.4f')}; "
            f"peak CUDA allocated {scaled(metric('memory/cuda_peak_bytes'), 2**-30, '.2f')} GiB, "
            f"reserved {scaled(metric('memory/cuda_reserved_bytes'), 2**-30, '.2f')} GiB; "
            f"{fmt(metric('train/tokens_per_s'), '.0f')} tokens/s, MFU {scaled(metric('train/mfu'), 100, '.1f')}%")


def fp16_section(folder):
    out = ["## fp16 with loss scaling and offloaded AdamW (demo model, memory cap on, fresh process)", ""]
    run = load(folder, "run_fp16_offload")
    if "_missing" in run:
        return "\n".join(out + ["not run: " + run["_missing"]])
    out.append(run_line(run))
    def metric(name):
        return get(run, "latest_metrics", name, "value")
    out.append(f"Loss scale at the end {fmt(metric('train/loss_scale'), '.0f')}, overflow steps "
               f"{fmt(metric('train/overflow_steps'), '.0f')}, skipped steps {fmt(metric('train/skipped_steps'), '.0f')}")
    return "\n".join(out)


def plan_section(folder):
    out = ["## gpt-1.3b-24gb under a 24 GiB cap", ""]
    estimate, run = load(folder, "estimate_13b"), load(folder, "run_13b")
    if "_missing" in estimate:
        return "\n".join(out + ["not run: " + estimate["_missing"]])
    plan = next((p for p in records(estimate.get("plans")) if p.get("plan") == estimate.get("recommended")), None)
    if plan:
        out.append(f"Recommended plan: {plan.get('plan')} (estimate {scaled(plan.get('total_bytes'), 2**-30, '.1f')} GiB)")
    else:
        out.append("Recommended plan: none in estimate_13b.json")
    if "_missing" in run:
        out.append("training: not run: " + run["_missing"])
        return "\n".join(out)
    out.append(run_line(run))
    return "\n".join(out)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "gpu-results"
    if not os.path.isdir(folder):
        print(f"gpu_summary: {folder}: no such results folder", file=sys.stderr)
        return 2
    machine_path = os.path.join(folder, "machine.txt")
    try:
        with open(machine_path, errors="replace") as f:
            machine = f.read().strip()
    except OSError:
        machine = "(no machine.txt)"
    print("# GPU check\n\n```\n" + machine + "\n```\n")
    for section in (kernel_section, kernel_bench_section, attention_section, model_section, fp16_section,
                    plan_section):
        try:
            text = section(folder)
        except Exception as e:  # a record shaped in a way nobody foresaw: say so, keep the other sections
            text = f"## {section.__name__}\n\nincomplete: {type(e).__name__}: {e}"
        print(text)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
