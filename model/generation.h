// Text generation with a KV cache: a batch of prompts, left-padded to one length (pad positions masked by
// segment -1 and RoPE positions counted per row), one prefill pass over the prompts, then one position per
// step. Each new token is handed to a callback as it is chosen (streaming); the callback can cancel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/sampling.h"
#include "model/transformer.h"

namespace danka::model {

enum class FinishReason { Eos, Stop, Length, Cancelled };
const char *finishReasonName(FinishReason reason);  // "eos", "stop", "length", "cancelled"

struct GenerationOptions {
    SamplingOptions sampling;
    int64_t maxNewTokens = 128;
    std::vector<int32_t> stopTokens;       // end-of-sequence ids (</s>, <|im_end|>): FinishReason::Eos
    std::vector<std::string> stopStrings;  // one of these appearing in the generated text ends it: FinishReason::Stop
    uint64_t seed = 0;
    int32_t padId = 0;
};

struct GenerationResult {
    std::vector<std::vector<int32_t>> tokens;  // generated ids per prompt, the stop token included when there is one
    std::vector<FinishReason> reasons;
    int64_t promptTokens = 0;
    int64_t generatedTokens = 0;
    double prefillSeconds = 0;
    double decodeSeconds = 0;
    double tokensPerSecond() const;            // generated tokens per second of the whole call
};

// (row, token) for each new token; return false to stop (every unfinished row ends as Cancelled).
using TokenCallback = std::function<bool(size_t row, int32_t token)>;
// Turns generated ids into text, for stop strings (the model layer has no tokenizer).
using Detokenizer = std::function<std::string(const std::vector<int32_t> &)>;

GenerationResult generate(TransformerImpl &model, const std::vector<std::vector<int32_t>> &prompts,
                          const GenerationOptions &options, const TokenCallback &onToken = {},
                          const Detokenizer &detokenize = {});

}  // namespace danka::model
