// Danka's checkpoint folders: the model files of model/checkpoint.h (config.json, model.safetensors,
// generation_config.json), the tokenizer's files (tokenizer.model, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json, danka_tokenizer.json) and danka.json (format, the model section of the run
// config, tokenizer checksum, run, step). Written atomically. Engine-internal: this header shows torch types,
// so the studio uses core/infer/inference.h instead.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/checkpoint/adapters.h"

#include "core/tokenizer/tokenizer.h"
#include "model/transformer.h"

namespace danka::core {

struct CheckpointMeta {
    std::string runName;
    std::optional<int64_t> runId;
    int64_t step = 0;
    nlohmann::json extra = nlohmann::json::object();  // stage-specific facts (losses, dataset...)
};

// Throws core::Error when `tokenizer` lacks a file every checkpoint carries (it was not loaded from a folder,
// or the folder had no tokenizer_config.json): a run checks this before its first step.
void requireCheckpointFiles(const tokenizer::Tokenizer &tokenizer);

// Writes (replacing) the folder `dir`; weights in `dtype`. Throws core::Error: the tokenizer has more pieces
// than the model's vocabulary, I/O failures...
std::string writeModelCheckpoint(model::TransformerImpl &model, const tokenizer::Tokenizer &tokenizer,
                                 const std::string &dir, const CheckpointMeta &meta, at::ScalarType dtype = at::kFloat);

// The same files written into an existing folder, without staging: for callers that put more into the
// folder (the trainer's state) and publish it as a whole.
void writeModelFiles(model::TransformerImpl &model, const tokenizer::Tokenizer &tokenizer, const std::string &folder,
                     const CheckpointMeta &meta, at::ScalarType dtype = at::kFloat);

// A LoRA checkpoint: the adapter alone in PEFT's layout (adapter_config.json, adapter_model.safetensors; PEFT
// and LLaMA-Factory load it onto the base), the tokenizer files, and danka.json with "adapter": true and
// "base_checkpoint": the folder the adapter belongs to. Written into the existing folder `folder`.
void writeAdapterFiles(model::TransformerImpl &model, const tokenizer::Tokenizer &tokenizer, const std::string &folder,
                       const CheckpointMeta &meta, const std::string &baseCheckpoint);

// The same weights with RoPE tables (and KV cache room) for `maxSeqLen` positions: long-context
// continuation. RoPE theta and dims are the model's; with `scaling` none, positions beyond the old length
// continue the model's own rotation (its own scaling, if any); another `scaling` replaces it
// (model::extendedConfig: original_max_seq_len 0 = the context the model was trained at). `m` itself when
// it is already that long and no scaling is asked for. Call before attaching adapters. Throws core::Error
// for a scaling that does not fit (model.rope_scaling: ...).
model::Transformer extendContext(model::Transformer m, int64_t maxSeqLen, const model::RopeScaling &scaling = {});

struct LoadedCheckpoint {
    model::Transformer model{nullptr};
    std::unique_ptr<tokenizer::Tokenizer> tokenizer;
    nlohmann::json danka;  // danka.json, or {} for a checkpoint from elsewhere
};

// Loads a checkpoint folder (Danka's, or a Hugging Face folder of a supported family that has a
// tokenizer.model) onto `device`. An adapter folder loads its base checkpoint with the adapter attached (not
// merged). With `adapter`, that adapter folder is attached to the model of `dir` (chat with base + adapter);
// its tokenizer must be the base's. `danka` is then the adapter's danka.json. Throws core::Error naming the
// folder and the problem.
LoadedCheckpoint loadModelCheckpoint(const std::string &dir, model::KernelMode mode = model::KernelMode::Fused,
                                     const std::string &device = "cpu", const std::string &adapter = "");

}  // namespace danka::core
