// The kernel checks of `danka-cli check --kernels` (core/lab/kernel_checks.h): the driver over the kernel lab's
// table (the table's cases themselves are the kernel tests' labCases) and the engine checks. On the CPU every
// check passes against Danka's CPU kernels (or is skipped with its reason), which validates the harness
// itself; on a GPU every check passes; without one, every CUDA check is skipped with the message that says
// so; the options select exactly the table's cases they name; and the harness catches a deliberately wrong
// kernel, measuring exactly the error injected.
#include <torch/torch.h>

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/lab/kernel_checks.h"
#include "lab/case_runner.h"
#include "tests/support/test_support.h"

using namespace danka;
using core::CheckStatus;
using core::KernelCheckItem;

namespace {

std::vector<KernelCheckItem> run(const core::KernelCheckOptions &options)
{
    std::vector<KernelCheckItem> items;
    std::string error;
    const core::JobState state =
        test::runJob([&](core::JobContext &job) { items = core::runKernelChecks(job, options); }, &error);
    if (state != core::JobState::Completed) qWarning("kernel checks did not complete: %s", error.c_str());
    return items;
}

std::string describe(const KernelCheckItem &i)
{
    return i.device + ": " + i.name + ": " + core::checkStatusName(i.status) + ", " + i.detail;
}

// Every item passes, or is skipped because the case is not for its device. Only the bit-identical optimizer
// check has tolerance 0.
void expectAllPass(const std::vector<KernelCheckItem> &items)
{
    QVERIFY(!items.empty());
    for (const KernelCheckItem &i : items) {
        if (i.status == CheckStatus::Skip) {
            QVERIFY2(i.skip == core::KernelSkip::NotForDevice && !i.detail.empty(), describe(i).c_str());
            continue;
        }
        QVERIFY2(i.status == CheckStatus::Pass, describe(i).c_str());
        const bool bitwise = i.name.rfind("adamw offloaded", 0) == 0;
        QVERIFY2(i.value <= i.tolerance && (i.tolerance > 0 || (bitwise && i.value == 0)), describe(i).c_str());
    }
}

std::set<std::string> namesOf(const std::vector<lab::KernelCase> &cases)
{
    std::set<std::string> names;
    for (const lab::KernelCase &c : cases) names.insert(c.name);
    return names;
}

}  // namespace

class TestKernelChecks : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void relativeErrorIsNormWise()
    {
        const auto t = [](std::vector<double> v) { return torch::tensor(v, torch::kFloat64); };
        // max |x - ref| = 0.5 at the last entry, max |ref| = 4: 0.125 (an element-wise ratio would say 0.125
        // too here, but 1e6 for the tiny entry of the next case).
        QCOMPARE(lab::relativeError(t({1, 2, 3.5}), t({1, 2, 4})), 0.125);
        QCOMPARE(lab::relativeError(t({1e-6, 4}), t({1e-12, 4})), (1e-6 - 1e-12) / 4);
        QCOMPARE(lab::relativeError(t({0, 0}), t({0, 0})), 0.0);
        QVERIFY(std::isinf(lab::relativeError(t({0, 1e-30}), t({0, 0}))));
        QVERIFY(std::isnan(lab::relativeError(t({std::nan(""), 1}), t({1, 1}))));
        // Dtypes and layouts: a bfloat16 strided view against a float64 reference.
        const auto ref = torch::arange(12, torch::kFloat64).view({3, 4});
        QCOMPARE(lab::relativeError(ref.to(torch::kBFloat16).t().t(), ref), 0.0);
        QVERIFY_THROWS_EXCEPTION(c10::Error, lab::relativeError(ref, ref.t()));
    }

    void theOptionsSelectTheTablesCases()
    {
        // No option: the whole table, in its order; then each filter keeps exactly its cases.
        const core::KernelCheckOptions all;
        const std::vector<lab::KernelCase> cases = core::kernelCheckCases(all);
        QCOMPARE(cases.size(), lab::kernelCases().size());
        for (size_t i = 0; i < cases.size(); ++i) QCOMPARE(cases[i].name, lab::kernelCases()[i].name);
        core::KernelCheckOptions o;
        o.dtypes = {"bf16"};
        o.ops = {"rope", "attention-decode"};
        size_t expected = 0;
        for (const lab::KernelCase &c : lab::kernelCases())
            expected += c.dtype == lab::Dtype::Bf16 && (c.op == "rope" || c.op == "attention-decode");
        QCOMPARE(core::kernelCheckCases(o).size(), expected);
        QVERIFY(core::engineChecks(o).empty());  // engine checks are no op of the table
        o.ops.clear();
        o.groups = {"decode", "model-decode"};
        for (const lab::KernelCase &c : core::kernelCheckCases(o)) QCOMPARE(c.group, std::string("decode"));
        QCOMPARE(core::engineChecks(o).size(), size_t(0));  // cached decoding is fp32
        o.dtypes = {"fp32"};
        QCOMPARE(core::engineChecks(o).size(), size_t(2));
        QCOMPARE(core::kernelCheckDevices("cpu"), std::vector<std::string>{"cpu"});
        QCOMPARE(core::kernelCheckDevices("cuda"), std::vector<std::string>{"cuda:0"});
        QCOMPARE(core::kernelCheckDevices("all").front(), std::string("cpu"));
        QCOMPARE(core::kernelCheckDevices("all").size(), size_t(torch::cuda::is_available() ? 2 : 1));

        // The paths packaging/gpu_check.sh must reach on a GPU (issue 16, point 21), one case each, in every
        // low-precision dtype: the element-wise (unaligned) paths of RMSNorm, SwiGLU, RoPE and cross-entropy,
        // RMSNorm past the shared-memory partials (D > 10240), head dims that are not multiples of 16, the
        // decode kernel on both cache forms; and the fp16 step with loss scaling and the offloaded optimizer.
        const std::set<std::string> names = namesOf(cases);
        for (const std::string dtype : {"fp32", "bf16", "fp16"}) {
            for (const std::string &name :
                 {"rmsnorm " + dtype + " [256, 1024] rows 1031 apart at 3 (unaligned)",
                  "rmsnorm " + dtype + " [256, 1027]", "rmsnorm " + dtype + " [64, 12288]",
                  "rmsnorm " + dtype + " [64, 10243] rows 10250 apart at 5 (unaligned)",
                  "swiglu " + dtype + " [256, 1001]",
                  "swiglu " + dtype + " [256, 999] halves of [256, 1998] (unaligned)",
                  "rope " + dtype + " [2, 128, 8, 64] last 64 of 66 dims (unaligned)",
                  "cross-entropy " + dtype +
                      " N=64 V=32001 unweighted, the first 32001 of 32101 columns (unaligned rows)",
                  "attention " + dtype + " gqa H=8/2 d72 causal B=2 T=128",
                  "attention " + dtype + " mha H=4 d40/24 non-causal B=2 T=128",
                  "attention-decode " + dtype + " gqa H=8/2 d128 B=2 T=4 S=300 of a 512 cache, left padding",
                  "attention-decode " + dtype +
                      " mla absorbed H=16 d576/512 B=2 T=1 S=300 of a 512 latent cache, left padding"})
                QVERIFY2(names.count(name), name.c_str());
        }
        std::set<std::string> engine;
        for (const core::EngineCheckInfo &e : core::engineChecks(all)) engine.insert(e.name);
        for (const std::string kind : {"dense gqa", "mla"})
            QVERIFY(engine.count("model grad fp16-autocast loss-scaled " + kind + " T=64"));
        QVERIFY(engine.count("adamw offloaded moments fp32 (bit-identical to on-device)"));
    }

    void cpuChecksPass()
    {
        // The harness against the CPU kernels: one op's cases (the kernel tests run them all), every case
        // passing or skipped as not for the CPU with its reason; then every engine check, float16 training
        // skipped (CUDA only).
        core::KernelCheckOptions o;
        o.device = "cpu";
        o.ops = {"attention-decode"};
        const auto items = run(o);
        expectAllPass(items);
        QCOMPARE(items.size(), core::kernelCheckCases(o).size());
        int skipped = 0;
        for (const auto &i : items) {
            QCOMPARE(i.device, std::string("cpu"));
            QCOMPARE(i.op, std::string("attention-decode"));
            if (i.status == CheckStatus::Skip) {
                ++skipped;
                QVERIFY2(i.detail.find("no float16 attention kernel") != std::string::npos, describe(i).c_str());
            }
        }
        QCOMPARE(skipped, 6);  // the six float16 decode cases

        core::KernelCheckOptions engine;
        engine.device = "cpu";
        engine.groups = {"model-grad", "model-decode"};
        const auto checks = run(engine);
        expectAllPass(checks);
        std::set<std::string> groups;
        int fp16 = 0;
        for (const auto &i : checks) {
            groups.insert(i.group);
            if (i.status == CheckStatus::Skip) {
                ++fp16;
                QCOMPARE(i.detail, std::string(core::kCpuFp16TrainingMessage));
            }
        }
        QCOMPARE(groups, (std::set<std::string>{"model-grad", "model-decode"}));
        QCOMPARE(fp16, 2);
        QCOMPARE(checks.size(), size_t(9));
    }

    void cudaKernelsPass()
    {
        if (!torch::cuda::is_available())
            QSKIP(
                "no CUDA device: the GPU kernel checks need a GPU (packaging/gpu_check.sh on a GPU machine)");
        core::KernelCheckOptions o;
        o.device = "cuda";
        expectAllPass(run(o));
    }

    void withoutGpuEveryCudaCheckIsSkipped()
    {
        if (torch::cuda::is_available()) QSKIP("a GPU is present: cudaKernelsPass runs the checks");
        core::KernelCheckOptions o;
        o.device = "cuda";
        const auto items = run(o);
        QCOMPARE(items.size(), lab::kernelCases().size() + core::engineChecks(o).size());
        for (const auto &i : items) {
            QVERIFY2(i.status == CheckStatus::Skip, describe(i).c_str());
            const lab::KernelCase *c = lab::findKernelCase(i.name);
            if (c && !c->onCuda) {  // float64: not for CUDA at all
                QCOMPARE(i.skip, core::KernelSkip::NotForDevice);
                QCOMPARE(i.detail, c->notOnCuda);
            } else {
                QCOMPARE(i.skip, core::KernelSkip::NoDevice);
                QCOMPARE(i.detail, std::string(lab::kNoCudaDeviceMessage));
            }
        }
    }

    void aWrongKernelIsCaught()
    {
        // Every fused result scaled by 1 + 1e-3: each float32 check must fail, and measure that error.
        for (const bool engine : {false, true}) {
            core::KernelCheckOptions o;
            o.device = "cpu";
            o.dtypes = {"fp32"};
            o.perturbation = 1e-3;
            if (engine)
                o.groups = {"model-grad", "model-decode"};
            else
                o.ops = {"swiglu", "attention-decode"};
            const auto items = run(o);
            QVERIFY(items.size() > 4);
            for (const auto &i : items) {
                QVERIFY2(i.status == CheckStatus::Fail, describe(i).c_str());
                QVERIFY2(std::abs(i.value - 1e-3) < 1e-4, describe(i).c_str());
            }
        }
    }

    void badOptionsAreRejected()
    {
        core::KernelCheckOptions o;
        o.device = "tpu";
        std::string error;
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::runKernelChecks(job, o); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("unknown device") != std::string::npos, error.c_str());
        o.device = "cpu";
        o.dtypes = {"fp8"};
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::runKernelChecks(job, o); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("unknown dtype") != std::string::npos, error.c_str());
        o.dtypes = {"fp32"};
        o.ops = {"layernorm"};
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::runKernelChecks(job, o); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("unknown op \"layernorm\" (rmsnorm, swiglu") != std::string::npos, error.c_str());
        o.ops.clear();
        o.groups = {"ops"};
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::runKernelChecks(job, o); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("unknown group") != std::string::npos, error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestKernelChecks)
#include "tst_kernel_checks.moc"
