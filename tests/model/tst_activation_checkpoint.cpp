// Activation checkpointing: the same loss and gradients as keeping every activation (the oracle is the
// same model trained without it), for every segment length, with dropout (the recomputation must draw the
// same masks), document masks, and under bf16 autocast (the recomputation must run in bf16 again); and it
// really keeps less: the bytes alive after forward, counted by the allocator, shrink.
#include <ATen/autocast_mode.h>

#include <QtTest>

#include "kernels/memory_stats.h"
#include "model/activation_checkpoint.h"
#include "model/transformer.h"
#include "tests/kernels/kernel_test_util.h"

using namespace danka;
using namespace danka::model;

namespace {

ModelConfig tiny(AttentionKind kind, double dropout)
{
    ModelConfig c;
    c.vocabSize = 41;
    c.hiddenSize = 32;
    c.nLayers = 4;
    c.nHeads = 4;
    c.nKvHeads = kind == AttentionKind::Gqa ? 2 : 0;
    c.ffnHiddenSize = 48;
    c.attention = kind;
    c.mla = {0, 12, 6, 4, 5};
    c.maxSeqLen = 64;
    c.dropout = dropout;
    return c;
}

struct Outcome {
    at::Tensor loss;
    std::map<std::string, at::Tensor> grads;
    at::Tensor after;  // a draw from the CPU generator after the step: checkpointing must not shift it
};

// One training step of a fresh model (seeded weights), with checkpointing every `every` blocks.
Outcome step(const ModelConfig &c, int64_t every, at::ScalarType dtype, bool autocast, bool segments)
{
    torch::manual_seed(5);
    Transformer m(c);
    m->to(dtype);
    m->train();
    m->setActivationCheckpointing(every);
    const auto ids = torch::randint(c.vocabSize, {3, 17}, torch::kLong);
    ForwardOptions o;
    if (segments) o.segments = torch::tensor({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}).repeat({3, 1});
    torch::manual_seed(77);  // the dropout masks
    at::Tensor loss;
    {
        at::autocast::set_autocast_enabled(at::kCPU, autocast);
        at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
        const at::Tensor h = m->hidden(ids.narrow(1, 0, 16), o);
        loss = m->loss(h, ids.narrow(1, 1, 16));
        at::autocast::set_autocast_enabled(at::kCPU, false);
        at::autocast::clear_cache();
    }
    loss.backward();  // outside autocast, as a trainer does
    Outcome out;
    out.loss = loss.detach();
    for (const auto &p : m->named_parameters()) out.grads[p.key()] = p.value().grad().clone();
    out.after = torch::rand({4}, torch::kFloat64);
    return out;
}

void compare(const Outcome &a, const Outcome &b, double tol)
{
    QVERIFY2(torch::allclose(a.loss.to(torch::kFloat64), b.loss.to(torch::kFloat64), 0, tol),
             qPrintable(QString("loss %1 vs %2").arg(a.loss.item<double>(), 0, 'g', 17).arg(b.loss.item<double>(), 0, 'g', 17)));
    QCOMPARE(a.grads.size(), b.grads.size());
    for (const auto &[name, g] : a.grads) {
        const at::Tensor other = b.grads.at(name);
        const double diff = (g.to(torch::kFloat64) - other.to(torch::kFloat64)).abs().max().item<double>();
        const double scale = other.to(torch::kFloat64).abs().max().item<double>() + 1e-30;
        QVERIFY2(diff <= tol * scale, qPrintable(QString("%1: max diff %2, scale %3").arg(QString::fromStdString(name)).arg(diff).arg(scale)));
    }
    QVERIFY(torch::equal(a.after, b.after));
}

}  // namespace

class TestActivationCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameGradientsAsKeepingEverything_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<double>("dropout");
        QTest::addColumn<bool>("segments");
        QTest::newRow("gqa") << int(AttentionKind::Gqa) << 0.0 << false;
        QTest::newRow("gqa, dropout 0.2") << int(AttentionKind::Gqa) << 0.2 << false;
        QTest::newRow("mha, document masks") << int(AttentionKind::Mha) << 0.0 << true;
        QTest::newRow("mla, dropout 0.1") << int(AttentionKind::Mla) << 0.1 << false;
    }
    void sameGradientsAsKeepingEverything()
    {
        QFETCH(int, kind);
        QFETCH(double, dropout);
        QFETCH(bool, segments);
        const ModelConfig c = tiny(static_cast<AttentionKind>(kind), dropout);
        const Outcome plain = step(c, 0, torch::kFloat64, false, segments);
        for (int64_t every : {1, 2, 3, 4, 9}) compare(step(c, every, torch::kFloat64, false, segments), plain, 1e-12);
    }

    void recomputesUnderTheSameAutocast()
    {
        // bf16 autocast: the recomputation in bf16 again gives the very same numbers; recomputing in fp32
        // would differ at bf16's resolution (about 1e-2 relative), far above the tolerance.
        const ModelConfig c = tiny(AttentionKind::Gqa, 0.1);
        const Outcome plain = step(c, 0, torch::kFloat32, true, false);
        compare(step(c, 1, torch::kFloat32, true, false), plain, 1e-6);
        compare(step(c, 2, torch::kFloat32, true, false), plain, 1e-6);
    }

    void keepsOnlySegmentInputs()
    {
        kernels::enableHostMemoryTracking();
        ModelConfig c = tiny(AttentionKind::Gqa, 0.0);
        c.nLayers = 6;
        auto aliveAfterForward = [&](int64_t every) {
            torch::manual_seed(1);
            Transformer m(c);
            m->train();
            m->setActivationCheckpointing(every);
            const auto ids = torch::randint(c.vocabSize, {8, 64}, torch::kLong);
            const int64_t before = kernels::hostMemoryStats().currentBytes;
            const at::Tensor loss = m->loss(m->hidden(ids), ids);
            const int64_t alive = kernels::hostMemoryStats().currentBytes - before;
            loss.backward();
            return alive;
        };
        const int64_t all = aliveAfterForward(0), every1 = aliveAfterForward(1), every3 = aliveAfterForward(3);
        // A block keeps many (B, T, d)-sized tensors; a checkpointed segment only its input.
        QVERIFY2(every1 < all / 2, qPrintable(QString("%1 vs %2").arg(every1).arg(all)));
        QVERIFY2(every3 < every1, qPrintable(QString("%1 vs %2").arg(every3).arg(every1)));
    }

    void plainFunctionOutsideGradMode()
    {
        int calls = 0;
        const SegmentFn twice = [&](const at::Tensor &x) {
            ++calls;
            return x * 2;
        };
        torch::NoGradGuard noGrad;
        const at::Tensor y = checkpointed(twice, torch::ones({3}), false);
        QCOMPARE(calls, 1);
        QVERIFY(torch::equal(y, torch::full({3}, 2.0)));
        QVERIFY(!y.requires_grad());
    }

    void negativeSegmentLengthIsRefused()
    {
        Transformer m(tiny(AttentionKind::Gqa, 0));
        QVERIFY_THROWS_EXCEPTION(c10::Error, m->setActivationCheckpointing(-1));
    }
};

QTEST_APPLESS_MAIN(TestActivationCheckpoint)
#include "tst_activation_checkpoint.moc"
