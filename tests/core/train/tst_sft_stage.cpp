// The SFT stage on a handful of real conversations prepared with the demo tokenizer. Oracles: the dataset's
// own loss mask (targets exactly where it says, and they decode to the assistant replies with their end
// markers); the gradient, which must be exactly zero at every position that predicts a prompt token;
// memorisation (assistant-token loss near zero after training); and the run's lineage in the store.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "core/config/config_io.h"
#include "core/config/memory_plan.h"
#include "core/tokenizer/chat_template.h"
#include "core/data/prepare.h"
#include "core/infer/inference.h"
#include "core/checkpoint/model_io.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/stages/sft_stage.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;

namespace {

const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "春眠不觉晓的下一句？"}, {"role": "assistant", "content": "处处闻啼鸟。"}]})",
    R"({"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And of Italy?"}, {"role": "assistant", "content": "Rome."}]})",
    R"({"conversations": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是单卡训练的小模型。"}]})",
    R"({"conversations": [{"role": "user", "content": "Say one two three."}, {"role": "assistant", "content": "one two three"}]})",
};

RunConfig tinySft(const std::string &dataset)
{
    RunConfig c;
    c.name = "sft";
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 48;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.ffnHiddenSize = 96;
    c.model.maxSeqLen = 64;
    c.stage.kind = std::string("sft");
    c.data.dataset = dataset;
    c.data.seqLen = 64;
    c.data.microBatchSize = 4;
    c.data.shuffle = false;
    c.optim.learningRate = 3e-3;
    c.schedule.maxSteps = 150;
    c.schedule.warmupSteps = 10;
    c.runtime.device = Device::Cpu;
    c.runtime.logEvery = 1;
    c.runtime.evalEvery = 0;
    c.runtime.evalBatches = 1;
    c.runtime.checkpointEvery = 0;
    c.runtime.sampleEvery = 0;
    return c;
}

}  // namespace

class TestSftStage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset;
    std::string m_pretrainDataset;
    std::string m_baseCheckpoint;  // written by the lineage test
    std::unique_ptr<tokenizer::Tokenizer> m_tok;

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = test::prepareRecords({std::begin(kConversations), std::end(kConversations)},
                                         m_dir.path().toStdString(), "sft");
        data::PrepareOptions o;
        o.inputs = {test::demoFile("pretrain_val.jsonl")};
        o.tokenizerDir = test::demoTokenizerDir();
        o.outDir = m_dir.filePath(QStringLiteral("pre")).toStdString();
        o.valFraction = 0;
        o.threads = 1;
        std::string error;
        QCOMPARE(test::runJob([&](JobContext &job) { data::prepareDataset(o, job); }, &error), JobState::Completed);
        m_pretrainDataset = o.outDir;
        m_tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(test::demoTokenizerDir()));
    }

    void targetsAreTheRepliesWithTheirEndMarkers()
    {
        const data::Dataset d = data::Dataset::open(m_dataset);
        const data::DatasetSplit &split = d.split("train");
        QCOMPARE(split.numSegments(), int64_t(4));
        data::SftLoader loader(split, 64, 4, 8, m_tok->padId(), false, 0);
        const data::Batch b = loader.next();
        QCOMPARE(b.rows, int64_t(4));
        const std::vector<int64_t> targets = train::SftStage::targetsOf(b);
        const int32_t imEnd = m_tok->requireMarker(tokenizer::kImEnd);
        // Every assistant turn (five in four conversations) is one run of counted targets that ends with its
        // own end marker; nothing else is counted.
        QStringList spans;
        for (int64_t r = 0; r < b.rows; ++r) {
            std::vector<int32_t> span;
            for (int64_t t = 0; t + 1 < b.length; ++t) {
                const int64_t target = targets[static_cast<size_t>(r * (b.length - 1) + t)];
                if (target == -100) {
                    QVERIFY2(span.empty(), "a counted span does not end with <|im_end|>");
                    continue;
                }
                QCOMPARE(target, int64_t(b.tokens[static_cast<size_t>(r * b.length + t + 1)]));
                span.push_back(static_cast<int32_t>(target));
                if (target != imEnd) continue;
                span.pop_back();
                spans << QString::fromStdString(m_tok->decode(span)).trimmed();
                span.clear();
            }
            QVERIFY2(span.empty(), "the last counted span of a row does not end with <|im_end|>");
        }
        spans.sort();
        QStringList expected;
        for (const char *answer : {"处处闻啼鸟。", "Paris.", "Rome.", "我是单卡训练的小模型。", "one two three"})
            expected << QString::fromUtf8(answer);
        expected.sort();
        QCOMPARE(spans, expected);
    }

    void promptPositionsGetNoGradient()
    {
        torch::manual_seed(3);
        const RunConfig c = tinySft(m_dataset);
        model::Transformer model(c.model);
        const data::Dataset d = data::Dataset::open(m_dataset);
        data::SftLoader loader(d.split("train"), 64, 4, 8, m_tok->padId(), false, 0);
        const data::Batch b = loader.next();
        const int64_t T = b.length - 1;
        std::vector<int64_t> targets = train::SftStage::targetsOf(b);
        const at::Tensor all = torch::from_blob(const_cast<int32_t *>(b.tokens.data()), {b.rows, b.length}, torch::kInt32).to(torch::kLong);
        at::Tensor hidden = model->hidden(all.narrow(1, 0, T)).detach().requires_grad_(true);
        const at::Tensor loss = model->loss(hidden, torch::from_blob(targets.data(), {b.rows, T}, torch::kLong));
        loss.backward();
        const at::Tensor gradNorm = hidden.grad().abs().sum(-1);  // (B, T)
        int64_t counted = 0;
        for (int64_t r = 0; r < b.rows; ++r)
            for (int64_t t = 0; t < T; ++t) {
                const double g = gradNorm[r][t].item<double>();
                if (targets[static_cast<size_t>(r * T + t)] == -100) {
                    QCOMPARE(g, 0.0);
                } else {
                    QVERIFY(g > 0);
                    ++counted;
                }
            }
        QVERIFY(counted > 10);
    }

    void trainingMemorisesTheRepliesAndRecordsLineage()
    {
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        // A pretraining run whose checkpoint the SFT run starts from: 3 steps are enough for lineage; what
        // matters is the checkpoint's run id.
        RunConfig base = tinySft(m_pretrainDataset);
        base.name = "base";
        base.stage.kind = std::string("pretrain");
        base.schedule.maxSteps = 3;
        base.schedule.warmupSteps = 1;
        train::TrainRequest request;
        request.config = base;
        const train::PreparedTraining first = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, first, &error), JobState::Completed);
        std::string checkpoint;
        {
            ExperimentStore store(ws.databasePath());
            checkpoint = store.checkpoints(first.runId).back().path;
        }
        m_baseCheckpoint = checkpoint;

        RunConfig c = tinySft(m_dataset);
        c.stage.baseCheckpoint = checkpoint;
        c.runtime.sampleEvery = 150;  // once, at the end
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        // The samples are replies: each ends at its end marker instead of running on past it.
        std::ifstream samples(std::filesystem::path(p.runDir) / "samples.jsonl");
        int sampleCount = 0;
        for (std::string line; std::getline(samples, line); ++sampleCount) {
            const std::string text = nlohmann::json::parse(line).value("text", std::string());
            QVERIFY2(!text.empty() && text.find("<|im_end|>") == std::string::npos, text.c_str());
        }
        QCOMPARE(sampleCount, 3);
        ExperimentStore store(ws.databasePath());
        const auto run = store.run(p.runId);
        QCOMPARE(run->stage, std::string("sft"));
        QCOMPARE(run->parentRunId, std::optional<int64_t>(first.runId));
        const auto losses = store.series(p.runId, "train/loss");
        QVERIFY(losses.size() >= 140);
        QVERIFY2(losses.front().value > 3, qPrintable(QString::number(losses.front().value)));
        QVERIFY2(losses.back().value < 0.3, qPrintable(QString::number(losses.back().value)));
        for (const auto &e : store.events(p.runId)) QVERIFY2(e.text.find("are cut there") == std::string::npos, e.text.c_str());
        // The trained model answers each question greedily and stops by itself at its end marker.
        const auto chat = InferenceModel::load(store.checkpoints(p.runId).back().path);
        const std::pair<const char *, const char *> questions[] = {
            {"春眠不觉晓的下一句？", "处处闻啼鸟。"}, {"你是谁？", "我是单卡训练的小模型。"}, {"Say one two three.", "one two three"}};
        for (const auto &[question, answer] : questions) {
            GenerateRequest r;
            r.prompt = question;
            r.chat = true;
            r.greedy = true;
            r.maxNewTokens = 32;
            const GenerateResult g = chat->generate(r);
            QCOMPARE(QString::fromStdString(g.finishReason), QStringLiteral("eos"));
            QCOMPARE(QString::fromStdString(g.text).trimmed(), QString::fromUtf8(answer));
        }
    }

    void longConversationsAreReportedNotCutSilently()
    {
        // At 16 tokens every conversation is longer than seq_len + 1: the stage counts them (oracle: the
        // segment lengths in the dataset's index) and the run says so.
        RunConfig c = tinySft(m_dataset);
        c.data.seqLen = 16;
        const train::SftStage stage(c, *m_tok, at::kCPU);
        const data::Dataset d = data::Dataset::open(m_dataset);
        int64_t longer = 0;
        for (int64_t i = 0; i < d.split("train").numSegments(); ++i) {
            const auto [begin, end] = d.split("train").segment(i);
            longer += end - begin > 17;
        }
        QVERIFY(longer > 0);
        QCOMPARE(stage.truncatedRecords(), longer);

        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        c.stage.baseCheckpoint = m_baseCheckpoint;
        c.model.maxSeqLen = 64;
        c.schedule.maxSteps = 2;
        c.schedule.warmupSteps = 1;
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        bool reported = false;
        for (const auto &e : ExperimentStore(ws.databasePath()).events(p.runId))
            reported |= e.level == EventLevel::Warning &&
                        e.text.find(std::to_string(longer) + " of 4 training conversations are longer than data.seq_len + 1 = 17") == 0;
        QVERIFY(reported);
    }

    void overlongConversationsCanBeDropped()
    {
        // data.overlong "drop": the conversations longer than seq_len + 1 are left out (oracle: the segment
        // lengths in the dataset's index), and every row served ends with its reply's end marker.
        const data::Dataset d = data::Dataset::open(m_dataset);
        std::vector<int64_t> lengths;
        for (int64_t i = 0; i < d.split("train").numSegments(); ++i) {
            const auto [begin, end] = d.split("train").segment(i);
            lengths.push_back(end - begin);
        }
        std::sort(lengths.begin(), lengths.end());
        RunConfig c = tinySft(m_dataset);
        c.data.seqLen = lengths[1] - 1;  // the shortest two fit, the longer ones do not
        c.data.overlong = Overlong::Drop;
        const train::SftStage stage(c, *m_tok, at::kCPU);
        const int64_t longer = std::count_if(lengths.begin(), lengths.end(), [&](int64_t n) { return n > c.data.seqLen + 1; });
        QVERIFY(longer >= 1 && longer <= 2);
        QCOMPARE(stage.droppedRecords(), longer);
        QCOMPARE(stage.trainRecords(), int64_t(lengths.size()) - longer);
        QCOMPARE(stage.truncatedRecords(), int64_t(0));
        data::SftLoader loader(d.split("train"), c.data.seqLen, 4, 8, m_tok->padId(), false, 0, true);
        const data::Batch b = loader.next();
        QCOMPARE(b.rows, int64_t(lengths.size()) - longer);
        const int32_t imEnd = m_tok->requireMarker(tokenizer::kImEnd);
        for (int64_t r = 0; r < b.rows; ++r) {
            int32_t lastTarget = -1;
            for (int64_t t = 0; t + 1 < b.length; ++t)
                if (b.targetMask[static_cast<size_t>(r * (b.length - 1) + t)]) lastTarget = b.tokens[static_cast<size_t>(r * b.length + t + 1)];
            QCOMPARE(lastTarget, imEnd);
        }
    }

    void longContextContinuationCarriesRopeOver()
    {
        // SFT at 128 tokens from a checkpoint trained at 64, the config's model section left as it is (max_seq_len
        // 64, as a CLI user's file would have it: a run from a base checkpoint does not read it): validation
        // checks the base checkpoint's model, which the run extends (same weights, RoPE theta kept); the
        // checkpoint it writes has the longer context; the estimate of the config is of the base checkpoint's
        // model at the new length, and the over-budget warning comes on the CPU budget too.
        QVERIFY(!m_baseCheckpoint.empty());
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        RunConfig c = tinySft(m_dataset);
        c.stage.baseCheckpoint = m_baseCheckpoint;
        QCOMPARE(c.model.maxSeqLen, int64_t(64));
        c.data.seqLen = 128;
        c.schedule.maxSteps = 2;
        c.schedule.warmupSteps = 1;
        const auto problems = validate(c);
        QVERIFY2(problems.empty(), problems.empty() ? "" : problems.front().toString().c_str());
        const ConfigEstimate e = estimateConfigMemory(c, 1e6);
        QVERIFY(e.modelFromCheckpoint);
        QCOMPARE(e.model.maxSeqLen, int64_t(128));
        QCOMPARE(e.model.hiddenSize, int64_t(48));
        QVERIFY(!e.fits);
        RunConfig shorter = c;
        shorter.data.seqLen = 64;
        QVERIFY(estimateConfigMemory(shorter, 1e9).estimate.total() < estimateConfigMemory(c, 1e9).estimate.total());

        c.runtime.memoryBudgetGib = 0.01;  // a CPU run's budget the estimate exceeds (not capped)
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        ExperimentStore store(ws.databasePath());
        bool extended = false, warned = false;
        for (const auto &ev : store.events(p.runId)) {
            extended |= ev.text.rfind("context extended from 64 to 128 tokens (data.seq_len); RoPE theta 10000", 0) == 0;
            warned |= ev.level == EventLevel::Warning &&
                      ev.text.rfind("the memory estimate ", 0) == 0 &&
                      ev.text.find("exceeds runtime.memory_budget_gib (") != std::string::npos &&
                      ev.text.find(") at data.seq_len 128") != std::string::npos;
        }
        QVERIFY(extended);
        QVERIFY(warned);
        const std::string checkpoint = store.checkpoints(p.runId).back().path;
        std::ifstream in(std::filesystem::path(checkpoint) / "config.json");
        const nlohmann::json config = nlohmann::json::parse(in);
        QCOMPARE(config.value("max_position_embeddings", int64_t(0)), int64_t(128));
        QCOMPARE(config.value("rope_theta", 0.0), 10000.0);
        QVERIFY(config.at("rope_scaling").is_null());
    }

    void longContextRunsChooseTheirRopeScaling()
    {
        // model.rope_scaling is the one model setting a run from a base checkpoint takes: YaRN over the base's
        // 64 tokens (original_max_seq_len 0) to data.seq_len 256 gives factor 4, recorded in the checkpoint
        // (transformers' keys and danka.json's model section).
        QVERIFY(!m_baseCheckpoint.empty());
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws-rope")).toStdString());
        RunConfig c = tinySft(m_dataset);
        c.stage.baseCheckpoint = m_baseCheckpoint;
        c.data.seqLen = 256;
        c.data.microBatchSize = 2;
        c.schedule.maxSteps = 1;
        c.schedule.warmupSteps = 0;
        c.model.ropeScaling.kind = model::RopeScalingKind::Yarn;
        QVERIFY(validate(c).empty());
        RunConfig shrinking = c;
        shrinking.model.ropeScaling.factor = 0.5;
        const auto problems = validate(shrinking);
        QVERIFY(problems.size() == 1 && problems.front().path == "model.rope_scaling.factor");
        QCOMPARE(problems.front().message, std::string("must be >= 1, got 0.5"));

        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        ExperimentStore store(ws.databasePath());
        bool extended = false;
        for (const auto &ev : store.events(p.runId))
            extended |= ev.text.rfind("context extended from 64 to 256 tokens (data.seq_len) with RoPE scaling yarn "
                                      "(factor 4 over 64 tokens); RoPE theta 10000", 0) == 0;
        QVERIFY(extended);
        const std::filesystem::path checkpoint = store.checkpoints(p.runId).back().path;
        std::ifstream in(checkpoint / "config.json");
        const nlohmann::json config = nlohmann::json::parse(in);
        QCOMPARE(config.value("max_position_embeddings", int64_t(0)), int64_t(256));
        const nlohmann::json rope = config.at("rope_parameters");
        QCOMPARE(rope.value("rope_type", std::string()), std::string("yarn"));
        QCOMPARE(rope.value("factor", 0.0), 4.0);
        QCOMPARE(rope.value("original_max_position_embeddings", int64_t(0)), int64_t(64));
        std::ifstream dankaIn(checkpoint / "danka.json");
        const nlohmann::json danka = nlohmann::json::parse(dankaIn);
        QCOMPARE(danka.at("model").at("rope_scaling").value("type", std::string()), std::string("yarn"));
        QCOMPARE(danka.at("model").at("rope_scaling").value("factor", 0.0), 4.0);
        // The checkpoint as the base of a further run: validation reads its scaled model.
        RunConfig next = tinySft(m_dataset);
        next.stage.baseCheckpoint = checkpoint.string();
        next.data.seqLen = 256;
        const model::ModelConfig read = checkpointModelConfig(checkpoint.string());
        QCOMPARE(int(read.ropeScaling.kind), int(model::RopeScalingKind::Yarn));
        QCOMPARE(read.ropeScaling.originalMaxSeqLen, int64_t(64));
        QVERIFY(validate(next).empty());
    }

    void aLoraRunKeepsItsRopeScalingInItsAdapter()
    {
        // The same YaRN extension by a LoRA run: the adapter checkpoint records it (danka.json's model
        // section), and both validation (checkpointModelConfig) and loading (base + adapter) rebuild it.
        QVERIFY(!m_baseCheckpoint.empty());
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws-lora-rope")).toStdString());
        RunConfig c = tinySft(m_dataset);
        c.stage.kind = "sft";
        c.stage.lora.enabled = true;
        c.stage.baseCheckpoint = m_baseCheckpoint;
        c.stage.lora.targetModules = "q_proj,v_proj";
        c.data.seqLen = 256;
        c.data.microBatchSize = 2;
        c.schedule.maxSteps = 1;
        c.schedule.warmupSteps = 0;
        c.model.ropeScaling.kind = model::RopeScalingKind::Yarn;
        train::TrainRequest request;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Completed);
        QVERIFY2(error.empty(), error.c_str());
        ExperimentStore store(ws.databasePath());
        const std::string adapter = store.checkpoints(p.runId).back().path;
        QVERIFY(std::filesystem::exists(std::filesystem::path(adapter) / "adapter_config.json"));
        const model::ModelConfig read = checkpointModelConfig(adapter);
        QCOMPARE(read.maxSeqLen, int64_t(256));
        QCOMPARE(int(read.ropeScaling.kind), int(model::RopeScalingKind::Yarn));
        QCOMPARE(read.resolvedRopeScaling().factor, 4.0);
        const LoadedCheckpoint loaded = loadModelCheckpoint(adapter, model::KernelMode::Fused, "cpu");
        QCOMPARE(loaded.model->config().maxSeqLen, int64_t(256));
        QCOMPARE(int(loaded.model->config().ropeScaling.kind), int(model::RopeScalingKind::Yarn));
        QCOMPARE(loaded.model->config().ropeScaling.factor, 4.0);
        QCOMPARE(loaded.model->config().ropeScaling.originalMaxSeqLen, int64_t(64));
    }

    void anUnreadableBaseCheckpointIsNamed()
    {
        RunConfig c = tinySft(m_dataset);
        const auto problemAt = [](const RunConfig &config) {
            for (const ConfigProblem &p : validate(config))
                if (p.path == "stage.base_checkpoint") return p.message;
            return std::string();
        };
        c.stage.baseCheckpoint = m_dir.filePath(QStringLiteral("no-such-run")).toStdString();
        QCOMPARE(problemAt(c), c.stage.baseCheckpoint + ": no such checkpoint folder");
        QTemporaryDir empty;
        c.stage.baseCheckpoint = empty.path().toStdString();
        QCOMPARE(problemAt(c), empty.filePath(QStringLiteral("config.json")).toStdString() + ": missing");
        {
            std::ofstream broken(empty.filePath(QStringLiteral("config.json")).toStdString());
            broken << "{\"vocab_size\": ";
        }
        QCOMPARE(problemAt(c), empty.filePath(QStringLiteral("config.json")).toStdString() + ": invalid JSON");
        {
            std::ofstream gpt2(empty.filePath(QStringLiteral("config.json")).toStdString());
            gpt2 << R"({"model_type": "gpt2", "vocab_size": 10})";
        }
        QVERIFY(problemAt(c).find("config.json: model_type \"gpt2\" is not supported") != std::string::npos);
    }

    void aPretrainingDatasetIsRefusedByName()
    {
        const Workspace ws = Workspace::open(m_dir.filePath(QStringLiteral("ws-bad")).toStdString());
        QVERIFY(!m_baseCheckpoint.empty());
        train::TrainRequest request;
        RunConfig c = tinySft(m_pretrainDataset);
        c.stage.baseCheckpoint = m_baseCheckpoint;
        request.config = c;
        const train::PreparedTraining p = train::prepareTraining(ws, request);
        std::string error;
        QCOMPARE(test::runRecordedTraining(ws, p, &error), JobState::Failed);
        QVERIFY2(error.find("data.dataset: " + m_pretrainDataset + " is a pretrain dataset") != std::string::npos, error.c_str());
    }
};

QTEST_MAIN(TestSftStage)
#include "tst_sft_stage.moc"
