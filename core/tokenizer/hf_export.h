// The Hugging Face side of a tokenizer folder: tokenizer.json (a `tokenizers` BPE model with byte
// fallback, the same normalisation as the SentencePiece model, and merges derived from the vocabulary the
// way transformers derives them), tokenizer_config.json (with the chat template) and
// special_tokens_map.json. With these, AutoTokenizer produces Danka's ids, NFKC input included.
#pragma once

#include <cstdint>
#include <string>

namespace danka::core::tokenizer {

class Tokenizer;

// Markers hidden by decode(skip_special_tokens=True): chat turns, infilling, control tags. Reasoning tags
// (<think>, <answer>) are content and stay visible.
bool isSpecialMarker(const std::string &marker);

// Writes the three files into `dir`. `nfkc`: the model normalises its input with NFKC.
void writeHuggingFaceFiles(const Tokenizer &tokenizer, const std::string &dir, bool nfkc, int64_t modelMaxLength);

}  // namespace danka::core::tokenizer
