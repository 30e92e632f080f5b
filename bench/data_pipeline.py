#!/usr/bin/env python3
"""Data-pipeline benchmarks (issue: tokenizer and data pipeline). Prints a Markdown table for docs/benchmarks.md.

  python3 bench/data_pipeline.py BUILD_DIR [WORK_DIR]

Generates bilingual JSONL corpora of 200 MB and 1 GB from the shipped demo corpus (sentences recombined
with a fixed seed and numbered, so exact deduplication keeps almost everything), then measures with
danka-cli:
  - tokenizer training (vocabulary 6400) on 200 MB: wall time and peak RSS;
  - data prepare of 200 MB with 1 thread and with all cores: MB/s;
  - data prepare of 1 GB with all cores: MB/s and peak RSS (target: under 1 GB).
Peak RSS is the child's maximum resident set size (getrusage), wall time from time.monotonic.
"""
import json
import os
import random
import subprocess
import sys
import time

build = sys.argv[1]
work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/danka-bench"
cli = os.path.join(build, "app", "danka-cli")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(work, exist_ok=True)


def corpus(size_mb):
    path = os.path.join(work, f"corpus-{size_mb}m.jsonl")
    if os.path.exists(path) and os.path.getsize(path) >= size_mb * 1_000_000:
        return path
    sentences = []
    with open(os.path.join(root, "resources", "demo", "pretrain.jsonl"), encoding="utf-8") as f:
        for line in f:
            for s in json.loads(line)["text"].replace("。", "。\n").replace(". ", ".\n").split("\n"):
                if s.strip():
                    sentences.append(s.strip())
    rng = random.Random(2026)
    written, n = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < size_mb * 1_000_000:
            doc = f"#{n} " + " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 12)))
            line = json.dumps({"text": doc}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return path


def run(args):
    """Wall seconds and the child's own peak RSS in MiB (os.wait4 reports that child's rusage)."""
    start = time.monotonic()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({status}): {' '.join(args)}")
    return seconds, usage.ru_maxrss / 1024


c200, c1g = corpus(200), corpus(1000)
size200, size1g = os.path.getsize(c200) / 1e6, os.path.getsize(c1g) / 1e6
ws = os.path.join(work, "ws")
tok = os.path.join(work, "tok")
rows = []
sec, rss = run([cli, "--workspace", ws, "data", "inspect", c200])
rows.append(("read + clean 200 MB (data inspect, 1 thread)", f"{size200 / sec:.1f} MB/s", f"{rss:.0f} MiB"))
sec, rss = run([cli, "--workspace", ws, "tokenizer", "train", "--input", c200, "--vocab-size", "6400", "--out", tok])
rows.append(("tokenizer train, 200 MB, vocab 6400", f"{sec:.1f} s", f"{rss:.0f} MiB"))
for threads in (1, os.cpu_count()):
    sec, rss = run([cli, "--workspace", ws, "--threads", str(threads), "data", "prepare", "--input", c200,
                          "--tokenizer", tok, "--out", os.path.join(work, f"ds200-{threads}")])
    rows.append((f"data prepare 200 MB, {threads} thread(s)", f"{size200 / sec:.1f} MB/s ({sec:.1f} s)",
                 f"{rss:.0f} MiB"))
sec, rss = run([cli, "--workspace", ws, "data", "prepare", "--input", c1g, "--tokenizer", tok,
                      "--out", os.path.join(work, "ds1g")])
rows.append((f"data prepare 1 GB, {os.cpu_count()} threads", f"{size1g / sec:.1f} MB/s ({sec:.0f} s)", f"{rss:.0f} MiB"))

print("| what | speed | peak RSS |\n|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]} |")
