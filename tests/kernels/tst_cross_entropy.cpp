// Tests of kernels/cross_entropy: the kernel lab's cross-entropy cases (lab/kernel_case.h: float64 on every
// instruction set, float32/bfloat16/float16, weighted and ignored rows, vocabularies that pack, odd ones and
// ones longer than a block, strided and unaligned logits, extreme logits, on the CPU and on CUDA when present,
// against the float64 reference), and what is not a comparison with the reference: finite differences, a
// weighted example computed by hand, ignored targets, agreement with at::cross_entropy, masked and NaN logits,
// the loss dtype, the memory it allocates, reproducible CUDA losses and every input check.
#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>

#include <QtTest>
#include <mutex>

#include "kernel_test_util.h"
#include "lab_cases.h"
#include "kernels/cross_entropy.h"

using danka::kernels::crossEntropy;
using danka::kernels::crossEntropyReference;
namespace dt = danka::test;

namespace {

constexpr int64_t kIgnore = -100;

// Fused and reference loss with fixed targets and weights (data, not inputs of the gradient checks).
dt::TensorFn fused(const torch::Tensor &targets, const torch::Tensor &weights, int64_t ignoreIndex = kIgnore)
{
    return [=](const std::vector<torch::Tensor> &v) {
        return crossEntropy(v[0], targets, weights, ignoreIndex);
    };
}
dt::TensorFn reference(const torch::Tensor &targets, const torch::Tensor &weights,
                       int64_t ignoreIndex = kIgnore)
{
    return [=](const std::vector<torch::Tensor> &v) {
        return crossEntropyReference(v[0], targets, weights, ignoreIndex);
    };
}

// Random targets in [0, V) with about `ignoredShare` of them set to kIgnore.
torch::Tensor randomTargets(int64_t N, int64_t V, double ignoredShare)
{
    auto targets = torch::randint(0, V, {N}, torch::kLong);
    return targets.masked_fill(torch::rand({N}) < ignoredShare, kIgnore);
}

std::string name(const std::string &prefix, int64_t N, int64_t V, bool weighted)
{
    return prefix + " (" + std::to_string(N) + ", " + std::to_string(V) + ")" + (weighted ? " weighted" : "");
}

// Records the sizes of the CPU allocations made while it is installed as the profiler's memory reporter.
class AllocationRecorder : public c10::MemoryReportingInfoBase {
public:
    void reportMemoryUsage(void *, int64_t bytes, size_t, size_t, c10::Device device) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (bytes > 0 && device.is_cpu()) m_sizes.push_back(bytes);
    }
    bool memoryProfilingEnabled() const override { return true; }
    int64_t countAtLeast(int64_t bytes) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return std::count_if(m_sizes.begin(), m_sizes.end(), [&](int64_t s) { return s >= bytes; });
    }

private:
    mutable std::mutex m_mutex;
    std::vector<int64_t> m_sizes;
};

// Number of allocations of at least `bytes` made by the loss and its gradient (everything they allocate is
// freed inside the recording, so the allocator sees matching frees).
int64_t largeAllocationsOfLossAndGradient(const dt::TensorFn &loss, const torch::Tensor &logits,
                                          int64_t bytes)
{
    auto recorder = std::make_shared<AllocationRecorder>();
    const auto leaf = logits.detach().requires_grad_(true);
    {
        c10::DebugInfoGuard guard(c10::DebugInfoKind::PROFILER_STATE, recorder);
        const auto value = loss({leaf});
        const auto grads = torch::autograd::grad({value}, {leaf});
        if (!grads[0].defined()) return -1;
    }
    return recorder->countAtLeast(bytes);
}

}  // namespace

class TestCrossEntropy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void labCases_data() { dt::addLabCaseRows({"cross-entropy"}); }
    void labCases() { dt::runLabCaseRow(); }

    void gradientsMatchFiniteDifferences()
    {
        for (const auto &[N, V] : std::vector<std::pair<int64_t, int64_t>>{{3, 7}, {4, 33}}) {
            const auto logits = torch::randn({N, V}, torch::kFloat64);
            auto targets = torch::randint(0, V, {N}, torch::kLong);
            targets[1] = kIgnore;
            const auto weights = torch::rand({N}, torch::kFloat64) * 3;
            dt::expectGradientMatchesFiniteDifferences(fused(targets, weights), {logits}, 1e-6,
                                                       name("ce", N, V, true));
            if (QTest::currentTestFailed()) return;
        }
    }

    void weightsScaleTheGradientExactly()
    {
        // V = 3, two rows. Row 0: logits (1, 2, 3), target 2, weight 1. Row 1: logits (0, 0, 0), target 0,
        // weight 10. sum w = 11. nll0 = log(e + e^2 + e^3) - 3 = 0.40760596444438013, nll1 = log 3.
        // loss = (nll0 + 10 log 3) / 11; dlogits row i = (softmax_i - onehot_i) w_i / 11:
        //   row 0: softmax (0.09003057, 0.24472847, 0.66524096) / 11, minus 1/11 at the target;
        //   row 1: (1/3 - 1, 1/3, 1/3) 10 / 11 = (-20/33, 10/33, 10/33).
        const std::vector<double> expectedGrad = {0.00818459756094368,  0.022248042823163425,
                                                  -0.03043264038410709, -0.6060606060606062,
                                                  0.303030303030303,    0.303030303030303};
        const auto targets = torch::tensor({2, 0}, torch::kLong);
        const auto weights = torch::tensor({1.0f, 10.0f});
        for (const auto type : {torch::kFloat64, torch::kFloat32}) {
            const auto logits =
                torch::tensor({1.0, 2.0, 3.0, 0.0, 0.0, 0.0}, type).view({2, 3}).requires_grad_(true);
            const auto loss = crossEntropy(logits, targets, weights);
            const double tolerance = type == torch::kFloat64 ? 1e-15 : 1e-6;
            QVERIFY(std::abs(loss.item<double>() - 1.035793531920498) < tolerance);
            loss.backward();
            const auto grad = logits.grad().view({-1});
            for (int i = 0; i < 6; ++i)
                QVERIFY2(std::abs(grad[i].item<double>() - expectedGrad[i]) < tolerance,
                         (std::to_string(i) + ": " + std::to_string(grad[i].item<double>())).c_str());
        }
        // Weights (1, 10) against the unweighted loss: row 1 counts ten times.
        const auto logits = torch::tensor({1.0, 2.0, 3.0, 0.0, 0.0, 0.0}, torch::kFloat64).view({2, 3});
        const auto unweighted = crossEntropy(logits, targets);
        QVERIFY(std::abs(unweighted.item<double>() - (0.40760596444438013 + std::log(3.0)) / 2) < 1e-15);
    }

    void allTargetsIgnoredGiveZeroLossAndGradient()
    {
        for (const auto type : {torch::kFloat32, torch::kBFloat16}) {
            const auto logits = torch::randn({6, 11}).to(type).requires_grad_(true);
            const auto targets = torch::full({6}, kIgnore, torch::kLong);
            const auto loss = crossEntropy(logits, targets, torch::rand({6}));
            QCOMPARE(loss.item<double>(), 0.0);
            loss.backward();
            QVERIFY(torch::equal(logits.grad(), torch::zeros_like(logits)));
            QCOMPARE(crossEntropyReference(logits, targets, torch::rand({6})).item<double>(), 0.0);
        }
        // No rows at all, and a custom ignoreIndex.
        const auto empty = torch::randn({0, 5}).requires_grad_(true);
        const auto loss = crossEntropy(empty, torch::zeros({0}, torch::kLong));
        QCOMPARE(loss.item<double>(), 0.0);
        loss.backward();
        QCOMPARE(empty.grad().sizes(), empty.sizes());
        QCOMPARE(crossEntropy(torch::randn({3, 5}), torch::full({3}, 4, torch::kLong), {}, 4).item<double>(),
                 0.0);
    }

    void matchesAtenCrossEntropyUnweighted()
    {
        for (const int64_t ignoreIndex : {kIgnore, int64_t{2}}) {
            const auto logits = torch::randn({50, 17}, torch::kFloat64) * 2;
            auto targets = torch::randint(0, 17, {50}, torch::kLong);
            targets.masked_fill_(torch::rand({50}) < 0.3, ignoreIndex);
            const auto a = logits.clone().requires_grad_(true), b = logits.clone().requires_grad_(true);
            const auto ours = crossEntropy(a, targets, {}, ignoreIndex);
            const auto aten = at::cross_entropy_loss(b, targets, {}, at::Reduction::Mean, ignoreIndex);
            QVERIFY(std::abs(ours.item<double>() - aten.item<double>()) < 1e-12);
            ours.backward();
            aten.backward();
            QVERIFY(dt::relativeError(a.grad(), b.grad()) < 1e-12);
        }
    }

    void extremeLogits()
    {
        // Masked vocabulary entries (-inf) get probability and gradient 0; large logits do not overflow (the
        // comparison with the reference is the lab's case "logits x 1000, 50 entries -inf").
        auto logits = torch::randn({8, 300}, torch::kFloat64) * 1000;
        logits.narrow(1, 0, 50).fill_(-INFINITY);
        const auto targets = torch::randint(50, 300, {8}, torch::kLong);
        dt::forEachCpuIsa([&](const std::string &isa) {
            const auto leaf = logits.to(torch::kFloat32).requires_grad_(true);
            const auto loss = crossEntropy(leaf, targets);
            QVERIFY2(std::isfinite(loss.item<float>()), isa.c_str());
            loss.backward();
            QVERIFY2(torch::equal(leaf.grad().narrow(1, 0, 50), torch::zeros({8, 50})), isa.c_str());
        });
        // NaN in a row makes the loss NaN (a diverging run must show it).
        auto withNan = torch::randn({3, 20});
        withNan[1][7] = NAN;
        QVERIFY(std::isnan(crossEntropy(withNan, torch::tensor({0, 1, 2}, torch::kLong)).item<float>()));
    }

    void doubleBackwardIsRefused()
    {
        const auto logits = torch::randn({4, 6}, torch::kFloat64).requires_grad_(true);
        const auto loss = crossEntropy(logits, torch::tensor({0, 1, 2, 3}, torch::kLong));
        dt::expectThrowsWithMessage([&] { torch::autograd::grad({loss}, {logits}, {}, true, true); },
                                    "crossEntropy: the fused backward is first order only");
        QVERIFY(torch::autograd::grad({loss}, {logits})[0].defined());
    }

    void lossDtype()
    {
        const auto targets = torch::tensor({1, 0}, torch::kLong);
        for (const auto type : {torch::kFloat32, torch::kBFloat16, torch::kFloat16}) {
            const auto loss = crossEntropy(torch::randn({2, 3}).to(type), targets);
            QCOMPARE(loss.dim(), 0);
            QCOMPARE(loss.scalar_type(), torch::kFloat32);
        }
        QCOMPARE(crossEntropy(torch::randn({2, 3}, torch::kFloat64), targets).scalar_type(), torch::kFloat64);
    }

    void keepsNoSecondCopyOfTheLogits()
    {
        // Allocations of at least one (N, V) tensor of the logits' dtype during forward and backward: the
        // fused op makes only the gradient; the reference (log_softmax and its gradient) shows the probe sees
        // more.
        const int64_t N = 256, V = 4000;
        const auto targets = randomTargets(N, V, 0.1);
        for (const auto type : {torch::kFloat32, torch::kBFloat16}) {
            const auto logits = torch::randn({N, V}).to(type);
            const int64_t bytes = N * V * static_cast<int64_t>(c10::elementSize(type));
            QCOMPARE(largeAllocationsOfLossAndGradient(fused(targets, {}), logits, bytes), int64_t{1});
            QVERIFY(largeAllocationsOfLossAndGradient(reference(targets, {}), logits, bytes) >= 2);
        }
        // The probe sees the fused op's own copies too: logits without a unit-stride V dim are copied once.
        const auto transposed = torch::randn({V, N}).t();
        QCOMPARE(largeAllocationsOfLossAndGradient(fused(targets, {}), transposed, N * V * 4), int64_t{2});
    }

    void cudaLossIsReproducibleAndIgnoredRowsGetNoGradient()
    {
        if (!torch::cuda::is_available())
            QSKIP(
                "no CUDA device: the CUDA kernels (kernels/cuda/cross_entropy.cu) are checked on a GPU "
                "machine");
        // Logits read in place from a wider tensor: the loss is the same on every run (sums in a fixed order),
        // ignored rows get a zero gradient, out-of-range targets are refused, float64 runs the reference (the
        // comparisons of the CUDA kernels with the reference are the lab's cases, labCases).
        const auto wide = torch::randn({16, 80}, torch::kCUDA) * 4;
        const auto logits = wide.narrow(1, 8, 64);  // rows 80 apart
        const auto targets = randomTargets(16, 64, 0.3).cuda(), weights = torch::rand({16}, torch::kCUDA);
        std::vector<torch::Tensor> losses;
        for (int run = 0; run < 2; ++run) {
            const auto l = logits.detach().requires_grad_(true);
            losses.push_back(crossEntropy(l, targets, weights));
            losses.back().backward();
            const auto expected =
                crossEntropyReference(logits.cpu().to(torch::kFloat64), targets.cpu(), weights.cpu());
            QVERIFY(std::abs(losses.back().item<double>() - expected.item<double>()) < 1e-5);
            const auto ignored = (targets == kIgnore).nonzero().squeeze(1);
            QVERIFY(torch::equal(l.grad().index_select(0, ignored),
                                 torch::zeros({ignored.numel(), 64}, torch::kCUDA)));
        }
        QVERIFY(torch::equal(losses[0], losses[1]));
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, (targets.clamp_min(0) + 64)); },
                                    "is outside [0, 64)");
        const auto logits64 = torch::randn({8, 32}, torch::kFloat64);
        const auto targets64 = randomTargets(8, 32, 0.2);
        QVERIFY(std::abs(crossEntropy(logits64.cuda(), targets64.cuda()).item<double>() -
                         crossEntropy(logits64, targets64).item<double>()) < 1e-12);
    }

    void inputErrorsNameTheOpAndArgument()
    {
        const auto logits = torch::randn({4, 5});
        const auto targets = torch::tensor(std::vector<int64_t>{0, 4, kIgnore, 2});
        dt::expectThrowsWithMessage(
            [&] {
                crossEntropy(logits, torch::tensor({0, 5, -1, 7}, torch::kLong));
            },
            "crossEntropy: targets[1] = 5 is outside [0, 5) and is not ignoreIndex (-100)");
        dt::expectThrowsWithMessage(
            [&] {
                crossEntropy(logits, torch::tensor({0, 1, -100, 2}, torch::kLong), {}, -1);
            },
            "crossEntropy: targets[2] = -100 is outside [0, 5) and is not ignoreIndex (-1)");
        dt::expectThrowsWithMessage(
            [&] {
                crossEntropy(logits.view({2, 2, 5}), targets);
            },
            "crossEntropy: logits must have shape (N, V), got [2, 2, 5]");
        dt::expectThrowsWithMessage(
            [&] {
                crossEntropy(torch::randn({4, 0}), targets);
            },
            "crossEntropy: logits must have a non-empty vocabulary dim V, got shape [4, 0]");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, targets.to(torch::kInt)); },
                                    "crossEntropy: targets must be int64, got Int");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, targets.narrow(0, 0, 3)); },
                                    "crossEntropy: targets must have shape (N) = (4), got [3]");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, targets, torch::ones({5})); },
                                    "crossEntropy: weights must have shape (N) = (4), got [5]");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, targets, torch::ones({4}, torch::kLong)); },
                                    "crossEntropy: weights must be floating, got Long");
        dt::expectThrowsWithMessage(
            [&] { crossEntropy(logits.to(torch::kInt), targets); },
            "crossEntropy: logits must be float64, float32, bfloat16 or float16, got Int");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, targets.to(torch::Device(torch::kMeta))); },
                                    "crossEntropy: targets must be on the device of logits (cpu), got meta");
        dt::expectThrowsWithMessage(
            [&] { crossEntropy(logits, targets, torch::ones({4}, torch::Device(torch::kMeta))); },
            "crossEntropy: weights must be on the device of logits (cpu), got meta");
        dt::expectThrowsWithMessage([&] { crossEntropy(logits, torch::Tensor()); },
                                    "crossEntropy: targets is an undefined tensor");
    }
};

QTEST_GUILESS_MAIN(TestCrossEntropy)
#include "tst_cross_entropy.moc"
