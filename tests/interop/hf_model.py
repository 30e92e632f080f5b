#!/usr/bin/env python3
"""Interop: transformers loads a Danka checkpoint folder as it is and computes the same logits.

  hf_model.py CHECKPOINT_DIR EXPECTED.safetensors [TOLERANCE]

EXPECTED holds "input_ids" (int64, (B, T)) and "logits" (float32, (B, T, V)) computed by Danka. Prints the
architecture transformers chose and the largest difference; exit 0 when it is within TOLERANCE (default
1e-4) of the largest |logit|, 1 otherwise, 77 when transformers is not installed.
"""
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

try:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)

directory, expected_path = sys.argv[1], sys.argv[2]
tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
expected = load_file(expected_path)
model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32)
model.eval()
with torch.no_grad():
    logits = model(input_ids=expected["input_ids"]).logits
diff = (logits - expected["logits"]).abs().max().item()
scale = expected["logits"].abs().max().item()
print(f"{type(model).__name__}: max |difference| {diff:.3g} (logits up to {scale:.3g})")
sys.exit(0 if diff <= tolerance * scale else 1)
