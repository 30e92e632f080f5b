// Kernel benchmark (see kernel_bench.h): each case of the lab's table through lab::benchCase.
#include "core/lab/kernel_bench.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <stdexcept>

#include "core/lab/kernel_checks.h"
#include "core/run/job.h"
#include "core/util/error.h"
#include "kernels/runtime.h"
#include "lab/case_runner.h"

namespace danka::core {

namespace {

KernelBenchTiming timing(const lab::CaseTiming &t)
{
    return {t.ran, t.note, t.ms, t.gflops, t.gbytes};
}

}  // namespace

std::vector<lab::KernelCase> kernelBenchCases(const KernelBenchOptions &o)
{
    for (const std::string &g : o.groups)
        if (g != "op" && g != "decode") throw Error("bench kernels: unknown group \"" + g + "\" (op or decode)");
    KernelCheckOptions filter;
    filter.dtypes = o.dtypes;
    filter.groups = o.groups;
    filter.ops = o.ops;
    try {
        return kernelCheckCases(filter);
    } catch (const std::runtime_error &e) {
        std::string message = e.what();
        const std::string prefix = "kernel checks: ";
        if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
        throw Error("bench kernels: " + message);
    }
}

KernelBenchResult benchKernels(const KernelBenchOptions &o, JobContext &job)
{
    const std::vector<lab::KernelCase> cases = kernelBenchCases(o);
    std::string device = o.device;
    if (device == "auto") device = torch::cuda::is_available() ? "cuda:0" : "cpu";
    if (device == "cuda") device = "cuda:0";
    if (device != "cpu" && (device.rfind("cuda:", 0) != 0 || device.size() == 5 ||
                            device.find_first_not_of("0123456789", 5) != std::string::npos))
        throw Error("bench kernels: unknown device \"" + o.device + "\" (auto, cpu, cuda or cuda:N)");
    const at::Device dev(device);
    if (dev.is_cuda() && (!torch::cuda::is_available() || dev.index() >= static_cast<int>(torch::cuda::device_count())))
        throw Error("bench kernels: no CUDA device " + device + " (use --device cpu)");
    if (o.secondsPerMeasure <= 0) throw Error("bench kernels: --seconds must be positive");

    KernelBenchResult result;
    result.device = device;
    result.flopsConvention = lab::flopsConvention();
    if (dev.is_cuda()) {
        for (const kernels::GpuInfo &g : kernels::runtimeInfo().gpus)
            if (g.index == dev.index()) result.deviceName = g.name;
    } else {
        result.deviceName = "CPU (" + std::to_string(at::get_num_threads()) + " threads)";
    }
    lab::Timer timer;
    timer.device = dev;
    timer.seconds = o.secondsPerMeasure;
    timer.poll = [&job] { job.checkpoint(); };
    for (const lab::KernelCase &c : cases) {
        job.checkpoint();
        job.setProgress(static_cast<double>(result.rows.size()) / static_cast<double>(cases.size()), c.name);
        KernelBenchRow row;
        row.kernelCase = c;
        const lab::Availability a = lab::availability(c, dev);
        if (!a.runs()) {
            row.skipped = a.message;
        } else {
            const lab::CaseBench b = lab::benchCase(c, dev, timer, o.seed);
            row.danka = timing(b.danka);
            row.reference = timing(b.reference);
        }
        result.rows.push_back(std::move(row));
    }
    job.setProgress(1.0, "done");
    return result;
}

}  // namespace danka::core
