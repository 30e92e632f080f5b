// Flash attention: the kernel lab's attention and decoding cases (lab/kernel_case.h: float64 for causal and
// full attention, GQA / MQA ratios, d_qk != d_v (MLA), document segments, cache-style queries, odd sizes and
// strided views; float32, bfloat16 and float16 at training sizes, head dims that are not multiples of 16, a
// query that sees nothing; decoding over GQA and MLA-absorbed caches; on the CPU and on CUDA when present,
// against the float64 reference), and what is not a comparison with the reference: finite differences, left
// padding against the unpadded sequence, a query without keys, the refused double backward, input errors.
#include <QtTest>

#include "kernels/attention.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/lab_cases.h"

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

}  // namespace

class TestAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(1); }

    void labCases_data() { test::addLabCaseRows({"attention", "attention-decode"}); }
    void labCases() { test::runLabCaseRow(); }

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
