// The training memory of a run config against a budget, for the Configure page: core's estimate (the same
// as `danka-cli model estimate`), with the budget in GiB as the page edits it. Torch-free and Qt-free.
#pragma once

#include "core/config/memory_plan.h"

namespace danka::ui {

using core::ConfigEstimate;

inline ConfigEstimate estimateConfig(const core::RunConfig &config, double budgetGib)
{
    return core::estimateConfigMemory(config, budgetGib * core::kBytesPerGib);
}

}  // namespace danka::ui
