// A workspace: one folder holding danka.sqlite (the experiment store) and the files of runs, datasets and
// tokenizers. Chosen by --workspace, else $DANKA_WORKSPACE, else $XDG_DATA_HOME/danka/workspace.
#pragma once

#include <cstdint>
#include <string>

namespace danka::core {

class Workspace {
public:
    static std::string defaultPath();
    // The folder to use: `explicitPath` when given, else $DANKA_WORKSPACE, else defaultPath().
    static std::string resolvePath(const std::string &explicitPath);
    // Opens the workspace at `path`, creating the folder and its layout when missing. Refuses a folder that
    // holds other files but no danka.sqlite (so a typo never scatters files into, say, the home folder).
    // Creates or migrates the database. Throws core::Error naming the path.
    static Workspace open(const std::string &path);

    const std::string &path() const { return m_path; }
    std::string databasePath() const;
    std::string runsDir() const;
    std::string datasetsDir() const;
    std::string tokenizersDir() const;
    std::string runDir(int64_t runId) const;  // runs/<id>
    // Deletes the run's folder (checkpoints, samples). Returns false when there was none.
    bool removeRunFiles(int64_t runId) const;

private:
    explicit Workspace(std::string path) : m_path(std::move(path)) {}
    std::string m_path;
};

}  // namespace danka::core
