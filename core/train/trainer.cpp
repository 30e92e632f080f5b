// The trainer (see trainer.h).
#include "core/train/trainer.h"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/checkpoint/model_io.h"
#include "core/lab/peak_flops.h"
#include "core/util/staging_dir.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace_paths.h"
#include "core/util/text_util.h"
#include "core/tokenizer/chat_template.h"
#include "core/train/adamw.h"
#include "core/train/autocast_scope.h"
#include "core/train/schedule.h"
#include "core/train/step_guard.h"
#include "core/util/translate.h"
#include "kernels/memory_stats.h"
#include "kernels/runtime.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/lora.h"
#include "model/safetensors.h"

namespace fs = std::filesystem;

namespace danka::core::train {

namespace {

// Run events, errors and progress lines, stored in English and translated where they are shown
// (core/util/translate.h).
const StoredMessage kCheckpointWritten = storedMessage("danka::core", "checkpoint at step %1 (%2): %3");
// Why a checkpoint was written (also its "reason" in the store).
const StoredMessage kReasonPeriodic = storedMessage("danka::core", "periodic");
const StoredMessage kReasonEnd = storedMessage("danka::core", "end");
const StoredMessage kCannotRemove = storedMessage("danka::core", "could not remove the old checkpoint %1: %2");
const StoredMessage kSample = storedMessage("danka::core", "sample at step %1: %2|%3");
const StoredMessage kTraining =
    storedMessage("danka::core", "training %1 parameters on %2, %3, %4 steps of %5 x %6 tokens%7");
const StoredMessage kTrainingSome =
    storedMessage("danka::core", "training %1 of %2 parameters on %3, %4, %5 steps of %6 x %7 tokens%8");
const StoredMessage kResuming = storedMessage(
    "danka::core", "resuming at step %1: %2 parameters on %3, %4, %5 steps of %6 x %7 tokens%8");
const StoredMessage kResumingSome = storedMessage(
    "danka::core", "resuming at step %1: %2 of %3 parameters on %4, %5, %6 steps of %7 x %8 tokens%9");
const StoredMessage kMomentsOnHost = storedMessage("danka::core", ", AdamW moments in host memory");
const StoredMessage kStepSkipped = storedMessage("danka::core", "step %1 skipped: %2");
const StoredMessage kStoppedNoCheckpoint = storedMessage(
    "danka::core", "stopped after %1 consecutive skipped updates (last: %2); no checkpoint was written yet");
const StoredMessage kStopped = storedMessage(
    "danka::core", "stopped after %1 consecutive skipped updates (last: %2); the last good checkpoint is %3");
const StoredMessage kProgressStep = storedMessage("danka::core", "step %1/%2");
const StoredMessage kProgressStepLoss = storedMessage("danka::core", "step %1/%2, loss %3");
const StoredMessage kMfuMeaning = storedMessage(
    "danka::core", "MFU (train/mfu) is the %1 stage's model FLOPs (%2 GFLOP per token of a full %3-token sequence; "
                   "padding not counted) per second over %4");

constexpr const char *kStateJson = "training_state.json";
constexpr const char *kStateTensors = "training_state.safetensors";

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The parameters the optimizer updates: every one that requires a gradient (LoRA: only the adapters).
std::vector<std::pair<std::string, at::Tensor>> trainableParameters(model::TransformerImpl &m)
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto &p : m.named_parameters())
        if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
    return out;
}

std::string formatFloat(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

// The part of a run's config that must not change when it is resumed: the model and data it trains on.
// The paths in it are in the portable form for the run's folder, so a moved workspace still resumes.
nlohmann::json resumeIdentity(const RunConfig &c, const std::string &runDir)
{
    RunConfig copy = c;
    copy.runtime = RuntimeConfig();
    copy.schedule = ScheduleConfig();
    copy.name.clear();
    return nlohmann::json::parse(portableConfigPaths(toJson(copy).dump(), runDir));
}

// A saved identity as this version writes it: read as a config (which migrates what older versions wrote,
// "kind": "lora", and fills keys they did not have) and written again, so that only a real difference counts.
nlohmann::json normalizedIdentity(const nlohmann::json &saved)
{
    RunConfig c = fromJson(saved).config;
    c.runtime = RuntimeConfig();
    c.schedule = ScheduleConfig();
    c.name.clear();
    return nlohmann::json::parse(toJson(c).dump());
}

// The name of the stage's own trainable tensors in training_state.safetensors.
constexpr const char *kStageParamPrefix = "stage_param.";

}  // namespace

struct Trainer::Impl {
    model::Transformer model;
    TrainingStage &stage;
    TrainerOptions o;
    const RunConfig &c;
    at::Device device{at::kCPU};
    bool autocast = false;
    at::ScalarType autocastType = at::kBFloat16;

    std::unique_ptr<AdamW> optimizer;
    StepGuard guard;  // skip or apply each step; the loss scaler and the skip counters
    int64_t step = 0;  // next optimizer step
    int64_t tokens = 0;
    std::optional<double> lastVal, bestVal;
    std::string bestCheckpoint, lastCheckpoint;
    struct Kept {
        int64_t step;
        std::string path;
        std::optional<double> valLoss;
    };
    std::vector<Kept> kept;  // this run's checkpoints on disk, oldest first
    PeakFlops peak;  // MFU's denominator

    Impl(model::Transformer m, TrainingStage &s, TrainerOptions options)
        : model(std::move(m)), stage(s), o(std::move(options)), c(o.config),
          guard(makeGuardOptions(o.config))
    {
    }

    static StepGuardOptions makeGuardOptions(const RunConfig &c)
    {
        StepGuardOptions g;
        g.skipZScore = c.runtime.skipZScore;
        g.maxSkippedSteps = c.runtime.maxSkippedSteps;
        g.scaler.enabled = c.runtime.precision == Precision::Fp16;
        return g;
    }

    fs::path checkpointsDir() const { return fs::path(o.runDir) / "checkpoints"; }

    // --- training state ----------------------------------------------------------------------------------

    void writeState(const fs::path &folder) const
    {
        std::vector<std::pair<std::string, at::Tensor>> tensors = optimizer->stateTensors();
        for (const auto &[name, t] : stage.extraParameters())
            tensors.emplace_back(kStageParamPrefix + name, t.detach());
        tensors.emplace_back("rng.cpu", at::globalContext().defaultGenerator(at::kCPU).get_state());
        if (device.is_cuda()) tensors.emplace_back("rng.cuda", at::globalContext().defaultGenerator(device).get_state());
        model::writeSafetensors((folder / kStateTensors).string(), tensors);
        nlohmann::ordered_json j = {
            {"format", "danka-training-state"},
            {"version", 1},
            {"step", step},
            {"stage", stage.name()},
            {"stage_state", stage.state()},
            {"tokens", tokens},
            {"last_val_loss", lastVal ? nlohmann::json(*lastVal) : nlohmann::json(nullptr)},
            {"best_val_loss", bestVal ? nlohmann::json(*bestVal) : nlohmann::json(nullptr)},
            {"best_checkpoint", bestCheckpoint},
            {"identity", resumeIdentity(c, o.runDir)},
        };
        guard.writeState(j);
        model::writeJsonFile((folder / kStateJson).string(), j);
    }

    void readState(const fs::path &folder)
    {
        const fs::path jsonPath = folder / kStateJson;
        std::ifstream in(jsonPath);
        if (!in) throw Error("cannot resume from " + folder.string() + ": it has no " + kStateJson +
                             " (a model-only checkpoint can start a new run as stage.base_checkpoint)");
        const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.is_object() || j.value("format", "") != "danka-training-state")
            throw Error(jsonPath.string() + ": not a Danka training state (damaged or not JSON)");
        if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() < 1)
            throw Error(jsonPath.string() + ": 'version' is missing or not a positive integer");
        if (j["version"].get<int64_t>() > 1)
            throw Error(jsonPath.string() + ": written by a newer Danka (training state version " +
                        std::to_string(j["version"].get<int64_t>()) + "); this Danka reads version 1");
        std::string savedStage = j.contains("stage") && j["stage"].is_string() ? j["stage"].get<std::string>()
                                                                               : std::string("?");
        if (savedStage == "lora") savedStage = "sft";  // an earlier Danka's LoRA stage: SFT with adapters
        if (savedStage != stage.name())
            throw Error(jsonPath.string() + ": saved by a " + savedStage + " run, cannot resume as " + stage.name());
        if (j.contains("identity") &&
            normalizedIdentity(j["identity"]) != normalizedIdentity(resumeIdentity(c, o.runDir)))
            throw Error("cannot resume from " + folder.string() +
                        ": the model, data, optimizer or stage settings differ from the run's (only runtime and "
                        "schedule settings may change on resume)");
        // Every value is checked before any is used: a damaged file names its problem, not nlohmann's.
        try {
            if (!j.contains("step") || !j["step"].is_number_integer() || j["step"].get<int64_t>() < 0)
                throw Error("'step' is missing or not an integer >= 0");
            if (!j.contains("stage_state")) throw Error("'stage_state' is missing");
            if (j.contains("tokens") && !j["tokens"].is_number_integer()) throw Error("'tokens' is not an integer");
            for (const char *key : {"last_val_loss", "best_val_loss"})
                if (j.contains(key) && !j[key].is_null() && !j[key].is_number())
                    throw Error(std::string("'") + key + "' is not a number");
            if (j.contains("best_checkpoint") && !j["best_checkpoint"].is_string())
                throw Error("'best_checkpoint' is not a string");
            guard.readState(j);
            stage.setState(j.at("stage_state"));
        } catch (const std::exception &e) {  // core::Error from the checks, nlohmann's from the readers
            throw Error(jsonPath.string() + ": damaged training state: " + e.what());
        }
        try {
            const auto file = model::readSafetensors((folder / kStateTensors).string());
            std::map<std::string, at::Tensor> optimizerState;
            std::map<std::string, at::Tensor> stageParams;
            for (auto &[name, t] : stage.extraParameters()) stageParams[kStageParamPrefix + name] = t;
            for (const auto &[name, t] : file.tensors) {
                if (const auto it = stageParams.find(name); it != stageParams.end()) {
                    if (!it->second.sizes().equals(t.sizes()))
                        throw Error(folder.string() + ": the stage's tensor " + name + " has another shape");
                    at::NoGradGuard noGrad;
                    it->second.copy_(t);
                    stageParams.erase(it);
                } else if (name == "rng.cpu" || (name == "rng.cuda" && device.is_cuda())) {
                    at::Generator g = at::globalContext().defaultGenerator(name == "rng.cpu" ? at::Device(at::kCPU) : device);
                    std::lock_guard<std::mutex> lock(g.mutex());
                    g.set_state(t.clone());
                } else if (name != "rng.cuda")
                    optimizerState[name] = t;
            }
            if (!stageParams.empty())
                throw Error(folder.string() + ": " + kStateTensors + " lacks the stage's tensor " +
                            stageParams.begin()->first);
            optimizer->loadState(optimizerState);
        } catch (const model::SafetensorsError &e) {
            throw Error(std::string("cannot resume: ") + e.what());
        } catch (const c10::Error &e) {
            throw Error("cannot resume from " + folder.string() + ": " + e.what_without_backtrace());
        }
        step = j.at("step").get<int64_t>();
        tokens = j.value("tokens", int64_t(0));
        if (j.contains("last_val_loss") && j["last_val_loss"].is_number()) lastVal = j["last_val_loss"].get<double>();
        if (j.contains("best_val_loss") && j["best_val_loss"].is_number()) bestVal = j["best_val_loss"].get<double>();
        // One of this run's checkpoints, found by its folder name: the recorded path may name the folder the
        // workspace was in before it was moved.
        bestCheckpoint = j.value("best_checkpoint", std::string());
        if (!bestCheckpoint.empty()) bestCheckpoint = (checkpointsDir() / fs::path(bestCheckpoint).filename()).string();
    }

    // --- checkpoints -------------------------------------------------------------------------------------

    std::string writeCheckpoint(JobContext &job, const std::string &why)
    {
        char name[32];
        std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
        const fs::path dir = checkpointsDir() / name;
        fs::create_directories(checkpointsDir());
        {
            StagingDir staging(dir.string());
            CheckpointMeta meta;
            meta.runName = o.runName;
            if (o.runId > 0) meta.runId = o.runId;
            meta.step = step;
            meta.extra = {{"stage", stage.name()}, {"tokens", tokens}, {"reason", why}};
            if (lastVal) meta.extra["val_loss"] = *lastVal;
            if (model::hasLora(*model))
                writeAdapterFiles(*model, *o.tokenizer, staging.path().string(), meta, c.stage.baseCheckpoint);
            else
                writeModelFiles(*model, *o.tokenizer, staging.path().string(), meta, at::kFloat);
            writeState(staging.path());
            // The metrics up to this step are stored before the checkpoint exists: a run killed after it
            // and resumed there has no hole in its curves.
            job.flushMetrics();
            if (o.onCheckpointStaged) o.onCheckpointStaged(staging.path().string());
            staging.publish(true);
        }
        const std::string path = dir.string();
        lastCheckpoint = path;
        kept.erase(std::remove_if(kept.begin(), kept.end(), [&](const Kept &k) { return k.path == path; }), kept.end());
        kept.push_back({step, path, lastVal});
        if (lastVal && (!bestVal || *lastVal <= *bestVal)) {
            bestVal = lastVal;
            bestCheckpoint = path;
        }
        std::optional<ExperimentStore> store;
        if (!o.databasePath.empty()) {
            store.emplace(o.databasePath);
            forgetCheckpoint(*store, path);
            nlohmann::json metrics = {{"tokens", tokens}, {"reason", why}};
            if (lastVal) metrics["val_loss"] = *lastVal;
            store->addCheckpoint(o.runId, step, path, metrics.dump());
        }
        job.event(EventLevel::Info, kCheckpointWritten(step, why, path));
        prune(job, store ? &*store : nullptr);
        return path;
    }

    void forgetCheckpoint(ExperimentStore &store, const std::string &path) const
    {
        for (const auto &existing : store.checkpoints(o.runId))
            if (existing.path == path) store.removeCheckpoint(existing.id);
    }

    // Keeps the newest runtime.keep_checkpoints and the best by validation loss.
    void prune(JobContext &job, ExperimentStore *store)
    {
        const auto keep = static_cast<size_t>(std::max<int64_t>(1, c.runtime.keepCheckpoints));
        std::vector<Kept> remaining;
        for (size_t i = 0; i < kept.size(); ++i) {
            const Kept &k = kept[i];
            const bool recent = i + keep >= kept.size();
            if (recent || k.path == bestCheckpoint) {
                remaining.push_back(k);
                continue;
            }
            std::error_code ec;
            fs::remove_all(k.path, ec);
            if (ec) job.event(EventLevel::Warning, kCannotRemove(k.path, ec.message()));
            if (store) forgetCheckpoint(*store, k.path);
        }
        kept.swap(remaining);
    }

    void loadKeptCheckpoints()
    {
        // The run's checkpoints already on disk (a resumed run), oldest first.
        std::error_code ec;
        if (!fs::is_directory(checkpointsDir(), ec)) return;
        std::vector<fs::path> dirs, stale;
        for (const auto &entry : fs::directory_iterator(checkpointsDir(), ec)) {
            const std::string name = entry.path().filename().string();
            if (!entry.is_directory() || name.rfind("step-", 0) != 0) continue;
            (name.find(".tmp-") == std::string::npos ? dirs : stale).push_back(entry.path());
        }
        // A checkpoint that was being written when the process died: never published, so never used.
        for (const auto &dir : stale) fs::remove_all(dir, ec);
        std::sort(dirs.begin(), dirs.end());
        for (const auto &dir : dirs) {
            Kept k{0, dir.string(), std::nullopt};
            std::ifstream in(dir / "danka.json");
            const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
            if (!j.is_discarded()) {
                k.step = j.value("step", int64_t(0));
                if (j.contains("extra") && j["extra"].contains("val_loss")) k.valLoss = j["extra"]["val_loss"].get<double>();
            }
            kept.push_back(k);
        }
    }

    // --- validation and samples --------------------------------------------------------------------------

    void validate(JobContext &job)
    {
        model->eval();
        std::optional<ValidationResult> v;
        {
            AutocastScope scope(device.type(), autocast, autocastType);
            v = stage.validate(*model, c.runtime.evalBatches);
        }
        model->train();
        if (!v) return;
        lastVal = v->loss;
        job.metric("val/loss", step, v->loss);
        job.metric("val/ppl", step, std::exp(std::min(v->loss, 80.0)));
    }

    void samples(JobContext &job)
    {
        const auto prompts = stage.samplePrompts();
        if (prompts.empty()) return;
        model::GenerationOptions g;
        g.maxNewTokens = c.runtime.sampleTokens;
        g.sampling.temperature = 0.8;
        g.sampling.topK = 50;
        g.sampling.topP = 0.95;
        g.sampling.repetitionPenalty = 1.1;
        g.stopTokens = {o.tokenizer->eosId()};
        // Chat replies end at their end marker, as in the studio's Chat (the stage says which).
        for (int32_t id : stage.sampleStopTokens()) g.stopTokens.push_back(id);
        g.seed = static_cast<uint64_t>(c.runtime.seed) + static_cast<uint64_t>(step);
        g.padId = o.tokenizer->padId();
        std::vector<std::vector<int32_t>> ids;
        for (const auto &p : prompts) ids.push_back(p.second);
        const model::GenerationResult r = model::generate(*model, ids, g);  // eval mode and no_grad inside
        model->train();
        std::ofstream out(fs::path(o.runDir) / "samples.jsonl", std::ios::app);
        for (size_t i = 0; i < prompts.size(); ++i) {
            std::vector<int32_t> generated = r.tokens[i];
            if (!generated.empty() && std::find(g.stopTokens.begin(), g.stopTokens.end(), generated.back()) != g.stopTokens.end())
                generated.pop_back();
            const std::string text = o.tokenizer->decode(generated);
            job.event(EventLevel::Info, kSample(step, prompts[i].first, text));
            out << nlohmann::json({{"step", step}, {"prompt", prompts[i].first}, {"text", text}}).dump() << '\n';
        }
    }

    // --- one optimizer step ------------------------------------------------------------------------------

    struct StepOutcome {
        double loss = NAN;
        double gradNorm = NAN;
        bool applied = false;
        int64_t tokens = 0;
        double flops = 0;  // model FLOPs of the step's micro-batches (the stage's formula)
        StepVerdict verdict;
        std::map<std::string, std::pair<double, int64_t>> metrics;  // the stage's own: sum and count
    };

    StepOutcome trainStep(double lr)
    {
        StepOutcome s;
        stage.beforeStep(*model, step);  // work that is not a micro-batch (rollouts)
        const int64_t accum = c.optim.gradAccumSteps;
        const double scale = guard.scaler().scale();
        at::Tensor lossSum;  // on the device: one synchronisation per step, not per micro-batch
        for (int64_t micro = 0; micro < accum; ++micro) {
            at::Tensor loss;
            {
                AutocastScope scope(device.type(), autocast, autocastType);
                MicroBatchLoss m = stage.trainLoss(*model);
                loss = m.loss;
                s.tokens += m.tokens;
                s.flops += m.flops;
                for (const auto &[key, value] : m.metrics) {
                    auto &[sum, count] = s.metrics[key];
                    sum += value;
                    ++count;
                }
            }
            const at::Tensor value = loss.detach().to(at::kDouble);
            lossSum = lossSum.defined() ? lossSum + value : value;
            (loss.to(at::kFloat) * (scale / static_cast<double>(accum))).backward();
        }
        s.loss = lossSum.item<double>() / static_cast<double>(accum);
        if (scale != 1.0) optimizer->scaleGradients(1.0 / scale);
        s.gradNorm = optimizer->gradNorm();

        // The guard judges the step (and updates the loss scale and the outlier statistics).
        s.verdict = guard.judge(s.loss, s.gradNorm);
        if (!s.verdict.apply) {
            optimizer->zeroGrad();
            return s;
        }
        if (c.optim.gradClip > 0) optimizer->clipGradients(c.optim.gradClip, s.gradNorm);
        optimizer->step(lr);
        optimizer->zeroGrad();
        s.applied = true;
        return s;
    }
};

Trainer::Trainer(model::Transformer model, TrainingStage &stage, TrainerOptions options)
    : d(std::make_unique<Impl>(std::move(model), stage, std::move(options)))
{
    Impl &t = *d;
    if (!t.o.tokenizer) throw Error("trainer: no tokenizer");
    requireCheckpointFiles(*t.o.tokenizer);
    if (t.o.runDir.empty()) throw Error("trainer: no run folder");
    t.device = t.model->parameters().front().device();
    const Precision precision = t.c.runtime.precision;
    if (precision == Precision::Fp16 && !t.device.is_cuda())
        throw Error("runtime.precision: fp16 needs a CUDA device (its loss scaling guards the GPU's half precision); "
                    "use bf16 on the CPU");
    t.autocast = precision != Precision::Fp32;
    t.autocastType = precision == Precision::Fp16 ? at::kHalf : at::kBFloat16;
    t.model->setActivationCheckpointing(t.c.runtime.activationCheckpointing);
    AdamWOptions a;
    a.beta1 = t.c.optim.beta1;
    a.beta2 = t.c.optim.beta2;
    a.eps = t.c.optim.eps;
    a.weightDecay = t.c.optim.weightDecay;
    a.decayNormsAndEmbeddings = t.c.optim.decayNormsAndEmbeddings;
    a.offloadMoments = t.c.runtime.offloadOptimizer;
    std::vector<std::pair<std::string, at::Tensor>> parameters = trainableParameters(*t.model);
    for (auto &[name, tensor] : t.stage.extraParameters()) parameters.emplace_back(kStageParamPrefix + name, tensor);
    t.optimizer = std::make_unique<AdamW>(std::move(parameters), a);
    fs::create_directories(t.o.runDir);
    if (!t.o.resumeFrom.empty()) {
        t.readState(t.o.resumeFrom);
        t.loadKeptCheckpoints();
        t.lastCheckpoint = t.o.resumeFrom;
    } else {
        torch::manual_seed(static_cast<uint64_t>(t.c.runtime.seed));
    }
}

Trainer::~Trainer() = default;

int64_t Trainer::step() const
{
    return d->step;
}

TrainerResult Trainer::run(JobContext &job)
{
    Impl &t = *d;
    const RunConfig &c = t.c;
    const int64_t maxSteps = c.schedule.maxSteps;
    LrSchedule schedule;
    schedule.peak = c.optim.learningRate;
    schedule.warmupSteps = c.schedule.warmupSteps;
    schedule.maxSteps = maxSteps;
    schedule.decay = c.schedule.decay;
    schedule.minRatio = c.schedule.minLrRatio;

    if (t.o.peakFlops > 0) {
        t.peak = givenPeakFlops(t.o.peakFlops);
    } else {
        job.setProgress(0, "finding the peak FLOP/s for MFU");
        const char *dtype = !t.autocast ? "fp32" : t.autocastType == at::kHalf ? "fp16" : "bf16";
        t.peak = mfuPeakFlops(t.device.str(), dtype, 0.5);
    }
    int64_t trainable = 0;
    for (const at::Tensor &p : t.model->parameters())
        if (p.requires_grad()) trainable += p.numel();
    const int64_t total = c.model.parameterCount();
    {
        const std::string device = t.device.str();
        const char *precision = t.autocast ? (t.autocastType == at::kHalf ? "fp16" : "bf16") : "fp32";
        const int64_t sequences = c.data.microBatchSize * c.optim.gradAccumSteps, length = t.stage.sequenceLength();
        const std::string host = c.runtime.offloadOptimizer ? kMomentsOnHost() : std::string();
        const bool some = trainable < total;
        job.event(EventLevel::Info,
                  t.step == 0 ? (some ? kTrainingSome(trainable, total, device, precision, maxSteps, sequences, length, host)
                                      : kTraining(total, device, precision, maxSteps, sequences, length, host))
                              : (some ? kResumingSome(t.step, trainable, total, device, precision, maxSteps, sequences,
                                                      length, host)
                                      : kResuming(t.step, total, device, precision, maxSteps, sequences, length, host)));
    }
    {
        // What train/mfu means for this run: the stage's model FLOPs over the peak, and which peak.
        const double perToken = sequenceFlops(t.stage, *t.model, t.stage.sequenceLength()) /
                                static_cast<double>(std::max<int64_t>(1, t.stage.sequenceLength()));
        char flops[64];
        std::snprintf(flops, sizeof flops, "%.4g", perToken / 1e9);
        job.event(EventLevel::Info, kMfuMeaning(t.stage.name(), flops, t.stage.sequenceLength(), t.peak.basis));
    }
    t.model->train();
    if (t.device.is_cuda()) kernels::resetCudaPeakMemory(t.device.index());

    TrainerResult result;
    // The window of steps between two metric points.
    double windowLoss = 0, windowNorm = 0, windowSeconds = 0;
    int64_t windowApplied = 0, windowSteps = 0, windowTokens = 0;
    double windowFlops = 0;
    std::map<std::string, std::pair<double, int64_t>> windowMetrics;  // the stage's own: sum and count
    try {
        while (t.step < maxSteps) {
            job.checkpoint();  // pause blocks here; cancel throws (a checkpoint is written below)
            const double lr = learningRate(schedule, t.step);
            const double start = now();
            const Impl::StepOutcome s = t.trainStep(lr);
            if (t.device.is_cuda()) torch::cuda::synchronize(t.device.index());
            windowSeconds += now() - start;
            ++t.step;
            t.tokens += s.tokens;
            windowTokens += s.tokens;
            windowFlops += s.flops;
            for (const auto &[key, sumCount] : s.metrics) {
                auto &[sum, count] = windowMetrics[key];
                sum += sumCount.first;
                count += sumCount.second;
            }
            ++windowSteps;
            if (s.applied) {
                windowLoss += s.loss;
                windowNorm += s.gradNorm;
                ++windowApplied;
            } else {
                // An fp16 overflow above the loss scale's floor is routine (the scale finds its level): Info.
                const bool overflow = s.verdict.reason == SkipReason::Fp16Overflow;
                job.event(overflow ? EventLevel::Info : EventLevel::Warning, kStepSkipped(t.step, s.verdict.message));
                if (s.verdict.stop)
                    throw Error(t.lastCheckpoint.empty()
                                    ? kStoppedNoCheckpoint(t.guard.consecutiveSkips(), s.verdict.message)
                                    : kStopped(t.guard.consecutiveSkips(), s.verdict.message, t.lastCheckpoint));
            }

            const bool last = t.step == maxSteps;
            if (t.step % c.runtime.logEvery == 0 || last) {
                const double tps = windowSeconds > 0 ? static_cast<double>(windowTokens) / windowSeconds : 0;
                if (windowApplied > 0) {
                    result.lastLoss = windowLoss / static_cast<double>(windowApplied);
                    job.metric("train/loss", t.step, result.lastLoss);
                    job.metric("train/grad_norm", t.step, windowNorm / static_cast<double>(windowApplied));
                }
                job.metric("train/lr", t.step, lr);
                job.metric("train/tokens_per_s", t.step, tps);
                job.metric("train/mfu", t.step,
                           t.peak.flops > 0 && windowSeconds > 0 ? windowFlops / windowSeconds / t.peak.flops : 0);
                job.metric("train/tokens", t.step, static_cast<double>(t.tokens));
                job.metric("train/skipped_steps", t.step, static_cast<double>(t.guard.skipped()));
                if (t.guard.scaler().enabled()) {
                    job.metric("train/loss_scale", t.step, t.guard.scaler().scale());
                    job.metric("train/overflow_steps", t.step, static_cast<double>(t.guard.overflowSkips()));
                }
                for (const auto &[key, sumCount] : windowMetrics)
                    if (sumCount.second > 0)
                        job.metric(key, t.step, sumCount.first / static_cast<double>(sumCount.second));
                windowMetrics.clear();
                job.metric("memory/rss_bytes", t.step, static_cast<double>(kernels::residentBytes()));
                if (t.device.is_cuda()) {
                    const kernels::DeviceMemoryStats m = kernels::cudaMemoryStats(t.device.index());
                    job.metric("memory/cuda_allocated_bytes", t.step, static_cast<double>(m.allocatedBytes));
                    job.metric("memory/cuda_reserved_bytes", t.step, static_cast<double>(m.reservedBytes));
                    job.metric("memory/cuda_peak_bytes", t.step, static_cast<double>(m.peakAllocatedBytes));
                }
                windowLoss = windowNorm = windowSeconds = 0;
                windowApplied = windowSteps = windowTokens = 0;
                windowFlops = 0;
            }
            job.setProgress(static_cast<double>(t.step) / static_cast<double>(maxSteps),
                            std::isfinite(result.lastLoss)
                                ? kProgressStepLoss(t.step, maxSteps, formatFloat(result.lastLoss, 3))
                                : kProgressStep(t.step, maxSteps));

            if ((c.runtime.evalEvery > 0 && t.step % c.runtime.evalEvery == 0) || last) t.validate(job);
            if (c.runtime.sampleEvery > 0 && (t.step % c.runtime.sampleEvery == 0 || last)) t.samples(job);
            if ((c.runtime.checkpointEvery > 0 && t.step % c.runtime.checkpointEvery == 0) || last)
                t.writeCheckpoint(job, last ? kReasonEnd.source() : kReasonPeriodic.source());
        }
    } catch (const JobCancelled &) {
        // Stopped at a step boundary: everything up to here is consistent, so the checkpoint resumes exactly.
        if (t.lastCheckpoint.empty() || t.kept.empty() || t.kept.back().step != t.step)
            t.writeCheckpoint(job, "cancelled");
        throw;
    }
    result.steps = t.step;
    result.skippedSteps = t.guard.skipped();
    result.lastValLoss = t.lastVal;
    result.bestValLoss = t.bestVal;
    result.lastCheckpoint = t.lastCheckpoint;
    result.bestCheckpoint = t.bestCheckpoint;
    result.tokens = t.tokens;
    return result;
}

}  // namespace danka::core::train
