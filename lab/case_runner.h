// Running a case of the kernel table (lab/kernel_case.h): against its float64 reference (the tests and
// `danka-cli check --kernels`) and timed against its reference in the case's dtype (`danka-cli bench
// kernels`). Engine-internal: this header shows torch types (core and the tests include it).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>

#include "lab/kernel_case.h"
#include "lab/timing.h"

namespace danka::lab {

// Norm-wise relative error max |x - ref| / max |ref| (both read as float64, on any device): robust to tiny
// entries, where an element-wise ratio would explode. 0 when both are all zeros, infinity when only ref is;
// NaN anywhere in x gives NaN (which fails every tolerance). Shapes must match (throws otherwise).
double relativeError(const at::Tensor &x, const at::Tensor &ref);

// Whether a case runs on a device, and why not.
enum class SkipReason {
    None,
    NotForDevice,  // the table says the case is not for this device (its notOnCpu / notOnCuda)
    NoDevice,      // the device is not there, or Danka's kernels have no image for it
};
struct Availability {
    SkipReason reason = SkipReason::None;
    std::string message;
    bool runs() const { return reason == SkipReason::None; }
};
Availability availability(const KernelCase &c, const at::Device &device);

// The message of a CUDA case when no CUDA device is usable.
extern const char *const kNoCudaDeviceMessage;

// The seed a case's inputs are drawn from: `seed` plus a hash of the case's name, so each case has its own
// inputs and they are the same in every mode.
uint64_t caseSeed(const KernelCase &c, uint64_t seed);

// The errors of one comparison: the worst (what the case is judged on) and each part for the detail.
struct CaseMeasurement {
    double error = 0;     // the largest relative error (NaN when one is NaN)
    std::string parts;    // "out 1.2e-07, dx 3.4e-07, dweight 2.0e-07"
    std::string problem;  // a contract violation found on the way (wrong dtype, missing gradient)
    bool passed(double tolerance) const;
};

// Draws the case's inputs on the CPU from caseSeed(c, seed), runs Danka's op on `device` in the case's dtype
// and the reference in float64 on the CPU on the same (rounded) values, with one upstream gradient drawn in
// the output's dtype (upcast for the reference), and measures the output and every Grad input's gradient.
// `perturbation` scales the fused output by (1 + perturbation) before it is compared: a deliberately wrong
// kernel, for testing the harness (0 in real use). The caller checks availability() first.
CaseMeasurement checkCase(const KernelCase &c, const at::Device &device, uint64_t seed, double perturbation = 0);

// One timed implementation: median milliseconds of a forward (+ backward for group "op") call.
struct CaseTiming {
    bool ran = false;
    std::string note;  // why it did not run
    double ms = 0;
    double gflops = 0;  // the case's FLOPs / the time
    double gbytes = 0;  // the case's bytes / the time, GB/s (10^9)
};
struct CaseBench {
    CaseTiming danka, reference;
};

// Times Danka's op and the reference, both in the case's dtype on `device` (the same inputs), each a median
// under `timer`. Errors become notes (ran = false), except what `timer`'s poll throws (cancellation).
CaseBench benchCase(const KernelCase &c, const at::Device &device, const Timer &timer, uint64_t seed);

}  // namespace danka::lab
