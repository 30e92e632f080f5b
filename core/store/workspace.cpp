// Workspace layout and resolution (see workspace.h).
#include "core/store/workspace.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/util/error.h"
#include "core/store/experiment_store.h"

namespace fs = std::filesystem;

namespace danka::core {

namespace {
constexpr const char *kDatabaseName = "danka.sqlite";
}

std::string Workspace::defaultPath()
{
    const char *xdg = std::getenv("XDG_DATA_HOME");
    fs::path base;
    if (xdg && *xdg) {
        base = xdg;
    } else {
        const char *home = std::getenv("HOME");
        base = fs::path(home && *home ? home : ".") / ".local" / "share";
    }
    return (base / "danka" / "workspace").string();
}

std::string Workspace::resolvePath(const std::string &explicitPath)
{
    if (!explicitPath.empty()) return explicitPath;
    const char *env = std::getenv("DANKA_WORKSPACE");
    if (env && *env) return env;
    return defaultPath();
}

Workspace Workspace::open(const std::string &path)
{
    if (path.empty()) throw Error("no workspace folder given");
    std::error_code ec;
    const fs::path dir = fs::absolute(path, ec);
    if (ec) throw Error("workspace " + path + ": " + ec.message());
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw Error("workspace " + dir.string() + " is a file, not a folder");
    if (fs::is_directory(dir, ec) && !fs::exists(dir / kDatabaseName, ec) && !fs::is_empty(dir, ec))
        throw Error("workspace " + dir.string() + " is not empty and has no " + kDatabaseName +
                    ": choose an empty or new folder, or an existing Danka workspace");
    for (const char *sub : {"", "runs", "datasets", "tokenizers"}) {
        fs::create_directories(dir / sub, ec);
        if (ec) throw Error("cannot create workspace folder " + (dir / sub).string() + ": " + ec.message());
    }
    Workspace ws(dir.lexically_normal().string());
    if (ws.m_path.size() > 1 && ws.m_path.back() == '/') ws.m_path.pop_back();
    ExperimentStore store(ws.databasePath());  // creates and migrates the schema now, reporting problems early
    return ws;
}

std::string Workspace::databasePath() const
{
    return (fs::path(m_path) / kDatabaseName).string();
}

std::string Workspace::runsDir() const
{
    return (fs::path(m_path) / "runs").string();
}

std::string Workspace::datasetsDir() const
{
    return (fs::path(m_path) / "datasets").string();
}

std::string Workspace::tokenizersDir() const
{
    return (fs::path(m_path) / "tokenizers").string();
}

std::string Workspace::runDir(int64_t runId) const
{
    return (fs::path(m_path) / "runs" / std::to_string(runId)).string();
}

bool Workspace::removeRunFiles(int64_t runId) const
{
    std::error_code ec;
    const auto removed = fs::remove_all(runDir(runId), ec);
    if (ec) throw Error("cannot delete " + runDir(runId) + ": " + ec.message());
    return removed > 0;
}

}  // namespace danka::core
