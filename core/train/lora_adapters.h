// LoRA on any fine-tuning stage (stage.lora.enabled; the stage table's StageSpec::fineTuning): the stage's
// data and loss on a frozen base model with low-rank adapters on the projections stage.lora.target_modules
// names (model/lora.h). Only the adapters train, so only they have gradients and AdamW moments; checkpoints hold the
// adapter alone, in PEFT's layout (core/checkpoint/model_io.h writeAdapterFiles), with the base checkpoint recorded.
#pragma once

#include <string>

#include "core/config/run_config.h"
#include "model/lora.h"

namespace danka::core::train {

// stage.lora as model-layer settings (targets: core/config/memory_plan.h loraTargets). Throws core::Error
// naming stage.lora.target_modules when it names nothing.
model::LoraSettings loraSettingsOf(const LoraConfig &config, const model::ModelConfig &model);

// Attaches fresh adapters as stage.lora says and freezes the rest; returns the line the run reports
// ("LoRA r=8, alpha 16 on 28 projections (q_proj, ...): 0.4M of 25.8M parameters train"). Throws
// core::Error naming stage.lora.target_modules when it matches nothing.
std::string attachLoraAdapters(model::TransformerImpl &model, const LoraConfig &config);

}  // namespace danka::core::train
