// Safetensors checkpoint files (the Hugging Face format): read, inspect, write, and sharded checkpoints
// (model.safetensors.index.json). Every malformed file is reported as a SafetensorsError naming the file.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace danka::model {

// Layout (https://github.com/huggingface/safetensors, "Format"):
//   u64 little-endian N | N bytes of UTF-8 JSON (the header) | data buffer
// Header: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//          "__metadata__": {"key": "string value", ...}}
// Offsets are bytes relative to the start of the data buffer; tensors are C order, little endian, and their
// byte ranges tile the buffer exactly.

// A malformed or unreadable file, or a tensor that cannot be written. what() starts with the file's path.
class SafetensorsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The reference implementation's limit on the header (MAX_HEADER_SIZE): a longer one is refused before any
// allocation, so a damaged length prefix cannot ask for gigabytes.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// Dtype names of the format: F64 F32 F16 BF16 F8_E4M3 F8_E5M2 I64 I32 I16 I8 U64 U32 U16 U8 BOOL.
// nullopt for a name Danka does not read (e.g. C64, F8_E8M0, F4).
std::optional<at::ScalarType> safetensorsDtypeFromName(const std::string &name);
// The format's name of a torch dtype; nullopt for dtypes the format cannot hold (complex, quantized...).
std::optional<std::string> safetensorsDtypeName(at::ScalarType dtype);

// One tensor as the header describes it.
struct SafetensorsTensorInfo {
    std::string name;
    at::ScalarType dtype = at::kFloat;
    std::string dtypeName;       // as written in the file, e.g. "BF16"
    std::vector<int64_t> shape;  // [] for a 0-d scalar
    uint64_t begin = 0;          // byte range [begin, end) in the data buffer
    uint64_t end = 0;

    int64_t numel() const;
    uint64_t byteSize() const { return end - begin; }
};

// A validated header: what inspecting a checkpoint needs, read without touching the data.
struct SafetensorsHeader {
    std::string path;
    std::vector<SafetensorsTensorInfo>
        tensors;  // in data order (ascending begin), the order they were written
    std::map<std::string, std::string> metadata;  // "__metadata__"; empty when absent
    uint64_t headerBytes = 0;                     // N, padding included
    uint64_t dataBytes = 0;                       // size of the data buffer

    // The tensor named `name`, or nullptr (a linear search).
    const SafetensorsTensorInfo *find(const std::string &name) const;
};

// The tensors of one file.
//
// Tensors are CPU views on a private, copy-on-write memory mapping of the file (mmap MAP_PRIVATE): loading
// costs no copy and pages are read on first use. Each tensor's deleter holds a reference to the mapping, so
// tensors stay valid after this struct is gone; the mapping is released with the last of them. Writing into
// a tensor changes this process's copy only, never the file. A tensor whose bytes are not aligned to its
// element size in memory (a header length that is not a multiple of 8, or an odd offset) is copied instead,
// because torch kernels may assume aligned data. Like every mapping, a file truncated by another process
// while its tensors are alive makes later reads fail (SIGBUS); Danka's writer replaces files by rename, which
// leaves existing mappings intact.
struct SafetensorsFile {
    std::vector<std::pair<std::string, at::Tensor>> tensors;  // in data order, as in SafetensorsHeader
    std::map<std::string, std::string> metadata;

    // The tensor named `name`, or nullptr (a linear search; for many lookups use byName()).
    const at::Tensor *find(const std::string &name) const;
    // The tensors sorted by name (sharing storage with `tensors`), as readShardedSafetensors returns them.
    std::map<std::string, at::Tensor> byName() const;
};

// Reads and validates the header only: the first 8 + N bytes and the file size. Throws SafetensorsError.
SafetensorsHeader readSafetensorsHeader(const std::string &path);

// Reads a whole file (validating the header first; nothing outside the file is ever read, whatever the
// header says). Throws SafetensorsError.
SafetensorsFile readSafetensors(const std::string &path);

// Writes `tensors` in the order given, with `metadata` plus "format": "pt" (what transformers expects of a
// PyTorch checkpoint; a caller's "format" other than "pt" is refused). Tensors may live on any device and
// have any strides: their values are written as contiguous C-order bytes, bit-exact. The header is padded
// with spaces to a multiple of 8 bytes so the data starts aligned (the tensors themselves follow each other
// in the order given; put the widest dtypes first to keep every tensor aligned for zero-copy reading).
//
// The file is written atomically: into a temporary file next to `path`, flushed to disk (fsync), then
// renamed over `path`: an error leaves the previous file (or none) and no temporary file; a crash leaves
// the previous file or the new one, never a partial one (at worst a hidden ".<name>.tmp-*" next to it).
// Throws SafetensorsError for duplicate or reserved names, undefined tensors, dtypes the format cannot
// hold, invalid UTF-8 in names or metadata, and I/O errors.
void writeSafetensors(const std::string &path, const std::vector<std::pair<std::string, at::Tensor>> &tensors,
                      const std::map<std::string, std::string> &metadata = {});

// --- Sharded checkpoints ----------------------------------------------------------------------------------
//
// model.safetensors.index.json: {"metadata": {"total_size": bytes}, "weight_map": {"tensor name": "file"}}
// with the files next to the index.

struct SafetensorsIndex {
    std::string path;                                 // the index file
    std::optional<uint64_t> totalSize;                // metadata.total_size when present
    std::map<std::string, std::string> weightMap;     // tensor name -> shard file name, as in the index
    std::map<std::string, SafetensorsHeader> shards;  // shard file name -> its validated header
};

// Reads the index and the header of every shard, and checks that every listed shard exists and is a valid
// safetensors file, that every tensor is in the shard it is mapped to, and that no shard holds a tensor the
// index does not map to it. Reads no tensor data. Shard names must stay inside the index's folder (no
// absolute paths, no ".."). Throws SafetensorsError.
SafetensorsIndex readSafetensorsIndex(const std::string &indexPath);

// Reads every tensor of a sharded checkpoint (validated as above) into one map, sorted by name. Tensors are
// views on the shards' mappings, as in readSafetensors.
std::map<std::string, at::Tensor> readShardedSafetensors(const std::string &indexPath);

}  // namespace danka::model
