// Choosing the next token from logits: greedy argmax, or sampling with temperature, top-k, top-p (nucleus,
// Holtzman et al. 2020) and a repetition penalty (CTRL, Keskar et al. 2019).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace danka::model {

struct SamplingOptions {
    bool greedy = false;             // plain argmax: no temperature, no filters, no penalty
    double temperature = 1.0;        // logits / temperature; <= 0 means greedy
    int64_t topK = 0;                // keep the k most likely tokens; 0 = all
    double topP = 1.0;               // keep the smallest set whose probability reaches p; 1 = all
    double repetitionPenalty = 1.0;  // > 1: tokens already in the sequence become less likely
};

// Next token of each row. logits (B, V); `history[b]` holds the tokens of row b so far (prompt and
// generated) for the repetition penalty. Returns (B) int64.
at::Tensor sampleNext(const at::Tensor &logits, const std::vector<std::vector<int32_t>> &history,
                      const SamplingOptions &options, at::Generator &generator);

}  // namespace danka::model
