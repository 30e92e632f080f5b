// `danka-cli check`: LibTorch, threads, CPU and GPU matmul peaks, and whether Danka's own CUDA kernels run
// on each GPU; with --kernels also every fused op, decoding and whole-model gradients against the float64
// references (core/lab/kernel_checks.h). Exit 1 when a check fails (with --require-gpu, also when there is no GPU
// or a kernel check was skipped).
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "core/lab/kernel_checks.h"
#include "core/lab/self_check.h"
#include "core/util/text_util.h"

namespace danka::cli {

namespace {

using nlohmann::json;

// What `check` was asked for besides the self check.
struct KernelArgs {
    bool enabled = false;  // --kernels
    core::KernelCheckOptions options;
};

std::string scientific(double v)
{
    if (std::isnan(v)) return "nan";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

// JSON numbers cannot be NaN or infinite: those become null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

int runCheck(const Options &options, const core::SelfCheckOptions &checkOptions, const KernelArgs &kernelArgs)
{
    ProgressBar bar(!options.json);
    core::SelfCheckReport report;
    std::vector<core::KernelCheckItem> kernelItems;
    core::JobCallbacks callbacks;
    callbacks.progress = [&bar](const core::JobProgress &p) { bar.update(p); };
    core::Job job("check", [&](core::JobContext &ctx) {
        report = core::runSelfCheck(ctx, checkOptions);
        if (kernelArgs.enabled) kernelItems = core::runKernelChecks(ctx, kernelArgs.options);
    }, callbacks);
    job.start();
    const core::JobState state = job.wait();
    bar.finish();
    if (state != core::JobState::Completed) {
        printError(options, "check " + std::string(core::jobStateName(state)) + ": " + job.error());
        return kExitError;
    }
    // --require-gpu: a kernel check that could not run (no GPU) fails instead of being skipped.
    int kernelCounts[3] = {0, 0, 0};  // pass, fail, skip
    for (core::KernelCheckItem &i : kernelItems) {
        if (checkOptions.requireGpu && i.status == core::CheckStatus::Skip) {
            i.status = core::CheckStatus::Fail;
            i.detail = "skipped, but --require-gpu: " + i.detail;
        }
        ++kernelCounts[static_cast<int>(i.status)];
    }
    const bool passed = report.passed() && kernelCounts[static_cast<int>(core::CheckStatus::Fail)] == 0;

    const auto &rt = report.system.runtime;
    if (options.json) {
        json items = json::array();
        for (const auto &i : report.items)
            items.push_back({{"name", i.name}, {"status", core::checkStatusName(i.status)}, {"detail", i.detail},
                             {"value", i.value}, {"unit", i.unit}});
        json gpus = json::array();
        for (const auto &g : rt.gpus)
            gpus.push_back({{"index", g.index}, {"name", g.name},
                            {"compute_capability", std::to_string(g.computeMajor) + "." + std::to_string(g.computeMinor)},
                            {"total_memory_bytes", g.totalMemoryBytes}, {"free_memory_bytes", g.freeMemoryBytes}});
        json out = {{"danka_version", report.system.dankaVersion},
                   {"torch_version", rt.torchVersion},
                   {"torch_cuda_version", rt.torchCudaVersion},
                   {"danka_cuda_kernels", rt.danKernelsCuda},
                   {"danka_cuda_archs", rt.danKernelsCudaArchs},
                   {"cuda_available", rt.cudaAvailable},
                   {"threads", rt.intraOpThreads},
                   {"hardware_threads", rt.hardwareThreads},
                   {"gpus", gpus},
                   {"checks", items}};
        if (kernelArgs.enabled) {
            json kernels = json::array();
            for (const auto &i : kernelItems)
                kernels.push_back({{"name", i.name}, {"status", core::checkStatusName(i.status)}, {"detail", i.detail},
                                   {"group", i.group}, {"dtype", i.dtype},
                                   {"value", i.status == core::CheckStatus::Skip ? json(nullptr) : number(i.value)},
                                   {"unit", i.unit}, {"tolerance", i.tolerance},
                                   {"seconds", i.seconds}});
            out["kernel_checks"] = kernels;
            out["kernel_device"] = kernelArgs.options.device;
            out["kernel_summary"] = {{"pass", kernelCounts[0]}, {"fail", kernelCounts[1]}, {"skip", kernelCounts[2]}};
        }
        out["passed"] = passed;
        printJson(out);
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto &i : report.items) {
            std::string value;
            if (i.unit == "TFLOP/s" && i.status == core::CheckStatus::Pass) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.3f TFLOP/s", i.value);
                value = buf;
            }
            rows.push_back({i.name, core::checkStatusName(i.status), value, i.detail});
        }
        for (const auto &i : kernelItems) {
            // "3.1e-07 <= 1.0e-05": the error against its tolerance; the detail has each part.
            std::string value;
            if (i.status != core::CheckStatus::Skip)
                value = scientific(i.value) + (i.value <= i.tolerance ? " <= " : " > ") + scientific(i.tolerance);
            rows.push_back({i.name, core::checkStatusName(i.status), value, i.detail});
        }
        printTable({"CHECK", "STATUS", "VALUE", "DETAIL"}, rows);
        if (kernelArgs.enabled)
            std::cout << "Kernel checks on " << kernelArgs.options.device << ": " << kernelCounts[0] << " passed, "
                      << kernelCounts[1] << " failed, " << kernelCounts[2] << " skipped." << std::endl;
        std::cout << (passed ? "All checks passed." : "Some checks FAILED.") << std::endl;
    }
    return passed ? kExitOk : kExitError;
}

}  // namespace

void addCheckCommand(CLI::App &app, const Options &options, Action &action)
{
    auto checkOptions = std::make_shared<core::SelfCheckOptions>();
    auto kernelArgs = std::make_shared<KernelArgs>();
    CLI::App *check = app.add_subcommand("check", "Check LibTorch, threads, CPU/GPU throughput and Danka's GPU kernels");
    check->add_flag("--require-gpu", checkOptions->requireGpu,
                    "Fail when no usable GPU is present (and, with --kernels, when a kernel check is skipped)");
    check->add_option("--seconds", checkOptions->secondsPerMeasure, "Seconds per throughput measurement")
        ->check(CLI::Range(0.05, 60.0));
    auto *kernels = check->add_flag("--kernels", kernelArgs->enabled,
                                    "Also check every fused kernel, decoding and model gradients against float64 references");
    check->add_option("--device", kernelArgs->options.device, "Device of the kernel checks: cuda, cuda:N or cpu")
        ->needs(kernels)
        ->capture_default_str();
    check->add_option("--dtypes", kernelArgs->options.dtypes, "Dtypes of the kernel checks (fp32, bf16, fp16)")
        ->delimiter(',')
        ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
        ->needs(kernels);
    check->add_option("--groups", kernelArgs->options.groups, "Only these kernel check groups (default: all)")
        ->delimiter(',')
        ->check(CLI::IsMember({"op", "decode", "model-grad", "model-decode"}))
        ->needs(kernels);
    check->add_option("--seed", kernelArgs->options.seed, "Seed of the kernel checks' inputs")->needs(kernels)->capture_default_str();
    check->callback([&, checkOptions, kernelArgs] {
        action = [&, checkOptions, kernelArgs] { return runCheck(options, *checkOptions, *kernelArgs); };
    });
}

}  // namespace danka::cli
