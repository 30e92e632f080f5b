// Tests of kernels/rope: the tables against the Hugging Face formula, a hand-computed rotation, the fused CPU
// op against its reference in float64 (tight) on both instruction sets, finite differences, float32/bfloat16/
// float16 against the float64 reference, the HF rotate_half form, strided heads (MLA) and input checks.
#include <QtTest>

#include "kernel_test_util.h"
#include "kernels/rope.h"

using danka::kernels::applyRope;
using danka::kernels::applyRopeReference;
using danka::kernels::ropeTables;
namespace dt = danka::test;

namespace {

// Fused and reference RoPE with fixed tables (the tables are constants, not inputs of the check).
dt::TensorFn fused(const torch::Tensor &cos, const torch::Tensor &sin)
{
    return [cos, sin](const std::vector<torch::Tensor> &v) { return applyRope(v[0], cos, sin); };
}
dt::TensorFn reference(const torch::Tensor &cos, const torch::Tensor &sin)
{
    return [cos, sin](const std::vector<torch::Tensor> &v) { return applyRopeReference(v[0], cos, sin); };
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

    void matchesReferenceInFloat64()
    {
        const std::vector<std::vector<int64_t>> shapes = {
            {1, 1, 1, 2}, {2, 3, 4, 8}, {1, 7, 2, 6}, {2, 5, 3, 64}, {3, 4, 2, 130}};
        dt::forEachCpuIsa([&](const std::string &isa) {
            for (const auto &shape : shapes) {
                for (const bool perSequence : {false, true}) {
                    const auto x = torch::randn(shape, torch::kFloat64);
                    const auto [cos, sin] = tablesFor(shape, perSequence);
                    dt::expectSameForwardBackward(fused(cos, sin), reference(cos, sin), {x}, torch::kFloat64,
                                                  1e-10, name(isa, shape, perSequence));
                    if (QTest::currentTestFailed()) return;
                }
            }
        });
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

    void lowPrecisionMatchesFloat64Reference()
    {
        // Stated tolerances, relative to the largest reference value: float32 1e-5, float16 5e-3, bfloat16
        // 1e-2 (one output rounding is 2^-11 and 2^-8 relative).
        const std::vector<std::pair<torch::ScalarType, double>> types = {
            {torch::kFloat32, 1e-5}, {torch::kBFloat16, 1e-2}, {torch::kFloat16, 5e-3}};
        const std::vector<std::vector<int64_t>> shapes = {{2, 64, 4, 64}, {1, 5, 3, 6}, {2, 9, 2, 34}};
        dt::forEachCpuIsa([&](const std::string &isa) {
            for (const auto &[type, tolerance] : types) {
                for (const auto &shape : shapes) {
                    const auto x = torch::randn(shape, torch::kFloat64);
                    const auto [cos, sin] = tablesFor(shape, shape[3] == 6);
                    dt::expectCloseToFloat64Reference(
                        fused(cos, sin), reference(cos, sin), {x}, type, tolerance,
                        name(isa + " " + c10::toString(type), shape, shape[3] == 6));
                    if (QTest::currentTestFailed()) return;
                }
            }
        });
    }

    void stridedHeadsAndTables()
    {
        // MLA: RoPE on the last d_r = 8 dims of (B, T, H, d_n + d_r) heads, read in place; a (B, H, T, D)
        // tensor seen as (B, T, H, D); tables that are a strided slice of wider ones.
        const auto [cos, sin] = ropeTables(torch::arange(5), 8, 10000.0);
        const auto wideCos = torch::cat({cos, torch::zeros_like(cos)}, -1),
                   wideSin = torch::cat({sin, sin}, -1);
        const auto cosSlice = wideCos.narrow(-1, 0, 4), sinSlice = wideSin.narrow(-1, 0, 4);
        QVERIFY(!cosSlice.is_contiguous());
        using View = std::function<torch::Tensor(const torch::Tensor &)>;
        const std::vector<std::tuple<std::string, std::vector<int64_t>, View>> cases = {
            {"MLA rope slice", {2, 5, 3, 12 + 8}, [](const torch::Tensor &t) { return t.narrow(-1, 12, 8); }},
            {"heads-major", {2, 3, 5, 8}, [](const torch::Tensor &t) { return t.transpose(1, 2); }},
            {"strided head dim", {2, 5, 3, 16}, [](const torch::Tensor &t) { return t.slice(-1, 0, 16, 2); }},
        };
        for (const auto &[what, shape, view] : cases) {
            const View &v0 = view;
            const auto x = torch::randn(shape, torch::kFloat64);
            QVERIFY(!view(x).is_contiguous());
            const dt::TensorFn f = [&](const std::vector<torch::Tensor> &v) {
                return applyRope(v0(v[0]), cosSlice, sinSlice);
            };
            const dt::TensorFn r = [&](const std::vector<torch::Tensor> &v) {
                return applyRopeReference(v0(v[0]), cos, sin);
            };
            dt::expectSameForwardBackward(f, r, {x}, torch::kFloat64, 1e-10, what);
            dt::expectCloseToFloat64Reference(f, r, {x}, torch::kBFloat16, 1e-2, what + " bfloat16");
            if (QTest::currentTestFailed()) return;
        }
    }

    void stridedUpstreamGradientAndDoubleBackward()
    {
        // The output used through a transpose hands the backward a non-contiguous gradient.
        const auto [cos, sin] = ropeTables(torch::arange(6), 10, 10000.0);
        const dt::TensorFn f = [&](const std::vector<torch::Tensor> &v) {
            return applyRope(v[0], cos, sin).transpose(1, 2);
        };
        const dt::TensorFn r = [&](const std::vector<torch::Tensor> &v) {
            return applyRopeReference(v[0], cos, sin).transpose(1, 2);
        };
        dt::expectSameForwardBackward(f, r, {torch::randn({2, 6, 3, 10}, torch::kFloat64)}, torch::kFloat64,
                                      1e-10, "transposed output");

        const auto x = torch::randn({2, 6, 3, 10}, torch::kFloat64).requires_grad_(true);
        const auto y = applyRope(x, cos, sin);
        dt::expectThrowsWithMessage([&] { torch::autograd::grad({y.pow(2).sum()}, {x}, {}, true, true); },
                                    "applyRope: the fused backward is first order only");
    }

    void cudaKernelMatchesTheFloat64Reference()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the CUDA kernel (kernels/cuda/rope.cu) is checked on a GPU machine");
        // The fused op on CUDA against the float64 reference on the CPU: shared (T, D/2) and per-batch
        // (B, T, D/2) tables, a head dim that packs and one that does not (D = 6), and the rope slice of MLA
        // heads read in place.
        const std::vector<std::pair<torch::ScalarType, double>> types = {
            {torch::kFloat32, 1e-5}, {torch::kBFloat16, 1e-2}, {torch::kFloat16, 5e-3}};
        for (const auto &[type, tolerance] : types) {
            for (const auto &shape : std::vector<std::vector<int64_t>>{{2, 8, 4, 64}, {3, 5, 2, 6}}) {
                for (const bool perBatch : {false, true}) {
                    const auto [cos, sin] = tablesFor(shape, perBatch);
                    const dt::TensorFn onCuda = [c = cos, s = sin](const std::vector<torch::Tensor> &v) {
                        return applyRope(v[0].cuda(), c.cuda(), s.cuda()).cpu();
                    };
                    dt::expectCloseToFloat64Reference(
                        onCuda, reference(cos, sin), {torch::randn(shape, torch::kFloat64)}, type, tolerance,
                        name(std::string("cuda ") + c10::toString(type), shape, perBatch));
                    if (QTest::currentTestFailed()) return;
                }
            }
            const auto [cos, sin] = ropeTables(torch::arange(5), 8, 10000.0);
            const dt::TensorFn mla = [c = cos, s = sin](const std::vector<torch::Tensor> &v) {
                return applyRope(v[0].cuda().narrow(-1, 16, 8), c.cuda(), s.cuda()).cpu();
            };
            const dt::TensorFn mlaReference = [c = cos, s = sin](const std::vector<torch::Tensor> &v) {
                return applyRopeReference(v[0].narrow(-1, 16, 8), c, s);
            };
            dt::expectCloseToFloat64Reference(mla, mlaReference,
                                              {torch::randn({2, 5, 3, 24}, torch::kFloat64)}, type, tolerance,
                                              std::string("cuda MLA rope slice ") + c10::toString(type));
            if (QTest::currentTestFailed()) return;
        }
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
