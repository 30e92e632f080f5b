// A folder written next to its destination and swapped in only when complete: an error or a crash leaves
// either the previous content or the new one, never a mix. Used for tokenizers, datasets and checkpoints.
#pragma once

#include <filesystem>
#include <string>

namespace danka::core {

class StagingDir {
public:
    // Creates "<destination>.tmp-<pid>" (emptied if a previous attempt left one). Throws core::Error.
    explicit StagingDir(const std::string &destination);
    ~StagingDir();  // removes the staging folder unless it was published
    StagingDir(const StagingDir &) = delete;
    StagingDir &operator=(const StagingDir &) = delete;

    const std::filesystem::path &path() const { return m_staging; }
    // Moves the staging folder to the destination, replacing what is there, and returns the destination.
    // With `sync`, file contents and folder entries are flushed (fsync) first, so the new content also
    // survives a power loss right after.
    std::string publish(bool sync = false);

private:
    std::filesystem::path m_destination, m_staging;
    bool m_published = false;
};

}  // namespace danka::core
