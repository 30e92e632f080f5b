// `danka-cli check`: LibTorch, threads, CPU and GPU matmul peaks, and whether Danka's own CUDA kernels run
// on each GPU; with --kernels also the kernel lab's table of cases (every fused op and decoding against the
// float64 references, lab/kernel_case.h) on each device and the engine checks (whole-model gradients, the
// offloaded optimizer, cached decoding; core/lab/kernel_checks.h); --kernels --list lists them without running.
// Exit 1 when a check fails (with --require-gpu, also when there is no GPU or a kernel check was skipped for
// the want of one).
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_bench.h"
#include "app/cli/commands.h"
#include "core/lab/kernel_checks.h"
#include "core/lab/self_check.h"
#include "core/util/text_util.h"
#include "lab/kernel_case.h"

namespace danka::cli {

namespace {

using nlohmann::json;

// What `check` was asked for besides the self check.
struct KernelArgs {
    bool enabled = false;  // --kernels
    bool list = false;     // --list
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

// --kernels --list: the table's cases (what the kernel tests and `bench kernels --list` list too) and the
// engine checks, without running anything.
int listKernelChecks(const Options &options, const core::KernelCheckOptions &o)
{
    std::vector<lab::KernelCase> cases;
    std::vector<core::EngineCheckInfo> engine;
    try {
        cases = core::kernelCheckCases(o);
        engine = core::engineChecks(o);
    } catch (const std::exception &e) {
        printError(options, e.what());
        return kExitError;
    }
    if (options.json) {
        json list = json::array(), checks = json::array();
        for (const lab::KernelCase &c : cases) list.push_back(kernelCaseJson(c));
        for (const core::EngineCheckInfo &e : engine)
            checks.push_back({{"name", e.name}, {"dtype", e.dtype}, {"group", e.group}, {"tolerance", e.tolerance}});
        printJson({{"kernel_cases", list}, {"engine_checks", checks}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const lab::KernelCase &c : cases) rows.push_back({c.name, kernelCaseDevices(c), scientific(c.tolerance)});
    printTable({"KERNEL CASE", "DEVICES", "TOLERANCE"}, rows);
    rows.clear();
    for (const core::EngineCheckInfo &e : engine) rows.push_back({e.name, e.group, scientific(e.tolerance)});
    std::cout << "\n";
    printTable({"ENGINE CHECK", "GROUP", "TOLERANCE"}, rows);
    std::cout << cases.size() << " kernel cases (lab/kernel_case.h) and " << engine.size() << " engine checks."
              << std::endl;
    return kExitOk;
}

int runCheck(const Options &options, const core::SelfCheckOptions &checkOptions, const KernelArgs &kernelArgs)
{
    if (kernelArgs.list) return listKernelChecks(options, kernelArgs.options);
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
    // --require-gpu: a kernel check that could not run for the want of a GPU fails instead of being skipped
    // (a case that is not for the device, such as float64 on CUDA, stays skipped).
    int kernelCounts[3] = {0, 0, 0};  // pass, fail, skip
    for (core::KernelCheckItem &i : kernelItems) {
        if (checkOptions.requireGpu && i.status == core::CheckStatus::Skip && i.skip == core::KernelSkip::NoDevice) {
            i.status = core::CheckStatus::Fail;
            i.detail = "skipped, but --require-gpu: " + i.detail;
        }
        ++kernelCounts[static_cast<int>(i.status)];
    }
    const bool passed = report.passed() && kernelCounts[static_cast<int>(core::CheckStatus::Fail)] == 0;
    std::string kernelDevices;  // "cpu,cuda:0"
    if (kernelArgs.enabled)
        for (const std::string &d : core::kernelCheckDevices(kernelArgs.options.device))
            kernelDevices += (kernelDevices.empty() ? "" : ",") + d;

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
                kernels.push_back({{"name", i.name},
                                   {"status", core::checkStatusName(i.status)},
                                   {"detail", i.detail},
                                   {"device", i.device},
                                   {"op", i.op},
                                   {"group", i.group},
                                   {"dtype", i.dtype},
                                   {"value", i.status == core::CheckStatus::Skip ? json(nullptr) : number(i.value)},
                                   {"unit", i.unit},
                                   {"tolerance", i.tolerance},
                                   {"seconds", i.seconds}});
            out["kernel_checks"] = kernels;
            out["kernel_device"] = kernelDevices;
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
            rows.push_back({i.device + ": " + i.name, core::checkStatusName(i.status), value, i.detail});
        }
        printTable({"CHECK", "STATUS", "VALUE", "DETAIL"}, rows);
        if (kernelArgs.enabled)
            std::cout << "Kernel checks on " << kernelDevices << ": " << kernelCounts[0] << " passed, "
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
    check
        ->add_option("--device", kernelArgs->options.device,
                     "Devices of the kernel checks: all (the CPU, and cuda:0 when there is a GPU), cpu, cuda or cuda:N")
        ->needs(kernels)
        ->capture_default_str();
    check->add_option("--dtypes", kernelArgs->options.dtypes, "Dtypes of the kernel checks (fp64, fp32, bf16, fp16)")
        ->delimiter(',')
        ->check(CLI::IsMember({"fp64", "fp32", "bf16", "fp16"}))
        ->needs(kernels);
    check
        ->add_option("--ops", kernelArgs->options.ops,
                     "Only the kernel cases of these ops (rmsnorm, swiglu, rope, cross-entropy, attention, "
                     "attention-decode; no engine checks)")
        ->delimiter(',')
        ->needs(kernels);
    check->add_flag("--list", kernelArgs->list, "List the kernel cases and engine checks instead of running them")
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
