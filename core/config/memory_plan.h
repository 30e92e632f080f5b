// The training memory of a run config against a budget: the mapping from RunConfig to model::MemoryPlan,
// its estimate, the candidate plans for the budget and the one to suggest. One source for
// `danka-cli model estimate` and the studio's Configure page. Torch-free.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/config/run_config.h"
#include "model/estimate.h"

namespace danka::core {

inline constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;

// stage.lora.target_modules as the model layer's target list (model/lora_targets.h): "all-linear" becomes
// the distinct names of every projection of `model` but the LM head (what PEFT saves for it), a comma list
// its items, "re:REGEX" stays one entry.
std::vector<std::string> loraTargets(const LoraConfig &lora, const model::ModelConfig &model);

// The model a run trains: with stage.base_checkpoint, that checkpoint's (checkpointModelConfig: its
// config.json, or an adapter's base), max_seq_len raised to data.seq_len with model.rope_scaling as
// long-context continuation does (model::extendedConfig); else config.model. `fromCheckpoint` tells which.
// Throws core::Error naming the folder or file when the base checkpoint cannot be read. So does every
// function below that estimates a run (they call it).
model::ModelConfig trainedModelOf(const RunConfig &config, bool *fromCheckpoint = nullptr);

// Micro-batch, sequence length, precision, activation checkpointing, dropout and AdamW offloading
// (runtime.offload_optimizer) of `config`; a CPU process (no CUDA context) when runtime.device is "cpu", else a GPU.
// With stage.lora.enabled a fine-tuning stage trains only its adapters (their targets, rank and dropout; their
// parameter count as trainableParameters); on the CPU, MHA/GQA attention runs LibTorch's SDPA (sdpaAttention); then the
// stage's own memory terms apply (core/train/stage_catalog.h: a distillation teacher, document masks).
model::MemoryPlan memoryPlanOf(const RunConfig &config);

struct ConfigEstimate {
    model::ModelConfig model;           // trainedModelOf(config): what is estimated
    bool modelFromCheckpoint = false;   // the base checkpoint's model, not the config's model section
    model::MemoryPlan plan;             // memoryPlanOf(config)
    model::MemoryEstimate estimate;     // of `plan`
    double budgetBytes = 0;
    bool fits = false;                  // estimate.total() <= budgetBytes
    // Every candidate plan for the budget (model::enumeratePlans).
    std::vector<model::PlanOption> plans;
    // The plan to suggest among those that fit (model::recommendPlan: an index into `plans`, and the plan
    // and its estimate); nullopt when none does.
    std::optional<size_t> recommendedIndex;
    std::optional<model::MemoryPlan> recommended;
    std::optional<model::MemoryEstimate> recommendedEstimate;
};

// The estimate of memoryPlanOf(config) for trainedModelOf(config) against `budgetBytes`, and the plans for
// that budget at the config's sequence length on the same kind of device.
ConfigEstimate estimateConfigMemory(const RunConfig &config, double budgetBytes);

// What to change when a run of `config` ran out of memory on a device of `budgetBytes`: the estimate of its
// plan, and the estimator's recommended plan as config settings (micro_batch_size with grad_accum_steps
// keeping the sequences per optimizer step, activation_checkpointing, precision, offload_optimizer), or
// that no plan fits. One paragraph for the run's error message.
std::string outOfMemoryAdvice(const RunConfig &config, double budgetBytes);

// A detail line of the estimate (model::MemoryLine::detail, English) in the interface language.
std::string memoryDetailText(const std::string &detail);

}  // namespace danka::core
