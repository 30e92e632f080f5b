// A memory plan into a run config (see plan_apply.h).
#include "core/config/plan_apply.h"

#include <algorithm>

namespace danka::core {

Precision precisionOfPlan(model::PlanPrecision precision)
{
    switch (precision) {
    case model::PlanPrecision::Fp32: return Precision::Fp32;
    case model::PlanPrecision::Bf16: return Precision::Bf16;
    case model::PlanPrecision::Fp16: return Precision::Fp16;
    }
    return Precision::Fp32;
}

RunConfig applyMemoryPlan(const RunConfig &config, const model::MemoryPlan &plan)
{
    RunConfig planned = config;
    const int64_t sequencesPerStep = config.data.microBatchSize * config.optim.gradAccumSteps;
    planned.data.microBatchSize = plan.microBatch;
    planned.runtime.precision = precisionOfPlan(plan.precision);
    planned.runtime.activationCheckpointing = plan.checkpointEvery;
    planned.runtime.offloadOptimizer = plan.optimizerOnCpu;
    if (plan.microBatch > 0 && sequencesPerStep % plan.microBatch == 0)
        planned.optim.gradAccumSteps = std::max<int64_t>(1, sequencesPerStep / plan.microBatch);
    return planned;
}

}  // namespace danka::core
