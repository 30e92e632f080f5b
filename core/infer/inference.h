// Generation from a checkpoint folder, for `danka-cli generate` and the studio's chat. Torch-free header.
// Plain prompts are continued as a document (they start after </s>, like documents in the packed training
// data) until </s>; chat prompts are wrapped in the chat template as a user turn (after the history and an
// optional system prompt) and end at <|im_end|>.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/data/records.h"
#include "core/tokenizer/tokenizer.h"
#include "model/model_config.h"

namespace danka::core {

struct GenerateRequest {
    std::string prompt;
    bool chat = false;
    std::string systemPrompt;                 // chat: an optional system turn first
    std::vector<data::Message> history;       // chat: earlier user/assistant turns
    bool greedy = false;                      // argmax, no penalty
    double temperature = 0.8;
    int64_t topK = 50;
    double topP = 0.95;
    double repetitionPenalty = 1.1;
    int64_t maxNewTokens = 256;
    std::vector<std::string> stopStrings;     // generation ends where one appears; the text ends before it
    uint64_t seed = 0;
};

struct GenerateResult {
    std::vector<int32_t> promptIds;
    std::vector<int32_t> generatedIds;        // the end marker included when the model produced it
    std::string text;                         // the generated text without the end marker or stop string
    std::string finishReason;                 // "eos", "stop", "length" or "cancelled"
    double tokensPerSecond = 0;
    double seconds = 0;
};

// The visible text of a reply as its tokens arrive, and the pieces a stream may hand out. Pieces are never
// half a character: byte-fallback tokens are held back until their bytes make whole UTF-8 characters, and
// bytes that never do (a small model can emit the start of a character and then something else) are left
// out of the text instead of showing as U+FFFD. The text ends before the first stop string, and a tail that
// could still become one is held back until the next token tells.
class TextStream {
public:
    TextStream(const tokenizer::Tokenizer &tokenizer, std::vector<std::string> stopStrings);
    // Adds a generated token (not an end marker); returns the new visible text, "" when nothing is new.
    std::string push(int32_t token);
    void add(int32_t token);  // the same without decoding (no one streams): finish() decodes once
    // The end of the reply: returns what was held back (a stop-string prefix that did not become one).
    std::string finish();
    const std::string &text() const { return m_text; }  // the visible text so far (after finish: all of it)
    int64_t droppedBytes() const { return m_droppedBytes; }  // byte tokens left out as no character

private:
    void settleBytes(bool final);
    std::string visibleText() const;

    const tokenizer::Tokenizer &m_tokenizer;
    std::vector<std::string> m_stops;
    std::vector<int32_t> m_ids;           // tokens of the visible text
    std::vector<int32_t> m_pendingBytes;  // byte tokens not yet a whole character
    std::string m_text;                   // what has been handed out
    int64_t m_droppedBytes = 0;
};

class InferenceModel {
public:
    // Loads the model and its tokenizer, with the LoRA adapter folder `adapter` attached (not merged) when
    // given; an adapter folder as `checkpointDir` loads with its recorded base. Throws core::Error naming the
    // folder and the problem.
    static std::unique_ptr<InferenceModel> load(const std::string &checkpointDir, const std::string &device = "cpu",
                                                const std::string &adapter = "");
    ~InferenceModel();

    // `onText` receives the generated text as it grows, a piece at a time (TextStream: never half a
    // character); returning false cancels. Thread: the caller's (the studio calls it on a worker).
    GenerateResult generate(const GenerateRequest &request,
                            const std::function<bool(const std::string &piece)> &onText = {});

    const model::ModelConfig &config() const;
    const tokenizer::Tokenizer &tokenizer() const;
    const std::string &dir() const;

private:
    InferenceModel();
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace danka::core
