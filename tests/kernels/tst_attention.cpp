// Flash attention against its reference composition: float64 forward and backward for causal and full
// attention, GQA ratios, d_qk != d_v (MLA), document segments, cache-style queries with left padding, odd
// sizes and strided views; finite differences; float32 and bfloat16 tolerances; input errors.
#include <QtTest>

#include "kernels/attention.h"
#include "tests/kernels/kernel_test_util.h"

using namespace danka;
using kernels::AttentionOptions;

namespace {

struct Case {
    int64_t B, H, Hkv, T, S, Dqk, Dv;
    bool causal;
    bool segments;
};

std::vector<torch::Tensor> inputsFor(const Case &c)
{
    auto q = torch::randn({c.B, c.H, c.T, c.Dqk}, torch::kFloat64);
    auto k = torch::randn({c.B, c.Hkv, c.S, c.Dqk}, torch::kFloat64);
    auto v = torch::randn({c.B, c.Hkv, c.S, c.Dv}, torch::kFloat64);
    std::vector<torch::Tensor> in = {q, k, v};
    if (c.segments) {
        // Packed documents: boundaries at random places, identical for queries (the last T keys) and keys.
        auto kSeg = torch::zeros({c.B, c.S}, torch::kLong);
        for (int64_t b = 0; b < c.B; ++b) {
            int64_t doc = 0;
            for (int64_t j = 0; j < c.S; ++j) {
                if (j > 0 && torch::rand({1}).item<double>() < 0.08) ++doc;
                kSeg[b][j] = doc;
            }
        }
        in.push_back(kSeg.slice(1, c.S - c.T).contiguous());
        in.push_back(kSeg);
    }
    return in;
}

test::TensorFn fused(const AttentionOptions &o)
{
    return [o](const std::vector<torch::Tensor> &x) {
        return kernels::attention(x[0], x[1], x[2], o, x.size() > 3 ? x[3] : torch::Tensor(),
                                  x.size() > 4 ? x[4] : torch::Tensor());
    };
}

test::TensorFn reference(const AttentionOptions &o)
{
    return [o](const std::vector<torch::Tensor> &x) {
        return kernels::attentionReference(x[0], x[1], x[2], o, x.size() > 3 ? x[3] : torch::Tensor(),
                                           x.size() > 4 ? x[4] : torch::Tensor());
    };
}

}  // namespace

class TestAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(1); }

    void matchesReferenceInFloat64_data()
    {
        QTest::addColumn<int>("index");
        static const char *names[] = {"mha causal", "mha full", "gqa 8/2", "mqa 4/1 odd sizes", "mla dims 24/16",
                                      "documents", "cache: 3 queries over 70 keys", "longer than two tiles"};
        for (int i = 0; i < 8; ++i) QTest::newRow(names[i]) << i;
    }
    void matchesReferenceInFloat64()
    {
        QFETCH(int, index);
        static const Case cases[] = {
            {2, 3, 3, 17, 17, 8, 8, true, false},    {2, 2, 2, 13, 13, 4, 4, false, false},
            {1, 8, 2, 33, 33, 16, 16, true, false},  {2, 4, 1, 67, 67, 5, 5, true, false},
            {1, 4, 4, 40, 40, 24, 16, true, false},  {2, 2, 1, 90, 90, 8, 8, true, true},
            {2, 2, 2, 3, 70, 8, 8, true, false},     {1, 2, 1, 150, 150, 8, 12, true, false},
        };
        const Case &c = cases[index];
        const AttentionOptions o{0, c.causal};
        test::expectSameForwardBackward(fused(o), reference(o), inputsFor(c), torch::kFloat64, 1e-10,
                                        QTest::currentDataTag());
    }

    void gradientsMatchFiniteDifferences()
    {
        const Case c{1, 2, 1, 9, 9, 3, 2, true, true};
        test::expectGradientMatchesFiniteDifferences(fused({0, true}), inputsFor(c), 1e-6, "attention");
        test::expectGradientMatchesFiniteDifferences(fused({0.3, false}), inputsFor({1, 2, 2, 5, 7, 3, 4, false, false}),
                                                     1e-6, "attention, explicit scale");
    }

    void leftPaddingHidesPadKeys()
    {
        // A batch of two prompts, the second left-padded by 4: pad keys have segment -1, real tokens 0.
        const int64_t S = 12, T = 12;
        auto kSeg = torch::zeros({2, S}, torch::kLong);
        kSeg[1].slice(0, 0, 4).fill_(-1);
        auto q = torch::randn({2, 2, T, 8}, torch::kFloat64), k = torch::randn({2, 2, S, 8}, torch::kFloat64),
             v = torch::randn({2, 2, S, 8}, torch::kFloat64);
        const auto out = kernels::attention(q, k, v, {0, true}, kSeg, kSeg);
        // Oracle: the second row's real part equals attention over its unpadded tokens alone.
        const auto alone = kernels::attentionReference(q[1].slice(1, 4).unsqueeze(0), k[1].slice(1, 4).unsqueeze(0),
                                                       v[1].slice(1, 4).unsqueeze(0), {0, true});
        QVERIFY(test::relativeError(out[1].slice(1, 4), alone[0]) < 1e-12);
        QVERIFY(!torch::isnan(out).any().item<bool>());
    }

    void aQueryThatSeesNothingGetsZerosAndFiniteGradients()
    {
        auto q = torch::randn({1, 1, 4, 4}, torch::kFloat64).requires_grad_(true);
        auto k = torch::randn({1, 1, 4, 4}, torch::kFloat64).requires_grad_(true);
        auto v = torch::randn({1, 1, 4, 4}, torch::kFloat64).requires_grad_(true);
        const auto qSeg = torch::tensor({{0, 0, 7, 0}}, torch::kLong), kSeg = torch::tensor({{0, 0, 1, 0}}, torch::kLong);
        const auto out = kernels::attention(q, k, v, {0, true}, qSeg, kSeg);
        QCOMPARE(out[0][0][2].abs().sum().item<double>(), 0.0);
        out.sum().backward();
        for (const auto &t : {q, k, v}) QVERIFY(torch::isfinite(t.grad()).all().item<bool>());
    }

    void stridedViewsNeedNoCopy()
    {
        // The model's layout: projections give (B, T, H, D); attention reads the transposed view directly.
        auto q = torch::randn({2, 20, 4, 8}, torch::kFloat64).transpose(1, 2);
        auto k = torch::randn({2, 20, 2, 8}, torch::kFloat64).transpose(1, 2);
        auto v = torch::randn({2, 20, 2, 8}, torch::kFloat64).transpose(1, 2);
        QVERIFY(!q.is_contiguous());
        test::expectSameForwardBackward(fused({0, true}), reference({0, true}), {q, k, v}, torch::kFloat64, 1e-10,
                                        "strided");
    }

    void float32AndBfloat16Tolerances()
    {
        const Case c{2, 4, 2, 130, 130, 32, 32, true, false};
        const auto in = inputsFor(c);
        // float32 fused vs float64 reference, and bfloat16 fused vs float64 reference.
        for (auto [type, tolerance] : {std::pair{torch::kFloat32, 1e-5}, std::pair{torch::kBFloat16, 2e-2}}) {
            auto a = test::leaves(in, type);
            auto b = test::leaves(in, torch::kFloat64);
            const auto outA = fused({0, true})(a), outB = reference({0, true})(b);
            QCOMPARE(outA.scalar_type(), type);
            const double forward = test::relativeError(outA, outB);
            QVERIFY2(forward < tolerance, qPrintable(QStringLiteral("forward error %1").arg(forward)));
            const auto up = torch::randn_like(outB);
            outA.backward(up.to(type));
            outB.backward(up);
            for (int i = 0; i < 3; ++i) {
                const double backward = test::relativeError(a[i].grad(), b[i].grad());
                QVERIFY2(backward < tolerance * 2, qPrintable(QStringLiteral("gradient %1 error %2").arg(i).arg(backward)));
            }
        }
    }

    // Danka's CUDA kernels against the float64 reference on the GPU (the fuller GPU checks live in
    // core/gpu_checks.cpp): the training kernels (forward + backward) in float32 / bfloat16 / float16, and the
    // decode kernel (no gradient, few queries) on a GQA cache and on MLA's absorbed form (values a view of keys).
    void cudaKernelsMatchReference()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the CUDA attention kernels are checked when a GPU is present (here or by "
                  "danka-cli's GPU checks, core/gpu_checks.cpp)");
        const auto cuda = [](const std::vector<torch::Tensor> &in) {
            std::vector<torch::Tensor> out;
            for (const auto &t : in) out.push_back(t.to(torch::kCUDA));
            return out;
        };
        // Training: odd sizes, GQA, Dqk != Dv, segments, a causal offset.
        const Case training[] = {{2, 4, 2, 77, 77, 40, 24, true, true}, {1, 6, 3, 19, 50, 128, 128, true, false},
                                 {2, 2, 1, 33, 33, 192, 128, false, false}};
        for (const Case &c : training) {
            const auto in = cuda(inputsFor(c));
            for (auto [type, tolerance] : {std::pair{torch::kFloat32, 1e-5}, std::pair{torch::kBFloat16, 3e-2},
                                           std::pair{torch::kFloat16, 5e-3}}) {
                auto a = test::leaves(in, type);
                auto b = test::leaves(in, torch::kFloat64);
                const auto outA = fused({0, c.causal})(a), outB = reference({0, c.causal})(b);
                const double forward = test::relativeError(outA, outB);
                QVERIFY2(forward < tolerance, qPrintable(QStringLiteral("forward error %1").arg(forward)));
                const auto up = torch::randn_like(outB);
                outA.backward(up.to(type));
                outB.backward(up);
                for (int i = 0; i < 3; ++i) {
                    const double backward = test::relativeError(a[i].grad(), b[i].grad());
                    QVERIFY2(backward < tolerance * 2,
                             qPrintable(QStringLiteral("gradient %1 error %2").arg(i).arg(backward)));
                }
            }
        }
        // Decode: no gradient; a GQA cache with segments, and the MLA absorbed form over a bigger cache.
        torch::NoGradGuard noGrad;
        const auto gqa = cuda(inputsFor({3, 8, 2, 4, 300, 64, 64, true, true}));
        const auto cache = torch::randn({2, 400, 576}, torch::TensorOptions(torch::kFloat64).device(torch::kCUDA));
        const auto qMla = torch::randn({2, 16, 2, 576}, cache.options());
        // (2, 1, 257, 576) keys, a strided view of the cache; values (.., 512) a view of the keys.
        const auto mla = [&qMla](const torch::Tensor &c) {
            const auto keys = c.narrow(1, 0, 257).unsqueeze(1);
            return std::vector<torch::Tensor>{qMla.to(c.scalar_type()), keys, keys.narrow(-1, 0, 512)};
        };
        for (auto [type, tolerance] : {std::pair{torch::kFloat32, 1e-5}, std::pair{torch::kBFloat16, 3e-2}}) {
            std::vector<torch::Tensor> gqaLow;
            for (const auto &t : gqa) gqaLow.push_back(t.is_floating_point() ? t.to(type) : t);
            const double gqaError = test::relativeError(fused({0, true})(gqaLow), reference({0, true})(gqa));
            QVERIFY2(gqaError < tolerance, qPrintable(QStringLiteral("GQA decode error %1").arg(gqaError)));
            const double mlaError = test::relativeError(fused({0, true})(mla(cache.to(type))), reference({0, true})(mla(cache)));
            QVERIFY2(mlaError < tolerance, qPrintable(QStringLiteral("MLA decode error %1").arg(mlaError)));
        }
    }

    void doubleBackwardIsRefused()
    {
        // The backward kernels compute dq, dk, dv outside autograd: a create_graph backward (a gradient
        // penalty) would get gradients without a graph and silently drop attention's second-order part. The
        // CPU and CUDA paths share the autograd Function, so the CPU shows the refusal for both.
        const auto q = torch::randn({1, 2, 5, 8}, torch::kFloat64).requires_grad_(true);
        const auto k = torch::randn({1, 2, 5, 8}, torch::kFloat64).requires_grad_(true);
        const auto v = torch::randn({1, 2, 5, 8}, torch::kFloat64).requires_grad_(true);
        const auto out = kernels::attention(q, k, v);
        test::expectThrowsWithMessage(
            [&] { torch::autograd::grad({out.sum()}, {q, k, v}, {}, /*retain_graph=*/true, /*create_graph=*/true); },
            "attention: the fused backward is first order only");
        const auto grads = torch::autograd::grad({out.sum()}, {q, k, v});  // first order still works
        QCOMPARE(grads.size(), size_t(3));
        for (const auto &g : grads) QVERIFY(g.defined());
    }

    void inputErrorsAreExplained_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("message");
        QTest::newRow("heads") << 0 << QStringLiteral("must be a multiple of key/value heads");
        QTest::newRow("dims") << 1 << QStringLiteral("k has 6 dims per head, q has 8");
        QTest::newRow("dtype") << 2 << QStringLiteral("must have the same dtype");
        QTest::newRow("rank") << 3 << QStringLiteral("must be 4-d");
        QTest::newRow("segments") << 4 << QStringLiteral("qSegments must be (1, 5)");
        QTest::newRow("causal") << 5 << QStringLiteral("at most as many queries");
    }
    void inputErrorsAreExplained()
    {
        QFETCH(int, index);
        QFETCH(QString, message);
        auto q = torch::randn({1, 4, 5, 8}), k = torch::randn({1, 2, 5, 8}), v = torch::randn({1, 2, 5, 8});
        try {
            switch (index) {
            case 0: kernels::attention(q, torch::randn({1, 3, 5, 8}), torch::randn({1, 3, 5, 8})); break;
            case 1: kernels::attention(q, torch::randn({1, 2, 5, 6}), v); break;
            case 2: kernels::attention(q, k.to(torch::kFloat64), v); break;
            case 3: kernels::attention(q[0], k, v); break;
            case 4: kernels::attention(q, k, v, {}, torch::zeros({1, 4}, torch::kLong), torch::zeros({1, 5}, torch::kLong)); break;
            case 5: kernels::attention(torch::randn({1, 4, 9, 8}), k, v); break;
            }
            QFAIL("no error");
        } catch (const c10::Error &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestAttention)
#include "tst_attention.moc"
