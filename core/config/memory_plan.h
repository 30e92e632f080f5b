// The training memory of a run config against a budget: the mapping from RunConfig to model::MemoryPlan,
// its estimate, the candidate plans for the budget and the one to suggest. One source for
// `danka-cli model estimate` and the studio's Configure page. Torch-free.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/config/run_config.h"
#include "model/estimate.h"

namespace danka::core {

inline constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;

// Micro-batch, sequence length, precision, activation checkpointing and dropout of `config`, AdamW on the
// device; a CPU process (no CUDA context) when runtime.device is "cpu", else a GPU.
model::MemoryPlan memoryPlanOf(const RunConfig &config);

// Whether the trainer can run `plan`: it has no optimizer offloading, so plans with AdamW on the CPU are out.
bool trainerCanRun(const model::MemoryPlan &plan);

struct ConfigEstimate {
    model::MemoryPlan plan;             // memoryPlanOf(config)
    model::MemoryEstimate estimate;     // of `plan`
    double budgetBytes = 0;
    bool fits = false;                  // estimate.total() <= budgetBytes
    // Every candidate plan for the budget (model::enumeratePlans), those the trainer cannot run included.
    std::vector<model::PlanOption> plans;
    // The plan to suggest among those that fit and the trainer can run (an index into `plans`, and the
    // plan and its estimate); nullopt when none does.
    std::optional<size_t> recommendedIndex;
    std::optional<model::MemoryPlan> recommended;
    std::optional<model::MemoryEstimate> recommendedEstimate;
};

// The estimate of memoryPlanOf(config) against `budgetBytes`, and the plans for that budget at the
// config's sequence length on the same kind of device.
ConfigEstimate estimateConfigMemory(const RunConfig &config, double budgetBytes);

}  // namespace danka::core
