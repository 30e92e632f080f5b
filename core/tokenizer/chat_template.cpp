// The chat template (see chat_template.h).
#include "core/tokenizer/chat_template.h"

#include "core/tokenizer/tokenizer.h"

namespace danka::core::tokenizer {

void EncodedSequence::append(const EncodedSequence &other)
{
    ids.insert(ids.end(), other.ids.begin(), other.ids.end());
    lossMask.insert(lossMask.end(), other.lossMask.begin(), other.lossMask.end());
}

std::string renderChat(const std::vector<data::Message> &messages, bool addGenerationPrompt)
{
    std::string out;
    for (const data::Message &m : messages) out += std::string(kImStart) + m.role + "\n" + m.content + kImEnd + "\n";
    if (addGenerationPrompt) out += std::string(kImStart) + "assistant\n";
    return out;
}

namespace {

void add(EncodedSequence &seq, const std::vector<int32_t> &ids, uint8_t mask)
{
    seq.ids.insert(seq.ids.end(), ids.begin(), ids.end());
    seq.lossMask.insert(seq.lossMask.end(), ids.size(), mask);
}

void add(EncodedSequence &seq, int32_t id, uint8_t mask)
{
    seq.ids.push_back(id);
    seq.lossMask.push_back(mask);
}

// One turn; `withHeader` false continues after an "<|im_start|>assistant\n" that is already there.
void encodeTurn(const Tokenizer &t, const data::Message &m, bool withHeader, EncodedSequence &seq)
{
    const bool target = m.role == "assistant";
    if (withHeader) {
        add(seq, t.requireMarker(kImStart), 0);
        add(seq, t.encode(m.role + "\n"), 0);
    }
    add(seq, t.encode(m.content), target);
    add(seq, t.requireMarker(kImEnd), target);
    add(seq, t.encode("\n"), 0);
}

}  // namespace

EncodedSequence encodeConversation(const Tokenizer &tokenizer, const std::vector<data::Message> &messages)
{
    EncodedSequence seq;
    for (const data::Message &m : messages) encodeTurn(tokenizer, m, true, seq);
    return seq;
}

std::vector<int32_t> encodePrompt(const Tokenizer &tokenizer, const std::vector<data::Message> &messages)
{
    EncodedSequence seq = encodeConversation(tokenizer, messages);
    seq.ids.push_back(tokenizer.requireMarker(kImStart));
    const std::vector<int32_t> header = tokenizer.encode("assistant\n");
    seq.ids.insert(seq.ids.end(), header.begin(), header.end());
    return seq.ids;
}

EncodedSequence encodeContinuation(const Tokenizer &tokenizer, const std::vector<data::Message> &turns)
{
    EncodedSequence seq;
    for (size_t i = 0; i < turns.size(); ++i) encodeTurn(tokenizer, turns[i], i > 0, seq);
    return seq;
}

std::string jinjaChatTemplate()
{
    return "{% for message in messages %}"
           "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
           "{% endfor %}"
           "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

}  // namespace danka::core::tokenizer
