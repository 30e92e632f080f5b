// The training memory of a run config against a budget, for the Configure page: the same mapping from
// RunConfig to model::MemoryPlan as `danka-cli model estimate`, and the plan to suggest when it does not fit.
// Torch-free and Qt-free.
#pragma once

#include <optional>

#include "core/config/run_config.h"
#include "model/estimate.h"

namespace danka::ui {

// Micro-batch, sequence length, precision, activation checkpointing and dropout of `config`; a CPU process
// (no CUDA context) when runtime.device is "cpu", else a GPU.
model::MemoryPlan memoryPlanOf(const core::RunConfig &config);

struct ConfigEstimate {
    model::MemoryPlan plan;
    model::MemoryEstimate estimate;
    double budgetBytes = 0;
    bool fits = false;
    // The plan to suggest, among those the trainer can run (it has no optimizer offloading, so plans with
    // AdamW on the CPU are left out): nullopt when none fits.
    std::optional<model::MemoryPlan> recommended;
    std::optional<model::MemoryEstimate> recommendedEstimate;
};

ConfigEstimate estimateConfig(const core::RunConfig &config, double budgetGib);

}  // namespace danka::ui
