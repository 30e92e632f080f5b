// Tests of kernels/rope: the kernel lab's RoPE cases (lab/kernel_case.h: float64 on every instruction set,
// float32/bfloat16/float16, shared and per-sequence tables, MLA's rope slice, unaligned and strided heads and
// tables, on the CPU and on CUDA when present, against the float64 reference), and what is not a comparison
// with the reference: the tables against the Hugging Face formula, a hand-computed rotation, the HF
// rotate_half form, finite differences, the backward as the inverse rotation, the refused double backward
// and input checks.
#include <QtTest>

#include "kernel_test_util.h"
#include "lab_cases.h"
#include "kernels/rope.h"

using danka::kernels::applyRope;
using danka::kernels::applyRopeReference;
using danka::kernels::ropeTables;
namespace dt = danka::test;

namespace {

// Fused RoPE with fixed tables (the tables are constants, not inputs of the gradient check).
dt::TensorFn fused(const torch::Tensor &cos, const torch::Tensor &sin)
{
    return [cos, sin](const std::vector<torch::Tensor> &v) { return applyRope(v[0], cos, sin); };
}

// Tables for x (B, T, H, D): shared positions 0..T-1 as (T, D/2), or per-sequence random positions (B, T,
// D/2).
std::pair<torch::Tensor, torch::Tensor> tablesFor(at::IntArrayRef shape, bool perSequence)
{
    const auto positions = perSequence ? torch::randint(0, 4096, {shape[0], shape[1]}, torch::kLong)
                                       : torch::arange(shape[1], torch::kLong);
    return ropeTables(positions, shape[3], 10000.0);
}

std::string name(const std::string &prefix, at::IntArrayRef shape, bool perSequence)
{
    return prefix + " " + c10::str(shape) + (perSequence ? " (B, T, D/2) tables" : " (T, D/2) tables");
}

// Hugging Face Llama: emb = cat(freqs, freqs), out = x cos(emb) + rotate_half(x) sin(emb) with
// rotate_half(x) = cat(-x2, x1); written out here as an independent oracle.
torch::Tensor huggingFaceRope(const torch::Tensor &x, const torch::Tensor &cos, const torch::Tensor &sin)
{
    const int64_t half = x.size(-1) / 2;
    const auto rotateHalf = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    const auto c = torch::cat({cos, cos}, -1).unsqueeze(0).unsqueeze(2);  // (1, T, 1, D)
    const auto s = torch::cat({sin, sin}, -1).unsqueeze(0).unsqueeze(2);
    return x * c + rotateHalf * s;
}

}  // namespace

class TestRope : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void labCases_data() { dt::addLabCaseRows({"rope"}); }
    void labCases() { dt::runLabCaseRow(); }

    void tablesFollowTheHuggingFaceFormula()
    {
        // cos/sin(t * theta^(-2i/D)), computed here element by element in double.
        const int64_t T = 37, D = 64;
        const double theta = 500000.0;
        const auto [cos, sin] = ropeTables(torch::arange(T), D, theta);
        QCOMPARE(cos.sizes(), (std::vector<int64_t>{T, D / 2}));
        QCOMPARE(cos.scalar_type(), torch::kFloat32);
        double worst = 0;
        for (int64_t t = 0; t < T; ++t) {
            for (int64_t i = 0; i < D / 2; ++i) {
                const double angle = static_cast<double>(t) * std::pow(theta, -2.0 * i / D);
                worst = std::max(worst, std::abs(cos[t][i].item<double>() - std::cos(angle)));
                worst = std::max(worst, std::abs(sin[t][i].item<double>() - std::sin(angle)));
            }
        }
        QVERIFY2(worst < 1e-7, std::to_string(worst).c_str());  // float32 rounding of values in [-1, 1]
        // Any shape of positions: (B, T) gives (B, T, D/2), row b equal to the tables of its positions.
        const auto positions = torch::tensor({{3, 4, 5}, {0, 10, 20}}, torch::kLong);
        const auto [cos2, sin2] = ropeTables(positions, 8, 10000.0);
        QCOMPARE(cos2.sizes(), (std::vector<int64_t>{2, 3, 4}));
        QVERIFY(torch::equal(sin2[1], ropeTables(positions[1], 8, 10000.0).second));
        QVERIFY(torch::equal(cos2[0], ropeTables(torch::tensor({3.0, 4.0, 5.0}), 8, 10000.0).first));
    }

    void handComputedRotation()
    {
        // D = 4, theta = 10000, position 1: inv_freq = (1, 10000^-0.5 = 0.01), so pairs (x0, x2) turn by 1
        // rad and (x1, x3) by 0.01 rad. x = (1, 2, 3, 4):
        //   out0 = 1 cos 1 - 3 sin 1, out1 = 2 cos .01 - 4 sin .01, out2 = 3 cos 1 + 1 sin 1, out3 = 4 cos
        //   .01 + 2 sin .01
        const auto [cos, sin] = ropeTables(torch::tensor({0, 1}, torch::kLong), 4, 10000.0);
        const auto x =
            torch::tensor({1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0}, torch::kFloat64).view({1, 2, 1, 4});
        const auto out = applyRope(x, cos, sin);
        const std::vector<double> expected = {-1.9841106485555495, 1.959900667496664, 2.4623779024123156,
                                              4.019799668334994};
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(out[0][0][0][i].item<double>(), x[0][0][0][i].item<double>());  // position 0: identity
            const double error = std::abs(out[0][1][0][i].item<double>() - expected[i]);
            QVERIFY2(error < 5e-7, std::to_string(error).c_str());  // float32 tables times |x| <= 4
        }
    }

    void matchesHuggingFaceRotateHalf()
    {
        const auto x = torch::randn({2, 11, 3, 16}, torch::kFloat64);
        const auto [cos, sin] = ropeTables(torch::arange(11), 16, 10000.0);
        QVERIFY(dt::relativeError(applyRope(x, cos, sin), huggingFaceRope(x, cos.to(torch::kFloat64),
                                                                          sin.to(torch::kFloat64))) < 1e-14);
    }

    void gradientsMatchFiniteDifferences()
    {
        for (const auto &shape : std::vector<std::vector<int64_t>>{{2, 3, 2, 6}, {1, 2, 1, 2}}) {
            const auto x = torch::randn(shape, torch::kFloat64);
            const auto [cos, sin] = tablesFor(shape, true);
            dt::expectGradientMatchesFiniteDifferences(fused(cos, sin), {x}, 1e-6, name("rope", shape, true));
            if (QTest::currentTestFailed()) return;
        }
    }

    void backwardIsTheInverseRotation()
    {
        // The gradient is R^T dy and R is orthogonal: back-propagating the output itself gives x back.
        const auto x = torch::randn({2, 6, 3, 10}, torch::kFloat64).requires_grad_(true);
        const auto [cos, sin] = tablesFor(x.sizes(), true);
        const auto out = applyRope(x, cos, sin);
        out.backward(out.detach());
        QVERIFY(dt::relativeError(x.grad(), x.detach()) < 1e-6);  // float32 tables: cos^2 + sin^2 = 1 +- 1e-7
    }

    void doubleBackwardIsRefused()
    {
        const auto [cos, sin] = ropeTables(torch::arange(6), 10, 10000.0);
        const auto x = torch::randn({2, 6, 3, 10}, torch::kFloat64).requires_grad_(true);
        const auto y = applyRope(x, cos, sin);
        dt::expectThrowsWithMessage([&] { torch::autograd::grad({y.pow(2).sum()}, {x}, {}, true, true); },
                                    "applyRope: the fused backward is first order only");
    }

    void cudaFloat64RunsTheReference()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the CUDA kernel (kernels/cuda/rope.cu) is checked on a GPU machine");
        // The comparisons of the CUDA kernel with the reference are the lab's cases (labCases).
        const auto x64 = torch::randn({2, 8, 4, 16}, torch::kFloat64);
        const auto [cos, sin] = ropeTables(torch::arange(8), 16, 10000.0);
        QVERIFY(dt::relativeError(applyRope(x64.cuda(), cos.cuda(), sin.cuda()).cpu(),
                                  applyRope(x64, cos, sin)) < 1e-12);
    }

    void inputErrorsNameTheOpAndArgument()
    {
        const auto x = torch::randn({2, 5, 3, 8});
        const auto [cos, sin] = ropeTables(torch::arange(5), 8, 10000.0);
        dt::expectThrowsWithMessage([&] { applyRope(x[0], cos, sin); },
                                    "applyRope: x must have shape (B, T, H, D), got [5, 3, 8]");
        dt::expectThrowsWithMessage(
            [&] {
                applyRope(torch::randn({2, 5, 3, 7}), cos, sin);
            },
            "applyRope: the head dim D of x must be even and > 0, got 7");
        dt::expectThrowsWithMessage(
            [&] { applyRope(x, cos.narrow(0, 0, 4), sin.narrow(0, 0, 4)); },
            "applyRope: cos must have shape (T, D/2) = (5, 4) or (B, T, D/2) = (2, 5, 4), got [4, 4]");
        dt::expectThrowsWithMessage(
            [&] {
                applyRope(x, cos, sin.unsqueeze(0).expand({2, 5, 4}));
            },
            "applyRope: sin must have the shape of cos [5, 4], got [2, 5, 4]");
        dt::expectThrowsWithMessage([&] { applyRope(x, cos, sin.to(torch::kFloat64)); },
                                    "applyRope: sin must have the dtype of cos (Float), got Double");
        dt::expectThrowsWithMessage([&] { applyRope(x.to(torch::kLong), cos, sin); },
                                    "applyRope: x must be float64, float32, bfloat16 or float16, got Long");
        dt::expectThrowsWithMessage([&] { applyRope(x, cos.to(torch::Device(torch::kMeta)), sin); },
                                    "applyRope: cos must be on the device of x (cpu), got meta");
        dt::expectThrowsWithMessage([&] { applyRope(x, cos.clone().requires_grad_(true), sin); },
                                    "applyRope: cos and sin must not require grad");
        dt::expectThrowsWithMessage([&] { ropeTables(torch::arange(5), 7, 10000.0); },
                                    "ropeTables: dim must be even and > 0, got 7");
        dt::expectThrowsWithMessage([&] { ropeTables(torch::arange(5), 8, 0.0); },
                                    "ropeTables: theta must be finite and > 0, got 0");
        dt::expectThrowsWithMessage([&] { ropeTables(torch::ones({5}, torch::kBool), 8, 10000.0); },
                                    "ropeTables: positions must be an integer or floating tensor, got Bool");
    }
};

QTEST_GUILESS_MAIN(TestRope)
#include "tst_rope.moc"
