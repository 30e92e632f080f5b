// LoRA adapter checkpoints as the CLI and the studio handle them (torch-free): recognise one, find its base,
// merge it into a full checkpoint. The files themselves: core/checkpoint/model_io.h (writeAdapterFiles) and model/lora.h.
#pragma once

#include <string>

namespace danka::core {

// Whether `dir` holds an adapter (adapter_config.json) rather than full weights.
bool isAdapterCheckpoint(const std::string &dir);

// The base checkpoint an adapter folder belongs to: danka.json's base_checkpoint, else adapter_config.json's
// base_model_name_or_path when that is a folder. Throws core::Error when neither names an existing folder.
std::string adapterBaseCheckpoint(const std::string &adapterDir);

// Loads `base` (empty: the adapter's recorded base) with the adapter folder `adapter`, folds the adapter into
// the weights (W + alpha/r B A) and writes a full checkpoint to `out` (replaced atomically; danka.json's
// extra records "merged_adapter" and "merged_base"; run name, id and step are the adapter's). Returns `out`.
// Throws core::Error naming the folder and the problem.
std::string mergeAdapterCheckpoint(const std::string &adapter, const std::string &base, const std::string &out);

}  // namespace danka::core
