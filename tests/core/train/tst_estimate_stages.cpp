// The memory estimate of a run config (core/config/memory_plan.h: the plan memoryPlanOf makes of the config,
// LoRA targets and dropout, the CPU's attention path, a distillation teacher read from its checkpoint)
// against the peak of LibTorch's host allocations through two real training steps of the stage (its own
// batches and loss, autocast as the trainer sets it, backward, gradient norm, clipping, AdamW), for SFT,
// LoRA and white-box distillation, fp32 and bf16, with and without activation checkpointing.
#include <QTemporaryDir>
#include <QtTest>

#include "core/config/memory_plan.h"
#include "core/checkpoint/model_io.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/adamw.h"
#include "core/train/autocast_scope.h"
#include "core/train/stages/distill_stage.h"
#include "core/train/lora_adapters.h"
#include "core/train/stages/sft_stage.h"
#include "kernels/memory_stats.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;

namespace {

// Conversations longer than data.seq_len + 1 tokens, so that every batch is (B, seq_len) with no padding and
// most targets are the reply's (the estimate counts every position).
std::vector<std::string> longConversations()
{
    std::vector<std::string> out;
    const char *replies[] = {"one two three four five six seven eight nine ten ",
                             "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
                             "The quick brown fox jumps over the lazy dog. "};
    for (int i = 0; i < 8; ++i) {
        std::string reply;
        for (int k = 0; k < 40; ++k) reply += replies[(i + k) % 3];
        out.push_back(R"({"conversations": [{"role": "user", "content": "question )" + std::to_string(i) +
                      R"("}, {"role": "assistant", "content": ")" + reply + R"("}]})");
    }
    return out;
}

RunConfig configFor(const std::string &dataset, const std::string &kind)
{
    RunConfig c;
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 64;
    c.model.nLayers = 3;
    c.model.nHeads = 4;
    c.model.nKvHeads = 2;
    c.model.attention = model::AttentionKind::Gqa;
    c.model.ffnHiddenSize = 176;
    c.model.maxSeqLen = 128;
    c.stage.kind = kind == "lora" ? "sft" : kind;
    c.stage.lora.enabled = kind == "lora";
    c.data.dataset = dataset;
    c.data.seqLen = 96;
    c.data.microBatchSize = 4;
    c.data.shuffle = false;
    c.runtime.device = Device::Cpu;
    return c;
}

}  // namespace

class TestEstimateStages : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset, m_teacher, m_base;
    std::unique_ptr<tokenizer::Tokenizer> m_tok;

    // Peak LibTorch host bytes through two training steps of `stage` on `model`, above what was alive before
    // the model was made (the caller makes it inside `make`).
    double measuredPeak(const RunConfig &c, train::TrainingStage &stage, const std::function<model::Transformer()> &make)
    {
        const int64_t base = kernels::hostMemoryStats().currentBytes;
        double peak;
        {
            model::Transformer m = make();
            m->setActivationCheckpointing(c.runtime.activationCheckpointing);
            m->train();
            std::vector<std::pair<std::string, at::Tensor>> trainable;
            for (const auto &p : m->named_parameters())
                if (p.value().requires_grad()) trainable.emplace_back(p.key(), p.value());
            train::AdamW optimizer(trainable);
            kernels::resetHostMemoryPeak();
            for (int step = 0; step < 2; ++step) {
                at::Tensor loss;
                {
                    train::AutocastScope scope(at::kCPU, c.runtime.precision != Precision::Fp32, at::kBFloat16);
                    loss = stage.trainLoss(*m).loss;
                }
                loss.to(at::kFloat).backward();
                optimizer.clipGradients(1.0, optimizer.gradNorm());
                optimizer.step(1e-3);
                optimizer.zeroGrad();
            }
            peak = static_cast<double>(kernels::hostMemoryStats().peakBytes - base);
        }
        return peak;
    }

    static double allocations(const model::MemoryEstimate &e)
    {
        double sum = 0;
        for (const model::MemoryLine &l : e.lines)
            if (l.name != "framework") sum += l.bytes;
        return sum;
    }

private Q_SLOTS:
    void initTestCase()
    {
        kernels::enableHostMemoryTracking();
        m_dataset = test::prepareRecords(longConversations(), m_dir.path().toStdString(), "long");
        m_tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(test::demoTokenizerDir()));
        // A teacher of another shape than the student.
        model::ModelConfig t = configFor(m_dataset, std::string("sft")).model;
        t.hiddenSize = 96;
        t.ffnHiddenSize = 256;
        t.nLayers = 2;
        torch::manual_seed(7);
        model::Transformer teacher(t);
        m_teacher = m_dir.filePath(QStringLiteral("teacher")).toStdString();
        writeModelCheckpoint(*teacher, *m_tok, m_teacher, {});
        // The student's base checkpoint: the estimate reads the model a run from it trains.
        model::Transformer student(configFor(m_dataset, std::string("sft")).model);
        m_base = m_dir.filePath(QStringLiteral("base")).toStdString();
        writeModelCheckpoint(*student, *m_tok, m_base, {});
    }

    void stagePeaksMatchTheEstimate_data()
    {
        QTest::addColumn<int>("stage");  // 0 sft, 1 lora, 2 distill with a teacher
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<int>("checkpointEvery");
        QTest::newRow("sft fp32") << 0 << false << 0;
        QTest::newRow("sft bf16") << 0 << true << 0;
        QTest::newRow("sft bf16 checkpoint 1") << 0 << true << 1;
        QTest::newRow("lora fp32 (all-linear, dropout 0.05)") << 1 << false << 0;
        QTest::newRow("lora bf16 checkpoint 1") << 1 << true << 1;
        QTest::newRow("distill fp32") << 2 << false << 0;
        QTest::newRow("distill bf16") << 2 << true << 0;
        QTest::newRow("distill bf16 checkpoint 1") << 2 << true << 1;
    }
    void stagePeaksMatchTheEstimate()
    {
        QFETCH(int, stage);
        QFETCH(bool, bf16);
        QFETCH(int, checkpointEvery);
        RunConfig c = configFor(m_dataset, stage == 0   ? std::string("sft")
                                           : stage == 1 ? std::string("lora")
                                                        : std::string("distill"));
        c.runtime.precision = bf16 ? Precision::Bf16 : Precision::Fp32;
        c.runtime.activationCheckpointing = checkpointEvery;
        if (stage == 2) {
            c.stage.baseCheckpoint = m_base;
            c.stage.distill.teacherCheckpoint = m_teacher;
        }
        std::unique_ptr<train::SftStage> s;
        if (stage == 2)
            s = std::make_unique<train::DistillStage>(c, *m_tok, at::kCPU);
        else
            s = std::make_unique<train::SftStage>(c, *m_tok, at::kCPU);
        {  // every batch is (micro_batch_size, seq_len): no padding
            const data::Dataset dataset = data::Dataset::open(m_dataset);
            data::SftLoader loader(dataset.split("train"), c.data.seqLen, c.data.microBatchSize, c.data.padToMultiple,
                                   m_tok->padId(), false, 0);
            const data::Batch b = loader.next();
            QCOMPARE(b.rows * (b.length - 1), c.data.microBatchSize * c.data.seqLen);
        }
        const double measured = measuredPeak(c, *s, [&] {
            torch::manual_seed(1);
            model::Transformer m(c.model);
            if (stage == 1) train::attachLoraAdapters(*m, c.stage.lora);
            return m;
        });
        const ConfigEstimate e = estimateConfigMemory(c, 24 * kBytesPerGib);
        if (stage == 2) QVERIFY(e.plan.teacher.has_value());
        QCOMPARE(e.plan.sdpaAttention, true);  // GQA on the CPU without segment masks
        const double estimated = allocations(e.estimate);
        QString lines;
        for (const model::MemoryLine &l : e.estimate.lines)
            lines += QStringLiteral(" %1=%2").arg(QString::fromStdString(l.name)).arg(l.bytes, 0, 'f', 0);
        const QString what = QStringLiteral("measured %1, estimated %2 (%3%):%4")
                                 .arg(measured, 0, 'f', 0)
                                 .arg(estimated, 0, 'f', 0)
                                 .arg(100 * (estimated - measured) / measured, 0, 'f', 1)
                                 .arg(lines);
        qInfo("%s", qPrintable(what));
        // The margin of tests/model/tst_estimate.cpp, 5% either way; for distillation an upper bound up to 25%
        // over: the estimate counts the KL term's (vocab)-wide tensors for every position, the stage holds them
        // for the positions with a target (about 78% of this batch), and at its peak they are most of the memory.
        if (stage == 2)
            QVERIFY2(estimated >= measured && estimated <= 1.25 * measured, qPrintable(what));
        else
            QVERIFY2(std::abs(estimated - measured) <= 0.05 * measured, qPrintable(what));
    }
};

QTEST_GUILESS_MAIN(TestEstimateStages)
#include "tst_estimate_stages.moc"
