// What each stage reports to the trainer's tokens/s and MFU for a micro-batch: its real tokens (padding not
// counted: the batch's input positions that hold no pad id, counted here from the tokens themselves) and its
// model FLOPs (each row a causal sequence of its own length), and the stage's FLOPs per token against the
// matrix products LibTorch really runs for that stage (FlopCounter; Danka's fused attention calls BLAS
// directly and is invisible to it, so the comparison is at context 0): SFT, LoRA on a frozen base,
// distillation with a teacher, pretraining.
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/loader.h"
#include "core/checkpoint/model_io.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/stages/distill_stage.h"
#include "core/train/stages/pretrain_stage.h"
#include "core/train/stages/sft_stage.h"
#include "model/flops.h"
#include "model/lora.h"
#include "tests/model/flop_counter.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;

namespace {

// Lengths that differ a lot, so that one batch of all three has padding.
const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})",
    R"({"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And of Italy, and of Spain, and of Portugal?"}, {"role": "assistant", "content": "Rome, Madrid and Lisbon."}]})",
    R"({"conversations": [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是单卡训练的小模型。"}]})",
};

RunConfig tinyConfig(const std::string &dataset, const std::string &kind)
{
    RunConfig c;
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 32;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.nKvHeads = 2;
    c.model.attention = model::AttentionKind::Gqa;
    c.model.ffnHiddenSize = 64;
    c.model.maxSeqLen = 96;
    c.stage.kind = kind == "lora" ? "sft" : kind;
    c.stage.lora.enabled = kind == "lora";
    c.data.dataset = dataset;
    c.data.seqLen = 96;
    c.data.microBatchSize = 3;
    c.data.shuffle = false;
    c.runtime.device = Device::Cpu;
    return c;
}

struct Measured {
    train::MicroBatchLoss step;
    double matmulFlops = 0;  // what LibTorch ran in forward and backward
};

Measured runStep(train::TrainingStage &stage, model::TransformerImpl &m)
{
    Measured out;
    m.train();
    test::FlopCounter counter;
    out.step = stage.trainLoss(m);
    out.step.loss.backward();
    out.matmulFlops = counter.flops();
    return out;
}

}  // namespace

class TestStageFlops : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset;
    std::unique_ptr<tokenizer::Tokenizer> m_tok;
    data::Batch m_batch;  // the stages' first batch, drawn the same way (no shuffling)

    // Real tokens of m_batch counted from its tokens: input positions (the first L - 1 of a row) that are not
    // the pad id (which no record contains), and the model FLOPs of training each row as its own sequence.
    std::pair<int64_t, double> realWork(const train::TrainingStage &stage, const model::TransformerImpl &m) const
    {
        int64_t tokens = 0;
        double flops = 0;
        for (int64_t r = 0; r < m_batch.rows; ++r) {
            int64_t n = 0;
            for (int64_t t = 0; t + 1 < m_batch.length; ++t)
                if (m_batch.tokens[static_cast<size_t>(r * m_batch.length + t)] != m_tok->padId()) ++n;
            tokens += n;
            // Query i of the row sees i + 1 keys: the mean over n queries is (n + 1) / 2.
            flops += static_cast<double>(n) * stage.flopsPerToken(m, (static_cast<double>(n) + 1) / 2);
        }
        return {tokens, flops};
    }

    // Positions the model processed (padding included): what the counted products ran on.
    int64_t positions() const { return m_batch.rows * (m_batch.length - 1); }

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = test::prepareRecords({std::begin(kConversations), std::end(kConversations)},
                                         m_dir.path().toStdString(), "conversations");
        m_tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(test::demoTokenizerDir()));
        const data::Dataset dataset = data::Dataset::open(m_dataset);
        const RunConfig c = tinyConfig(m_dataset, std::string("sft"));
        data::SftLoader loader(dataset.split("train"), c.data.seqLen, c.data.microBatchSize, c.data.padToMultiple,
                               m_tok->padId(), false, 0);
        m_batch = loader.next();
        QCOMPARE(m_batch.rows, int64_t(3));
    }

    void sftCountsRealTokensAndRowLengths()
    {
        const RunConfig c = tinyConfig(m_dataset, std::string("sft"));
        train::SftStage stage(c, *m_tok, at::kCPU);
        torch::manual_seed(1);
        model::Transformer m(c.model);
        const Measured r = runStep(stage, *m);
        const auto [tokens, flops] = realWork(stage, *m);
        QVERIFY2(tokens < positions(), "the batch has padding");
        QCOMPARE(r.step.tokens, tokens);
        QVERIFY(std::abs(r.step.flops - flops) <= 1e-12 * flops);
        // Every weight trains: 3 x forward, and per position what autograd ran.
        QCOMPARE(stage.flopsPerToken(*m, 10), model::trainingFlopsPerToken(m->config(), 10));
        const double perPosition = stage.flopsPerToken(*m, 0);
        QVERIFY2(std::abs(r.matmulFlops - static_cast<double>(positions()) * perPosition) <= 1e-9 * r.matmulFlops,
                 qPrintable(QStringLiteral("ran %1, stage says %2").arg(r.matmulFlops).arg(positions() * perPosition)));
    }

    void loraCountsNoFrozenWeightGradients()
    {
        RunConfig c = tinyConfig(m_dataset, std::string("lora"));
        train::SftStage stage(c, *m_tok, at::kCPU);
        torch::manual_seed(2);
        model::Transformer m(c.model);
        model::LoraSettings s;
        s.rank = 4;
        s.targetModules = {"q_proj", "v_proj", "down_proj"};
        model::attachLora(*m, s);
        const Measured r = runStep(stage, *m);
        const auto [tokens, flops] = realWork(stage, *m);
        QCOMPARE(r.step.tokens, tokens);
        QVERIFY(std::abs(r.step.flops - flops) <= 1e-12 * flops);
        const double perPosition = stage.flopsPerToken(*m, 0);
        QVERIFY2(std::abs(r.matmulFlops - static_cast<double>(positions()) * perPosition) <= 1e-9 * r.matmulFlops,
                 qPrintable(QStringLiteral("ran %1, stage says %2").arg(r.matmulFlops).arg(positions() * perPosition)));
        // Full training's count would overstate it by more than 1.3x on this model.
        QVERIFY(model::trainingFlopsPerToken(m->config(), 0) > 1.3 * perPosition);
    }

    void distillationCountsTheTeacherAndTheSecondHead()
    {
        RunConfig c = tinyConfig(m_dataset, std::string("distill"));
        c.stage.baseCheckpoint = "unused";
        c.stage.distill.klWeight = 0.5;
        // A teacher of another shape, so that its forward cannot pass for the student's.
        model::ModelConfig teacherConfig = c.model;
        teacherConfig.hiddenSize = 48;
        teacherConfig.ffnHiddenSize = 128;
        teacherConfig.nLayers = 3;
        torch::manual_seed(3);
        model::Transformer teacher(teacherConfig);
        const std::string dir = m_dir.filePath(QStringLiteral("teacher")).toStdString();
        writeModelCheckpoint(*teacher, *m_tok, dir, {});
        c.stage.distill.teacherCheckpoint = dir;
        train::DistillStage stage(c, *m_tok, at::kCPU);
        QVERIFY(stage.hasTeacher());
        model::Transformer m(c.model);
        const Measured r = runStep(stage, *m);
        const auto [tokens, flops] = realWork(stage, *m);
        QCOMPARE(r.step.tokens, tokens);
        QVERIFY(std::abs(r.step.flops - flops) <= 1e-12 * flops);
        const double perPosition = stage.flopsPerToken(*m, 0);
        QVERIFY2(std::abs(r.matmulFlops - static_cast<double>(positions()) * perPosition) <= 1e-9 * r.matmulFlops,
                 qPrintable(QStringLiteral("ran %1, stage says %2").arg(r.matmulFlops).arg(positions() * perPosition)));
        // The teacher's forward and the student's head again (3 x 2 d V) on top of the student's training.
        QCOMPARE(perPosition, model::trainingFlopsPerToken(c.model, 0) + model::forwardFlopsPerToken(teacherConfig, 0) +
                                  6.0 * 32 * 2000);
    }

    void pretrainingWindowsAreAllRealTokens()
    {
        QTemporaryDir dir;
        std::vector<std::string> records;
        for (int i = 0; i < 40; ++i)
            records.push_back(R"({"text": "one two three four five six seven eight nine ten. 春眠不觉晓，处处闻啼鸟。"})");
        const std::string dataset = test::prepareRecords(records, dir.path().toStdString(), "text");
        RunConfig c = tinyConfig(dataset, std::string("pretrain"));
        c.data.seqLen = 32;
        c.data.microBatchSize = 2;
        c.data.valFraction = 0;
        train::PretrainStage stage(c, *m_tok, at::kCPU);
        torch::manual_seed(4);
        model::Transformer m(c.model);
        const Measured r = runStep(stage, *m);
        QCOMPARE(r.step.tokens, int64_t(2 * 32));
        QCOMPARE(r.step.flops, 2 * 32 * model::trainingFlopsPerToken(m->config(), 16.5));
        QVERIFY(std::abs(r.matmulFlops - 64 * stage.flopsPerToken(*m, 0)) <= 1e-9 * r.matmulFlops);
    }
};

QTEST_GUILESS_MAIN(TestStageFlops)
#include "tst_stage_flops.moc"
