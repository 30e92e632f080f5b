// A workspace is a folder you can move: one with a tokenizer, datasets, a pretraining run, a LoRA run from its
// checkpoint and a conversation is copied, the original deleted, and the copy opens, continues both runs,
// fine-tunes from a checkpoint, trains from scratch on its datasets and chats. Oracles: the store's paths all
// lie in the copy, and every engine path that could still name the original fails loudly (it is gone).
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/checkpoint/adapters.h"
#include "core/data/dataset.h"
#include "core/data/prepare.h"
#include "core/infer/inference.h"
#include "core/store/conversations.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace danka;
using namespace danka::core;

namespace {

const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是单卡训练的小模型。"}]})",
    R"({"conversations": [{"role": "user", "content": "Say one two three."}, {"role": "assistant", "content": "one two three"}]})",
};

RunConfig tinyConfig(const std::string &stage, const std::string &dataset, const std::string &base, int64_t steps)
{
    RunConfig c;
    c.name = stage;
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 32;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.ffnHiddenSize = 64;
    c.model.maxSeqLen = 64;
    c.stage.kind = stage == "lora" ? "sft" : stage;
    c.stage.lora.enabled = stage == "lora";
    c.stage.baseCheckpoint = base;
    c.stage.lora.rank = 4;
    c.data.dataset = dataset;
    c.data.seqLen = 32;
    c.data.microBatchSize = 2;
    c.data.valFraction = 0;
    c.schedule.maxSteps = steps;
    c.schedule.warmupSteps = 2;
    c.runtime.device = Device::Cpu;
    c.runtime.threads = 1;
    c.runtime.logEvery = 2;
    c.runtime.evalEvery = 0;
    c.runtime.checkpointEvery = 4;
    c.runtime.keepCheckpoints = 2;
    c.runtime.sampleEvery = 0;
    return c;
}

// Prepares `records` (written to a JSONL file outside the workspace) into the workspace's datasets folder
// with `tokenizerDir`, and registers the dataset as the studio and the CLI do.
std::string prepareInto(const Workspace &ws, const std::string &name, const std::vector<std::string> &records,
                        const std::string &tokenizerDir, const std::string &scratch)
{
    const std::string input = scratch + "/" + name + ".jsonl";
    {
        std::ofstream out(input);
        for (const std::string &r : records) out << r << '\n';
    }
    data::PrepareOptions o;
    o.inputs = {input};
    o.tokenizerDir = tokenizerDir;
    o.outDir = ws.datasetsDir() + "/" + name;
    o.valFraction = 0;
    o.threads = 1;
    data::PrepareResult result;
    std::string error;
    if (test::runJob([&](JobContext &job) { result = data::prepareDataset(o, job); }, &error) != JobState::Completed)
        throw std::runtime_error("preparing " + name + " failed: " + error);
    data::recordDataset(ws.databasePath(), result, tokenizerDir);
    return result.dir;
}

int64_t trainRun(const Workspace &ws, const train::TrainRequest &request)
{
    const train::PreparedTraining p = train::prepareTraining(ws, request);
    std::string error;
    const JobState state = test::runRecordedTraining(ws, p, &error);
    if (state != JobState::Completed) throw std::runtime_error("run " + std::to_string(p.runId) + ": " + error);
    return p.runId;
}

bool inside(const std::string &path, const std::string &folder)
{
    return path.rfind(folder + "/", 0) == 0;
}

}  // namespace

class TestMovedWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aCopiedWorkspaceWorksWithoutTheOriginal()
    {
        QTemporaryDir tmp;
        const std::string original = tmp.filePath(QStringLiteral("original")).toStdString();
        const std::string copy = tmp.filePath(QStringLiteral("elsewhere/copy")).toStdString();
        const std::string scratch = tmp.path().toStdString();
        int64_t pretrainRun = 0, loraRun = 0;
        {
            const Workspace ws = Workspace::open(original);
            // The tokenizer lives in the workspace, as the studio's tokenizers do.
            const std::string tokenizerDir = ws.tokenizersDir() + "/demo";
            fs::copy(test::demoTokenizerDir(), tokenizerDir, fs::copy_options::recursive);
            {
                const auto tok = tokenizer::Tokenizer::load(tokenizerDir);
                TokenizerRecord t;
                t.name = "demo";
                t.path = tokenizerDir;
                t.vocabSize = tok.vocabSize();
                t.checksum = tok.checksum();
                ExperimentStore(ws.databasePath()).registerTokenizer(t);
            }
            std::vector<std::string> documents;
            {
                std::ifstream in(test::demoFile("pretrain.jsonl"));
                for (std::string line; std::getline(in, line) && documents.size() < 60;) documents.push_back(line);
            }
            const std::string pretrainData = prepareInto(ws, "pre", documents, tokenizerDir, scratch);
            const std::string sftData = prepareInto(ws, "sft", {std::begin(kConversations), std::end(kConversations)},
                                                    tokenizerDir, scratch);

            train::TrainRequest request;
            request.config = tinyConfig(std::string("pretrain"), pretrainData, "", 8);
            pretrainRun = trainRun(ws, request);
            ExperimentStore store(ws.databasePath());
            request.config = tinyConfig(std::string("lora"), sftData, store.checkpoints(pretrainRun).back().path, 4);
            loraRun = trainRun(ws, request);
            ConversationStore(store).create("hello", store.checkpoints(loraRun).back().path, "");
        }
        fs::create_directories(fs::path(copy).parent_path());
        fs::copy(original, copy, fs::copy_options::recursive);
        fs::remove_all(original);
        QVERIFY(!fs::exists(original));

        // Everything opens from the copy.
        const Workspace ws = Workspace::open(copy);
        ExperimentStore store(ws.databasePath());
        QCOMPARE(store.tokenizers().size(), size_t(1));
        QCOMPARE(store.tokenizers()[0].path, copy + "/tokenizers/demo");
        QCOMPARE(store.datasets().size(), size_t(2));
        for (const DatasetRecord &d : store.datasets()) {
            QVERIFY2(inside(d.path, copy), d.path.c_str());
            const data::Dataset dataset = data::Dataset::open(d.path);
            QCOMPARE(dataset.info()["tokenizer"]["dir"].get<std::string>(), copy + "/tokenizers/demo");
        }
        for (const RunRecord &r : store.runs()) {
            for (const CheckpointRecord &c : store.checkpoints(r.id)) QVERIFY2(inside(c.path, copy), c.path.c_str());
            const nlohmann::json config = nlohmann::json::parse(r.configJson);
            QVERIFY2(inside(config["data"]["dataset"].get<std::string>(), copy), r.configJson.c_str());
        }
        const std::string pretrained = store.checkpoints(pretrainRun).back().path;
        const std::string adapter = store.checkpoints(loraRun).back().path;
        QCOMPARE(nlohmann::json::parse(store.run(loraRun)->configJson)["stage"]["base_checkpoint"].get<std::string>(),
                 store.checkpoints(pretrainRun).back().path);
        QCOMPARE(adapterBaseCheckpoint(adapter), pretrained);
        ConversationStore conversations(store);
        QCOMPARE(conversations.list().at(0).checkpointPath, adapter);

        // It chats: the adapter on its base, both found in the copy.
        const auto model = InferenceModel::load(adapter, "cpu");
        GenerateRequest ask;
        ask.prompt = "你是谁？";
        ask.chat = true;
        ask.greedy = true;
        ask.maxNewTokens = 4;
        QVERIFY(!model->generate(ask).generatedIds.empty());

        // It trains: both runs continue from their checkpoints, a new run fine-tunes from a checkpoint, and
        // one starts from scratch on a dataset (whose tokenizer the dataset names).
        train::TrainRequest resume;
        resume.resume = std::to_string(pretrainRun);
        resume.config = tinyConfig(std::string("pretrain"), copy + "/datasets/pre", "", 12);
        QCOMPARE(trainRun(ws, resume), pretrainRun);
        QCOMPARE(store.checkpoints(pretrainRun).back().step, int64_t(12));
        resume.resume = std::to_string(loraRun);
        resume.config = tinyConfig(std::string("lora"), copy + "/datasets/sft", pretrained, 8);
        QCOMPARE(trainRun(ws, resume), loraRun);
        QCOMPARE(adapterBaseCheckpoint(store.checkpoints(loraRun).back().path), pretrained);
        train::TrainRequest fresh;
        fresh.config =
            tinyConfig(std::string("sft"), copy + "/datasets/sft", store.checkpoints(pretrainRun).back().path, 4);
        const int64_t sftRun = trainRun(ws, fresh);
        QCOMPARE(store.run(sftRun)->parentRunId, std::optional<int64_t>(pretrainRun));
        fresh.config = tinyConfig(std::string("pretrain"), copy + "/datasets/pre", "", 4);
        const int64_t scratchRun = trainRun(ws, fresh);
        for (const int64_t run : {sftRun, scratchRun})
            for (const CheckpointRecord &c : store.checkpoints(run)) QVERIFY2(inside(c.path, copy), c.path.c_str());
        QVERIFY(!fs::exists(original));  // nothing wrote to the old place either
    }
};

QTEST_GUILESS_MAIN(TestMovedWorkspace)
#include "tst_moved_workspace.moc"
