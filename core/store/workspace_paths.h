// Paths that keep a workspace movable: what the store and the files inside a workspace record about other
// files of the same workspace is relative (to the workspace folder, or to the recording folder), so a
// workspace copied or moved whole reads its own files and never the original's. Paths outside stay absolute.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace danka::core {

// `path` made absolute (against the current folder) and clean: no "." or "..", no trailing '/'.
std::string cleanAbsolutePath(const std::string &path);

// The store's form of `path` for the workspace folder `root`: relative to `root` when it lies inside it,
// else clean and absolute. Empty stays empty; with an empty `root` the path is returned unchanged.
std::string storedPath(const std::string &path, const std::string &root);
// The path the store means by `stored`: relative ones are under `root`. Empty stays empty.
std::string resolvedPath(const std::string &stored, const std::string &root);

// The workspace folder holding `path` (the nearest folder, `path` itself included, with a danka.sqlite);
// empty when there is none. `path` need not exist yet.
std::string workspaceRootOf(const std::string &path);
// How a file of a workspace records `target` (a checkpoint's base, a dataset's tokenizer): relative to the
// recording folder `fromDir` when both lie in the same workspace, else clean and absolute.
std::string portablePath(const std::string &target, const std::string &fromDir);
// The path a portablePath() value means, read in the folder `fromDir`. Empty stays empty.
std::string resolvePortablePath(const std::string &stored, const std::string &fromDir);

// The workspace folder of the database file `databasePath` (its folder); empty for SQLite's in-memory
// and URI databases.
std::string databaseFolder(const std::string &databasePath);

// The keys of a run config that hold file paths ("data.dataset", "stage.base_checkpoint"...).
const std::vector<std::string> &configPathKeys();
// A run config's JSON text with every non-empty path key replaced by convert(value). Text that is not a
// JSON object, or has nothing to change, is returned as it is (else indented when it was).
std::string mapConfigPaths(const std::string &configJson, const std::function<std::string(const std::string &)> &convert);
// The same with the store's form of the paths (storedPaths = true) or the resolved paths.
std::string configWithPaths(const std::string &configJson, const std::string &root, bool storedPaths);
// The same with every path in portablePath()'s form for the folder `fromDir`: what a file in that folder
// records about a run config (a checkpoint's training state), unchanged when the workspace moves.
std::string portableConfigPaths(const std::string &configJson, const std::string &fromDir);

}  // namespace danka::core
