// `danka-cli check --kernels`: every fused op of kernels/ (RMSNorm, SwiGLU, RoPE, cross-entropy, attention)
// on a device and in float32, bfloat16 and float16, output and every input gradient, against its reference
// evaluated in float64 on the CPU on the same (rounded) inputs, on both the 16-byte-pack and the element-wise
// (unaligned) paths, RMSNorm beyond D = 10240 and head dims that are not multiples of 16; attention decoding
// over a KV cache; whole-model gradients (fused kernels on the device vs the reference composition in
// float64; float32, bfloat16 autocast, and float16 autocast with loss scaling as fp16 training runs it); the
// offloaded AdamW step against the on-device one, bit for bit; cached decoding vs the full forward. On "cpu" it checks Danka's CPU kernels, which proves the harness where no GPU
// exists. Torch-free header (at::Tensor is only forward-declared).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lab/self_check.h"

namespace at {
class Tensor;
}

namespace danka::core {

class JobContext;

struct KernelCheckOptions {
    std::string device = "cuda";                                 // "cuda", "cuda:N" or "cpu"
    std::vector<std::string> dtypes = {"fp32", "bf16", "fp16"};  // of the op and decode checks
    uint64_t seed = 1234;                                        // inputs of every check are drawn from it
    // Only these groups ("op", "decode", "model-grad" (with the optimizer step), "model-decode"); empty = all.
    std::vector<std::string> groups;
    // Testing the harness: every fused result (outputs, losses, logits) is scaled by (1 + perturbation)
    // before it is compared, i.e. a deliberately wrong kernel. 0 in real use.
    double perturbation = 0;
};

// One check: CheckItem's name, status and detail ("error 3.1e-07 (out 3.1e-07, dq 2.0e-07 ...), tolerance
// 1e-05"), value = the measured relative error (unit "relative error"), plus the tolerance it was held to.
struct KernelCheckItem : CheckItem {
    double tolerance = 0;
    std::string dtype;   // "fp32", "bf16", "fp16", "bf16-autocast", "fp16-autocast"
    std::string group;   // "op", "decode", "model-grad", "model-decode"
    double seconds = 0;  // how long the check took (inputs, both paths and the comparison)
};

// The message of every item when device is "cuda" and no GPU is usable (all items are then Skip).
extern const char *const kNoCudaDeviceMessage;
// Why the float16 model checks are skipped on "cpu".
extern const char *const kCpuFp16TrainingMessage;

// Runs the checks as steps of `job` (progress per check, cancel between checks). A check that throws is a
// Fail with the exception's message. Throws std::runtime_error for an unknown device or dtype name.
std::vector<KernelCheckItem> runKernelChecks(JobContext &job, const KernelCheckOptions &options);

// Norm-wise relative error max |x - ref| / max |ref| (both read as float64, on any device): robust to tiny
// entries, where an element-wise ratio would explode. 0 when both are all zeros, infinity when only ref is;
// NaN anywhere in x gives NaN (which fails every tolerance). Shapes must match (throws otherwise).
double relativeError(const at::Tensor &x, const at::Tensor &ref);

}  // namespace danka::core
