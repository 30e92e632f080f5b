// The LoRA stage end to end: a run on a handful of conversations from a base checkpoint. Oracles: the base
// checkpoint's own weights (bit-identical after training: only adapters change), the optimizer state's
// tensor names (moments only for adapters), the files of PEFT's layout, the logits of the merged checkpoint
// against base + adapter, the adapter parameters the model really holds against the memory estimate, and a
// resumed run that continues from the adapter checkpoint.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "core/config/memory_plan.h"
#include "core/infer/inference.h"
#include "core/checkpoint/model_io.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"
#include "model/lora.h"
#include "model/safetensors.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace danka;
using namespace danka::core;

namespace {

const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "春眠不觉晓的下一句？"}, {"role": "assistant", "content": "处处闻啼鸟。"}]})",
    R"({"conversations": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是单卡训练的小模型。"}]})",
    R"({"conversations": [{"role": "user", "content": "Say one two three."}, {"role": "assistant", "content": "one two three"}]})",
};

RunConfig tinyLora(const std::string &dataset, const std::string &base)
{
    RunConfig c;
    c.name = "lora";
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 48;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.nKvHeads = 2;
    c.model.attention = model::AttentionKind::Gqa;
    c.model.ffnHiddenSize = 96;
    c.model.maxSeqLen = 64;
    c.stage.kind = "sft";
    c.stage.lora.enabled = true;
    c.stage.baseCheckpoint = base;
    c.stage.lora.rank = 4;
    c.stage.lora.alpha = 8;
    c.stage.lora.dropout = 0;
    c.data.dataset = dataset;
    c.data.seqLen = 64;
    c.data.microBatchSize = 3;
    c.data.shuffle = false;
    c.optim.learningRate = 1e-2;
    c.optim.weightDecay = 0;
    c.schedule.maxSteps = 60;
    c.schedule.warmupSteps = 5;
    c.runtime.device = Device::Cpu;
    c.runtime.logEvery = 5;
    c.runtime.evalEvery = 0;
    c.runtime.evalBatches = 1;
    c.runtime.checkpointEvery = 30;
    c.runtime.sampleEvery = 0;
    return c;
}

std::map<std::string, at::Tensor> parameters(model::TransformerImpl &m)
{
    std::map<std::string, at::Tensor> out;
    for (const auto &p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
}

}  // namespace

class TestLoraStage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset, m_base, m_adapter;
    int64_t m_runId = 0;

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = test::prepareRecords({std::begin(kConversations), std::end(kConversations)},
                                         m_dir.path().toStdString(), "sft");
        const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(test::demoTokenizerDir());
        torch::manual_seed(11);
        model::Transformer base(tinyLora("", "").model);
        {
            // Embeddings at the scale a trained model reaches: with the (tied) embedding and the final norm
            // frozen, a fresh init's 0.02 would cap every logit near 1 whatever the adapters learn.
            torch::NoGradGuard noGrad;
            base->model->embed_tokens->weight.mul_(20);
        }
        m_base = m_dir.filePath(QStringLiteral("base")).toStdString();
        writeModelCheckpoint(*base, tok, m_base, {});
    }

    void onlyTheAdaptersTrainAndAreSavedInPeftLayout()
    {
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        train::TrainRequest request;
        request.config = tinyLora(m_dataset, m_base);
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        m_runId = p.runId;

        ExperimentStore store(ws.databasePath());
        const auto losses = store.series(p.runId, "train/loss");
        QVERIFY(losses.size() >= 10);
        QVERIFY2(losses.back().value < 0.3 * losses.front().value,
                 qPrintable(QString("%1 -> %2").arg(losses.front().value).arg(losses.back().value)));
        bool announced = false;
        for (const auto &e : store.events(p.runId)) announced |= e.text.rfind("LoRA r=4, alpha 8 on 14 projections", 0) == 0;
        QVERIFY(announced);

        m_adapter = store.checkpoints(p.runId).back().path;
        const fs::path dir(m_adapter);
        for (const char *file : {"adapter_config.json", "adapter_model.safetensors", "tokenizer.model", "danka.json"})
            QVERIFY2(fs::exists(dir / file), file);
        QVERIFY(!fs::exists(dir / "model.safetensors"));
        std::ifstream in(dir / "danka.json");
        const nlohmann::json meta = nlohmann::json::parse(in);
        QCOMPARE(meta.value("adapter", false), true);
        QCOMPARE(meta.value("base_checkpoint", std::string()), fs::absolute(m_base).lexically_normal().string());

        // AdamW moments exist for the adapters only.
        const auto state = model::readSafetensors((dir / "training_state.safetensors").string());
        int moments = 0;
        for (const auto &[name, t] : state.tensors)
            if (name.rfind("exp_avg", 0) == 0) {
                ++moments;
                QVERIFY2(name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos,
                         name.c_str());
            }
        QCOMPARE(moments, 2 * 2 * 14);  // m and v of A and B on 2 layers x 7 projections

        // The base weights under the adapter are the base checkpoint's, bit for bit.
        LoadedCheckpoint withAdapter = loadModelCheckpoint(m_adapter);
        LoadedCheckpoint base = loadModelCheckpoint(m_base);
        const auto before = parameters(*base.model), after = parameters(*withAdapter.model);
        int adapters = 0;
        for (const auto &[name, t] : after) {
            if (name.find(".lora_") != std::string::npos) {
                ++adapters;
                if (name.find(".lora_B.") != std::string::npos) QVERIFY2(t.abs().max().item<double>() > 0, name.c_str());
                continue;
            }
            QVERIFY2(before.count(name) && at::equal(before.at(name), t), name.c_str());
        }
        QCOMPARE(adapters, 2 * 14);

        // The estimate counts exactly the adapter parameters the model holds.
        int64_t adapterParameters = 0;
        for (const auto &[name, t] : model::loraParameters(*withAdapter.model)) adapterParameters += t.numel();
        QCOMPARE(memoryPlanOf(*request.config).trainableParameters, adapterParameters);
    }

    void mergingGivesTheSameModel()
    {
        QVERIFY(!m_adapter.empty());
        const std::string merged = m_dir.filePath(QStringLiteral("merged")).toStdString();
        QCOMPARE(mergeAdapterCheckpoint(m_adapter, "", merged), merged);
        QVERIFY(fs::exists(fs::path(merged) / "model.safetensors"));
        QVERIFY(!fs::exists(fs::path(merged) / "adapter_config.json"));
        LoadedCheckpoint a = loadModelCheckpoint(m_adapter), b = loadModelCheckpoint(merged);
        QVERIFY(model::hasLora(*a.model));
        QVERIFY(!model::hasLora(*b.model));
        torch::NoGradGuard noGrad;
        const at::Tensor ids = torch::randint(0, 2000, {2, 20}, torch::kLong);
        const at::Tensor la = a.model->forward(ids), lb = b.model->forward(ids);
        QVERIFY2(at::allclose(la, lb, 1e-4, 1e-4), qPrintable(QString::number((la - lb).abs().max().item<double>())));

        // Chat with base + adapter chosen apart is the same model as the adapter folder alone.
        auto apart = InferenceModel::load(m_base, "cpu", m_adapter);
        auto together = InferenceModel::load(m_adapter);
        GenerateRequest r;
        r.prompt = "你是谁？";
        r.chat = true;
        r.greedy = true;
        r.maxNewTokens = 12;
        QCOMPARE(apart->generate(r).generatedIds, together->generate(r).generatedIds);
    }

    void aLoraRunResumesFromItsAdapter()
    {
        QVERIFY(m_runId > 0);
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        train::TrainRequest request;
        RunConfig more = tinyLora(m_dataset, m_base);
        more.schedule.maxSteps = 70;
        request.config = more;
        request.resume = std::to_string(m_runId);
        // The run completed at step 60; resuming a run by id continues from its newest checkpoint.
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        QCOMPARE(p.resumeStep, int64_t(60));
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        ExperimentStore store(ws.databasePath());
        const auto last = store.checkpoints(m_runId).back();
        QCOMPARE(last.step, int64_t(70));
        QVERIFY(isAdapterCheckpoint(last.path));
    }
};

QTEST_MAIN(TestLoraStage)
#include "tst_lora_stage.moc"
