// Staging folders (see staging_dir.h).
#include "core/util/staging_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace danka::core {

namespace {

void syncPath(const fs::path &p)
{
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open " + p.string() + " to flush it");
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw Error("cannot flush " + p.string() + " to disk");
}

}  // namespace

StagingDir::StagingDir(const std::string &destination) : m_destination(fs::absolute(destination))
{
    if (m_destination.filename().empty()) m_destination = m_destination.parent_path();
    m_staging = m_destination.parent_path() / (m_destination.filename().string() + ".tmp-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(m_staging, ec);
    fs::create_directories(m_staging, ec);
    if (ec) throw Error("cannot create " + m_staging.string() + ": " + ec.message());
}

StagingDir::~StagingDir()
{
    if (m_published) return;
    std::error_code ec;
    fs::remove_all(m_staging, ec);
}

std::string StagingDir::publish(bool sync)
{
    std::error_code ec;
    if (sync) {
        for (const auto &entry : fs::recursive_directory_iterator(m_staging))
            if (entry.is_regular_file()) syncPath(entry.path());
        syncPath(m_staging);
    }
    if (fs::exists(m_destination)) {
        const fs::path old =
            m_destination.parent_path() / (m_destination.filename().string() + ".old-" + std::to_string(::getpid()));
        fs::remove_all(old, ec);
        fs::rename(m_destination, old, ec);
        if (ec) throw Error("cannot replace " + m_destination.string() + ": " + ec.message());
        fs::rename(m_staging, m_destination, ec);
        if (ec) {
            std::error_code ignored;
            fs::rename(old, m_destination, ignored);  // put the previous content back
            throw Error("cannot move " + m_staging.string() + " to " + m_destination.string() + ": " + ec.message());
        }
        fs::remove_all(old, ec);
    } else {
        fs::create_directories(m_destination.parent_path(), ec);
        fs::rename(m_staging, m_destination, ec);
        if (ec) throw Error("cannot move " + m_staging.string() + " to " + m_destination.string() + ": " + ec.message());
    }
    if (sync) syncPath(m_destination.parent_path());
    m_published = true;
    return m_destination.string();
}

}  // namespace danka::core
