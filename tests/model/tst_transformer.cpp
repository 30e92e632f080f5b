// The transformer: Hugging Face parameter names and counts, whole-model gradients of the fused kernels vs a
// plain-LibTorch composition of the same model, and cached decoding (absorbed MLA included) vs full forward.
#include <QtTest>

#include "model/kv_cache.h"
#include "model/transformer.h"
#include "tests/kernels/kernel_test_util.h"

using namespace danka;
using namespace danka::model;

namespace {

ModelConfig tiny(AttentionKind kind)
{
    ModelConfig c;
    c.vocabSize = 37;
    c.hiddenSize = 24;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = kind == AttentionKind::Gqa ? 2 : 0;
    c.ffnHiddenSize = 40;
    c.attention = kind;
    c.mla = {0, 12, 6, 4, 5};  // q_lora 0, kv_lora 12, nope 6, rope 4, v 5
    c.maxSeqLen = 64;
    c.ropeTheta = 10000;
    c.tieEmbeddings = kind != AttentionKind::Mha;
    return c;
}

struct Variant {
    const char *name;
    ModelConfig config;
};

std::vector<Variant> variants()
{
    std::vector<Variant> v = {{"mha", tiny(AttentionKind::Mha)}, {"gqa", tiny(AttentionKind::Gqa)}, {"mla", tiny(AttentionKind::Mla)}};
    ModelConfig qLora = tiny(AttentionKind::Mla);
    qLora.mla.qLoraRank = 10;
    v.push_back({"mla with q_lora", qLora});
    ModelConfig qkNorm = tiny(AttentionKind::Gqa);
    qkNorm.qkNorm = true;
    v.push_back({"gqa with qk-norm", qkNorm});
    return v;
}

// Two models with identical weights, one per kernel mode, in float64.
std::pair<Transformer, Transformer> twins(const ModelConfig &c)
{
    torch::manual_seed(3);
    Transformer fused(c, KernelMode::Fused);
    Transformer reference(c, KernelMode::Reference);
    fused->to(torch::kFloat64);
    reference->to(torch::kFloat64);
    torch::NoGradGuard noGrad;
    auto a = fused->named_parameters(), b = reference->named_parameters();
    for (const auto &item : a) {
        // Small random norm weights instead of ones, so the norms' gradients are exercised too.
        if (item.value().dim() == 1) item.value().uniform_(0.5, 1.5);
        b[item.key()].copy_(item.value());
    }
    return {fused, reference};
}

}  // namespace

class TestTransformer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parametersHaveHuggingFaceNamesAndTheEstimatedCount()
    {
        for (const Variant &v : variants()) {
            Transformer m(v.config);
            int64_t total = 0;
            for (const auto &p : m->parameters()) total += p.numel();
            QCOMPARE(total, v.config.parameterCount());
            const auto params = m->named_parameters();
            QVERIFY(params.contains("model.embed_tokens.weight"));
            QVERIFY(params.contains("model.norm.weight"));
            QVERIFY(params.contains("model.layers.1.mlp.down_proj.weight"));
            QVERIFY(params.contains("model.layers.0.input_layernorm.weight"));
            QCOMPARE(params.contains("lm_head.weight"), !v.config.tieEmbeddings);
            if (v.config.attention == AttentionKind::Mla) {
                QVERIFY(params.contains("model.layers.0.self_attn.kv_a_proj_with_mqa.weight"));
                QVERIFY(params.contains("model.layers.0.self_attn.kv_a_layernorm.weight"));
                QCOMPARE(params["model.layers.0.self_attn.kv_b_proj.weight"].sizes(), torch::IntArrayRef({4 * (6 + 5), 12}));
                QCOMPARE(params.contains("model.layers.0.self_attn.q_a_proj.weight"), v.config.mla.qLoraRank > 0);
            } else {
                QCOMPARE(params["model.layers.0.self_attn.k_proj.weight"].sizes(),
                         torch::IntArrayRef({v.config.resolvedKvHeads() * 6, 24}));
                QCOMPARE(params.contains("model.layers.0.self_attn.q_norm.weight"), v.config.qkNorm);
            }
            // Buffers (RoPE tables) are not parameters: they never reach a checkpoint.
            QVERIFY(!params.contains("rope_cos"));
        }
    }

    void initialisationScalesResidualProjections()
    {
        ModelConfig c = tiny(AttentionKind::Gqa);
        c.hiddenSize = 256;
        c.ffnHiddenSize = 512;
        c.nHeads = 4;
        c.nLayers = 8;
        c.vocabSize = 1000;
        torch::manual_seed(0);
        Transformer m(c);
        const auto p = m->named_parameters();
        const double q = p["model.layers.0.self_attn.q_proj.weight"].std().item<double>();
        const double o = p["model.layers.0.self_attn.o_proj.weight"].std().item<double>();
        QVERIFY(std::abs(q - 0.02) < 0.001);
        QVERIFY(std::abs(o - 0.02 / 4.0) < 0.0005);  // 0.02 / sqrt(2 * 8)
        QCOMPARE(p["model.norm.weight"].sum().item<double>(), 256.0);
    }

    void fusedGradientsEqualThePlainComposition_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<bool>("documents");
        for (size_t i = 0; i < variants().size(); ++i) {
            QTest::newRow(variants()[i].name) << int(i) << false;
            QTest::newRow((std::string(variants()[i].name) + " packed documents").c_str()) << int(i) << true;
        }
    }
    void fusedGradientsEqualThePlainComposition()
    {
        QFETCH(int, index);
        QFETCH(bool, documents);
        const ModelConfig c = variants()[static_cast<size_t>(index)].config;
        auto [fused, reference] = twins(c);
        const auto ids = torch::randint(c.vocabSize, {3, 21}, torch::kLong);
        auto targets = torch::randint(c.vocabSize, {3, 21}, torch::kLong);
        targets[0][0] = -100;  // an ignored position
        ForwardOptions o;
        if (documents) o.segments = torch::cat({torch::zeros({3, 8}, torch::kLong), torch::ones({3, 13}, torch::kLong)}, 1);
        const auto lossA = fused->loss(fused->hidden(ids, o), targets);
        const auto lossB = reference->loss(reference->hidden(ids, o), targets);
        QVERIFY2(test::relativeError(lossA, lossB) < 1e-12, qPrintable(QString::number(lossA.item<double>())));
        lossA.backward();
        lossB.backward();
        auto gradsB = reference->named_parameters();
        for (const auto &item : fused->named_parameters()) {
            const double e = test::relativeError(item.value().grad(), gradsB[item.key()].grad(), 1e-12);
            QVERIFY2(e < 1e-9, qPrintable(QStringLiteral("%1: %2").arg(QString::fromStdString(item.key())).arg(e)));
        }
    }

    void cachedDecodingEqualsFullForward_data()
    {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < variants().size(); ++i) QTest::newRow(variants()[i].name) << int(i);
    }
    void cachedDecodingEqualsFullForward()
    {
        QFETCH(int, index);
        const ModelConfig c = variants()[static_cast<size_t>(index)].config;
        auto [model, unused] = twins(c);
        model->eval();
        torch::NoGradGuard noGrad;
        const auto ids = torch::randint(c.vocabSize, {2, 15}, torch::kLong);
        const auto full = model->forward(ids);  // (2, 15, V), expanded attention
        KvCache cache(c, 2, 32, torch::TensorOptions().dtype(torch::kFloat64));
        // Prefill 6 positions, then one at a time (MLA: absorbed attention over the latent cache).
        std::vector<torch::Tensor> steps = {model->forward(ids.narrow(1, 0, 6), {torch::Tensor(), torch::Tensor(), &cache})};
        for (int64_t t = 6; t < 15; ++t) steps.push_back(model->forward(ids.narrow(1, t, 1), {torch::Tensor(), torch::Tensor(), &cache}));
        QCOMPARE(cache.length(), int64_t(15));
        const auto cached = torch::cat(steps, 1);
        QVERIFY2(test::relativeError(cached, full) < 1e-10, qPrintable(QString::number(test::relativeError(cached, full))));
    }

    void leftPaddedRowsMatchUnpaddedSequences()
    {
        const ModelConfig c = tiny(AttentionKind::Gqa);
        auto [model, unused] = twins(c);
        model->eval();
        torch::NoGradGuard noGrad;
        const auto prompt = torch::randint(c.vocabSize, {1, 7}, torch::kLong);
        // Row 1 holds the same prompt after 4 pads: segment -1, positions counted from the first real token.
        auto ids = torch::zeros({2, 11}, torch::kLong);
        ids[0] = torch::randint(c.vocabSize, {11}, torch::kLong);
        ids[1].narrow(0, 4, 7).copy_(prompt[0]);
        auto segments = torch::zeros({2, 11}, torch::kLong);
        segments[1].narrow(0, 0, 4).fill_(-1);
        auto positions = torch::arange(11, torch::kLong).repeat({2, 1});
        positions[1].narrow(0, 4, 7).copy_(torch::arange(7, torch::kLong));
        positions[1].narrow(0, 0, 4).zero_();
        KvCache cache(c, 2, 16, torch::TensorOptions().dtype(torch::kFloat64));
        const auto padded = model->forward(ids, {segments, positions, &cache});
        const auto alone = model->forward(prompt);
        QVERIFY(test::relativeError(padded[1].narrow(0, 4, 7), alone[0]) < 1e-10);
        // The next decoding step of the padded row continues the unpadded sequence.
        const auto next = torch::randint(c.vocabSize, {2, 1}, torch::kLong);
        const auto stepPositions = torch::tensor({{11}, {7}}, torch::kLong);
        const auto step = model->forward(next, {torch::zeros({2, 1}, torch::kLong), stepPositions, &cache});
        const auto reference = model->forward(torch::cat({prompt, next[1].view({1, 1})}, 1));
        QVERIFY(test::relativeError(step[1][0], reference[0][7]) < 1e-10);
    }

    void mlaCachesOnlyTheLatentAndTheSharedRopeKey()
    {
        const ModelConfig c = tiny(AttentionKind::Mla);
        KvCache mla(c, 1, 8, torch::TensorOptions().dtype(torch::kFloat32));
        QVERIFY(mla.latent());
        QCOMPARE(mla.valuesPerPositionPerLayer(), c.mla.kvLoraRank + c.mla.qkRopeHeadDim);
        QCOMPARE(mla.bytesPerPosition(), int64_t(2 * (12 + 4) * 4));
        const ModelConfig g = tiny(AttentionKind::Gqa);
        KvCache gqa(g, 1, 8, torch::TensorOptions().dtype(torch::kFloat32));
        QCOMPARE(gqa.valuesPerPositionPerLayer(), 2 * 2 * 6);  // keys and values of 2 KV heads of 6 dims
    }

    void tooLongInputsAreRefused()
    {
        Transformer m(tiny(AttentionKind::Mha));
        try {
            m->forward(torch::zeros({1, 65}, torch::kLong));
            QFAIL("no error");
        } catch (const c10::Error &e) {
            QVERIFY2(std::string(e.what()).find("exceed the model's max_seq_len of 64") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestTransformer)
#include "tst_transformer.moc"
