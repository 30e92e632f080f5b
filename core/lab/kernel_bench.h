// `danka-cli bench kernels`: the kernel lab's table of cases (lab/kernel_case.h) timed on one device, Danka's
// fused op against its reference (the plain-LibTorch composition of kernels/<op>.h) in the case's dtype on the
// same inputs: median milliseconds of a forward + backward call (decode cases: the forward), GFLOP/s and GB/s
// from the table's FLOP and byte counts. Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lab/kernel_case.h"

namespace danka::core {

class JobContext;

struct KernelBenchOptions {
    std::string device = "auto";  // "auto" (cuda:0 when usable, else cpu), "cpu", "cuda" or "cuda:N"
    std::vector<std::string> dtypes = {"fp64", "fp32", "bf16", "fp16"};
    std::vector<std::string> groups;  // "op", "decode"; empty = both
    std::vector<std::string> ops;     // only these ops; empty = all
    double secondsPerMeasure = 0.1;   // time budget of each median (at least 3 timed calls after 2 warm-ups)
    uint64_t seed = 1234;             // the inputs (lab::caseSeed), as `check --kernels` draws them
};

struct KernelBenchTiming {
    bool ran = false;
    std::string note;  // why it did not run
    double ms = 0;
    double gflops = 0;  // GFLOP/s
    double gbytes = 0;  // GB/s
};

struct KernelBenchRow {
    lab::KernelCase kernelCase;
    std::string skipped;  // why the case does not run on this device (empty: it ran)
    KernelBenchTiming danka, reference;
};

struct KernelBenchResult {
    std::string device;      // "cpu", "cuda:0"
    std::string deviceName;  // the GPU's name, or "CPU (N threads)"
    std::string flopsConvention;
    std::vector<KernelBenchRow> rows;
};

// The table's cases the options select (all of them when no option narrows it), in table order. Throws
// core::Error for an unknown dtype, group or op.
std::vector<lab::KernelCase> kernelBenchCases(const KernelBenchOptions &options);

// Times every selected case as a step of `job`; a case not for this device is a row with the reason. Throws
// core::Error for a bad device, or "cuda" without a GPU.
KernelBenchResult benchKernels(const KernelBenchOptions &options, JobContext &job);

}  // namespace danka::core
