// Training memory of a run config (see memory_plan.h).
#include "core/config/memory_plan.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/text_util.h"
#include "model/hf_config.h"
#include "model/lora_targets.h"

namespace danka::core {

std::vector<std::string> loraTargets(const LoraConfig &lora, const model::ModelConfig &model)
{
    const std::string &t = lora.targetModules;
    if (t.rfind("re:", 0) == 0) return {t};
    if (t != "all-linear") return splitList(t);
    std::set<std::string> leaves;
    for (const model::ProjectionShape &p : model::projectionShapes(model))
        if (p.name != "lm_head") leaves.insert(p.name.substr(p.name.rfind('.') + 1));
    return {leaves.begin(), leaves.end()};
}

model::ModelConfig trainedModelOf(const RunConfig &config, bool *fromCheckpoint)
{
    if (fromCheckpoint) *fromCheckpoint = false;
    if (config.stage.baseCheckpoint.empty()) return config.model;
    const std::filesystem::path file = std::filesystem::path(config.stage.baseCheckpoint) / "config.json";
    std::ifstream in(file);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!in.is_open() || j.is_discarded()) return config.model;
    try {
        model::ModelConfig m = model::fromHuggingFaceConfig(j, file.string());
        m.maxSeqLen = std::max(m.maxSeqLen, config.data.seqLen);
        if (fromCheckpoint) *fromCheckpoint = true;
        return m;
    } catch (const model::ConfigError &) {
        return config.model;
    }
}

namespace {

// memoryPlanOf for the model the run trains (trainedModelOf(config), read once by the caller).
model::MemoryPlan planFor(const RunConfig &config, const model::ModelConfig &trained)
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
    plan.dropout = trained.dropout;
    if (config.stage.kind == StageKind::Lora) {
        try {
            plan.trainableParameters =
                model::loraParameterCount(trained, loraTargets(config.stage.lora, trained), config.stage.lora.rank);
        } catch (const std::exception &) {
            plan.trainableParameters = 0;  // an invalid regex: the run itself reports it
        }
    }
    return plan;
}

}  // namespace

model::MemoryPlan memoryPlanOf(const RunConfig &config)
{
    return planFor(config, trainedModelOf(config));
}

bool trainerCanRun(const model::MemoryPlan &plan)
{
    return !plan.optimizerOnCpu;
}

ConfigEstimate estimateConfigMemory(const RunConfig &config, double budgetBytes)
{
    ConfigEstimate result;
    result.model = trainedModelOf(config, &result.modelFromCheckpoint);
    result.plan = planFor(config, result.model);
    result.budgetBytes = budgetBytes;
    result.estimate = model::estimateTraining(result.model, result.plan);
    result.fits = result.estimate.total() <= budgetBytes;
    result.plans = model::enumeratePlans(result.model, result.plan.seqLen, budgetBytes, result.plan.gpu,
                                         result.plan.trainableParameters);

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
