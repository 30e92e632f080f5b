// Self check (see self_check.h).
#include "core/lab/self_check.h"

#include <functional>

#include "core/util/text_util.h"

namespace danka::core {

const char *checkStatusName(CheckStatus status)
{
    switch (status) {
    case CheckStatus::Pass: return "pass";
    case CheckStatus::Fail: return "fail";
    case CheckStatus::Skip: return "skip";
    }
    return "?";
}

bool SelfCheckReport::passed() const
{
    for (const CheckItem &item : items)
        if (item.status == CheckStatus::Fail) return false;
    return true;
}

namespace {

CheckItem measure(const std::string &name, const std::string &device, const std::string &dtype, int n,
                  double seconds)
{
    CheckItem item{name, CheckStatus::Pass, "", 0, "TFLOP/s"};
    try {
        item.value = kernels::measureMatmulFlops(device, dtype, n, seconds) / 1e12;
        item.detail = std::to_string(n) + "x" + std::to_string(n) + " matmul";
    } catch (const std::exception &e) {
        item.status = CheckStatus::Fail;
        item.detail = e.what();
        const auto newline = item.detail.find('\n');  // c10 errors append a backtrace
        if (newline != std::string::npos) item.detail.resize(newline);
    }
    return item;
}

}  // namespace

SelfCheckReport runSelfCheck(JobContext &job, const SelfCheckOptions &options)
{
    SelfCheckReport report;
    report.system = systemInfo();
    const kernels::RuntimeInfo &rt = report.system.runtime;

    std::vector<std::function<void()>> steps;
    steps.push_back([&] {
        report.items.push_back({"libtorch", CheckStatus::Pass,
                                rt.torchVersion + (rt.torchCudaVersion.empty() ? " (CPU build)"
                                                                               : " (CUDA " + rt.torchCudaVersion + ")") +
                                    ", " + std::to_string(rt.intraOpThreads) + " of " +
                                    std::to_string(rt.hardwareThreads) + " threads",
                                static_cast<double>(rt.intraOpThreads), "threads"});
    });
    steps.push_back([&] { report.items.push_back(measure("cpu matmul fp32", "cpu", "fp32", 512, options.secondsPerMeasure)); });
    steps.push_back([&] { report.items.push_back(measure("cpu matmul bf16", "cpu", "bf16", 512, options.secondsPerMeasure)); });
    if (rt.gpus.empty()) {
        steps.push_back([&] {
            const std::string why = rt.cudaUnavailableReason.empty() ? "no CUDA device" : rt.cudaUnavailableReason;
            report.items.push_back({"gpu", options.requireGpu ? CheckStatus::Fail : CheckStatus::Skip, why, 0, ""});
        });
    }
    for (const kernels::GpuInfo &gpu : rt.gpus) {
        const std::string prefix = "gpu " + std::to_string(gpu.index);
        steps.push_back([&, prefix] {
            report.items.push_back({prefix, CheckStatus::Pass,
                                    gpu.name + ", sm_" + std::to_string(gpu.computeMajor) +
                                        std::to_string(gpu.computeMinor) + ", " +
                                        formatBytes(static_cast<double>(gpu.totalMemoryBytes)),
                                    static_cast<double>(gpu.totalMemoryBytes), "bytes"});
        });
        steps.push_back([&, prefix] {
            std::string error;
            if (!gpu.dankaKernels) {
                // No image for this GPU (a T4 or V100 against the default sm_80+ build): training still runs,
                // on the reference ops, so this is said, not failed.
                std::string why;
                kernels::dankaCudaKernelsRunOn(gpu.index, &why);
                report.items.push_back({prefix + " danka kernels", CheckStatus::Skip,
                                        why.empty() ? "no kernel image for this GPU" : why, 0, ""});
                return;
            }
            const int arch = kernels::probeDankaKernel(gpu.index, &error);
            if (arch > 0)
                report.items.push_back({prefix + " danka kernels", CheckStatus::Pass,
                                        "image for compute " + std::to_string(arch / 100) + "." +
                                            std::to_string((arch % 100) / 10) + " runs",
                                        static_cast<double>(arch), "arch"});
            else
                report.items.push_back({prefix + " danka kernels", CheckStatus::Fail, error, 0, ""});
        });
        const size_t slot = static_cast<size_t>(&gpu - rt.gpus.data());
        steps.push_back([&, slot] {
            // Free memory needs a CUDA context on the GPU, which the probe above has just created: read here,
            // never by runtimeInfo() (which would create one on every visible GPU at each start).
            kernels::GpuInfo &info = report.system.runtime.gpus[slot];
            std::string error;
            info.freeMemoryBytes = kernels::gpuFreeMemory(info.index, &error);
        });
        const std::string device = "cuda:" + std::to_string(gpu.index);
        steps.push_back([&, prefix, device] {
            report.items.push_back(measure(prefix + " matmul bf16", device, "bf16", 4096, options.secondsPerMeasure));
        });
    }

    for (size_t i = 0; i < steps.size(); ++i) {
        job.checkpoint();
        job.setProgress(static_cast<double>(i) / steps.size(), "check " + std::to_string(i + 1) + "/" +
                                                                   std::to_string(steps.size()));
        steps[i]();
    }
    job.setProgress(1.0, "done");
    return report;
}

}  // namespace danka::core
