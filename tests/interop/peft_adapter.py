#!/usr/bin/env python3
"""Interop: peft loads a Danka LoRA adapter folder on the transformers base model and computes the same logits.

  peft_adapter.py BASE_DIR ADAPTER_DIR EXPECTED.safetensors [TOLERANCE]

BASE_DIR is a Danka checkpoint folder (config.json + model.safetensors), ADAPTER_DIR a Danka adapter folder
(adapter_config.json + adapter_model.safetensors). EXPECTED holds "input_ids" (int64, (B, T)) and "logits"
(float32, (B, T, V)) that Danka computed with the adapter attached. Checks that PeftModel.from_pretrained puts
every tensor of the file into an adapter and leaves no adapter without one, that the adapter changes the
base model's logits, and that the adapted and the merged (merge_and_unload) model match EXPECTED. Prints the
differences; exit 0 when within tolerance, 1 otherwise, 77 when transformers or peft is not installed.
"""
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

try:
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)

base_dir, adapter_dir, expected_path = sys.argv[1], sys.argv[2], sys.argv[3]
tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
expected = load_file(expected_path)
ids, want = expected["input_ids"], expected["logits"]
scale = max(1.0, want.abs().max().item())
failures = []


def logits_of(model):
    with torch.no_grad():
        return model(input_ids=ids).logits


def check(what, logits):
    diff = (logits - want).abs().max().item()
    print(f"{what}: max |difference| {diff:.3g} (logits up to {scale:.3g})")
    if diff > tolerance * scale:
        failures.append(what)


base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
base.eval()
base_logits = logits_of(base)
model = PeftModel.from_pretrained(base, adapter_dir)
model.eval()

# Every saved tensor sits in the adapter whose name it carries (PEFT's keys name the module, without the
# adapter name "default"), and every adapter got one: a naming mismatch would leave PEFT's initial values.
saved = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
adapters = {name.replace(".default.", "."): p for name, p in model.named_parameters() if ".lora_" in name}
if set(saved) != set(adapters):
    print(f"adapter tensors differ: only in the file {sorted(set(saved) - set(adapters))[:4]}, "
          f"only in the model {sorted(set(adapters) - set(saved))[:4]}")
    failures.append("names")
for name in set(saved) & set(adapters):
    if not torch.equal(saved[name], adapters[name].detach()):
        print(f"{name}: the model's adapter differs from the file's")
        failures.append(name)

change = (base_logits - want).abs().max().item()
print(f"{type(base).__name__} without the adapter: max |difference| {change:.3g}")
if change <= 100 * tolerance * scale:
    failures.append("the adapter does not change the logits, so matching them proves nothing")
check(f"PeftModel on {type(base).__name__}", logits_of(model))
check("merge_and_unload", logits_of(model.merge_and_unload()))
if failures:
    print("FAILED: " + ", ".join(failures))
sys.exit(1 if failures else 0)
