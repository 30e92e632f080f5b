// What this Danka is and runs on: versions for --version and the About box, and the one call every entry
// point makes before computing (thread policy).
#pragma once

#include <string>

#include "kernels/runtime.h"

namespace danka::core {

struct SystemInfo {
    std::string dankaVersion;
    std::string sqliteVersion;
    std::string jsonVersion;        // nlohmann/json
    std::string sentencepieceVersion;  // the library Danka was built against (pkg-config)
    std::string compiler;
    std::string buildType;
    kernels::RuntimeInfo runtime;   // LibTorch, CUDA, devices, threads
};

SystemInfo systemInfo();
// "0.1.0 (LibTorch 2.13.0, CUDA 13.0, Danka CUDA kernels for 8.0 8.9 9.0+PTX)"
std::string versionLine();
// Sets the LibTorch intra-op thread count (0 = all cores, else the given count; $DANKA_THREADS when
// `threads` is negative; core::Error naming the variable when it is not a count). Returns the count in effect. Also tunes glibc's allocator for training:
// large blocks stay in the heap instead of being mmapped and unmapped every step.
int initComputeThreads(int threads);

}  // namespace danka::core
