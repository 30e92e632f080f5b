// The trainer, end to end on a tiny corpus prepared with the demo tokenizer. Oracles: a cyclic corpus that a
// correct loop must memorise (loss < 0.1); an uninterrupted run whose every per-step loss a stopped and
// resumed run must reproduce bit for bit; injected NaN and spikes that must be skipped, counted and logged;
// a process killed with SIGKILL while it writes a checkpoint, after which the previous checkpoint loads
// and the run resumes.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/config/config_io.h"
#include "core/data/prepare.h"
#include "core/checkpoint/model_io.h"
#include "core/run/run_recorder.h"
#include "core/store/experiment_store.h"
#include "core/train/stages/pretrain_stage.h"
#include "core/train/trainer.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"
#include "kernels/memory_stats.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;
namespace fs = std::filesystem;

namespace {

// The same ten words over and over: every next token is determined by the previous ones.
std::string cyclicCorpus(const QString &dir)
{
    const std::string path = (dir + QStringLiteral("/cyclic.jsonl")).toStdString();
    std::ofstream out(path);
    for (int i = 0; i < 60; ++i)
        out << R"({"text": "one two three four five six seven eight nine ten. 春眠不觉晓，处处闻啼鸟。"})" << '\n';
    return path;
}

std::string prepare(const std::string &input, const std::string &outDir)
{
    data::PrepareOptions o;
    o.inputs = {input};
    o.tokenizerDir = test::demoTokenizerDir();
    o.outDir = outDir;
    o.valFraction = 0;
    o.dedup = data::DedupMode::None;  // the repetition is the point
    o.threads = 1;
    std::string error;
    if (test::runJob([&](JobContext &job) { data::prepareDataset(o, job); }, &error) != JobState::Completed)
        throw std::runtime_error("prepare failed: " + error);
    return outDir;
}

RunConfig tinyConfig(const std::string &dataset)
{
    RunConfig c;
    c.name = "tiny";
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 48;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.nKvHeads = 2;
    c.model.attention = model::AttentionKind::Gqa;
    c.model.ffnHiddenSize = 96;
    c.model.maxSeqLen = 64;
    c.data.dataset = dataset;
    c.data.seqLen = 48;
    c.data.microBatchSize = 4;
    c.data.valFraction = 0.1;
    c.optim.learningRate = 3e-3;
    c.schedule.maxSteps = 200;
    c.schedule.warmupSteps = 10;
    c.runtime.device = Device::Cpu;
    c.runtime.logEvery = 1;
    c.runtime.evalEvery = 40;
    c.runtime.evalBatches = 2;
    c.runtime.checkpointEvery = 40;
    c.runtime.keepCheckpoints = 2;
    c.runtime.sampleEvery = 60;
    c.runtime.sampleTokens = 8;
    return c;
}

struct Recorded {
    std::map<int64_t, double> losses;  // train/loss by step
    std::map<std::string, std::vector<std::pair<int64_t, double>>> metrics;
    std::vector<std::string> events;
    JobState state = JobState::Idle;
    std::string error;
    train::TrainingSummary summary;
};

// Runs training as the CLI does (recorded into the run), optionally cancelling once `cancelAt` is logged.
Recorded runRecorded(const Workspace &ws, const train::PreparedTraining &p, int64_t cancelAt = 0)
{
    Recorded r;
    std::mutex mutex;
    Job *self = nullptr;
    JobCallbacks downstream;
    downstream.metric = [&](const MetricPoint &m) {
        std::lock_guard<std::mutex> lock(mutex);
        if (m.name == "train/loss") r.losses[m.step] = m.value;
        r.metrics[m.name].emplace_back(m.step, m.value);
        if (cancelAt > 0 && m.name == "train/loss" && m.step == cancelAt) self->cancel();
    };
    downstream.event = [&](EventLevel, const std::string &text) {
        std::lock_guard<std::mutex> lock(mutex);
        r.events.push_back(text);
    };
    train::TrainingHooks hooks;
    hooks.peakFlops = 1e11;
    Job job(
        "train", [&](JobContext &ctx) { r.summary = train::runTraining(ws, p, ctx, hooks); },
        recordRun(ws.databasePath(), p.runId, downstream));
    self = &job;
    job.start();
    r.state = job.wait();
    r.error = job.error();
    return r;
}

bool anyEventContains(const Recorded &r, const std::string &text)
{
    for (const auto &e : r.events)
        if (e.find(text) != std::string::npos) return true;
    return false;
}

// A stage that corrupts chosen steps' losses: NaN, or a spike (the loss times a factor).
class Saboteur final : public train::TrainingStage {
public:
    Saboteur(train::TrainingStage &inner, std::map<int64_t, double> factors) : m_inner(inner), m_factors(std::move(factors)) {}
    std::string name() const override { return m_inner.name(); }
    train::MicroBatchLoss trainLoss(model::TransformerImpl &m) override
    {
        train::MicroBatchLoss l = m_inner.trainLoss(m);
        const auto it = m_factors.find(m_calls++);
        if (it != m_factors.end()) l.loss = l.loss * it->second;
        return l;
    }
    std::optional<train::ValidationResult> validate(model::TransformerImpl &m, int64_t b) override { return m_inner.validate(m, b); }
    std::vector<std::pair<std::string, std::vector<int32_t>>> samplePrompts() const override { return {}; }
    int64_t sequenceLength() const override { return m_inner.sequenceLength(); }
    double flopsPerToken(const model::TransformerImpl &m, double context) const override
    {
        return m_inner.flopsPerToken(m, context);
    }
    nlohmann::json state() const override { return m_inner.state(); }
    void setState(const nlohmann::json &s) override { m_inner.setState(s); }

private:
    train::TrainingStage &m_inner;
    std::map<int64_t, double> m_factors;  // micro-batch call index -> factor
    int64_t m_calls = 0;
};

// Options for a Trainer driven directly (no store), as the tests with a custom stage need.
train::TrainerOptions directOptions(const RunConfig &c, const tokenizer::Tokenizer &tok, const std::string &runDir)
{
    train::TrainerOptions o;
    o.config = c;
    o.runDir = runDir;
    o.tokenizer = &tok;
    o.peakFlops = 1e11;
    return o;
}

}  // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_dataset = prepare(cyclicCorpus(m_dir.path()), (m_dir.path() + QStringLiteral("/cyclic")).toStdString());
    }

    void overfitsACyclicCorpus()
    {
        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-overfit")).toStdString());
        RunConfig c = tinyConfig(m_dataset);
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        const Recorded r = runRecorded(ws, p);
        QCOMPARE(r.state, JobState::Completed);
        QVERIFY2(r.summary.lastLoss < 0.1, qPrintable(QString::number(r.summary.lastLoss)));
        QVERIFY(r.losses.begin()->second > 5.0);  // it started from chance over 2000 pieces
        QVERIFY(r.summary.lastValLoss && *r.summary.lastValLoss < 0.2);
        // Recorded: the run, its metrics, its checkpoints (the last two kept; the best too), its samples.
        ExperimentStore store(ws.databasePath());
        QCOMPARE(store.run(p.runId)->status, RunStatus::Completed);
        for (const char *name : {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s", "train/mfu",
                                 "memory/rss_bytes", "val/loss", "val/ppl", "train/skipped_steps"})
            QVERIFY2(!store.series(p.runId, name).empty(), name);
        const auto checkpoints = store.checkpoints(p.runId);
        QVERIFY(checkpoints.size() >= 2 && checkpoints.size() <= 3);
        for (const auto &cp : checkpoints) QVERIFY(fs::exists(fs::path(cp.path) / "training_state.json"));
        QVERIFY(fs::exists(fs::path(p.runDir) / "samples.jsonl"));
        QVERIFY(anyEventContains(r, "sample at step 60"));
        // The learning rate followed the schedule: warmup, then cosine to 10% at the last step.
        const auto lr = store.series(p.runId, "train/lr");
        QCOMPARE(lr.front().value, 3e-3 * 1 / 10);
        QVERIFY(std::abs(lr.back().value - 3e-4) < 3e-4 * 0.01);
        // The final checkpoint generates the corpus.
        const LoadedCheckpoint loaded = loadModelCheckpoint(r.summary.lastCheckpoint);
        QVERIFY(loaded.danka["step"] == 200);
    }

    void resumeIsExact()
    {
        // Dropout, shuffling, fill-in-the-middle and document masks: everything random must be restored.
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 24;
        c.model.dropout = 0.1;
        c.stage.fimRate = 0.5;
        c.stage.documentMask = true;
        c.runtime.evalEvery = 5;
        c.runtime.checkpointEvery = 100;  // only the cancel writes one before the end
        c.runtime.sampleEvery = 7;

        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-resume")).toStdString());
        train::TrainRequest request;
        request.config = c;
        const Recorded whole = runRecorded(ws, train::prepareTraining(ws, request));
        QCOMPARE(whole.state, JobState::Completed);
        QCOMPARE(whole.losses.size(), size_t(24));

        const train::PreparedTraining first = train::prepareTraining(ws, request);
        const Recorded stopped = runRecorded(ws, first, 11);
        QCOMPARE(stopped.state, JobState::Cancelled);
        QVERIFY(anyEventContains(stopped, "(cancelled)"));
        {
            ExperimentStore store(ws.databasePath());
            QCOMPARE(store.run(first.runId)->status, RunStatus::Cancelled);
        }
        train::TrainRequest resume;
        resume.resume = "latest";
        const train::PreparedTraining second = train::prepareTraining(ws, resume);
        QCOMPARE(second.runId, first.runId);
        QCOMPARE(second.resumeStep, int64_t(11));
        const Recorded rest = runRecorded(ws, second);
        QCOMPARE(rest.state, JobState::Completed);
        QCOMPARE(rest.losses.begin()->first, int64_t(12));
        for (const auto &[step, loss] : rest.losses)
            QVERIFY2(loss == whole.losses.at(step), qPrintable(QString("step %1: %2 vs %3").arg(step).arg(loss, 0, 'g', 17).arg(whole.losses.at(step), 0, 'g', 17)));
        for (const auto &[step, loss] : stopped.losses) QCOMPARE(loss, whole.losses.at(step));
        QCOMPARE(rest.summary.lastValLoss.value(), whole.summary.lastValLoss.value());
        ExperimentStore store(ws.databasePath());
        QCOMPARE(store.run(first.runId)->status, RunStatus::Completed);
        QCOMPARE(store.series(first.runId, "train/loss").size(), size_t(24));  // no step twice
    }

    void bf16AutocastTrains()
    {
        RunConfig c = tinyConfig(m_dataset);
        c.runtime.precision = Precision::Bf16;
        c.runtime.activationCheckpointing = 1;
        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-bf16")).toStdString());
        train::TrainRequest request;
        request.config = c;
        const Recorded r = runRecorded(ws, train::prepareTraining(ws, request));
        QCOMPARE(r.state, JobState::Completed);
        QVERIFY2(r.summary.lastLoss < 0.5, qPrintable(QString::number(r.summary.lastLoss)));
        QVERIFY(r.losses.begin()->second > 5.0);
    }

    void outOfMemoryFailsCleanlyWithAdvice()
    {
        // runtime.memory_cap on the CPU caps LibTorch's allocations at the budget less the 0.5 GiB the
        // estimator counts for the process: 2 MiB here, which the tiny model's weights fit but not a step.
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 5;
        c.schedule.warmupSteps = 1;
        c.runtime.memoryCap = true;
        c.runtime.memoryBudgetGib = 0.5 + 2.0 / 1024;
        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-oom")).toStdString());
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        const Recorded r = runRecorded(ws, p);
        QCOMPARE(r.state, JobState::Failed);
        qInfo("%s", r.error.c_str());
        QVERIFY2(r.error.find("out of memory on cpu (runtime.memory_cap)") != std::string::npos, r.error.c_str());
        QVERIFY2(r.error.find("The memory estimator puts this plan at") != std::string::npos, r.error.c_str());
        QVERIFY2(anyEventContains(r, "runtime.memory_cap: LibTorch's CPU allocations are capped at 2.0 MiB"),
                 "no cap event");
        ExperimentStore store(ws.databasePath());
        QCOMPARE(store.run(p.runId)->status, RunStatus::Failed);
        QVERIFY(store.run(p.runId)->error.find("out of memory") != std::string::npos);
        QCOMPARE(danka::kernels::hostMemoryLimit(), int64_t(0));  // lifted after the run

        // The process goes on: the same run without the cap trains.
        c.runtime.memoryCap = false;
        request.config = c;
        const Recorded again = runRecorded(ws, train::prepareTraining(ws, request));
        QCOMPARE(again.state, JobState::Completed);
    }

    void nanAndSpikesAreSkipped()
    {
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 60;
        c.runtime.sampleEvery = 0;
        c.runtime.evalEvery = 0;
        const auto tok = tokenizer::Tokenizer::load(test::demoTokenizerDir());
        train::PretrainStage inner(c, tok, torch::kCPU);
        Saboteur stage(inner, {{5, NAN}, {45, 1e3}});  // a NaN early, a 1000x spike once the statistics exist
        torch::manual_seed(1);
        model::Transformer m(c.model);
        const train::TrainerOptions o = directOptions(c, tok, (m_dir.path() + QStringLiteral("/run-skips")).toStdString());
        train::Trainer trainer(m, stage, o);
        std::vector<std::string> events;
        std::map<std::string, double> last;
        JobCallbacks cb;
        cb.event = [&](EventLevel, const std::string &e) { events.push_back(e); };
        cb.metric = [&](const MetricPoint &p) { last[p.name] = p.value; };
        train::TrainerResult result;
        Job job("skips", [&](JobContext &ctx) { result = trainer.run(ctx); }, cb);
        job.start();
        QCOMPARE(job.wait(), JobState::Completed);
        QCOMPARE(result.skippedSteps, int64_t(2));
        QCOMPARE(last["train/skipped_steps"], 2.0);
        int nan = 0, spike = 0;
        for (const auto &e : events) {
            nan += e.find("step 6 skipped: the loss is nan") != std::string::npos;
            spike += e.find("step 46 skipped: the loss") != std::string::npos &&
                     e.find("standard deviations above") != std::string::npos;
        }
        QCOMPARE(nan, 1);
        QCOMPARE(spike, 1);
        QVERIFY(result.lastLoss < 2.0);  // training went on
    }

    void consecutiveSkipsStopTheRun()
    {
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 60;
        c.runtime.checkpointEvery = 5;
        c.runtime.maxSkippedSteps = 4;
        c.runtime.sampleEvery = 0;
        const auto tok = tokenizer::Tokenizer::load(test::demoTokenizerDir());
        train::PretrainStage inner(c, tok, torch::kCPU);
        std::map<int64_t, double> broken;
        for (int64_t i = 7; i < 60; ++i) broken[i] = NAN;
        Saboteur stage(inner, broken);
        torch::manual_seed(1);
        model::Transformer m(c.model);
        const train::TrainerOptions o = directOptions(c, tok, (m_dir.path() + QStringLiteral("/run-broken")).toStdString());
        train::Trainer trainer(m, stage, o);
        std::string error;
        QCOMPARE(test::runJob([&](JobContext &ctx) { trainer.run(ctx); }, &error), JobState::Failed);
        QVERIFY2(error.find("stopped after 4 consecutive skipped updates (last: the loss is nan)") != std::string::npos,
                 error.c_str());
        // Skipped updates leave the weights alone, so the checkpoint of step 10 holds step 7's weights.
        QVERIFY2(error.find("the last good checkpoint is " + o.runDir + "/checkpoints/step-00000010") != std::string::npos,
                 error.c_str());
        QVERIFY(loadModelCheckpoint(o.runDir + "/checkpoints/step-00000010").model);
    }

    void killedWhileWritingACheckpoint()
    {
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 12;
        c.runtime.checkpointEvery = 4;
        c.runtime.sampleEvery = 0;
        const QString wsPath = m_dir.path() + QStringLiteral("/ws-kill");
        const QString configPath = m_dir.path() + QStringLiteral("/kill.json");
        {
            std::ofstream out(configPath.toStdString());
            out << toJson(c).dump(2);
        }
        QProcess helper;
        helper.start(QStringLiteral(DANKA_TRAIN_HELPER), {wsPath, configPath, QStringLiteral("2")});
        QVERIFY(helper.waitForStarted());
        QByteArray out;
        while (!out.contains("STAGED") && helper.waitForReadyRead(60000)) out += helper.readAllStandardOutput();
        QVERIFY2(out.contains("STAGED"), out.constData());
        helper.kill();  // SIGKILL in the middle of the second checkpoint
        helper.waitForFinished();

        const fs::path checkpoints = fs::path(wsPath.toStdString()) / "runs" / "1" / "checkpoints";
        QVERIFY(fs::exists(checkpoints / "step-00000004" / "training_state.json"));
        QVERIFY(!fs::exists(checkpoints / "step-00000008"));
        bool stale = false;
        for (const auto &e : fs::directory_iterator(checkpoints)) stale |= e.path().filename().string().find(".tmp-") != std::string::npos;
        QVERIFY(stale);
        QVERIFY(loadModelCheckpoint((checkpoints / "step-00000004").string()).model);

        const Workspace ws = Workspace::open(wsPath.toStdString());
        train::TrainRequest resume;
        resume.resume = "1";
        const train::PreparedTraining p = train::prepareTraining(ws, resume);
        QCOMPARE(p.resumeStep, int64_t(4));
        const Recorded r = runRecorded(ws, p);
        QCOMPARE(r.state, JobState::Completed);
        QCOMPARE(r.summary.steps, int64_t(12));
        for (const auto &e : fs::directory_iterator(checkpoints))
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());

        // "Resume from this": an older checkpoint of the run instead of its newest; a folder that is not one
        // of the run's checkpoints (step 4 was pruned: two are kept) is refused with its path.
        resume.checkpoint = (checkpoints / "step-00000008").string();
        QCOMPARE(train::prepareTraining(ws, resume).resumeStep, int64_t(8));
        QCOMPARE(train::prepareTraining(ws, resume).resumeFrom, resume.checkpoint);
        resume.checkpoint = (checkpoints / "step-00000004").string();
        try {
            train::prepareTraining(ws, resume);
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("step-00000004: not a checkpoint of run 1") != std::string::npos, e.what());
        }
    }

    void aDamagedTrainingStateIsNamed()
    {
        // Resuming from a checkpoint whose training_state.json was damaged fails with the file and the field,
        // never with a raw JSON library error, and nothing of the run is lost.
        RunConfig c = tinyConfig(m_dataset);
        c.schedule.maxSteps = 4;
        c.runtime.checkpointEvery = 4;
        c.runtime.sampleEvery = 0;
        c.runtime.evalEvery = 0;
        c.schedule.warmupSteps = 1;
        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-damaged")).toStdString());
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        QCOMPARE(runRecorded(ws, p).state, JobState::Completed);
        const fs::path state = fs::path(p.runDir) / "checkpoints" / "step-00000004" / "training_state.json";
        const nlohmann::json good = nlohmann::json::parse(std::ifstream(state));
        const std::pair<std::function<void(nlohmann::json &)>, std::string> damages[] = {
            {[](nlohmann::json &j) { j["step"] = "four"; }, "damaged training state: 'step' is missing or not an integer >= 0"},
            {[](nlohmann::json &j) { j.erase("scaler"); }, "damaged training state: 'scaler' is missing"},
            {[](nlohmann::json &j) { j["tokens"] = nlohmann::json::array(); }, "damaged training state: 'tokens' is not an integer"},
            {[](nlohmann::json &j) { j["stage_state"] = 5; }, "damaged training state: "},
            {[](nlohmann::json &j) { j["loss_outliers"] = {{"values", "x"}}; }, "damaged training state: "},
            {[](nlohmann::json &j) { j["version"] = 2; }, "written by a newer Danka (training state version 2)"},
            {[](nlohmann::json &j) { j = nlohmann::json::array(); }, "not a Danka training state"},
        };
        c.schedule.maxSteps = 6;  // resume to go on
        for (const auto &[damage, expected] : damages) {
            nlohmann::json j = good;
            damage(j);
            std::ofstream(state) << j.dump();
            train::TrainRequest resume;
            resume.resume = std::to_string(p.runId);
            resume.config = c;
            const Recorded r = runRecorded(ws, train::prepareTraining(ws, resume));
            QCOMPARE(r.state, JobState::Failed);
            QVERIFY2(r.error.find(state.string() + ": " + expected) == 0, r.error.c_str());
        }
        std::ofstream(state) << good.dump();
        train::TrainRequest resume;
        resume.resume = std::to_string(p.runId);
        resume.config = c;
        const Recorded r = runRecorded(ws, train::prepareTraining(ws, resume));
        QCOMPARE(r.state, JobState::Completed);
        QCOMPARE(r.summary.steps, int64_t(6));
    }

    void badRequestsAreNamed()
    {
        const Workspace ws = Workspace::open((m_dir.path() + QStringLiteral("/ws-bad")).toStdString());
        train::TrainRequest resume;
        resume.resume = "latest";
        QVERIFY_THROWS_EXCEPTION(Error, train::prepareTraining(ws, resume));
        resume.resume = "42";
        try {
            train::prepareTraining(ws, resume);
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("no run 42") != std::string::npos, e.what());
        }
        RunConfig c = tinyConfig(m_dataset);
        c.data.seqLen = 100;  // longer than the model's 64 positions
        train::TrainRequest request;
        request.config = c;
        try {
            train::prepareTraining(ws, request);
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("data.seq_len: must be <= model.max_seq_len (64), got 100") != std::string::npos, e.what());
        }
        // A dataset that is not there fails the run (recorded as failed, with the path).
        c = tinyConfig(m_dir.path().toStdString() + "/no-such-dataset");
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        const Recorded r = runRecorded(ws, p);
        QCOMPARE(r.state, JobState::Failed);
        QVERIFY2(r.error.find("no-such-dataset") != std::string::npos, r.error.c_str());
        ExperimentStore store(ws.databasePath());
        QCOMPARE(store.run(p.runId)->status, RunStatus::Failed);
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
