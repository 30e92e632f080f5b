// Resource lookup (see resources.h).
#include "core/util/resources.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace danka::core {

std::string resourcesDir()
{
    std::vector<fs::path> candidates;
    if (const char *env = std::getenv("DANKA_RESOURCES"); env && *env) candidates.emplace_back(env);
#ifdef DANKA_SOURCE_RESOURCES
    candidates.emplace_back(DANKA_SOURCE_RESOURCES);
#endif
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        candidates.push_back(fs::path(exe).parent_path().parent_path() / "share" / "danka" / "resources");
    }
    std::string tried;
    for (const fs::path &c : candidates) {
        std::error_code ec;
        if (fs::is_directory(c / "demo", ec)) return c.string();
        tried += (tried.empty() ? "" : ", ") + c.string();
    }
    throw Error("cannot find Danka's resources (looked in " + tried + "); set DANKA_RESOURCES to the resources folder");
}

std::string demoFile(const std::string &name)
{
    return (fs::path(resourcesDir()) / "demo" / name).string();
}

}  // namespace danka::core
