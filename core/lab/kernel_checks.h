// `danka-cli check --kernels`: the kernel lab's table of cases (lab/kernel_case.h: every fused op of kernels/
// on its aligned and element-wise paths, in float64, float32, bfloat16 and float16, output and every input
// gradient, against its reference in float64 on the CPU, within the tolerance of lab/tolerances.h) on each
// device, then the engine checks beyond single kernels: whole-model gradients (fused kernels on the device vs
// the reference composition in float64; float32, bfloat16 autocast, and float16 autocast with loss scaling as
// fp16 training runs it), the offloaded AdamW step against the on-device one bit for bit, and cached decoding
// vs the full forward. On "cpu" it checks Danka's CPU kernels, which proves the harness where no GPU exists.
// Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lab/self_check.h"
#include "lab/kernel_case.h"

namespace danka::core {

class JobContext;

struct KernelCheckOptions {
    // "all" (the CPU, and cuda:0 when a usable GPU is there), "cpu", "cuda" (= cuda:0) or "cuda:N".
    std::string device = "all";
    std::vector<std::string> dtypes = {"fp64", "fp32", "bf16", "fp16"};  // of the table's cases and engine checks
    uint64_t seed = 1234;  // inputs of every check are drawn from it (lab::caseSeed)
    // Only these groups: the table's "op" and "decode", the engine's "model-grad" (with the optimizer step)
    // and "model-decode"; empty = all.
    std::vector<std::string> groups;
    std::vector<std::string> ops;  // only the table's cases of these ops (engine checks are not ops); empty = all
    // Testing the harness: every fused result (outputs, losses, logits) is scaled by (1 + perturbation)
    // before it is compared, i.e. a deliberately wrong kernel. 0 in real use.
    double perturbation = 0;
};

// Why a check did not run.
enum class KernelSkip {
    None,
    NotForDevice,  // the case is not for this device (float64 on CUDA, float16 attention or a GPU-sized case on
                   // the CPU): by design, never a failure
    NoDevice,      // no usable GPU, or Danka's kernels have no image for it (`--require-gpu` fails these)
};

// One check: CheckItem's name, status and detail ("error 3.1e-07 (out 3.1e-07, dx 2.0e-07 ...), tolerance
// 1e-05"), value = the measured relative error (unit "relative error"), plus the tolerance it was held to.
struct KernelCheckItem : CheckItem {
    double tolerance = 0;
    std::string device;  // "cpu", "cuda:0"
    std::string op;      // the table's op ("rmsnorm", ...), or "model" / "optimizer" for an engine check
    std::string dtype;   // "fp64", "fp32", "bf16", "fp16", "bf16-autocast", "fp16-autocast"
    std::string group;   // "op", "decode", "model-grad", "model-decode"
    KernelSkip skip = KernelSkip::None;
    double seconds = 0;  // how long the check took (inputs, both paths and the comparison)
};

// One engine check as `--list` shows it.
struct EngineCheckInfo {
    std::string name, dtype, group;
    double tolerance = 0;
};

// Why the float16 model checks are skipped on "cpu".
extern const char *const kCpuFp16TrainingMessage;

// The devices `device` names ("all" resolved against what this machine has). Throws std::runtime_error for
// an unknown device name.
std::vector<std::string> kernelCheckDevices(const std::string &device);

// What the checks of `options` are: the table's cases (every one of the table when no option narrows it) and
// the engine checks. Throws std::runtime_error for an unknown dtype, group or op.
std::vector<lab::KernelCase> kernelCheckCases(const KernelCheckOptions &options);
std::vector<EngineCheckInfo> engineChecks(const KernelCheckOptions &options);

// Runs the checks as steps of `job` (progress per check, cancel between checks), device by device: the
// table's cases, then the engine checks. A check that throws is a Fail with the exception's message. Throws
// std::runtime_error for an unknown device, dtype, group or op name.
std::vector<KernelCheckItem> runKernelChecks(JobContext &job, const KernelCheckOptions &options);

}  // namespace danka::core
