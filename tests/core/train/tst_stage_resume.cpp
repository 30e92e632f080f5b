// Kill -9 and resume, for every stage (pretraining, SFT, LoRA, R1-style and white-box distillation). A
// training process is killed with SIGKILL while it writes its second checkpoint; the run is resumed from
// the first and goes on past checkpoint rotation (the checkpoint it resumed from is deleted, and more
// checkpoints than runtime.keep_checkpoints are written after it). Oracles: an uninterrupted run of the
// same config, whose final weights, AdamW moments, random state, data position and every logged loss the
// interrupted run must reproduce bit for bit; the metrics in the store right after the kill (every step up
// to the killed checkpoint); the files of every checkpoint (the tokenizer's included, byte for byte). Also:
// a base checkpoint deleted while a run trained from it still writes checkpoints, and runs that are still
// needed by others refused by `deleteRuns`.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/checkpoint/model_io.h"
#include "core/run/run_deletion.h"
#include "core/store/experiment_store.h"
#include "core/store/sqlite.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"
#include "model/safetensors.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;
namespace fs = std::filesystem;

namespace {

const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "1+1=?"}, {"role": "assistant", "content": "<think>one and one make two</think>2"}]})",
    R"({"conversations": [{"role": "user", "content": "春眠不觉晓的下一句？"}, {"role": "assistant", "content": "<think>孟浩然的《春晓》</think>处处闻啼鸟。"}]})",
    R"({"conversations": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "<think>history</think>It has been since 987."}]})",
    R"({"conversations": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是单卡训练的小模型。"}]})",
    R"({"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say one two three."}, {"role": "assistant", "content": "one two three"}]})",
};

model::ModelConfig tinyModel()
{
    model::ModelConfig m;
    m.vocabSize = 2000;
    m.hiddenSize = 48;
    m.nLayers = 2;
    m.nHeads = 4;
    m.nKvHeads = 2;
    m.attention = model::AttentionKind::Gqa;
    m.ffnHiddenSize = 96;
    m.maxSeqLen = 64;
    m.dropout = 0.1;  // the random state must be restored
    return m;
}

// 12 steps, a checkpoint every 2 and two kept: a run resumed from step 2 deletes that checkpoint at step 8.
RunConfig tinyRun(const std::string &kind, const std::string &dataset)
{
    RunConfig c;
    c.name = kind;
    c.model = tinyModel();
    c.stage.kind = kind == "lora" ? "sft" : kind;
    c.stage.lora.enabled = kind == "lora";
    c.data.dataset = dataset;
    c.data.seqLen = 48;
    c.data.microBatchSize = 2;
    c.data.valFraction = 0.1;
    c.optim.learningRate = 3e-3;
    c.optim.gradAccumSteps = 2;
    c.schedule.maxSteps = 12;
    c.schedule.warmupSteps = 3;
    c.runtime.device = Device::Cpu;
    c.runtime.logEvery = 1;
    c.runtime.evalEvery = 4;
    c.runtime.evalBatches = 1;
    c.runtime.checkpointEvery = 2;
    c.runtime.keepCheckpoints = 2;
    c.runtime.sampleEvery = 0;
    return c;
}

std::string readFile(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path checkpointOf(const Workspace &ws, int64_t runId, int64_t step)
{
    char name[32];
    std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
    return fs::path(ws.runDir(runId)) / "checkpoints" / name;
}

// Every tensor of a safetensors file, bit for bit.
void compareTensorFiles(const fs::path &a, const fs::path &b)
{
    const model::SafetensorsFile x = model::readSafetensors(a.string()), y = model::readSafetensors(b.string());
    QCOMPARE(x.tensors.size(), y.tensors.size());
    QVERIFY(!x.tensors.empty());
    for (size_t i = 0; i < x.tensors.size(); ++i) {
        QCOMPARE(x.tensors[i].first, y.tensors[i].first);
        QVERIFY2(at::equal(x.tensors[i].second, y.tensors[i].second),
                 qPrintable(QString::fromStdString(a.filename().string() + ": " + x.tensors[i].first + " differs")));
    }
}

std::map<int64_t, double> series(const Workspace &ws, int64_t runId, const std::string &name)
{
    ExperimentStore store(ws.databasePath());
    std::map<int64_t, double> out;
    for (const auto &p : store.series(runId, name)) out[p.step] = p.value;
    return out;
}

}  // namespace

class TestStageResume : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_pretrainData, m_sftData, m_base, m_teacher;

    std::string path(const QString &name) const { return m_dir.filePath(name).toStdString(); }

    RunConfig configFor(const QString &stage) const
    {
        if (stage == QLatin1String("pretrain")) return tinyRun(std::string("pretrain"), m_pretrainData);
        RunConfig c = tinyRun(stage == QLatin1String("sft")    ? std::string("sft")
                              : stage == QLatin1String("lora") ? std::string("lora")
                                                               : std::string("distill"),
                              m_sftData);
        c.stage.baseCheckpoint = m_base;
        c.stage.lora.rank = 4;
        c.stage.lora.alpha = 8;
        c.stage.lora.dropout = 0.1;
        if (stage == QLatin1String("distill-kl")) {
            c.stage.distill.teacherCheckpoint = m_teacher;
            c.stage.distill.klWeight = 0.5;
            c.stage.distill.temperature = 2;
        }
        return c;
    }

    // An earlier Danka named LoRA a stage: the run's recorded config and the checkpoint's training state say
    // "kind": "lora" / "stage": "lora" and have no stage.lora.enabled.
    static void rewriteAsLegacyLora(const Workspace &ws, const fs::path &checkpoint)
    {
        auto legacy = [](nlohmann::json config) {
            config["stage"]["kind"] = "lora";
            config["stage"]["lora"].erase("enabled");
            return config;
        };
        {
            sqlite::Database db(ws.databasePath());
            const nlohmann::json recorded = nlohmann::json::parse(db.queryText("SELECT config FROM runs WHERE id = 1"));
            db.prepare("UPDATE runs SET config = ? WHERE id = 1").bindAll(legacy(recorded).dump(2)).step();
        }
        const fs::path statePath = checkpoint / "training_state.json";
        nlohmann::json state = nlohmann::json::parse(readFile(statePath));
        QCOMPARE(state["stage"], nlohmann::json("sft"));
        state["stage"] = "lora";
        state["identity"] = legacy(state["identity"]);
        std::ofstream(statePath) << state.dump(2);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        {
            std::ofstream out(path(QStringLiteral("corpus.jsonl")));
            for (int i = 0; i < 40; ++i)
                out << nlohmann::json({{"text", "one two three four five six seven eight nine ten " + std::to_string(i) +
                                                    ". 春眠不觉晓，处处闻啼鸟。"}}).dump()
                    << '\n';
        }
        std::vector<std::string> texts;
        {
            std::ifstream in(path(QStringLiteral("corpus.jsonl")));
            for (std::string line; std::getline(in, line);) texts.push_back(line);
        }
        m_pretrainData = test::prepareRecords(texts, m_dir.path().toStdString(), "pretrain");
        std::vector<std::string> conversations;
        for (int i = 0; i < 4; ++i) conversations.insert(conversations.end(), std::begin(kConversations), std::end(kConversations));
        m_sftData = test::prepareRecords(conversations, m_dir.path().toStdString(), "sft");
        // Base and teacher: two differently initialised models with the demo tokenizer.
        const auto tok = tokenizer::Tokenizer::load(test::demoTokenizerDir());
        model::ModelConfig m = tinyModel();
        torch::manual_seed(11);
        model::Transformer base(m);
        m_base = writeModelCheckpoint(*base, tok, path(QStringLiteral("base")), {});
        torch::manual_seed(12);
        model::Transformer teacher(m);
        m_teacher = writeModelCheckpoint(*teacher, tok, path(QStringLiteral("teacher")), {});
    }

    void killedResumedAndRotatedIsExact_data()
    {
        QTest::addColumn<QString>("stage");
        // "lora-legacy": the killed run's records are rewritten as an earlier Danka wrote them (stage "lora",
        // no stage.lora.enabled) before the resume, which must go on as if nothing changed.
        for (const char *s : {"pretrain", "sft", "lora", "lora-legacy", "distill", "distill-kl"})
            QTest::newRow(s) << QString::fromLatin1(s);
    }

    void killedResumedAndRotatedIsExact()
    {
        QFETCH(QString, stage);
        const bool legacy = stage == QLatin1String("lora-legacy");
        if (legacy) stage = QStringLiteral("lora");
        const RunConfig c = configFor(stage);

        // The oracle: the same config trained without interruption.
        const Workspace whole = Workspace::open(path(QStringLiteral("whole-") + stage));
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining a = train::prepareTraining(whole, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(whole, a, &error), JobState::Completed);

        // A process killed with SIGKILL while it writes its second checkpoint (step 4).
        const QString name = stage + (legacy ? QStringLiteral("-legacy") : QString());
        const QString wsPath = m_dir.filePath(QStringLiteral("killed-") + name);
        const QString configPath = m_dir.filePath(name + QStringLiteral(".json"));
        {
            std::ofstream out(configPath.toStdString());
            out << toJson(c).dump(2);
        }
        QProcess helper;
        helper.start(QStringLiteral(DANKA_TRAIN_HELPER), {wsPath, configPath, QStringLiteral("2")});
        QVERIFY(helper.waitForStarted());
        QByteArray out;
        while (!out.contains("STAGED") && helper.waitForReadyRead(120000)) out += helper.readAllStandardOutput();
        QVERIFY2(out.contains("STAGED"), (out + helper.readAllStandardError()).constData());
        helper.kill();
        helper.waitForFinished();

        const Workspace ws = Workspace::open(wsPath.toStdString());
        // The metrics of every step up to the checkpoint being written are in the store already.
        const std::map<int64_t, double> beforeResume = series(ws, 1, "train/loss");
        for (int64_t step = 1; step <= 4; ++step)
            QVERIFY2(beforeResume.count(step), qPrintable(QStringLiteral("train/loss of step %1 was lost").arg(step)));
        QVERIFY(fs::exists(checkpointOf(ws, 1, 2) / "training_state.json"));
        QVERIFY(!fs::exists(checkpointOf(ws, 1, 4)));
        if (legacy) rewriteAsLegacyLora(ws, checkpointOf(ws, 1, 2));

        // Resumed from step 2: that checkpoint is rotated away at step 8, and five more are written.
        train::TrainRequest resume;
        resume.resume = "1";
        const train::PreparedTraining b = train::prepareTraining(ws, resume);
        QCOMPARE(b.resumeStep, int64_t(2));
        QCOMPARE(test::runRecordedTraining(ws, b, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(!fs::exists(checkpointOf(ws, 1, 2)));

        // Bit-identical: every logged loss, the weights, the AdamW moments and random state, the data position.
        const std::map<int64_t, double> expected = series(whole, a.runId, "train/loss"), got = series(ws, 1, "train/loss");
        QCOMPARE(got.size(), size_t(12));
        QCOMPARE(expected.size(), size_t(12));
        for (const auto &[step, loss] : expected)
            QVERIFY2(got.at(step) == loss, qPrintable(QStringLiteral("step %1: %2 vs %3").arg(step).arg(got.at(step), 0, 'g', 17).arg(loss, 0, 'g', 17)));
        const fs::path x = checkpointOf(whole, a.runId, 12), y = checkpointOf(ws, 1, 12);
        compareTensorFiles(x / (stage == QLatin1String("lora") ? "adapter_model.safetensors" : "model.safetensors"),
                           y / (stage == QLatin1String("lora") ? "adapter_model.safetensors" : "model.safetensors"));
        compareTensorFiles(x / "training_state.safetensors", y / "training_state.safetensors");
        const nlohmann::json sx = nlohmann::json::parse(readFile(x / "training_state.json"));
        const nlohmann::json sy = nlohmann::json::parse(readFile(y / "training_state.json"));
        for (const char *key : {"step", "stage_state", "scaler", "loss_outliers", "grad_norm_outliers", "tokens",
                                "skipped_steps", "last_val_loss", "best_val_loss"})
            QVERIFY2(sx.at(key) == sy.at(key), key);

        // Every checkpoint written after the resume is complete: the tokenizer's files byte for byte.
        for (const int64_t step : {10, 12})
            for (const char *file : {"tokenizer.model", "tokenizer.json", "special_tokens_map.json", "danka_tokenizer.json"}) {
                const fs::path f = checkpointOf(ws, 1, step) / file;
                QVERIFY2(fs::exists(f), f.c_str());
                QVERIFY2(readFile(f) == readFile(fs::path(test::demoTokenizerDir()) / file), f.c_str());
            }
        QVERIFY(loadModelCheckpoint(y.string()).model);
    }

    void aLegacyLoraConfigTrainsIdentically()
    {
        // A config file as an earlier Danka wrote it ("kind": "lora", no stage.lora.enabled) is read as SFT
        // with LoRA, says so, and trains the same curve as the config written today.
        const RunConfig today = configFor(QStringLiteral("lora"));
        nlohmann::json legacy = nlohmann::json::parse(toJson(today).dump());
        legacy["stage"]["kind"] = "lora";
        legacy["stage"]["lora"].erase("enabled");
        const std::string file = path(QStringLiteral("legacy-lora.json"));
        std::ofstream(file) << legacy.dump(2);
        const ConfigLoadResult loaded = loadConfigFile(file);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded.notes.size(), size_t(1));
        QCOMPARE(loaded.config.stage.kind, std::string("sft"));
        QVERIFY(loaded.config.stage.lora.enabled);
        std::map<int64_t, double> curves[2];
        for (int i = 0; i < 2; ++i) {
            const Workspace ws = Workspace::open(path(QStringLiteral("ws-legacy-%1").arg(i)));
            train::TrainRequest request;
            request.config = i == 0 ? today : loaded.config;
            const train::PreparedTraining p = train::prepareTraining(ws, request);
            std::string error;
            QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
            curves[i] = series(ws, p.runId, "train/loss");
        }
        QCOMPARE(curves[0].size(), size_t(12));
        QVERIFY(curves[1] == curves[0]);
    }

    void aBaseCheckpointDeletedDuringTheRun()
    {
        // The base folder disappears after the run's first checkpoint (a `runs delete` of the run that wrote
        // it); the run keeps its tokenizer and writes complete checkpoints to the end.
        const std::string base = path(QStringLiteral("base-copy"));
        fs::copy(m_base, base, fs::copy_options::recursive);
        RunConfig c = configFor(QStringLiteral("sft"));
        c.stage.baseCheckpoint = base;
        const Workspace ws = Workspace::open(path(QStringLiteral("ws-deleted-base")));
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        train::TrainingHooks hooks;
        hooks.peakFlops = 1e11;
        hooks.onCheckpointStaged = [&](const std::string &) { fs::remove_all(base); };
        Job job("train", [&](JobContext &ctx) { train::runTraining(ws, p, ctx, hooks); });
        job.start();
        QCOMPARE(job.wait(), JobState::Completed);
        QVERIFY2(job.error().empty(), job.error().c_str());
        const LoadedCheckpoint last = loadModelCheckpoint(checkpointOf(ws, p.runId, 12).string());
        QCOMPARE(last.tokenizer->checksum(), tokenizer::Tokenizer::load(test::demoTokenizerDir()).checksum());
        QVERIFY(fs::exists(checkpointOf(ws, p.runId, 12) / "tokenizer_config.json"));
    }

    void aRunStillNeededIsNotDeleted()
    {
        // A pretraining run, a LoRA run on its checkpoint and an SFT run from it.
        const Workspace ws = Workspace::open(path(QStringLiteral("ws-delete")));
        train::TrainRequest request;
        request.config = configFor(QStringLiteral("pretrain"));
        const train::PreparedTraining parent = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, parent, &error), JobState::Completed);
        const std::string checkpoint = checkpointOf(ws, parent.runId, 12).string();
        RunConfig lora = configFor(QStringLiteral("lora"));
        lora.stage.baseCheckpoint = checkpoint;
        lora.schedule.maxSteps = 2;
        lora.schedule.warmupSteps = 1;
        request.config = lora;
        const train::PreparedTraining child = train::prepareTraining(ws, request);
        QCOMPARE(test::runRecordedTraining(ws, child, &error), JobState::Completed);
        RunConfig sft = configFor(QStringLiteral("sft"));
        sft.stage.baseCheckpoint = checkpoint;
        sft.schedule.maxSteps = 2;
        sft.schedule.warmupSteps = 1;
        request.config = sft;
        const train::PreparedTraining sibling = train::prepareTraining(ws, request);
        QCOMPARE(test::runRecordedTraining(ws, sibling, &error), JobState::Completed);

        ExperimentStore store(ws.databasePath());
        const std::vector<RunBlocker> blockers = runDeletionBlockers(ws, store, parent.runId);
        QCOMPARE(blockers.size(), size_t(1));  // the LoRA run; the SFT run holds full weights of its own
        QCOMPARE(blockers[0].runId, child.runId);
        try {
            deleteRuns(ws, store, {parent.runId});
            QFAIL("a run with a LoRA adapter on it was deleted");
        } catch (const Error &e) {
            const std::string what = e.what();
            QVERIFY2(what.find("run " + std::to_string(child.runId) + " (lora) is a LoRA adapter on " + checkpoint) !=
                         std::string::npos,
                     e.what());
        }
        QVERIFY(store.run(parent.runId));
        QVERIFY(fs::exists(checkpoint));
        // With its adapter run, it goes (the adapter first).
        const auto deleted = deleteRuns(ws, store, {parent.runId, child.runId});
        QCOMPARE(deleted.size(), size_t(2));
        QCOMPARE(deleted[0].first, child.runId);
        QVERIFY(deleted[1].second);
        QVERIFY(!store.run(parent.runId) && !store.run(child.runId) && store.run(sibling.runId));
        QVERIFY(!fs::exists(ws.runDir(parent.runId)));
        // The SFT run's checkpoint still loads with its own tokenizer.
        QVERIFY(loadModelCheckpoint(checkpointOf(ws, sibling.runId, 2).string()).model);
    }
};

QTEST_GUILESS_MAIN(TestStageResume)
#include "tst_stage_resume.moc"
