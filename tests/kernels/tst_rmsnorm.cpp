// Tests of kernels/rmsnorm: the kernel lab's RMSNorm cases (lab/kernel_case.h: float64 on every instruction
// set, float32/bfloat16/float16, strided and unaligned inputs, D > 10240, on the CPU and on CUDA when present,
// against the float64 reference), and what is not a comparison with the reference: finite differences,
// hand-computed values, gradients only where needed, thread-count independence, reproducible CUDA weight
// gradients, the refused double backward and every input check.
#include <ATen/Parallel.h>

#include <QtTest>

#include "kernel_test_util.h"
#include "lab_cases.h"
#include "kernels/rmsnorm.h"

using danka::kernels::rmsNorm;
using danka::kernels::rmsNormReference;
namespace dt = danka::test;

namespace {

constexpr double kEps = 1e-6;

dt::TensorFn fused(double eps = kEps)
{
    return [eps](const std::vector<torch::Tensor> &v) { return rmsNorm(v[0], v[1], eps); };
}

std::string name(const std::string &prefix, at::IntArrayRef shape)
{
    return prefix + " " + c10::str(shape);
}

}  // namespace

class TestRmsNorm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void labCases_data() { dt::addLabCaseRows({"rmsnorm"}); }
    void labCases() { dt::runLabCaseRow(); }

    void gradientsMatchFiniteDifferences()
    {
        for (const auto &shape : std::vector<std::vector<int64_t>>{{3, 7}, {2, 2, 5}, {4, 1}}) {
            const auto x = torch::randn(shape, torch::kFloat64),
                       w = torch::randn({shape.back()}, torch::kFloat64);
            dt::expectGradientMatchesFiniteDifferences(fused(1e-3), {x, w}, 1e-6, name("rmsNorm", shape));
            if (QTest::currentTestFailed()) return;
        }
    }

    void doubleBackwardIsRefused()
    {
        const auto x = torch::randn({3, 8}, torch::kFloat64).requires_grad_(true);
        const auto y = rmsNorm(x, torch::randn({8}, torch::kFloat64), kEps);
        dt::expectThrowsWithMessage([&] { torch::autograd::grad({y.sum()}, {x}, {}, true, true); },
                                    "rmsNorm: the fused backward is first order only");
        QVERIFY(torch::autograd::grad({y.sum()}, {x})[0].defined());  // a first-order backward still works
    }

    void handComputedValues()
    {
        // x = (3, 4), w = (1, 2), eps = 0: rms = sqrt((9 + 16) / 2) = sqrt(12.5), y = (3, 8) / sqrt(12.5).
        const auto x = torch::tensor({3.0, 4.0}, torch::kFloat64).requires_grad_(true);
        const auto w = torch::tensor({1.0, 2.0}, torch::kFloat64).requires_grad_(true);
        const auto y = rmsNorm(x, w, 0.0);
        QVERIFY(std::abs(y[0].item<double>() - 0.848528137423857) < 1e-14);
        QVERIFY(std::abs(y[1].item<double>() - 2.262741699796952) < 1e-14);
        // dy = (1, 0): r = 1/sqrt(12.5), xhat = x r, c = mean(w dy xhat) = 0.3 sqrt(2), dx = r (w dy - xhat
        // c), dw = dy xhat.
        y.backward(torch::tensor({1.0, 0.0}, torch::kFloat64));
        QVERIFY(std::abs(x.grad()[0].item<double>() - 0.18101933598375616) < 1e-14);
        QVERIFY(std::abs(x.grad()[1].item<double>() + 0.13576450198781712) < 1e-14);
        QVERIFY(std::abs(w.grad()[0].item<double>() - 0.848528137423857) < 1e-14);
        QCOMPARE(w.grad()[1].item<double>(), 0.0);
    }

    void gradientsOnlyWhereNeeded()
    {
        const auto x = torch::randn({5, 9}, torch::kFloat64), w = torch::randn({9}, torch::kFloat64);
        const auto dy = torch::randn({5, 9}, torch::kFloat64);
        const auto xr = x.clone().requires_grad_(true), wr = w.clone().requires_grad_(true);
        rmsNormReference(xr, wr, kEps).backward(dy);

        const auto x1 = x.clone().requires_grad_(true);
        rmsNorm(x1, w, kEps).backward(dy);
        QVERIFY(dt::relativeError(x1.grad(), xr.grad()) < 1e-12);
        const auto w1 = w.clone().requires_grad_(true);
        rmsNorm(x, w1, kEps).backward(dy);
        QVERIFY(dt::relativeError(w1.grad(), wr.grad()) < 1e-12);

        torch::NoGradGuard noGrad;
        const auto y = rmsNorm(x1, w1, kEps);
        QVERIFY(!y.requires_grad());
        QVERIFY(dt::relativeError(y, rmsNormReference(x, w, kEps)) < 1e-12);
    }

    void emptyBatch()
    {
        const auto x = torch::randn({0, 8}).requires_grad_(true), w = torch::randn({8}).requires_grad_(true);
        const auto y = rmsNorm(x, w, kEps);
        QCOMPARE(y.sizes(), x.sizes());
        y.sum().backward();
        QVERIFY(torch::equal(w.grad(), torch::zeros({8})));
    }

    void weightGradientDoesNotDependOnThreadCount()
    {
        // dweight sums over rows in a fixed number of blocks, so the bits do not depend on the threads.
        const int saved = at::get_num_threads();
        const auto x = torch::randn({1000, 64}), w = torch::randn({64}), dy = torch::randn({1000, 64});
        std::vector<torch::Tensor> grads;
        for (const int threads : {1, 2, 3}) {
            at::set_num_threads(threads);
            const auto wr = w.clone().requires_grad_(true);
            rmsNorm(x, wr, kEps).backward(dy);
            grads.push_back(wr.grad());
        }
        at::set_num_threads(saved);
        QVERIFY(torch::equal(grads[0], grads[1]));
        QVERIFY(torch::equal(grads[0], grads[2]));
    }

    void cudaWeightGradientIsReproducible()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the CUDA kernels (kernels/cuda/rmsnorm.cu) are checked on a GPU machine");
        // Rows read in place from a strided view; the weight gradient is summed in a fixed order, so it is the
        // same on every run (the comparisons with the reference are the lab's cases, labCases).
        const auto wide = torch::randn({40, 96}, torch::kCUDA), w = torch::randn({64}, torch::kCUDA);
        const auto x = wide.narrow(1, 8, 64), dy = torch::randn({40, 64}, torch::kCUDA);
        std::vector<torch::Tensor> dw;
        for (int run = 0; run < 2; ++run) {
            const auto wr = w.clone().requires_grad_(true);
            rmsNorm(x, wr, kEps).backward(dy);
            dw.push_back(wr.grad());
        }
        QVERIFY(torch::equal(dw[0], dw[1]));
        // float64 on CUDA runs the reference.
        const auto x64 = torch::randn({4, 16}, torch::kFloat64), w64 = torch::randn({16}, torch::kFloat64);
        QVERIFY(dt::relativeError(rmsNorm(x64.cuda(), w64.cuda(), kEps).cpu(), rmsNorm(x64, w64, kEps)) <
                1e-12);
    }

    void inputErrorsNameTheOpAndArgument()
    {
        const auto x = torch::randn({4, 512}), w = torch::randn({512});
        dt::expectThrowsWithMessage([&] { rmsNorm(x, torch::randn({256}), kEps); },
                                    "rmsNorm: weight must have size 512 (the last dim of x), got 256");
        dt::expectThrowsWithMessage(
            [&] {
                rmsNorm(x, torch::randn({2, 512}), kEps);
            },
            "rmsNorm: weight must have size 512 (the last dim of x), got shape [2, 512]");
        dt::expectThrowsWithMessage([&] { rmsNorm(torch::scalar_tensor(1.0), w, kEps); },
                                    "rmsNorm: x must have shape (..., D), got a scalar");
        dt::expectThrowsWithMessage(
            [&] {
                rmsNorm(torch::randn({4, 0}), torch::randn({0}), kEps);
            },
            "rmsNorm: the last dim of x must not be empty, got shape [4, 0]");
        dt::expectThrowsWithMessage(
            [&] {
                rmsNorm(torch::ones({4, 512}, torch::kLong), w, kEps);
            },
            "rmsNorm: x must be float64, float32, bfloat16 or float16, got Long");
        dt::expectThrowsWithMessage([&] { rmsNorm(x, w.to(torch::kBFloat16), kEps); },
                                    "rmsNorm: weight must have the dtype of x (Float), got BFloat16");
        dt::expectThrowsWithMessage(
            [&] { rmsNorm(x, torch::empty({512}, torch::device(torch::kMeta)), kEps); },
            "rmsNorm: weight must be on the device of x (cpu), got meta");
        dt::expectThrowsWithMessage([&] { rmsNorm(x, w, -1.0); },
                                    "rmsNorm: eps must be finite and >= 0, got -1");
        dt::expectThrowsWithMessage([&] { rmsNorm(x, torch::Tensor(), kEps); },
                                    "rmsNorm: weight is an undefined tensor");
        dt::expectThrowsWithMessage([&] { rmsNorm(torch::Tensor(), w, kEps); },
                                    "rmsNorm: x is an undefined tensor");
    }
};

QTEST_GUILESS_MAIN(TestRmsNorm)
#include "tst_rmsnorm.moc"
