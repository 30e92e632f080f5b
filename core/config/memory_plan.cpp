// Training memory of a run config (see memory_plan.h).
#include "core/config/memory_plan.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/config/config_io.h"
#include "core/train/stage_catalog.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"
#include "model/hf_config.h"
#include "model/lora_targets.h"

namespace danka::core {

namespace {

// The estimator's detail lines (model/estimate.cpp writes them in English), recognised and translated for
// display by memoryDetailText().
const StoredMessage kDetailMasterWeights = storedMessage("danka::core", "fp32 master weights");
const StoredMessage kDetailFrozenWeights = storedMessage("danka::core", "fp32 frozen base weights");
const StoredMessage kDetailAdapters = storedMessage("danka::core", "fp32 LoRA A and B");
const StoredMessage kDetailCopiesAll =
    storedMessage("danka::core", "%1 copies kept for backward: all blocks and the LM head");
const StoredMessage kDetailCopiesRecomputed =
    storedMessage("danka::core", "%1 copies kept for backward: %2 recomputed blocks and the LM head");
const StoredMessage kDetailGradients = storedMessage(
    "danka::core",
    "fp32, %1 in all; at the peak those written so far (backward frees activations as it writes them) and, at the "
    "optimizer step, a float64 copy of the largest");
const StoredMessage kDetailAdapterGradients = storedMessage(
    "danka::core",
    "fp32, adapters only, %1 in all; at the peak those written so far (backward frees activations as it writes "
    "them) and, at the optimizer step, a float64 copy of the largest");
const StoredMessage kDetailTeacher = storedMessage("danka::core", "fp32 teacher weights, no gradients");
const StoredMessage kDetailDistillation = storedMessage("danka::core", "the KL term's softmaxes and the teacher's logits");
const StoredMessage kDetailMoments = storedMessage("danka::core", "AdamW first and second moments, fp32");
const StoredMessage kDetailCheckpointed =
    storedMessage("danka::core", "checkpoint every %1 blocks: %2 saved inputs + %3 blocks recomputed");
const StoredMessage kDetailBlocksKept = storedMessage("danka::core", "%1 blocks kept");
const StoredMessage kDetailLogits = storedMessage("danka::core", "%1 tokens x %2 vocab, and their gradient");
const StoredMessage kDetailCuda = storedMessage("danka::core", "CUDA context, kernels, allocator slack");
const StoredMessage kDetailProcess = storedMessage("danka::core", "LibTorch process");

// outOfMemoryAdvice: part of a run's error, stored in English and translated when shown.
const StoredMessage kAdviceNoPlan = storedMessage(
    "danka::core",
    "The memory estimator puts this plan at %1 for %2. No plan fits %3 at data.seq_len %4 (even micro-batch 1 "
    "with activation checkpointing on every block and AdamW offloaded): shorten data.seq_len or train a "
    "smaller model.");
const StoredMessage kAdvicePlan = storedMessage(
    "danka::core", "The memory estimator puts this plan at %1 for %2. A plan that fits (%3): %4.");
const StoredMessage kAdviceSamePlan = storedMessage(
    "danka::core",
    "The memory estimator puts this plan at %1 for %2. A plan that fits (%3): this one by the estimate, so the "
    "peak came from elsewhere (another process on the GPU, memory fragmentation): lower "
    "data.micro_batch_size or turn on runtime.activation_checkpointing.");
const StoredMessage kChangeBatch = storedMessage(
    "danka::core",
    "data.micro_batch_size %1 with optim.grad_accum_steps %2 (%3 sequences per step, as now %4)");
const StoredMessage kChangeCheckpointing = storedMessage("danka::core", "runtime.activation_checkpointing %1");
const StoredMessage kChangePrecision = storedMessage("danka::core", "runtime.precision %1");
const StoredMessage kChangeOffload = storedMessage("danka::core", "runtime.offload_optimizer %1");

}  // namespace

std::string memoryDetailText(const std::string &detail)
{
    return translateStored(detail);
}

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
    // Extended to data.seq_len with model.rope_scaling, as the run does (model::extendedConfig). A base that
    // cannot be read is an error naming it: estimating the config's own model instead would be a silent lie.
    model::ModelConfig m = model::extendedConfig(checkpointModelConfig(config.stage.baseCheckpoint),
                                                 config.data.seqLen, config.model.ropeScaling);
    if (fromCheckpoint) *fromCheckpoint = true;
    return m;
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
    plan.optimizerOnCpu = config.runtime.offloadOptimizer;
    plan.gpu = config.runtime.device != Device::Cpu;
    plan.dropout = trained.dropout;
    const StageSpec *stage = findStage(config.stage.kind);
    if (stage && stage->fineTuning && config.stage.lora.enabled) {
        try {
            const std::vector<std::string> targets = loraTargets(config.stage.lora, trained);
            plan.trainableParameters = model::loraParameterCount(trained, targets, config.stage.lora.rank);
            plan.loraTargets = targets;
            plan.loraRank = config.stage.lora.rank;
            plan.loraDropout = config.stage.lora.dropout;
        } catch (const std::exception &) {
            plan.trainableParameters = 0;  // an invalid regex: the run itself reports it
        }
    }
    // On the CPU, MHA/GQA attention in fp32/bf16 without segment masks runs LibTorch's SDPA (kernels/
    // attention.h); a stage with document masks turns it off in its memory terms.
    plan.sdpaAttention = config.runtime.device == Device::Cpu && trained.attention != model::AttentionKind::Mla &&
                         config.runtime.precision != Precision::Fp16;
    // What the stage holds besides the model (a teacher...) and how it trains it (its own file says).
    if (stage && stage->memoryTerms) stage->memoryTerms(config, plan);
    return plan;
}

}  // namespace

model::MemoryPlan memoryPlanOf(const RunConfig &config)
{
    return planFor(config, trainedModelOf(config));
}

ConfigEstimate estimateConfigMemory(const RunConfig &config, double budgetBytes)
{
    ConfigEstimate result;
    result.model = trainedModelOf(config, &result.modelFromCheckpoint);
    result.plan = planFor(config, result.model);
    result.budgetBytes = budgetBytes;
    result.estimate = model::estimateTraining(result.model, result.plan);
    result.fits = result.estimate.total() <= budgetBytes;
    result.plans = model::enumeratePlans(result.model, result.plan, budgetBytes);

    if (const model::PlanOption *best = model::recommendPlan(result.plans)) {
        const auto i = static_cast<size_t>(best - result.plans.data());
        result.recommendedIndex = i;
        result.recommended = best->plan;
        result.recommendedEstimate = best->estimate;
    }
    return result;
}

std::string outOfMemoryAdvice(const RunConfig &config, double budgetBytes)
{
    ConfigEstimate e;
    try {
        e = estimateConfigMemory(config, budgetBytes);
    } catch (const Error &error) {  // the base checkpoint went away since the run started: no advice
        return error.what();
    }
    const std::string estimate = formatBytes(e.estimate.total()), budget = formatBytes(budgetBytes);
    if (!e.recommended) return kAdviceNoPlan(estimate, budget, budget, config.data.seqLen);
    const model::MemoryPlan &r = *e.recommended;
    const int64_t sequences = config.data.microBatchSize * config.optim.gradAccumSteps;
    std::vector<std::string> changes;
    if (r.microBatch != config.data.microBatchSize) {
        const int64_t accum = std::max<int64_t>(1, (sequences + r.microBatch - 1) / r.microBatch);
        changes.push_back(kChangeBatch(r.microBatch, accum, r.microBatch * accum, sequences));
    }
    if (r.checkpointEvery != config.runtime.activationCheckpointing)
        changes.push_back(kChangeCheckpointing(r.checkpointEvery));
    const char *precision = model::planPrecisionName(r.precision);
    if (r.precision != e.plan.precision) changes.push_back(kChangePrecision(precision));
    if (r.optimizerOnCpu != config.runtime.offloadOptimizer)
        changes.push_back(kChangeOffload(r.optimizerOnCpu ? "true" : "false"));
    const std::string fits = formatBytes(e.recommendedEstimate->total());
    if (changes.empty()) return kAdviceSamePlan(estimate, budget, fits);
    std::string list;
    for (size_t i = 0; i < changes.size(); ++i) list += (i ? ", " : "") + changes[i];
    return kAdvicePlan(estimate, budget, fits, list);
}

}  // namespace danka::core
