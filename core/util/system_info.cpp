// Versions and thread policy (see system_info.h).
#include "core/util/system_info.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/util/error.h"
#include "core/version.h"

namespace danka::core {

SystemInfo systemInfo()
{
    SystemInfo info;
    info.dankaVersion = DANKA_VERSION;
    info.sqliteVersion = sqlite3_libversion();
    info.sentencepieceVersion = DANKA_SENTENCEPIECE_VERSION;
    info.jsonVersion = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                       std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                       std::to_string(NLOHMANN_JSON_VERSION_PATCH);
#if defined(__clang__)
    info.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    info.compiler = "gcc " __VERSION__;
#endif
    info.buildType = DANKA_BUILD_TYPE;
    info.runtime = kernels::runtimeInfo();
    return info;
}

std::string versionLine()
{
    const kernels::RuntimeInfo rt = kernels::runtimeInfo();
    std::string line = std::string(DANKA_VERSION) + " (LibTorch " + rt.torchVersion;
    line += rt.torchCudaVersion.empty() ? ", CPU build" : ", CUDA " + rt.torchCudaVersion;
    if (rt.danKernelsCuda) line += ", Danka CUDA kernels for " + rt.danKernelsCudaArchs;
    return line + ")";
}

namespace {

// Training allocates and frees the same large buffers (activations, logits, gradients) every step.
// glibc serves anything above its mmap threshold with a fresh mmap and unmaps it on free, so each
// step pays page faults and zeroing for every large tensor again (measured: +8% training tokens/s
// on minimind-26m without it, see docs/benchmarks.md). Keep large blocks in the heap instead and
// only give memory back to the system once 256 MiB lie free at its top. A user's MALLOC_MMAP_MAX_ /
// MALLOC_TRIM_THRESHOLD_ environment wins.
void tuneAllocatorForTraining()
{
#if defined(__GLIBC__)
    if (!std::getenv("MALLOC_MMAP_MAX_")) mallopt(M_MMAP_MAX, 0);
    if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace

int initComputeThreads(int threads)
{
    tuneAllocatorForTraining();
    if (threads < 0) {
        const char *env = std::getenv("DANKA_THREADS");
        threads = 0;
        if (env && *env) {
            // The whole value must be a count: "abc" or "4x" silently meaning all cores would hide a typo.
            char *end = nullptr;
            errno = 0;
            const long value = std::strtol(env, &end, 10);
            if (*end != '\0' || errno != 0 || value < 0 || value > 4096)
                throw Error(std::string("DANKA_THREADS: \"") + env +
                            "\" is not a thread count (an integer from 0, meaning all cores, to 4096)");
            threads = static_cast<int>(value);
        }
    }
    return kernels::setThreadCount(threads);
}

}  // namespace danka::core
