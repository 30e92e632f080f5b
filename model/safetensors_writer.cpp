// Writing safetensors files: the header (metadata first, tensors in the caller's order, padded with spaces
// to 8 bytes), the tensors' contiguous bytes, and the atomic replace (temporary file, fsync, rename).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "model/safetensors.h"
#include "model/safetensors_detail.h"

namespace fs = std::filesystem;

namespace danka::model {

namespace {

using Json = nlohmann::ordered_json;  // the header lists tensors in the caller's order
using detail::failSafetensors;

// What transformers accepts in "format" (modeling_utils: pt, tf, flax, mlx); Danka writes torch tensors.
constexpr const char *kFormat = "pt";

[[noreturn]] void failTensor(const std::string &path, const std::string &name, const std::string &problem)
{
    failSafetensors(path, "tensor \"" + name + "\": " + problem);
}

void checkUtf8(const std::string &path, const std::string &text, const std::string &what)
{
    if (const auto bad = detail::firstInvalidUtf8(text))
        failSafetensors(path, what + " is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
}

// The bytes to write: on the CPU, contiguous, with lazy negation resolved (a neg view's storage holds the
// values before negation). Copies only what is not already in that form.
at::Tensor contiguousCpu(const std::string &path, const std::string &name, const at::Tensor &tensor)
{
    try {
        return tensor.detach().resolve_conj().resolve_neg().to(at::kCPU).contiguous();
    } catch (const c10::Error &e) {
        // e.g. a device error (a lost GPU) while copying
        failTensor(path, name, std::string("cannot copy to the CPU: ") + e.what_without_backtrace());
    }
}

std::string buildHeader(const std::string &path,
                        const std::vector<std::pair<std::string, at::Tensor>> &tensors,
                        const std::map<std::string, std::string> &metadata)
{
    Json header = Json::object();
    Json meta = Json::object();
    for (const auto &[key, value] : metadata) {
        checkUtf8(path, key, "metadata key \"" + key + "\"");
        checkUtf8(path, value, "the value of metadata key \"" + key + "\"");
        if (key == "format" && value != kFormat) {
            failSafetensors(
                path, "metadata \"format\" must be \"pt\" for a PyTorch checkpoint, got \"" + value + "\"");
        }
        meta[key] = value;
    }
    meta["format"] = kFormat;
    header["__metadata__"] = std::move(meta);

    std::set<std::string> names;
    uint64_t offset = 0;
    for (const auto &[name, tensor] : tensors) {
        checkUtf8(path, name, "tensor name \"" + name + "\"");
        if (name == "__metadata__") failTensor(path, name, "the name is reserved for the file's metadata");
        if (!names.insert(name).second) failTensor(path, name, "the name appears twice");
        if (!tensor.defined()) failTensor(path, name, "undefined tensor");
        if (tensor.layout() != at::kStrided)
            failTensor(path, name, "only dense tensors can be written (convert with to_dense())");
        if (tensor.is_meta()) failTensor(path, name, "a meta tensor has no data to write");
        const auto dtype = safetensorsDtypeName(tensor.scalar_type());
        if (!dtype) {
            failTensor(path, name,
                       std::string("dtype ") + c10::toString(tensor.scalar_type()) +
                           " has no safetensors equivalent");
        }
        const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * tensor.element_size();
        header[name] = {
            {"dtype", *dtype}, {"shape", tensor.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    // Pad to a multiple of 8 so that the data buffer starts 8-byte aligned, as the reference writer does. A
    // tensor that follows one of an odd byte size can still be misaligned: the reader copies those.
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

// A temporary file next to the destination, removed unless it was renamed over the destination: a failed
// or interrupted write never leaves a partial file at `path` (a crash may leave the hidden temporary).
class TemporaryFile {
public:
    explicit TemporaryFile(const std::string &destination) : m_destination(destination)
    {
        static std::atomic<unsigned> counter{0};
        const fs::path target(destination);
        const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
        for (int attempt = 0; m_fd < 0; ++attempt) {
            m_path = (folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                                "-" + std::to_string(counter++)))
                         .string();
            // 0666 minus the umask, as for any file the user creates (mkstemp would give 0600).
            m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (m_fd < 0 && (errno != EEXIST || attempt > 100))
                failSafetensors(destination,
                                std::string("cannot create a file next to it: ") + std::strerror(errno));
        }
    }
    ~TemporaryFile()
    {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_renamed) ::unlink(m_path.c_str());
    }
    TemporaryFile(const TemporaryFile &) = delete;
    TemporaryFile &operator=(const TemporaryFile &) = delete;

    void write(const void *data, uint64_t size)
    {
        const char *p = static_cast<const char *>(data);
        while (size > 0) {
            const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, uint64_t(1) << 30));
            const ssize_t written = ::write(m_fd, p, chunk);
            if (written < 0 && errno == EINTR) continue;
            if (written < 0)
                failSafetensors(m_destination, std::string("cannot write: ") + std::strerror(errno));
            p += written;
            size -= static_cast<uint64_t>(written);
        }
    }

    // Flushes the data to disk, then renames: after a crash the destination holds the old or the new file.
    void commit()
    {
        if (::fsync(m_fd) != 0)
            failSafetensors(m_destination, std::string("cannot flush: ") + std::strerror(errno));
        const int rc = ::close(m_fd);
        m_fd = -1;
        if (rc != 0) failSafetensors(m_destination, std::string("cannot write: ") + std::strerror(errno));
        if (::rename(m_path.c_str(), m_destination.c_str()) != 0)
            failSafetensors(m_destination, std::string("cannot replace: ") + std::strerror(errno));
        m_renamed = true;
        // The rename itself is durable once the folder is flushed; a failure here loses nothing written.
        const fs::path folder =
            fs::path(m_destination).has_parent_path() ? fs::path(m_destination).parent_path() : fs::path(".");
        const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            ::fsync(dir);
            ::close(dir);
        }
    }

private:
    std::string m_destination, m_path;
    int m_fd = -1;
    bool m_renamed = false;
};

}  // namespace

void writeSafetensors(const std::string &path, const std::vector<std::pair<std::string, at::Tensor>> &tensors,
                      const std::map<std::string, std::string> &metadata)
{
    // Everything that can be refused is refused before the temporary file exists.
    const std::string header = buildHeader(path, tensors, metadata);
    TemporaryFile file(path);
    const uint64_t n = header.size();
    unsigned char prefix[8];
    for (int i = 0; i < 8; ++i)
        prefix[i] = static_cast<unsigned char>(n >> (8 * i));  // u64 little endian
    file.write(prefix, 8);
    file.write(header.data(), n);
    for (const auto &[name, tensor] : tensors) {
        // One tensor at a time on the CPU: writing a GPU model needs no second copy of it in host memory.
        const at::Tensor bytes = contiguousCpu(path, name, tensor);
        if (bytes.numel() > 0) file.write(bytes.data_ptr(), bytes.nbytes());
    }
    file.commit();
}

}  // namespace danka::model
