// Memory estimate of a run config (see config_estimate.h).
#include "ui/configure/config_estimate.h"

#include <vector>

namespace danka::ui {

model::MemoryPlan memoryPlanOf(const core::RunConfig &config)
{
    model::MemoryPlan plan;
    plan.microBatch = config.data.microBatchSize;
    plan.seqLen = config.data.seqLen;
    switch (config.runtime.precision) {
        case core::Precision::Fp32:
            plan.precision = model::PlanPrecision::Fp32;
            break;
        case core::Precision::Bf16:
            plan.precision = model::PlanPrecision::Bf16;
            break;
        case core::Precision::Fp16:
            plan.precision = model::PlanPrecision::Fp16;
            break;
    }
    plan.checkpointEvery = config.runtime.activationCheckpointing;
    plan.gpu = config.runtime.device != core::Device::Cpu;
    plan.dropout = config.model.dropout;
    return plan;
}

ConfigEstimate estimateConfig(const core::RunConfig &config, double budgetGib)
{
    ConfigEstimate result;
    result.plan = memoryPlanOf(config);
    result.budgetBytes = budgetGib * 1024.0 * 1024.0 * 1024.0;
    result.estimate = model::estimateTraining(config.model, result.plan);
    result.fits = result.estimate.total() <= result.budgetBytes;

    std::vector<model::PlanOption> options =
        model::enumeratePlans(config.model, result.plan.seqLen, result.budgetBytes, result.plan.gpu);
    std::vector<model::PlanOption> runnable;
    for (const model::PlanOption &o : options)
        if (!o.plan.optimizerOnCpu) runnable.push_back(o);
    if (const model::PlanOption *best = model::recommendPlan(runnable)) {
        result.recommended = best->plan;
        result.recommendedEstimate = best->estimate;
    }
    return result;
}

}  // namespace danka::ui
