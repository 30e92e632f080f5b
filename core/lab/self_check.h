// `danka-cli check`: what this machine can do for Danka, measured. LibTorch and threads, CPU matmul
// throughput (the peak MFU is computed against), and per GPU: Danka's own kernel image runs, matmul peak.
#pragma once

#include <string>
#include <vector>

#include "core/run/job.h"
#include "core/util/system_info.h"

namespace danka::core {

enum class CheckStatus { Pass, Fail, Skip };
const char *checkStatusName(CheckStatus status);

struct CheckItem {
    std::string name;      // "cpu matmul fp32"
    CheckStatus status = CheckStatus::Pass;
    std::string detail;    // what was found, or why it failed / was skipped
    double value = 0;      // a measurement, when there is one
    std::string unit;      // "TFLOP/s"
};

struct SelfCheckReport {
    SystemInfo system;
    std::vector<CheckItem> items;
    bool passed() const;
};

struct SelfCheckOptions {
    bool requireGpu = false;     // no usable GPU is a failure instead of a skip
    double secondsPerMeasure = 0.5;
};

// Runs every check as steps of `job` (progress per step, cancel between steps).
SelfCheckReport runSelfCheck(JobContext &job, const SelfCheckOptions &options);

}  // namespace danka::core
