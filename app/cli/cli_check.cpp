// `danka-cli check`: LibTorch, threads, CPU and GPU matmul peaks, and whether Danka's own CUDA kernels run
// on each GPU. Exit 1 when a check fails (with --require-gpu, also when there is no GPU).
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli/commands.h"
#include "core/self_check.h"
#include "core/text_util.h"

namespace danka::cli {

namespace {

using nlohmann::json;

int runCheck(const Options &options, const core::SelfCheckOptions &checkOptions)
{
    ProgressBar bar(!options.json);
    core::SelfCheckReport report;
    core::JobCallbacks callbacks;
    callbacks.progress = [&bar](const core::JobProgress &p) { bar.update(p); };
    core::Job job("check", [&](core::JobContext &ctx) { report = core::runSelfCheck(ctx, checkOptions); }, callbacks);
    job.start();
    const core::JobState state = job.wait();
    bar.finish();
    if (state != core::JobState::Completed) {
        printError(options, "check " + std::string(core::jobStateName(state)) + ": " + job.error());
        return kExitError;
    }

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
        printJson({{"danka_version", report.system.dankaVersion},
                   {"torch_version", rt.torchVersion},
                   {"torch_cuda_version", rt.torchCudaVersion},
                   {"danka_cuda_kernels", rt.danKernelsCuda},
                   {"danka_cuda_archs", rt.danKernelsCudaArchs},
                   {"cuda_available", rt.cudaAvailable},
                   {"threads", rt.intraOpThreads},
                   {"hardware_threads", rt.hardwareThreads},
                   {"gpus", gpus},
                   {"checks", items},
                   {"passed", report.passed()}});
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
        printTable({"CHECK", "STATUS", "VALUE", "DETAIL"}, rows);
        std::cout << (report.passed() ? "All checks passed." : "Some checks FAILED.") << std::endl;
    }
    return report.passed() ? kExitOk : kExitError;
}

}  // namespace

void addCheckCommand(CLI::App &app, const Options &options, Action &action)
{
    auto checkOptions = std::make_shared<core::SelfCheckOptions>();
    CLI::App *check = app.add_subcommand("check", "Check LibTorch, threads, CPU/GPU throughput and Danka's GPU kernels");
    check->add_flag("--require-gpu", checkOptions->requireGpu, "Fail when no usable GPU is present");
    check->add_option("--seconds", checkOptions->secondsPerMeasure, "Seconds per throughput measurement")
        ->check(CLI::Range(0.05, 60.0));
    check->callback([&, checkOptions] { action = [&, checkOptions] { return runCheck(options, *checkOptions); }; });
}

}  // namespace danka::cli
