// Training runs (see training_run.h).
#include "core/train/training_run.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/config/config_io.h"
#include "core/config/memory_plan.h"
#include "core/data/dataset.h"
#include "core/util/error.h"
#include "core/checkpoint/model_io.h"
#include "core/store/experiment_store.h"
#include "core/util/text_util.h"
#include "core/train/lora_adapters.h"
#include "core/train/stage_registry.h"
#include "core/train/trainer.h"
#include "core/util/translate.h"
#include "kernels/memory_stats.h"
#include "kernels/runtime.h"
#include "model/lora.h"

namespace fs = std::filesystem;

namespace danka::core::train {

namespace {

// Run events and errors, stored in English and translated where they are shown (core/util/translate.h).
const StoredMessage kOverBudgetPlan = storedMessage(
    "danka::core", "the memory estimate %1 exceeds runtime.memory_budget_gib (%2) at data.seq_len %3; a plan that "
                   "fits: micro-batch %4, %5, activation checkpointing %6");
const StoredMessage kOverBudgetNoPlan = storedMessage(
    "danka::core",
    "the memory estimate %1 exceeds runtime.memory_budget_gib (%2) at data.seq_len %3; no plan fits: shorten "
    "data.seq_len");
const StoredMessage kCapCpu = storedMessage(
    "danka::core", "runtime.memory_cap: LibTorch's CPU allocations are capped at %1 (%2 less %3 for the process)");
const StoredMessage kCapCuda =
    storedMessage("danka::core",
                  "runtime.memory_cap: the CUDA allocator on %1 is capped at %2 (%3 less %4 for the CUDA context)");
const StoredMessage kCapNotApplied = storedMessage("danka::core", "runtime.memory_cap is not applied: %1");
const StoredMessage kOutOfMemory =
    storedMessage("danka::core", "out of memory on %1: %2\n%3 Checkpoints written before are kept.");
const StoredMessage kOutOfMemoryCapped = storedMessage(
    "danka::core", "out of memory on %1 (runtime.memory_cap): %2\n%3 Checkpoints written before are kept.");
const StoredMessage kLoraBaseMerged =
    storedMessage("danka::core", "the base checkpoint is a LoRA adapter: merged into its base %1 for this run");
const StoredMessage kContextExtended = storedMessage(
    "danka::core", "context extended from %1 to %2 tokens (data.seq_len)%3; RoPE theta %4 and %5 rotary dims "
                   "carried over from the base checkpoint");
const StoredMessage kContextKept = storedMessage(
    "danka::core", "context of %1 tokens%2; RoPE theta %3 and %4 rotary dims carried over from the base checkpoint");
const StoredMessage kRopeScaled = storedMessage("danka::core", " with RoPE scaling %1 (factor %2 over %3 tokens)");
const StoredMessage kValidationOn = storedMessage("danka::core", "validation on %1");
const StoredMessage kNoValidation = storedMessage(
    "danka::core", "no validation data: the dataset has no val split (and, for pretraining, data.val_fraction is 0)");
const StoredMessage kLoading = storedMessage("danka::core", "loading");

std::string defaultRunName(const RunConfig &c)
{
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
    return c.stage.kind + "-" + buf;
}

// The newest checkpoint of a run that carries a training state.
std::optional<std::pair<std::string, int64_t>> resumableCheckpoint(ExperimentStore &store, int64_t runId)
{
    std::optional<std::pair<std::string, int64_t>> best;
    for (const CheckpointRecord &c : store.checkpoints(runId))
        if (fs::exists(fs::path(c.path) / "training_state.json") && (!best || c.step >= best->second))
            best = std::make_pair(c.path, c.step);
    return best;
}

RunConfig recordedConfig(const RunRecord &run)
{
    const ConfigLoadResult r = parseConfigText(run.configJson);
    if (!r.ok()) throw Error("run " + std::to_string(run.id) + ": its recorded config is invalid: " + r.problems[0].toString());
    return r.config;
}

std::string resolveDevice(const RunConfig &c)
{
    const kernels::RuntimeInfo rt = kernels::runtimeInfo();
    switch (c.runtime.device) {
    case Device::Cpu: return "cpu";
    case Device::Cuda:
        if (!rt.cudaAvailable) throw Error("runtime.device is cuda, but no GPU is usable: " + rt.cudaUnavailableReason);
        return "cuda:0";
    case Device::Auto: break;
    }
    return rt.cudaAvailable ? "cuda:0" : "cpu";
}

// Lineage: the run that wrote the base checkpoint (its danka.json), when it is a run of this workspace.
std::optional<int64_t> parentRunOf(const std::string &checkpoint, const ExperimentStore &store)
{
    if (checkpoint.empty()) return std::nullopt;
    std::ifstream in(fs::path(checkpoint) / "danka.json");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("run_id") || !j["run_id"].is_number_integer()) return std::nullopt;
    const int64_t id = j["run_id"].get<int64_t>();
    return store.run(id) ? std::optional<int64_t>(id) : std::nullopt;
}

// The memory estimator's verdict on the run as it will train (the base checkpoint's model, at data.seq_len),
// reported before the first step when it does not fit runtime.memory_budget_gib, on a GPU or the CPU (the
// budget of a CPU run, planned as a CPU process).
void warnIfOverBudget(const RunConfig &effective, const std::string &device, JobContext &job)
{
    const double budget = effective.runtime.memoryBudgetGib * kBytesPerGib;
    // The model in memory (not one read again from the base checkpoint), on the device the run got.
    RunConfig trained = effective;
    trained.stage.baseCheckpoint.clear();
    trained.runtime.device = device == "cpu" ? Device::Cpu : Device::Cuda;
    const ConfigEstimate e = estimateConfigMemory(trained, budget);
    if (e.fits) return;
    job.event(EventLevel::Warning,
              e.recommended ? kOverBudgetPlan(formatBytes(e.estimate.total()), formatBytes(budget),
                                              effective.data.seqLen, e.recommended->microBatch,
                                              model::planPrecisionName(e.recommended->precision),
                                              e.recommended->checkpointEvery)
                            : kOverBudgetNoPlan(formatBytes(e.estimate.total()), formatBytes(budget),
                                                effective.data.seqLen));
}

// runtime.memory_cap for the duration of a run: LibTorch's allocator on the run's device is capped at
// runtime.memory_budget_gib (on a GPU less what the CUDA context takes outside the allocator), lifted after.
class MemoryCap {
public:
    // What the process takes outside LibTorch's allocator: on a GPU the CUDA context, cuBLAS workspaces and
    // kernel images (0.3-0.5 GiB on current cards), on the CPU the libraries and the heap. The estimator's
    // "framework" line counts 0.5 GiB on the CPU and 0.75 GiB (with allocator slack) on a GPU.
    static constexpr double kOutsideAllocatorBytes = 0.5 * kBytesPerGib;

    MemoryCap(const RuntimeConfig &r, const std::string &device, JobContext &job)
    {
        if (!r.memoryCap) return;
        const double budget = r.memoryBudgetGib * kBytesPerGib;
        const double allocator = std::max(budget - kOutsideAllocatorBytes, 1.0);
        if (device == "cpu") {
            kernels::setHostMemoryLimit(static_cast<int64_t>(allocator));
            m_host = true;
            job.event(EventLevel::Info,
                      kCapCpu(formatBytes(allocator), formatBytes(budget), formatBytes(kOutsideAllocatorBytes)));
            return;
        }
        const int index = std::max<int>(0, at::Device(device).index());
        std::string error;
        if (kernels::capCudaMemory(index, static_cast<int64_t>(allocator), &error)) {
            m_cudaDevice = index;
            job.event(EventLevel::Info, kCapCuda(device, formatBytes(allocator), formatBytes(budget),
                                                 formatBytes(kOutsideAllocatorBytes)));
        } else {
            job.event(EventLevel::Warning, kCapNotApplied(error));
        }
    }
    ~MemoryCap()
    {
        if (m_host) kernels::setHostMemoryLimit(0);
        if (m_cudaDevice >= 0) kernels::capCudaMemory(m_cudaDevice, 0, nullptr);
    }
    MemoryCap(const MemoryCap &) = delete;
    MemoryCap &operator=(const MemoryCap &) = delete;

private:
    bool m_host = false;
    int m_cudaDevice = -1;
};

// The memory the run had: the budget when capped, else on a GPU the smaller of the budget and the card.
double deviceMemoryOf(const RuntimeConfig &r, const std::string &device)
{
    const double budget = r.memoryBudgetGib * kBytesPerGib;
    if (r.memoryCap || device == "cpu") return budget;
    const kernels::RuntimeInfo rt = kernels::runtimeInfo();
    const int index = std::max<int>(0, at::Device(device).index());
    for (const kernels::GpuInfo &g : rt.gpus)
        if (g.index == index) return std::min(budget, static_cast<double>(g.totalMemoryBytes));
    return budget;
}

TrainingSummary trainOn(const Workspace &ws, const PreparedTraining &p, const std::string &device, JobContext &job,
                        const TrainingHooks &hooks);

}  // namespace

PreparedTraining prepareTraining(const Workspace &ws, const TrainRequest &request)
{
    ExperimentStore store(ws.databasePath());
    PreparedTraining p;
    if (request.resume.empty()) {
        if (!request.config) throw Error("train: no config given");
        const auto problems = validate(*request.config);
        if (!problems.empty()) throw Error("train: the config is invalid: " + problems[0].toString());
        p.config = *request.config;
        p.runName = p.config.name.empty() ? defaultRunName(p.config) : p.config.name;
        p.runId = store.createRun(p.runName, stageLabel(p.config.stage), toJson(p.config).dump(2),
                                  parentRunOf(p.config.stage.baseCheckpoint, store));
        p.runDir = ws.runDir(p.runId);
        return p;
    }
    std::optional<RunRecord> run;
    if (request.resume == "latest") {
        for (const RunRecord &r : store.runs())  // newest first
            if (r.status != RunStatus::Completed && resumableCheckpoint(store, r.id)) {
                run = r;
                break;
            }
        if (!run) throw Error("train --resume latest: no unfinished run with a checkpoint in " + ws.path());
    } else {
        char *end = nullptr;
        const long long id = std::strtoll(request.resume.c_str(), &end, 10);
        if (!end || *end || id <= 0) throw Error("train --resume: \"" + request.resume + "\" is neither latest nor a run id");
        run = store.run(id);
        if (!run) throw Error("train --resume: no run " + request.resume + " in " + ws.path());
    }
    auto checkpoint = resumableCheckpoint(store, run->id);
    if (!request.checkpoint.empty()) {
        // A chosen checkpoint must be one of the run's own, with its training state.
        checkpoint.reset();
        const fs::path wanted = fs::weakly_canonical(request.checkpoint);
        for (const CheckpointRecord &c : store.checkpoints(run->id))
            if (fs::weakly_canonical(c.path) == wanted && fs::exists(fs::path(c.path) / "training_state.json"))
                checkpoint = std::make_pair(c.path, c.step);
        if (!checkpoint)
            throw Error(request.checkpoint + ": not a checkpoint of run " + std::to_string(run->id) +
                        " with a training state to resume from");
    }
    if (!checkpoint)
        throw Error("run " + std::to_string(run->id) + " (" + run->name + ") has no checkpoint with a training state to resume from");
    p.runId = run->id;
    p.runName = run->name;
    p.runDir = ws.runDir(run->id);
    p.config = recordedConfig(*run);
    if (request.config) {
        // A config given with --resume may change how the run continues, not what it trains.
        RunConfig merged = p.config;
        merged.runtime = request.config->runtime;
        merged.schedule = request.config->schedule;
        RunConfig a = merged, b = *request.config;
        a.name = b.name = "";
        if (toJson(a) != toJson(b))
            throw Error("train --resume: the config differs from run " + std::to_string(run->id) +
                        "'s in its model, data, optimizer or stage; only runtime and schedule may change on resume");
        p.config = merged;
    }
    p.resumeFrom = checkpoint->first;
    p.resumeStep = checkpoint->second;
    return p;
}

TrainingSummary runTraining(const Workspace &ws, const PreparedTraining &p, JobContext &job, const TrainingHooks &hooks)
{
    const RunConfig &c = p.config;
    if (c.runtime.threads > 0) kernels::setThreadCount(static_cast<int>(c.runtime.threads));
    if (!stageIsTrainable(c.stage.kind))
        throw Error("stage.kind: \"" + c.stage.kind + "\" is not available in this version; it trains " +
                    availableStageList());
    const std::string device = resolveDevice(c);
    MemoryCap cap(c.runtime, device, job);
    try {
        return trainOn(ws, p, device, job, hooks);
    } catch (const c10::OutOfMemoryError &e) {
        // The model, optimizer and batches are gone with trainOn's frame; hand the cached blocks back too, so
        // the studio (which stays up) and the next run start from a clean device.
        kernels::releaseCachedCudaMemory();
        std::string what = e.what_without_backtrace();
        what = what.substr(0, what.find('\n'));
        throw Error((c.runtime.memoryCap ? kOutOfMemoryCapped : kOutOfMemory)(
            device, what, outOfMemoryAdvice(c, deviceMemoryOf(c.runtime, device))));
    }
}

namespace {

TrainingSummary trainOn(const Workspace &ws, const PreparedTraining &p, const std::string &device, JobContext &job,
                        const TrainingHooks &hooks)
{
    const auto start = std::chrono::steady_clock::now();
    const RunConfig &c = p.config;
    const bool lora = c.stage.lora.enabled;  // validation allows it on fine-tuning stages only
    job.setProgress(0, kLoading());

    // The tokenizer: the base checkpoint's, else the one the dataset was prepared with.
    std::unique_ptr<tokenizer::Tokenizer> tok;
    model::Transformer model{nullptr};
    // Everything random before the first step (the initial weights, LoRA's A matrices) comes from
    // runtime.seed: the same config gives the same run in any process. A resume restores its saved state.
    if (p.resumeFrom.empty()) torch::manual_seed(static_cast<uint64_t>(c.runtime.seed));
    if (!p.resumeFrom.empty() || !c.stage.baseCheckpoint.empty()) {
        const std::string from = p.resumeFrom.empty() ? c.stage.baseCheckpoint : p.resumeFrom;
        // On resume the trainer checks the checkpoint against the run (training_state.json's identity).
        LoadedCheckpoint loaded = loadModelCheckpoint(from, model::KernelMode::Fused, device);
        model = loaded.model;
        tok = std::move(loaded.tokenizer);
        if (p.resumeFrom.empty() && model::hasLora(*model)) {
            // A LoRA run's checkpoint as the base: its adapter becomes part of the weights this run starts from.
            model::mergeLora(*model);
            job.event(EventLevel::Info, kLoraBaseMerged(adapterBaseCheckpoint(from)));
        }
        const model::RopeScaling &scaling = c.model.ropeScaling;  // the one model setting such a run takes
        if (p.resumeFrom.empty() && (c.data.seqLen > model->config().maxSeqLen || scaling.kind != model::RopeScalingKind::None)) {
            // Long-context continuation: the same weights, RoPE tables for the longer sequences, scaled as
            // model.rope_scaling says (else as the base checkpoint's own).
            const int64_t before = model->config().maxSeqLen;
            model = extendContext(model, c.data.seqLen, scaling);
            const model::RopeScaling &now = model->config().ropeScaling;
            const std::string rope = now.kind == model::RopeScalingKind::None
                                         ? std::string()
                                         : kRopeScaled(model::ropeScalingKindName(now.kind), formatNumber(now.factor),
                                                       now.originalMaxSeqLen);
            const std::string theta = formatNumber(model->config().ropeTheta);
            job.event(EventLevel::Info, model->config().maxSeqLen > before
                                            ? kContextExtended(before, model->config().maxSeqLen, rope, theta,
                                                               model->rotaryDims())
                                            : kContextKept(before, rope, theta, model->rotaryDims()));
        }
        if (lora && p.resumeFrom.empty()) job.event(EventLevel::Info, attachLoraAdapters(*model, c.stage.lora));
        if (lora && !model::hasLora(*model))
            throw Error("cannot resume the LoRA run from " + from + ": it holds full weights, not an adapter");
    } else {
        if (c.data.dataset.empty()) throw Error("data.dataset: no dataset given (prepare one with danka-cli data prepare)");
        const data::Dataset dataset = data::Dataset::open(c.data.dataset);
        const std::string tokDir = dataset.info().value("tokenizer", nlohmann::json::object()).value("dir", std::string());
        if (tokDir.empty()) throw Error(c.data.dataset + "/dataset.json: no tokenizer recorded");
        tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(tokDir));
        if (tok->vocabSize() > c.model.vocabSize)
            throw Error("model.vocab_size " + std::to_string(c.model.vocabSize) + " is smaller than the tokenizer's " +
                        std::to_string(tok->vocabSize()) + " pieces (" + tokDir + ")");
        model = model::Transformer(c.model);
        model->to(torch::Device(device));
    }
    RunConfig effective = c;
    effective.model = model->config();
    warnIfOverBudget(effective, device, job);
    // The stage, by its name in the stage table: the trainer knows no stage by name.
    const std::unique_ptr<TrainingStage> stage =
        createStage(StageSetup{effective, *tok, torch::Device(device), model, job, !p.resumeFrom.empty()});
    const std::string validationSource = stage->validationSource();
    if (!validationSource.empty())
        job.event(EventLevel::Info, kValidationOn(validationSource));
    else
        job.event(EventLevel::Warning, kNoValidation());

    TrainerOptions o;
    o.config = effective;
    o.runId = p.runId;
    o.runName = p.runName;
    o.runDir = p.runDir;
    o.databasePath = ws.databasePath();
    o.tokenizer = tok.get();
    o.resumeFrom = p.resumeFrom;
    o.peakFlops = hooks.peakFlops;
    o.onCheckpointStaged = hooks.onCheckpointStaged;
    Trainer trainer(model, *stage, o);
    const TrainerResult r = trainer.run(job);

    TrainingSummary s;
    static_cast<TrainerResult &>(s) = r;
    s.device = device;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

}  // namespace

}  // namespace danka::core::train
