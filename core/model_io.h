// Danka's checkpoint folders: the model files of model/checkpoint.h (config.json, model.safetensors,
// generation_config.json), the tokenizer's files (tokenizer.model, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json, danka_tokenizer.json) and danka.json (format, the model section of the run
// config, tokenizer checksum, run, step). Written atomically. Engine-internal: this header shows torch types,
// so the studio uses core/inference.h instead.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/tokenizer/tokenizer.h"
#include "model/transformer.h"

namespace danka::core {

struct CheckpointMeta {
    std::string runName;
    std::optional<int64_t> runId;
    int64_t step = 0;
    nlohmann::json extra = nlohmann::json::object();  // stage-specific facts (losses, dataset...)
};

// Writes (replacing) the folder `dir`; weights in `dtype`. Throws core::Error: the tokenizer has more pieces
// than the model's vocabulary, I/O failures...
std::string writeModelCheckpoint(model::TransformerImpl &model, const tokenizer::Tokenizer &tokenizer,
                                 const std::string &dir, const CheckpointMeta &meta, at::ScalarType dtype = at::kFloat);

// The same files written into an existing folder, without staging: for callers that put more into the
// folder (the trainer's state) and publish it as a whole.
void writeModelFiles(model::TransformerImpl &model, const tokenizer::Tokenizer &tokenizer, const std::string &folder,
                     const CheckpointMeta &meta, at::ScalarType dtype = at::kFloat);

struct LoadedCheckpoint {
    model::Transformer model{nullptr};
    std::unique_ptr<tokenizer::Tokenizer> tokenizer;
    nlohmann::json danka;  // danka.json, or {} for a checkpoint from elsewhere
};

// Loads a checkpoint folder (Danka's, or a Hugging Face folder of a supported family that has a
// tokenizer.model) onto `device`. Throws core::Error naming the folder and the problem.
LoadedCheckpoint loadModelCheckpoint(const std::string &dir, model::KernelMode mode = model::KernelMode::Fused,
                                     const std::string &device = "cpu");

}  // namespace danka::core
