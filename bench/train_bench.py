#!/usr/bin/env python3
"""Training throughput benchmark: tokens/s, MFU and peak RSS of `danka-cli train` for the demo and
minimind-26m presets, with and without activation checkpointing, on the demo corpus.

    python3 bench/train_bench.py BUILD_DIR [--steps N]

Needs a workspace where `danka-cli demo` has run (it prepares the demo datasets): the default is a
temporary one, prepared first. Results are printed as a Markdown table for docs/benchmarks.md.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile


def run(cli, ws, args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([cli, "--workspace", ws, "--json"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {p.stderr[-2000:]}")
    return json.loads(p.stdout), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main():
    build = sys.argv[1]
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 8
    cli = os.path.join(build, "app", "danka-cli")
    ws = tempfile.mkdtemp(prefix="danka-train-bench-")
    run(cli, ws, ["demo", "--steps", "1"])
    import sqlite3
    rows = []
    for preset, overrides in (("demo", {}), ("minimind-26m", {"data": {"seq_len": 340, "micro_batch_size": 8}})):
        for ckpt in (0, 1):
            config = {"preset": preset, "name": f"bench-{preset}-{ckpt}",
                      "data": {"dataset": f"{ws}/datasets/demo-pretrain", "val_dataset": f"{ws}/datasets/demo-pretrain-val",
                               **overrides.get("data", {})},
                      "schedule": {"max_steps": steps, "warmup_steps": 1},
                      "runtime": {"activation_checkpointing": ckpt, "log_every": steps, "eval_every": 0,
                                  "checkpoint_every": 0, "sample_every": 0, "device": "cpu"}}
            path = os.path.join(ws, f"bench-{preset}-{ckpt}.json")
            with open(path, "w") as f:
                json.dump(config, f)
            # Each run in its own process, so that the peak RSS is that run's (ru_maxrss of the largest child).
            code = ("import resource,subprocess,sys;"
                    "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
                    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            p = subprocess.run([sys.executable, "-c", code, cli, "--workspace", ws, "--json", "train", "--config", path],
                               capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(p.stderr[-2000:])
            rss_kib = int(p.stdout.strip())
            db = sqlite3.connect(os.path.join(ws, "danka.sqlite"))
            run_id = db.execute("select id from runs where name=?", (config["name"],)).fetchone()[0]
            metric = lambda n: db.execute("select value from metrics where run_id=? and name=? order by step desc limit 1",
                                          (run_id, n)).fetchone()[0]
            rows.append((preset, "every block" if ckpt else "off", metric("train/tokens_per_s"), metric("train/mfu"),
                         rss_kib / 1024))
    print("| preset | activation checkpointing | tokens/s | MFU | peak RSS |")
    print("|---|---|---|---|---|")
    for preset, ckpt, tps, mfu, rss in rows:
        print(f"| {preset} | {ckpt} | {tps:,.0f} | {100 * mfu:.1f}% | {rss:,.0f} MiB |")


if __name__ == "__main__":
    main()
