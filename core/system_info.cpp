// Versions and thread policy (see system_info.h).
#include "core/system_info.h"

#include <sqlite3.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/version.h"

namespace danka::core {

SystemInfo systemInfo()
{
    SystemInfo info;
    info.dankaVersion = DANKA_VERSION;
    info.sqliteVersion = sqlite3_libversion();
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

int initComputeThreads(int threads)
{
    if (threads < 0) {
        const char *env = std::getenv("DANKA_THREADS");
        threads = env && *env ? std::atoi(env) : 0;
    }
    return kernels::setThreadCount(threads);
}

}  // namespace danka::core
