// The distillation stage. Oracles: a hand-built batch whose loss weights are written out by hand; the
// gradient of the stage's loss against the weighted cross-entropy sum(w ce) / sum(w) written with plain ATen
// ops; the KL of softened distributions against a double-precision loop; a student equal to its teacher
// (KL exactly 0, so the loss is (1 - kl_weight) times plain SFT's); a teacher that differs, the whole
// white-box loss and its gradient against a float64 evaluation of the formula; and a teacher with another
// tokenizer, refused by name.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/util/error.h"
#include "core/checkpoint/model_io.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/trainer.h"
#include "core/train/stages/distill_stage.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core;

namespace {

const char *kConversations[] = {
    R"({"conversations": [{"role": "user", "content": "1+1=?"}, {"role": "assistant", "content": "<think>one and one make two</think>2"}]})",
    R"({"conversations": [{"role": "user", "content": "春眠不觉晓的下一句？"}, {"role": "assistant", "content": "<think>孟浩然的《春晓》</think>处处闻啼鸟。"}]})",
    R"({"conversations": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "<think>history</think>It has been since 987."}]})",
};

RunConfig tinyDistill(const std::string &dataset)
{
    RunConfig c;
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 32;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.ffnHiddenSize = 64;
    c.model.maxSeqLen = 64;
    c.stage.kind = std::string("distill");
    c.stage.baseCheckpoint = "unused";
    c.data.dataset = dataset;
    c.data.seqLen = 64;
    c.data.microBatchSize = 3;
    c.data.shuffle = false;
    c.runtime.device = Device::Cpu;
    return c;
}

std::vector<at::Tensor> gradients(model::TransformerImpl &m)
{
    std::vector<at::Tensor> g;
    for (const at::Tensor &p : m.parameters()) g.push_back(p.grad().clone());
    m.zero_grad();
    return g;
}

}  // namespace

class TestDistillStage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_dataset;
    std::unique_ptr<tokenizer::Tokenizer> m_tok;

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = test::prepareRecords({std::begin(kConversations), std::end(kConversations)},
                                         m_dir.path().toStdString(), "reasoning");
        m_tok = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(test::demoTokenizerDir()));
    }

    void weightsOfAHandBuiltBatch()
    {
        // One row: <|im_start|> u <think> a </think> c <|im_end|> <|im_start|> d <|im_end|>, the two replies
        // (from <think> and from d) counted by the mask. Targets t predict tokens[t + 1].
        const int32_t S = m_tok->requireMarker(tokenizer::kImStart), E = m_tok->requireMarker(tokenizer::kImEnd);
        const int32_t think = m_tok->requireMarker("<think>"), endThink = m_tok->requireMarker("</think>");
        const int32_t u = 500, a = 501, c = 502, d = 503;
        data::Batch b;
        b.rows = 1;
        b.tokens = {S, u, think, a, endThink, c, E, S, d, E};
        b.length = static_cast<int64_t>(b.tokens.size());
        //              targets: u  think a  /think c  E  S  d  E
        b.targetMask =          {0, 1,    1, 1,     1, 1, 0, 1, 1};
        train::MarkerWeights w;
        w.markers = {think, endThink};
        w.thinkEnd = endThink;
        w.turnStart = S;
        w.markerWeight = 10;
        w.answerWeight = 3;
        const std::vector<float> expected = {0, 10, 1, 10, 3, 3, 0, 1, 1};
        QCOMPARE(train::DistillStage::weightsOf(b, w), expected);
    }

    void markerWeightsChangeTheGradientAsComputedByHand()
    {
        RunConfig c = tinyDistill(m_dataset);
        c.stage.distill.markerWeight = 10;
        c.stage.distill.answerWeight = 3;
        train::DistillStage stage(c, *m_tok, at::kCPU);
        torch::manual_seed(3);
        model::Transformer m(c.model);
        m->train();

        // The stage's first batch, drawn the same way (no shuffling).
        const data::Dataset dataset = data::Dataset::open(m_dataset);
        data::SftLoader loader(dataset.split("train"), c.data.seqLen, c.data.microBatchSize, c.data.padToMultiple,
                               m_tok->padId(), false, 0);
        const data::Batch b = loader.next();
        const std::vector<float> w = train::DistillStage::weightsOf(b, stage.markerWeights());
        QVERIFY(std::count(w.begin(), w.end(), 10.0f) >= 6);  // <think> and </think> of three replies
        QVERIFY(std::count(w.begin(), w.end(), 3.0f) >= 3);   // the answers

        stage.trainLoss(*m).loss.backward();
        const std::vector<at::Tensor> fromStage = gradients(*m);

        // By hand: sum_i w_i * -log softmax(logits_i)[target_i] / sum_i w_i over the counted targets.
        const int64_t T = b.length - 1;
        std::vector<int64_t> targets = train::SftStage::targetsOf(b);
        const at::Tensor ids = torch::from_blob(const_cast<int32_t *>(b.tokens.data()), {b.rows, b.length}, torch::kInt32)
                                   .to(torch::kLong).narrow(1, 0, T);
        const at::Tensor target = torch::from_blob(targets.data(), {b.rows * T}, torch::kLong).clone();
        const at::Tensor weight = torch::from_blob(const_cast<float *>(w.data()), {b.rows * T}, torch::kFloat).clone();
        const at::Tensor logp = at::log_softmax(m->forward(ids).reshape({b.rows * T, -1}).to(at::kDouble), -1);
        const at::Tensor counted = target.ne(-100);
        const at::Tensor nll = -logp.gather(1, target.clamp_min(0).unsqueeze(1)).squeeze(1);
        const at::Tensor byHand = (nll * weight.to(at::kDouble) * counted).sum() / (weight.to(at::kDouble) * counted).sum();
        byHand.backward();
        const std::vector<at::Tensor> expected = gradients(*m);
        QCOMPARE(fromStage.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY2(at::allclose(fromStage[i], expected[i].to(at::kFloat), 1e-4, 1e-6),
                     qPrintable(QString("parameter %1: max difference %2")
                                    .arg(i)
                                    .arg((fromStage[i] - expected[i]).abs().max().item<double>())));

        // Weighting the markers changes the gradient: plain weights give another one.
        RunConfig plain = c;
        plain.stage.distill.markerWeight = 1;
        plain.stage.distill.answerWeight = 1;
        train::DistillStage unweighted(plain, *m_tok, at::kCPU);
        unweighted.trainLoss(*m).loss.backward();
        const std::vector<at::Tensor> other = gradients(*m);
        QVERIFY(!at::allclose(other[0], fromStage[0], 1e-3, 1e-6));
    }

    void softenedKlMatchesADoubleLoop()
    {
        const std::vector<std::vector<double>> s = {{1.0, -0.5, 2.0}, {0.1, 0.2, -3.0}};
        const std::vector<std::vector<double>> t = {{0.5, 0.5, 1.0}, {2.0, -1.0, 0.0}};
        const double T = 2.0;
        double expected = 0;
        for (size_t r = 0; r < s.size(); ++r) {
            double zs = 0, zt = 0;
            for (size_t v = 0; v < 3; ++v) {
                zs += std::exp(s[r][v] / T);
                zt += std::exp(t[r][v] / T);
            }
            for (size_t v = 0; v < 3; ++v) {
                const double p = std::exp(t[r][v] / T) / zt, q = std::exp(s[r][v] / T) / zs;
                expected += p * std::log(p / q) / 2.0;  // mean over the 2 rows
            }
        }
        auto tensor = [](const std::vector<std::vector<double>> &x) {
            return torch::tensor({x[0][0], x[0][1], x[0][2], x[1][0], x[1][1], x[1][2]}, torch::kFloat).view({2, 3});
        };
        const double kl = train::DistillStage::softenedKl(tensor(s), tensor(t), T).item<double>();
        QVERIFY2(std::abs(kl - expected) < 1e-6, qPrintable(QString("%1 vs %2").arg(kl).arg(expected)));
    }

    void aStudentEqualToItsTeacherHasZeroKl()
    {
        RunConfig c = tinyDistill(m_dataset);
        torch::manual_seed(5);
        model::Transformer teacher(c.model);
        const std::string dir = m_dir.filePath(QStringLiteral("teacher")).toStdString();
        writeModelCheckpoint(*teacher, *m_tok, dir, {});
        model::Transformer student = loadModelCheckpoint(dir).model;
        student->train();

        c.stage.distill.teacherCheckpoint = dir;
        c.stage.distill.markerWeight = 1;  // the hard-label part is then plain SFT's loss
        c.stage.distill.klWeight = 0.25;
        c.stage.distill.temperature = 3;
        train::DistillStage distill(c, *m_tok, at::kCPU);
        QVERIFY(distill.hasTeacher());
        RunConfig sftConfig = c;
        sftConfig.stage.kind = std::string("sft");
        train::SftStage sft(sftConfig, *m_tok, at::kCPU);
        const double withTeacher = distill.trainLoss(*student).loss.item<double>();
        const double hard = sft.trainLoss(*student).loss.item<double>();
        QVERIFY(hard > 1);
        QVERIFY2(std::abs(withTeacher - 0.75 * hard) < 1e-6 * hard,
                 qPrintable(QString("%1 vs 0.75 x %2").arg(withTeacher).arg(hard)));
    }

    void whiteBoxLossAndGradientMatchFloat64()
    {
        // A teacher that differs from the student, a vocabulary padded beyond the tokenizer's 2000 pieces, a
        // temperature and KL weight that are not 1, and weighted markers: the stage's loss and every gradient
        // against the formula evaluated in float64 with plain ATen ops, (1 - a) sum(w ce) / sum(w)
        // + a T^2 mean over the counted targets of KL(softmax(teacher / T) || softmax(student / T)), both
        // distributions over the tokenizer's pieces only. A wrong T^2, row selection or vocabulary cut fails.
        RunConfig c = tinyDistill(m_dataset);
        c.model.vocabSize = 2048;
        torch::manual_seed(21);
        model::Transformer teacher(c.model);
        const std::string dir = m_dir.filePath(QStringLiteral("teacher-64")).toStdString();
        writeModelCheckpoint(*teacher, *m_tok, dir, {});
        torch::manual_seed(22);
        model::Transformer student(c.model);
        student->train();
        const double a = 0.4, T = 2.5;
        c.stage.distill.teacherCheckpoint = dir;
        c.stage.distill.klWeight = a;
        c.stage.distill.temperature = T;
        c.stage.distill.markerWeight = 5;
        c.stage.distill.answerWeight = 2;
        train::DistillStage stage(c, *m_tok, at::kCPU);
        const at::Tensor loss = stage.trainLoss(*student).loss;
        loss.backward();
        const std::vector<at::Tensor> fromStage = gradients(*student);

        // The same first batch, and the teacher as the stage loads it.
        const data::Dataset dataset = data::Dataset::open(m_dataset);
        data::SftLoader loader(dataset.split("train"), c.data.seqLen, c.data.microBatchSize, c.data.padToMultiple,
                               m_tok->padId(), false, 0);
        const data::Batch b = loader.next();
        const int64_t T1 = b.length - 1, V = m_tok->vocabSize();
        const std::vector<float> w = train::DistillStage::weightsOf(b, stage.markerWeights());
        std::vector<int64_t> targets = train::SftStage::targetsOf(b);
        const at::Tensor ids = torch::from_blob(const_cast<int32_t *>(b.tokens.data()), {b.rows, b.length}, torch::kInt32)
                                   .to(torch::kLong).narrow(1, 0, T1);
        const at::Tensor target = torch::from_blob(targets.data(), {b.rows * T1}, torch::kLong).clone();
        const at::Tensor weight = torch::from_blob(const_cast<float *>(w.data()), {b.rows * T1}, torch::kFloat).to(at::kDouble);
        const at::Tensor counted = target.ne(-100);
        QVERIFY(counted.sum().item<int64_t>() > 10);
        const at::Tensor studentLogits = student->forward(ids).reshape({b.rows * T1, -1}).to(at::kDouble);
        at::Tensor teacherLogits;
        {
            torch::NoGradGuard noGrad;
            model::Transformer t = loadModelCheckpoint(dir).model;
            teacherLogits = t->forward(ids).reshape({b.rows * T1, -1}).to(at::kDouble);
        }
        const at::Tensor nll = -at::log_softmax(studentLogits, -1).gather(1, target.clamp_min(0).unsqueeze(1)).squeeze(1);
        const at::Tensor hard = (nll * weight * counted).sum() / (weight * counted).sum();
        const at::Tensor rows = counted.nonzero().squeeze(1);
        const at::Tensor s = studentLogits.index_select(0, rows).narrow(1, 0, V) / T;
        const at::Tensor t = teacherLogits.index_select(0, rows).narrow(1, 0, V) / T;
        const at::Tensor logP = t - t.logsumexp(1, true), logQ = s - s.logsumexp(1, true);
        const at::Tensor kl = (logP.exp() * (logP - logQ)).sum(1).mean();
        const at::Tensor expected = hard * (1 - a) + kl * (a * T * T);
        QVERIFY(kl.item<double>() > 1e-3);  // the teacher really differs
        QVERIFY2(std::abs(loss.item<double>() - expected.item<double>()) < 1e-5 * expected.item<double>(),
                 qPrintable(QString("%1 vs %2").arg(loss.item<double>(), 0, 'g', 10).arg(expected.item<double>(), 0, 'g', 10)));
        expected.backward();
        const std::vector<at::Tensor> byHand = gradients(*student);
        QCOMPARE(fromStage.size(), byHand.size());
        for (size_t i = 0; i < byHand.size(); ++i)
            QVERIFY2(at::allclose(fromStage[i], byHand[i].to(at::kFloat), 1e-4, 1e-7),
                     qPrintable(QString("parameter %1: max difference %2")
                                    .arg(i)
                                    .arg((fromStage[i] - byHand[i]).abs().max().item<double>())));
    }

    void aTeacherWithAnotherTokenizerIsRefused()
    {
        tokenizer::TokenizerTrainOptions o;
        o.inputs = {test::demoFile("sft.jsonl")};
        o.vocabSize = 1000;
        o.threads = 1;
        const std::string tokDir = m_dir.filePath(QStringLiteral("other-tokenizer")).toStdString();
        std::string error;
        QCOMPARE(test::runJob([&](JobContext &job) { tokenizer::trainTokenizer(o, tokDir, job); }, &error),
                 JobState::Completed);
        const tokenizer::Tokenizer other = tokenizer::Tokenizer::load(tokDir);
        RunConfig c = tinyDistill(m_dataset);
        model::Transformer teacher(c.model);
        const std::string dir = m_dir.filePath(QStringLiteral("other-teacher")).toStdString();
        writeModelCheckpoint(*teacher, other, dir, {});
        c.stage.distill.teacherCheckpoint = dir;
        try {
            train::DistillStage stage(c, *m_tok, at::kCPU);
            QFAIL("a teacher with another tokenizer was accepted");
        } catch (const Error &e) {
            const std::string what = e.what();
            QVERIFY2(what.find("stage.distill.teacher_checkpoint: " + dir + " uses another tokenizer") == 0, e.what());
        }
    }

    void anUnknownMarkerIsNamed()
    {
        RunConfig c = tinyDistill(m_dataset);
        c.stage.distill.markers = "<think>, <reflect>";
        try {
            train::DistillStage stage(c, *m_tok, at::kCPU);
            QFAIL("an unknown marker was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("stage.distill.markers: \"<reflect>\" is not one token") == 0, e.what());
        }
    }
};

QTEST_MAIN(TestDistillStage)
#include "tst_distill_stage.moc"
