// `danka-cli bench attention`: Danka's attention kernel against LibTorch's scaled_dot_product_attention on
// the same causal shapes (core/lab/attention_bench.h): milliseconds, TFLOP/s and the speedup, as a table or JSON.
// `danka-cli bench kernels`: the kernel lab's table of cases timed, Danka's op against its plain-LibTorch
// reference (core/lab/kernel_bench.h): milliseconds, GFLOP/s, GB/s and the speedup; --list lists the cases.
#include "app/cli/cli_bench.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/cli/validators.h"
#include "core/lab/attention_bench.h"
#include "core/lab/kernel_bench.h"
#include "core/run/job.h"

namespace danka::cli {

namespace {

using nlohmann::json;

std::string fixed(const char *format, double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// SDPA time / Danka time: > 1 when Danka is faster; 0 when either did not run.
double speedup(double dankaMs, double sdpaMs)
{
    return dankaMs > 0 && sdpaMs > 0 ? sdpaMs / dankaMs : 0;
}

json timingJson(const core::AttentionTiming &t, const core::AttentionBenchRow &row)
{
    if (!t.ran) return {{"ran", false}, {"note", t.note}};
    return {
        {"ran", true},
        {"note", t.note},
        {"forward_ms", t.forwardMs},
        {"forward_backward_ms", t.forwardBackwardMs},
        {"forward_backward_peak_bytes", t.forwardBackwardPeakBytes},
        {"forward_tflops", core::teraflopsPerSecond(row.forwardFlops, t.forwardMs)},
        {"forward_backward_tflops", core::teraflopsPerSecond(row.forwardBackwardFlops, t.forwardBackwardMs)}};
}

int benchAttention(const Options &options, const core::AttentionBenchOptions &o)
{
    core::AttentionBenchResult r;
    const int code = runJob(options, "attention benchmark",
                            [&](core::JobContext &job) { r = core::benchAttention(o, job); });
    if (code != kExitOk) return code;
    auto ratio = [](double v) { return v > 0 ? json(v) : json(nullptr); };
    if (options.json) {
        json rows = json::array();
        for (const auto &row : r.rows)
            rows.push_back({{"shape", row.shape},
                            {"batch", row.batch},
                            {"heads", row.heads},
                            {"kv_heads", row.kvHeads},
                            {"seq_len", row.length},
                            {"dqk", row.dqk},
                            {"dv", row.dv},
                            {"forward_flops", row.forwardFlops},
                            {"forward_backward_flops", row.forwardBackwardFlops},
                            {"danka", timingJson(row.danka, row)},
                            {"sdpa", timingJson(row.sdpa, row)},
                            {"default_path", row.defaultPath},
                            {"speedup_forward", ratio(speedup(row.danka.forwardMs, row.sdpa.forwardMs))},
                            {"speedup_forward_backward",
                             ratio(speedup(row.danka.forwardBackwardMs, row.sdpa.forwardBackwardMs))}});
        printJson({{"device", r.device},
                   {"device_name", r.deviceName},
                   {"dtype", r.dtype},
                   {"causal", true},
                   {"flops_formula", r.flopsFormula},
                   {"rows", rows}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    auto ms = [](const core::AttentionTiming &t, double v) {
        return t.ran ? fixed("%.3f", v) : std::string("n/a");
    };
    auto tflops = [](const core::AttentionTiming &t, double flops, double v) {
        return t.ran ? fixed("%.3g", core::teraflopsPerSecond(flops, v)) : std::string("n/a");
    };
    auto times = [](double v) { return v > 0 ? fixed("%.2fx", v) : std::string("n/a"); };
    auto mib = [](const core::AttentionTiming &t) {
        return t.ran ? fixed("%.1f", static_cast<double>(t.forwardBackwardPeakBytes) / (1024.0 * 1024.0))
                     : std::string("n/a");
    };
    for (const auto &row : r.rows) {
        const auto &d = row.danka, &s = row.sdpa;
        rows.push_back({row.shape,
                        std::to_string(row.batch) + "x" + std::to_string(row.heads) +
                            (row.kvHeads != row.heads ? "/" + std::to_string(row.kvHeads) : ""),
                        std::to_string(row.length), ms(d, d.forwardMs), ms(s, s.forwardMs),
                        times(speedup(d.forwardMs, s.forwardMs)), ms(d, d.forwardBackwardMs),
                        ms(s, s.forwardBackwardMs), times(speedup(d.forwardBackwardMs, s.forwardBackwardMs)),
                        tflops(d, row.forwardBackwardFlops, d.forwardBackwardMs),
                        tflops(s, row.forwardBackwardFlops, s.forwardBackwardMs), mib(d), mib(s), row.defaultPath,
                        (d.ran ? "" : "danka n/a: " + d.note + "; ") + (s.ran ? s.note : "n/a: " + s.note)});
    }
    std::cout << "Causal attention on " << r.device << " (" << r.deviceName << "), " << r.dtype
              << "; milliseconds are medians; speedup = SDPA time / Danka time.\n";
    printTable({"SHAPE", "BxH/HKV", "T", "DANKA FWD MS", "SDPA FWD MS", "FWD SPEEDUP", "DANKA F+B MS",
                "SDPA F+B MS", "F+B SPEEDUP", "DANKA F+B TFLOP/S", "SDPA F+B TFLOP/S", "DANKA F+B MIB",
                "SDPA F+B MIB", "DEFAULT", "SDPA"},
               rows);
    std::cout << "FLOPs: " << r.flopsFormula << ".\nF+B MIB: peak memory of one forward+backward above q, k, v "
                 "and the upstream gradient. DANKA: Danka's own kernel; DEFAULT: what kernels::attention runs for "
                 "these inputs (kernels/attention.h)."
              << std::endl;
    return kExitOk;
}

// What `bench kernels` was asked for.
struct KernelBenchArgs {
    core::KernelBenchOptions options;
    bool list = false;
};

int listKernelBench(const Options &options, const core::KernelBenchOptions &o)
{
    std::vector<lab::KernelCase> cases;
    try {
        cases = core::kernelBenchCases(o);
    } catch (const std::exception &e) {
        printError(options, e.what());
        return kExitError;
    }
    if (options.json) {
        json list = json::array();
        for (const lab::KernelCase &c : cases) list.push_back(kernelCaseJson(c));
        printJson({{"kernel_cases", list}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const lab::KernelCase &c : cases)
        rows.push_back({c.name, kernelCaseDevices(c), fixed("%.4g", c.flops * 1e-6), fixed("%.4g", c.bytes * 1e-6)});
    printTable({"KERNEL CASE", "DEVICES", "MFLOP", "MB"}, rows);
    std::cout << cases.size() << " kernel cases (lab/kernel_case.h)." << std::endl;
    return kExitOk;
}

json kernelTimingJson(const core::KernelBenchTiming &t)
{
    if (!t.ran) return {{"ran", false}, {"note", t.note}};
    return {{"ran", true}, {"ms", t.ms}, {"gflops", t.gflops}, {"gbytes_per_s", t.gbytes}};
}

int benchKernels(const Options &options, const KernelBenchArgs &args)
{
    if (args.list) return listKernelBench(options, args.options);
    core::KernelBenchResult r;
    const int code =
        runJob(options, "kernel benchmark", [&](core::JobContext &job) { r = core::benchKernels(args.options, job); });
    if (code != kExitOk) return code;
    if (options.json) {
        json rows = json::array();
        for (const core::KernelBenchRow &row : r.rows) {
            json item = kernelCaseJson(row.kernelCase);
            if (!row.skipped.empty()) {
                item["skipped"] = row.skipped;
            } else {
                item["danka"] = kernelTimingJson(row.danka);
                item["reference"] = kernelTimingJson(row.reference);
                const double s = speedup(row.danka.ms, row.reference.ms);
                item["speedup"] = s > 0 ? json(s) : json(nullptr);
            }
            rows.push_back(item);
        }
        printJson({{"device", r.device},
                   {"device_name", r.deviceName},
                   {"flops_convention", r.flopsConvention},
                   {"seconds_per_measure", args.options.secondsPerMeasure},
                   {"rows", rows}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    int ran = 0, skipped = 0;
    for (const core::KernelBenchRow &row : r.rows) {
        if (!row.skipped.empty()) {
            ++skipped;
            rows.push_back({row.kernelCase.name, "skipped", "", "", "", "", "", "", row.skipped});
            continue;
        }
        ++ran;
        const core::KernelBenchTiming &d = row.danka, &ref = row.reference;
        auto cell = [](const core::KernelBenchTiming &t, const char *format, double v) {
            return t.ran ? fixed(format, v) : std::string("n/a");
        };
        const double s = speedup(d.ms, ref.ms);
        std::string note;
        if (!d.ran) note += "danka: " + d.note;
        if (!ref.ran) note += (note.empty() ? "" : "; ") + std::string("reference: ") + ref.note;
        rows.push_back({row.kernelCase.name, cell(d, "%.4f", d.ms), cell(ref, "%.4f", ref.ms),
                        s > 0 ? fixed("%.2fx", s) : std::string("n/a"), cell(d, "%.3g", d.gflops),
                        cell(d, "%.3g", d.gbytes), cell(ref, "%.3g", ref.gflops), cell(ref, "%.3g", ref.gbytes), note});
    }
    std::cout << "Kernel cases on " << r.device << " (" << r.deviceName << "): Danka's op against its reference in "
              << "the case's dtype, forward + backward (decode: forward); milliseconds are medians; speedup = "
                 "reference time / Danka time.\n";
    printTable(
        {"CASE", "DANKA MS", "REF MS", "SPEEDUP", "DANKA GFLOP/S", "DANKA GB/S", "REF GFLOP/S", "REF GB/S", "NOTE"},
        rows);
    std::cout << ran << " cases timed, " << skipped << " not for this device.\n"
              << r.flopsConvention << "." << std::endl;
    return kExitOk;
}

}  // namespace

std::string kernelCaseDevices(const lab::KernelCase &c)
{
    return std::string(c.onCpu ? "cpu" : "") + (c.onCpu && c.onCuda ? "+" : "") + (c.onCuda ? "cuda" : "");
}

json kernelCaseJson(const lab::KernelCase &c)
{
    return {{"name", c.name},           {"op", c.op},
            {"group", c.group},         {"dtype", lab::dtypeName(c.dtype)},
            {"shape", c.shape},         {"devices", kernelCaseDevices(c)},
            {"not_on_cpu", c.notOnCpu}, {"not_on_cuda", c.notOnCuda},
            {"tolerance", c.tolerance}, {"tolerance_basis", c.toleranceBasis},
            {"flops", c.flops},         {"bytes", c.bytes}};
}

void addBenchCommands(CLI::App &bench, const Options &options, Action &action)
{
    auto o = std::make_shared<core::AttentionBenchOptions>();
    CLI::App *cmd = bench.add_subcommand(
        "attention",
        "Danka's attention vs LibTorch's scaled_dot_product_attention: forward and forward+backward, causal");
    cmd->add_option("--device", o->device, "auto (cuda:0 when there is a GPU), cpu, cuda or cuda:N")
        ->capture_default_str();
    cmd->add_option("--dtype", o->dtype, "fp32, bf16 or fp16")
        ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
        ->capture_default_str();
    cmd->add_option("--seconds", o->secondsPerMeasure, "Time budget of each median measurement")
        ->check(greaterThan(0))
        ->capture_default_str();
    cmd->add_flag("--quick", o->quick,
                  "Tiny shapes (T = 64, 128) and 0.1 s per measurement: a smoke run on a CPU");
    cmd->add_option("--lengths", o->lengths, "Sequence lengths to run, e.g. 512,2048 (default 512 to 4096)")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    cmd->callback([&, o] { action = [&, o] { return benchAttention(options, *o); }; });

    auto k = std::make_shared<KernelBenchArgs>();
    CLI::App *kernels = bench.add_subcommand(
        "kernels", "The kernel lab's cases: Danka's fused ops against their plain-LibTorch references, timed");
    kernels->add_option("--device", k->options.device, "auto (cuda:0 when there is a GPU), cpu, cuda or cuda:N")
        ->capture_default_str();
    kernels->add_option("--dtypes", k->options.dtypes, "Only cases in these dtypes (fp64, fp32, bf16, fp16)")
        ->delimiter(',')
        ->check(CLI::IsMember({"fp64", "fp32", "bf16", "fp16"}));
    kernels
        ->add_option("--ops", k->options.ops,
                     "Only these ops (rmsnorm, swiglu, rope, cross-entropy, attention, attention-decode)")
        ->delimiter(',');
    kernels->add_option("--groups", k->options.groups, "Only these groups (op: forward + backward, decode)")
        ->delimiter(',')
        ->check(CLI::IsMember({"op", "decode"}));
    kernels->add_option("--seconds", k->options.secondsPerMeasure, "Time budget of each median measurement")
        ->check(greaterThan(0))
        ->capture_default_str();
    kernels->add_option("--seed", k->options.seed, "Seed of the cases' inputs")->capture_default_str();
    kernels->add_flag("--list", k->list, "List the cases instead of timing them");
    kernels->callback([&, k] { action = [&, k] { return benchKernels(options, *k); }; });
}

}  // namespace danka::cli
