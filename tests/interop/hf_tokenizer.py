#!/usr/bin/env python3
"""Interop: Hugging Face transformers is a real client of a tokenizer folder Danka trains.

Trains a tokenizer with danka-cli on the demo corpus, then checks with transformers (AutoTokenizer reading
tokenizer.json) and the sentencepiece package (reading tokenizer.model, the library Danka encodes with):
  - the same ids for every line of the demo SFT data and for edge cases (NFKC input, emoji, rare characters,
    markers, whitespace), and the same decoding;
  - the same ids as `danka-cli tokenizer encode` directly for a few texts;
  - apply_chat_template renders Danka's ChatML and tokenizes to the ids of `danka-cli tokenizer encode --chat`;
  - bos/eos/pad and the special markers.
Exit 77 (skipped) when transformers or sentencepiece are not installed.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

try:
    import sentencepiece
    from transformers import AutoTokenizer
except ImportError as e:  # pragma: no cover
    # CI sets DANKA_REQUIRE_INTEROP=1: there a missing package fails the test instead of skipping it.
    required = os.environ.get("DANKA_REQUIRE_INTEROP") == "1"
    print(f"{'FAIL (DANKA_REQUIRE_INTEROP=1)' if required else 'SKIP'}: {e}")
    sys.exit(1 if required else 77)

cli, demo = sys.argv[1], sys.argv[2]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def danka(*args):
    return json.loads(subprocess.check_output([cli, "--json", *args]))


with tempfile.TemporaryDirectory() as tmp:
    subprocess.check_call([cli, "--workspace", f"{tmp}/ws", "tokenizer", "train", "--input", f"{demo}/pretrain.jsonl",
                           "--input", f"{demo}/sft.jsonl", "--vocab-size", "3000", "--max-sentences", "30000",
                           "--out", f"{tmp}/tok"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tok = AutoTokenizer.from_pretrained(f"{tmp}/tok")
    sp = sentencepiece.SentencePieceProcessor(model_file=f"{tmp}/tok/tokenizer.model")

    texts = ["你好，世界！Ｈｅｌｌｏ ①②", "单卡训练。床前明月光，疑是地上霜。", "Hello, world!  Two  spaces ",
             "好的😀👍🏽 ok 𪚥𠀀", "<think>因为</think><answer>所以</answer><|im_end|>", "tab\there\nnew line",
             "", " ", "ﬁne ligature", "数字 12345 和 3.14159"]
    with open(f"{demo}/sft.jsonl", encoding="utf-8") as f:
        for line in f:
            for turn in json.loads(line)["conversations"]:
                texts.append(turn["content"])
    random.Random(1).shuffle(texts)
    for text in texts:
        hf_ids = tok.encode(text, add_special_tokens=False)
        sp_ids = sp.encode(text)
        check(hf_ids == sp_ids, f"ids differ for {text!r}: transformers {hf_ids[:16]} sentencepiece {sp_ids[:16]}")
        check(tok.decode(hf_ids) == sp.decode(sp_ids), f"decoding differs for {text!r}")
    for text in texts[:6] + ["你好，世界！Ｈｅｌｌｏ ①②"]:
        if text:
            ids = danka("tokenizer", "encode", "--tokenizer", f"{tmp}/tok", text)["ids"]
            check(ids == tok.encode(text, add_special_tokens=False), f"danka-cli and transformers differ for {text!r}")

    chat = [{"role": "system", "content": "你是单卡训练的助手。"}, {"role": "user", "content": "《静夜思》的作者是谁？"},
            {"role": "assistant", "content": "李白。"}, {"role": "user", "content": "Thanks!"},
            {"role": "assistant", "content": "<think>polite</think>You're welcome."}]
    rendered = tok.apply_chat_template(chat, tokenize=False)
    expected = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in chat)
    check(rendered == expected, f"chat template renders {rendered!r}")
    check(tok.apply_chat_template(chat[:2], tokenize=False, add_generation_prompt=True).endswith(
        "<|im_start|>assistant\n"), "no generation prompt")
    hf_chat = tok.apply_chat_template(chat, tokenize=True)
    if isinstance(hf_chat, dict) or hasattr(hf_chat, "keys"):
        hf_chat = hf_chat["input_ids"]
    danka_chat = danka("tokenizer", "encode", "--chat", "--tokenizer", f"{tmp}/tok", json.dumps(chat, ensure_ascii=False))
    check(list(hf_chat) == danka_chat["ids"], f"chat ids differ: {list(hf_chat)[:20]} vs {danka_chat['ids'][:20]}")

    check((tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token) == ("<s>", "</s>", "<pad>", "<unk>"),
          "special tokens")
    check(tok.convert_tokens_to_ids("<|im_end|>") == sp.piece_to_id("<|im_end|>"), "<|im_end|> id")
    end = tok.convert_tokens_to_ids("<|im_end|>")
    check("<|im_end|>" not in tok.decode([end], skip_special_tokens=True), "<|im_end|> is not special")
    think = tok.convert_tokens_to_ids("<think>")
    check(tok.decode([think], skip_special_tokens=True) == "<think>", "<think> must stay visible")

print(f"{len(texts)} texts compared")
for f in failures[:20]:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
