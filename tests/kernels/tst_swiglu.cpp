// Tests of kernels/swiglu: the kernel lab's SwiGLU cases (lab/kernel_case.h: float64 on every instruction set,
// float32/bfloat16/float16, the halves of a fused gate/up projection read in place, odd and unaligned widths,
// strided inputs, on the CPU and on CUDA when present, against the float64 reference), and what is not a
// comparison with the reference: finite differences, saturated and non-finite gates, hand-computed values,
// gradients only where needed, the refused double backward and input checks.
#include <QtTest>

#include "kernel_test_util.h"
#include "lab_cases.h"
#include "kernels/swiglu.h"

using danka::kernels::swiglu;
using danka::kernels::swigluReference;
namespace dt = danka::test;

namespace {

const dt::TensorFn kFused = [](const std::vector<torch::Tensor> &v) { return swiglu(v[0], v[1]); };
const dt::TensorFn kReference = [](const std::vector<torch::Tensor> &v) {
    return swigluReference(v[0], v[1]);
};

std::string name(const std::string &prefix, at::IntArrayRef shape)
{
    return prefix + " " + c10::str(shape);
}

}  // namespace

class TestSwiglu : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void labCases_data() { dt::addLabCaseRows({"swiglu"}); }
    void labCases() { dt::runLabCaseRow(); }

    void gradientsMatchFiniteDifferences()
    {
        for (const auto &shape : std::vector<std::vector<int64_t>>{{3, 7}, {2, 2, 5}, {1}}) {
            const auto g = torch::randn(shape, torch::kFloat64) * 3, u = torch::randn(shape, torch::kFloat64);
            dt::expectGradientMatchesFiniteDifferences(kFused, {g, u}, 1e-6, name("swiglu", shape));
            if (QTest::currentTestFailed()) return;
        }
    }

    void saturatedAndNonFiniteGates()
    {
        // Far tails: silu(-100) is -3.7e-42 (0 in float32 up to denormals), silu(100) = 100; gradients 0
        // and 1.
        dt::forEachCpuIsa([&](const std::string &isa) {
            const auto g = torch::tensor({-100.0, -88.0, -87.0, -50.0, -20.0, 20.0, 50.0, 88.5, 100.0});
            const auto u = torch::ones_like(g);
            const auto y = swiglu(g, u),
                       expected = swigluReference(g.to(torch::kFloat64), u.to(torch::kFloat64));
            QVERIFY2((y.to(torch::kFloat64) - expected).abs().max().item<double>() < 1e-5, isa.c_str());
            const auto gr = g.clone().requires_grad_(true);
            swiglu(gr, u).sum().backward();
            const auto gd = g.to(torch::kFloat64).requires_grad_(true);
            swigluReference(gd, u.to(torch::kFloat64)).sum().backward();
            QVERIFY2((gr.grad().to(torch::kFloat64) - gd.grad()).abs().max().item<double>() < 1e-5,
                     isa.c_str());

            // NaN propagates (a diverging run must show it); +inf gives inf like silu.
            const auto special = swiglu(torch::tensor({std::nanf(""), INFINITY, 1.0f}), torch::ones({3}));
            QVERIFY2(std::isnan(special[0].item<float>()), isa.c_str());
            QVERIFY2(std::isinf(special[1].item<float>()) && special[1].item<float>() > 0, isa.c_str());
            QVERIFY2(std::abs(special[2].item<float>() - 0.7310585786f) < 1e-6f, isa.c_str());
        });
    }

    void doubleBackwardIsRefused()
    {
        const auto g = torch::randn({3, 8}, torch::kFloat64).requires_grad_(true);
        const auto y = swiglu(g, torch::randn({3, 8}, torch::kFloat64));
        dt::expectThrowsWithMessage([&] { torch::autograd::grad({y.sum()}, {g}, {}, true, true); },
                                    "swiglu: the fused backward is first order only");
        QVERIFY(torch::autograd::grad({y.sum()}, {g})[0].defined());
    }

    void handComputedValues()
    {
        // silu(g) u with sigmoid(1) = 0.7310585786300049, sigmoid(-2) = 0.11920292202211755,
        // sigmoid(0.5) = 0.6224593312018546; dgate = u s (1 + g (1 - s)), dup = g s (dy = 1).
        const auto g = torch::tensor({1.0, -2.0, 0.5}, torch::kFloat64).requires_grad_(true);
        const auto u = torch::tensor({2.0, 3.0, -1.0}, torch::kFloat64).requires_grad_(true);
        const auto y = swiglu(g, u);
        const std::vector<double> expectedY = {1.4621171572600098, -0.7152175321327052, -0.3112296656009273};
        const std::vector<double> expectedDg = {1.8553410237429737, -0.27235274635468637,
                                                -0.7399611873026519};
        const std::vector<double> expectedDu = {0.7310585786300049, -0.2384058440442351, 0.3112296656009273};
        y.sum().backward();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(std::abs(y[i].item<double>() - expectedY[i]) < 1e-14);
            QVERIFY(std::abs(g.grad()[i].item<double>() - expectedDg[i]) < 1e-14);
            QVERIFY(std::abs(u.grad()[i].item<double>() - expectedDu[i]) < 1e-14);
        }
    }

    void gradientsOnlyWhereNeeded()
    {
        const auto g = torch::randn({4, 10}, torch::kFloat64), u = torch::randn({4, 10}, torch::kFloat64);
        const auto dy = torch::randn({4, 10}, torch::kFloat64);
        const auto gr = g.clone().requires_grad_(true), ur = u.clone().requires_grad_(true);
        swigluReference(gr, ur).backward(dy);
        const auto g1 = g.clone().requires_grad_(true);
        swiglu(g1, u).backward(dy);
        QVERIFY(dt::relativeError(g1.grad(), gr.grad()) < 1e-12);
        const auto u1 = u.clone().requires_grad_(true);
        swiglu(g, u1).backward(dy);
        QVERIFY(dt::relativeError(u1.grad(), ur.grad()) < 1e-12);
    }

    void cudaFloat64RunsTheReference()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the CUDA kernels (kernels/cuda/swiglu.cu) are checked on a GPU machine");
        // The comparisons of the CUDA kernels with the reference are the lab's cases (labCases).
        const auto g64 = torch::randn({4, 16}, torch::kFloat64), u64 = torch::randn({4, 16}, torch::kFloat64);
        QVERIFY(dt::relativeError(swiglu(g64.cuda(), u64.cuda()).cpu(), swiglu(g64, u64)) < 1e-12);
    }

    void inputErrorsNameTheOpAndArgument()
    {
        const auto g = torch::randn({4, 8}), u = torch::randn({4, 8});
        dt::expectThrowsWithMessage(
            [&] {
                swiglu(g, torch::randn({4, 9}));
            },
            "swiglu: up must have the shape of gate [4, 8], got [4, 9]");
        dt::expectThrowsWithMessage([&] { swiglu(g, u.to(torch::kFloat64)); },
                                    "swiglu: up must have the dtype of gate (Float), got Double");
        dt::expectThrowsWithMessage([&] { swiglu(g.to(torch::kInt), u.to(torch::kInt)); },
                                    "swiglu: gate must be float64, float32, bfloat16 or float16, got Int");
        dt::expectThrowsWithMessage(
            [&] {
                swiglu(g, torch::empty({4, 8}, torch::device(torch::kMeta)));
            },
            "swiglu: up must be on the device of gate (cpu), got meta");
        dt::expectThrowsWithMessage([&] { swiglu(g, torch::Tensor()); }, "swiglu: up is an undefined tensor");
    }
};

QTEST_GUILESS_MAIN(TestSwiglu)
#include "tst_swiglu.moc"
