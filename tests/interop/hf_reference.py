#!/usr/bin/env python3
"""Interop oracle: transformers builds a model from a config.json, gives it random weights, saves the folder
as it saves any model, and records its logits; Danka then loads the folder and must compute the same.

  hf_reference.py DIR EXPECTED.safetensors SEED STD LENGTH

DIR holds a config.json (any family Danka reads). The model gets weights from torch.manual_seed(SEED):
matrices normal(0, STD), or normal(0, 1 / sqrt(fan_in)) when STD is 0 (activations of unit scale, as in a
trained model), norm weights 1 + normal(0, 0.1). save_pretrained writes DIR (config.json rewritten by
transformers, model.safetensors). EXPECTED gets "input_ids" (int64, (2, LENGTH)) and the float32 "logits"
of the full sequences. Prints what it built; exit 0, or 77 when transformers is not installed.
"""
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

try:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoConfig, AutoModelForCausalLM
except ImportError as e:  # pragma: no cover
    required = os.environ.get("DANKA_REQUIRE_INTEROP") == "1"
    print(f"{'FAIL (DANKA_REQUIRE_INTEROP=1)' if required else 'SKIP'}: {e}")
    sys.exit(1 if required else 77)

directory, expected_path = sys.argv[1], sys.argv[2]
seed, std, length = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
config = AutoConfig.from_pretrained(directory)
torch.manual_seed(seed)
model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
with torch.no_grad():
    for name, p in model.named_parameters():
        if p.dim() == 1:
            p.copy_(1 + 0.1 * torch.randn_like(p))
        else:
            p.copy_(torch.randn_like(p) * (std if std > 0 else p.shape[1] ** -0.5))
model.eval()
model.save_pretrained(directory)
ids = torch.randint(config.vocab_size, (2, length))
with torch.no_grad():
    logits = model(input_ids=ids).logits
save_file({"input_ids": ids, "logits": logits.contiguous()}, expected_path)
print(f"{type(model).__name__}: logits up to {logits.abs().max().item():.3g}")
