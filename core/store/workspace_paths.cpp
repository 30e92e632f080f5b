// Workspace-relative paths (see workspace_paths.h).
#include "core/store/workspace_paths.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

namespace fs = std::filesystem;

namespace danka::core {

namespace {

constexpr const char *kDatabaseName = "danka.sqlite";

fs::path clean(const fs::path &p)
{
    fs::path out = p.lexically_normal();
    // "a/b/" normalises to "a/b/" (an empty last element): drop it, so equal folders compare equal.
    if (out.has_parent_path() && out.filename().empty() && out != out.root_path()) out = out.parent_path();
    return out;
}

// `p` relative to `root` when `p` lies inside `root` (both clean and absolute); empty otherwise.
fs::path relativeInside(const fs::path &p, const fs::path &root)
{
    const fs::path rel = p.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") return {};
    return rel;
}

}  // namespace

std::string cleanAbsolutePath(const std::string &path)
{
    if (path.empty()) return path;
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    return clean(ec ? fs::path(path) : absolute).string();
}

std::string storedPath(const std::string &path, const std::string &root)
{
    if (path.empty() || root.empty()) return path;
    const fs::path p(cleanAbsolutePath(path));
    const fs::path rel = relativeInside(p, fs::path(cleanAbsolutePath(root)));
    return rel.empty() ? p.string() : rel.string();
}

std::string resolvedPath(const std::string &stored, const std::string &root)
{
    if (stored.empty() || root.empty() || fs::path(stored).is_absolute()) return stored;
    return clean(fs::path(cleanAbsolutePath(root)) / stored).string();
}

std::string workspaceRootOf(const std::string &path)
{
    if (path.empty()) return {};
    std::error_code ec;
    for (fs::path dir(cleanAbsolutePath(path));; dir = dir.parent_path()) {
        if (fs::exists(dir / kDatabaseName, ec)) return dir.string();
        if (!dir.has_relative_path()) return {};  // the file system's root
    }
}

std::string portablePath(const std::string &target, const std::string &fromDir)
{
    if (target.empty()) return target;
    const std::string absolute = cleanAbsolutePath(target);
    const std::string root = workspaceRootOf(fromDir);
    if (root.empty() || relativeInside(fs::path(absolute), fs::path(root)).empty()) return absolute;
    return fs::path(absolute).lexically_relative(fs::path(cleanAbsolutePath(fromDir))).string();
}

std::string resolvePortablePath(const std::string &stored, const std::string &fromDir)
{
    if (stored.empty() || fs::path(stored).is_absolute()) return stored;
    return clean(fs::path(cleanAbsolutePath(fromDir)) / stored).string();
}

const std::vector<std::string> &configPathKeys()
{
    static const std::vector<std::string> keys = {"data.dataset", "data.val_dataset", "stage.base_checkpoint",
                                                  "stage.distill.teacher_checkpoint"};
    return keys;
}

std::string databaseFolder(const std::string &databasePath)
{
    if (databasePath.empty() || databasePath == ":memory:" || databasePath.rfind("file:", 0) == 0) return {};
    return fs::path(cleanAbsolutePath(databasePath)).parent_path().string();
}

std::string configWithPaths(const std::string &configJson, const std::string &root, bool storedPaths)
{
    if (root.empty()) return configJson;
    return mapConfigPaths(configJson, [&](const std::string &value) {
        return storedPaths ? storedPath(value, root) : resolvedPath(value, root);
    });
}

std::string portableConfigPaths(const std::string &configJson, const std::string &fromDir)
{
    return mapConfigPaths(configJson, [&](const std::string &value) { return portablePath(value, fromDir); });
}

std::string mapConfigPaths(const std::string &configJson, const std::function<std::string(const std::string &)> &convert)
{
    nlohmann::ordered_json config = nlohmann::ordered_json::parse(configJson, nullptr, false);
    if (!config.is_object()) return configJson;
    bool changed = false;
    for (const std::string &key : configPathKeys()) {
        // Walk "a.b.c" down the objects; any missing or non-object step leaves node null.
        nlohmann::ordered_json *node = &config;
        for (size_t start = 0; node;) {
            const size_t dot = key.find('.', start);
            const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            const auto it = node->is_object() ? node->find(part) : node->end();
            node = node->is_object() && it != node->end() ? &*it : nullptr;
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        if (!node || !node->is_string() || node->get<std::string>().empty()) continue;
        const std::string value = node->get<std::string>();
        const std::string converted = convert(value);
        if (converted != value) {
            *node = converted;
            changed = true;
        }
    }
    if (!changed) return configJson;
    return config.dump(configJson.find('\n') != std::string::npos ? 2 : -1);
}

}  // namespace danka::core
