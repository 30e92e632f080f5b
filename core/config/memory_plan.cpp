// Training memory of a run config (see memory_plan.h).
#include "core/config/memory_plan.h"

namespace danka::core {

model::MemoryPlan memoryPlanOf(const RunConfig &config)
{
    model::MemoryPlan plan;
    plan.microBatch = config.data.microBatchSize;
    plan.seqLen = config.data.seqLen;
    switch (config.runtime.precision) {
        case Precision::Fp32:
            plan.precision = model::PlanPrecision::Fp32;
            break;
        case Precision::Bf16:
            plan.precision = model::PlanPrecision::Bf16;
            break;
        case Precision::Fp16:
            plan.precision = model::PlanPrecision::Fp16;
            break;
    }
    plan.checkpointEvery = config.runtime.activationCheckpointing;
    plan.optimizerOnCpu = false;
    plan.gpu = config.runtime.device != Device::Cpu;
    plan.dropout = config.model.dropout;
    return plan;
}

bool trainerCanRun(const model::MemoryPlan &plan)
{
    return !plan.optimizerOnCpu;
}

ConfigEstimate estimateConfigMemory(const RunConfig &config, double budgetBytes)
{
    ConfigEstimate result;
    result.plan = memoryPlanOf(config);
    result.budgetBytes = budgetBytes;
    result.estimate = model::estimateTraining(config.model, result.plan);
    result.fits = result.estimate.total() <= budgetBytes;
    result.plans = model::enumeratePlans(config.model, result.plan.seqLen, budgetBytes, result.plan.gpu);

    std::vector<model::PlanOption> runnable;
    std::vector<size_t> indexOf;
    for (size_t i = 0; i < result.plans.size(); ++i)
        if (trainerCanRun(result.plans[i].plan)) {
            runnable.push_back(result.plans[i]);
            indexOf.push_back(i);
        }
    if (const model::PlanOption *best = model::recommendPlan(runnable)) {
        const size_t i = indexOf[static_cast<size_t>(best - runnable.data())];
        result.recommendedIndex = i;
        result.recommended = result.plans[i].plan;
        result.recommendedEstimate = result.plans[i].estimate;
    }
    return result;
}

}  // namespace danka::core
