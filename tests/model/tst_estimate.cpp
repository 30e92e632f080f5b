// The memory estimator against measurements: activation bytes of a training forward pass counted by the
// allocator, KV-cache bytes of a real cache, and the planner's choices for the 24 GB preset.
#include <ATen/autocast_mode.h>

#include <QtTest>

#include "kernels/memory_stats.h"
#include "model/estimate.h"
#include "model/kv_cache.h"
#include "model/transformer.h"

using namespace danka;
using namespace danka::model;

namespace {

ModelConfig config(AttentionKind kind)
{
    ModelConfig c;
    c.vocabSize = 300;
    c.hiddenSize = 64;
    c.nLayers = 3;
    c.nHeads = 4;
    c.nKvHeads = kind == AttentionKind::Gqa ? 2 : 0;
    c.ffnHiddenSize = 176;
    c.attention = kind;
    c.mla = {0, 32, 16, 8, 16};
    c.maxSeqLen = 256;
    return c;
}

}  // namespace

class TestEstimate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { kernels::enableHostMemoryTracking(); }

    void activationsMatchMeasuredAllocations_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("mha") << 0;
        QTest::newRow("gqa") << 1;
        QTest::newRow("mla") << 2;
        QTest::newRow("mla q_lora") << 3;
        QTest::newRow("gqa qk-norm") << 4;
        QTest::newRow("gqa dropout") << 5;
    }
    void activationsMatchMeasuredAllocations()
    {
        QFETCH(int, variant);
        ModelConfig c = config(variant >= 2 && variant <= 3 ? AttentionKind::Mla
                               : variant == 0                ? AttentionKind::Mha
                                                             : AttentionKind::Gqa);
        if (variant == 3) c.mla.qLoraRank = 24;
        if (variant == 4) c.qkNorm = true;
        if (variant == 5) c.dropout = 0.1;
        Transformer model(c);
        model->train();
        const int64_t B = 4, T = 96;
        const auto ids = torch::randint(c.vocabSize, {B, T}, torch::kLong);
        const auto before = kernels::hostMemoryStats().currentBytes;
        const auto hidden = model->hidden(ids);  // keeps what backward needs
        const double measured = static_cast<double>(kernels::hostMemoryStats().currentBytes - before);
        // Oracle: the estimator's per-block bytes for every block, plus the last block's output (kept by the
        // final norm) and the final norm's output and 1/rms.
        const double perLayer = activationBytesPerLayer(c, B * T, 4, c.dropout);
        const double expected = static_cast<double>(c.nLayers) * perLayer + static_cast<double>(B * T) * (2.0 * c.hiddenSize * 4 + 4);
        QVERIFY2(std::abs(measured - expected) <= 0.03 * expected,
                 qPrintable(QStringLiteral("measured %1 bytes, estimated %2").arg(measured).arg(expected)));
    }

    void checkpointedAutocastKeepsNoWeightCopies()
    {
        // What the estimator's "autocast weight copies" line rests on: with autocast's weight cache off (as the
        // trainer runs it), a forward through checkpointed blocks keeps no 16-bit copy of their weights; with
        // the cache on it keeps one (2 bytes) for every projection weight until the cache is cleared. Oracle:
        // the projection shapes, counted by hand below.
        const ModelConfig c = config(AttentionKind::Gqa);
        double projectionWeights = 0;
        for (const ProjectionShape &p : projectionShapes(c))
            if (p.name != "lm_head") projectionWeights += static_cast<double>(p.in * p.out);
        Transformer model(c);
        model->train();
        model->setActivationCheckpointing(1);
        const auto ids = torch::randint(c.vocabSize, {2, 64}, torch::kLong);
        auto keptAfterForward = [&](bool cache) {
            const bool wasEnabled = at::autocast::is_autocast_enabled(at::kCPU);
            const bool wasCaching = at::autocast::is_autocast_cache_enabled();
            at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
            at::autocast::set_autocast_enabled(at::kCPU, true);
            at::autocast::set_autocast_cache_enabled(cache);
            const auto before = kernels::hostMemoryStats().currentBytes;
            double kept;
            {
                const auto hidden = model->hidden(ids);
                kept = static_cast<double>(kernels::hostMemoryStats().currentBytes - before);
            }
            at::autocast::set_autocast_enabled(at::kCPU, wasEnabled);
            at::autocast::set_autocast_cache_enabled(wasCaching);
            at::autocast::clear_cache();
            return kept;
        };
        const double withCache = keptAfterForward(true), withoutCache = keptAfterForward(false);
        const double copies = 2 * projectionWeights;
        QVERIFY2(std::abs((withCache - withoutCache) - copies) <= 0.01 * copies,
                 qPrintable(QStringLiteral("with cache %1, without %2, projection copies %3")
                                .arg(withCache).arg(withoutCache).arg(copies)));
    }

    void kvCacheBytesMatchARealCache()
    {
        for (AttentionKind kind : {AttentionKind::Mha, AttentionKind::Gqa, AttentionKind::Mla}) {
            const ModelConfig c = config(kind);
            KvCache cache(c, 2, 50, torch::TensorOptions().dtype(torch::kBFloat16));
            QCOMPARE(kvCacheBytes(c, 1, 1, 2), static_cast<double>(cache.bytesPerPosition()));
            int64_t allocated = 0;
            for (int64_t l = 0; l < c.nLayers; ++l) {
                allocated += cache.keys(l).numel() * 2;
                if (!cache.latent()) allocated += cache.values(l).numel() * 2;
            }
            QCOMPARE(kvCacheBytes(c, 2, 50, 2), static_cast<double>(allocated));
        }
    }

    void breakdownAndCheckpointing()
    {
        const ModelConfig c = config(AttentionKind::Gqa);
        MemoryPlan p;
        p.microBatch = 8;
        p.seqLen = 128;
        const MemoryEstimate full = estimateTraining(c, p);
        QCOMPARE(full.parameters, c.parameterCount());
        QCOMPARE(full.lines[0].bytes, 4.0 * c.parameterCount());  // fp32 weights
        p.checkpointEvery = 1;
        const MemoryEstimate checkpointed = estimateTraining(c, p);
        QVERIFY(checkpointed.total() < full.total());
        p.optimizerOnCpu = true;
        const MemoryEstimate offloaded = estimateTraining(c, p);
        QCOMPARE(offloaded.hostBytes, 8.0 * c.parameterCount());
        QCOMPARE(checkpointed.total() - offloaded.total(), 8.0 * c.parameterCount());
    }

    void plansFor24GiB()
    {
        // The 1.3B MLA preset of the seeds (24 layers, hidden 2048, 16 heads, vocab 64000, context 4096).
        ModelConfig c;
        c.vocabSize = 64000;
        c.hiddenSize = 2048;
        c.nLayers = 24;
        c.nHeads = 16;
        c.attention = AttentionKind::Mla;
        c.mla = {0, 512, 128, 64, 128};
        c.ffnHiddenSize = 5632;
        c.maxSeqLen = 4096;
        const double budget = 24.0 * 1024 * 1024 * 1024;
        const auto options = enumeratePlans(c, 4096, budget, true);
        const PlanOption *best = recommendPlan(options);
        QVERIFY(best);
        QVERIFY(best->fits && best->estimate.total() <= budget);
        // Without checkpointing nothing at 4096 tokens fits next to 20.7 GB of weights, gradients and moments.
        for (const PlanOption &o : options)
            if (o.plan.checkpointEvery == 0 && !o.plan.optimizerOnCpu) QVERIFY(!o.fits);
        // And fp32 with micro-batch 8 and no checkpointing is far over.
        MemoryPlan greedy;
        greedy.microBatch = 8;
        greedy.seqLen = 4096;
        QVERIFY(estimateTraining(c, greedy).total() > 2 * budget);
    }
};

QTEST_GUILESS_MAIN(TestEstimate)
#include "tst_estimate.moc"
