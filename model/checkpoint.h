// Model checkpoints as folders Hugging Face transformers loads as they are: config.json (hf_config.h),
// model.safetensors (Hugging Face tensor names) and generation_config.json. The caller adds the tokenizer
// files and its own metadata (core writes danka.json) and makes the folder appear atomically (StagingDir).
// Loading also accepts sharded checkpoints (model.safetensors.index.json) of the supported families.
#pragma once

#include <string>

#include "model/hf_config.h"
#include "model/transformer.h"

namespace danka::model {

// A checkpoint that cannot be read: what() names the folder or file and the problem.
class CheckpointError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes `json` (indented, newline-terminated) to `path`; throws CheckpointError naming the file.
void writeJsonFile(const std::string &path, const nlohmann::ordered_json &json);

// Writes config.json, model.safetensors and generation_config.json into the existing folder `dir`, weights in
// `dtype` (float32, bfloat16 or float16). Refuses a model with LoRA adapters (model/lora.h: merge or save them
// apart first).
void saveCheckpoint(TransformerImpl &model, const std::string &dir, const HfExportOptions &options,
                    at::ScalarType dtype = at::kFloat);
// The model config of a checkpoint folder (its config.json).
ModelConfig readCheckpointConfig(const std::string &dir);
// Copies the checkpoint's weights into `model` (converted to the model's dtype and device); MLA RoPE rows are
// read in the layout of the folder's config.json (rope_interleave, default true). Every
// parameter must be present with the right shape; a tensor the model does not have is an error too. LoRA
// adapters are not checkpoint weights: they are neither expected nor changed.
void loadWeights(TransformerImpl &model, const std::string &dir);
// readCheckpointConfig + construction + loadWeights.
Transformer loadModel(const std::string &dir, KernelMode mode = KernelMode::Fused);

// MLA: rows of the RoPE projections between Danka's half layout (x1 | x2 halves, as rotate_half) and the
// interleaved layout of DeepseekV3 checkpoints (pairs). `toInterleaved` false undoes it. Nothing happens when
// config.mla.ropeInterleave is false (the file keeps halves, rope_interleave false in config.json).
void permuteMlaRopeRows(const ModelConfig &config, std::vector<std::pair<std::string, at::Tensor>> &tensors,
                        bool toInterleaved);

}  // namespace danka::model
