// Danka's one chat template (ChatML): every stage, the chat and the exported tokenizer_config.json use it.
//
//   <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n
//   <|im_start|>assistant\n{reply}<|im_end|>\n
//
// Encoding is per segment (marker, role header, content, marker, newline), so the tokens of a reply are
// the same whether it is trained on, generated, or scored. The loss mask covers exactly each assistant
// reply and its <|im_end|> (the model learns to stop); headers, prompts and newlines carry no loss.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/records.h"

namespace danka::core::tokenizer {

class Tokenizer;

struct EncodedSequence {
    std::vector<int32_t> ids;
    std::vector<uint8_t> lossMask;  // 1 where the token is a training target
    void append(const EncodedSequence &other);
};

// The conversation as text; with `addGenerationPrompt` it ends with "<|im_start|>assistant\n".
std::string renderChat(const std::vector<data::Message> &messages, bool addGenerationPrompt);
// A whole conversation with its loss mask.
EncodedSequence encodeConversation(const Tokenizer &tokenizer, const std::vector<data::Message> &messages);
// The prompt to generate from: the turns, then "<|im_start|>assistant\n". No mask.
std::vector<int32_t> encodePrompt(const Tokenizer &tokenizer, const std::vector<data::Message> &messages);
// Turns that continue a prompt produced by encodePrompt (the assistant header is already there), with the
// loss mask on the assistant replies: the chosen / rejected side of a preference pair.
EncodedSequence encodeContinuation(const Tokenizer &tokenizer, const std::vector<data::Message> &turns);
// The same template in Jinja, for tokenizer_config.json (Hugging Face apply_chat_template).
std::string jinjaChatTemplate();

}  // namespace danka::core::tokenizer
