// Reading safetensors files: the dtype table, header validation (every check that keeps the reader inside
// the file, whatever the header says) and the memory-mapped tensors. The writer is safetensors_writer.cpp.
#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "model/safetensors_detail.h"

static_assert(
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "safetensors data is little endian; Danka reads it in place and supports little-endian hosts only");

namespace danka::model {

namespace {

// Keeps the header's order, so that tensors sharing an offset (empty ones) keep the order they were written
// in.
using Json = nlohmann::ordered_json;

struct DtypeEntry {
    const char *name;
    at::ScalarType type;
};

// The format's dtypes that torch holds bit for bit (F8_E4M3 is torch's float8_e4m3fn, as in
// safetensors.torch).
constexpr DtypeEntry kDtypes[] = {
    {"F64", at::kDouble},
    {"F32", at::kFloat},
    {"F16", at::kHalf},
    {"BF16", at::kBFloat16},
    {"F8_E4M3", at::kFloat8_e4m3fn},
    {"F8_E5M2", at::kFloat8_e5m2},
    {"I64", at::kLong},
    {"I32", at::kInt},
    {"I16", at::kShort},
    {"I8", at::kChar},
    {"U64", at::kUInt64},
    {"U32", at::kUInt32},
    {"U16", at::kUInt16},
    {"U8", at::kByte},
    {"BOOL", at::kBool},
};

using detail::failSafetensors;

[[noreturn]] void fail(const std::string &path, const std::string &problem)
{
    failSafetensors(path, problem);
}

[[noreturn]] void failTensor(const std::string &path, const std::string &name, const std::string &problem)
{
    fail(path, "tensor \"" + name + "\": " + problem);
}

// A JSON value for an error message, cut short: a damaged header may hold megabytes in one value.
std::string brief(const Json &value)
{
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

std::string range(uint64_t begin, uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

// A non-negative JSON integer, or nullopt (negative, fractional, too large, or not a number).
std::optional<uint64_t> nonNegativeInteger(const Json &value)
{
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_integer() && value.get<int64_t>() >= 0)
        return static_cast<uint64_t>(value.get<int64_t>());
    return std::nullopt;
}

SafetensorsTensorInfo parseTensorInfo(const std::string &path, const std::string &name, const Json &entry,
                                      uint64_t dataBytes)
{
    if (!entry.is_object())
        failTensor(path, name,
                   "the entry must be an object with dtype, shape and data_offsets, got " + brief(entry));
    for (const char *field : {"dtype", "shape", "data_offsets"})
        if (!entry.contains(field)) failTensor(path, name, std::string("missing \"") + field + "\"");

    SafetensorsTensorInfo info;
    info.name = name;
    const Json &dtype = entry["dtype"];
    if (!dtype.is_string()) failTensor(path, name, "\"dtype\" must be a string, got " + brief(dtype));
    info.dtypeName = dtype.get<std::string>();
    const auto type = safetensorsDtypeFromName(info.dtypeName);
    if (!type) {
        failTensor(path, name,
                   "unknown dtype \"" + info.dtypeName +
                       "\" (Danka reads F64 F32 F16 BF16 F8_E4M3 F8_E5M2 I64 I32 I16 I8 U64 U32 U16 "
                       "U8 BOOL)");
    }
    info.dtype = *type;

    const Json &shape = entry["shape"];
    const auto shapeRule = [&] {
        return "\"shape\" must be a list of non-negative integers, got " + brief(shape);
    };
    if (!shape.is_array()) failTensor(path, name, shapeRule());
    uint64_t numel = 1;
    bool overflow = false;
    for (const Json &dim : shape) {
        const auto size = nonNegativeInteger(dim);
        if (!size) failTensor(path, name, shapeRule());
        // torch sizes are int64; the product is checked below.
        if (*size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            failTensor(path, name, "dimension " + std::to_string(*size) + " in \"shape\" is too large");
        info.shape.push_back(static_cast<int64_t>(*size));
        overflow = overflow || __builtin_mul_overflow(numel, *size, &numel);
    }
    const uint64_t elementSize = at::elementSize(info.dtype);
    uint64_t needed = 0;
    if (overflow || __builtin_mul_overflow(numel, elementSize, &needed) ||
        needed > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        failTensor(path, name,
                   "shape " + shapeText(info.shape) + " of " + info.dtypeName +
                       " overflows: its size in bytes does not fit in 64 bits");
    }

    const Json &offsets = entry["data_offsets"];
    const auto offsetsRule = [&] {
        return "\"data_offsets\" must be two non-negative integers [begin, end], got " + brief(offsets);
    };
    if (!offsets.is_array() || offsets.size() != 2) failTensor(path, name, offsetsRule());
    const auto begin = nonNegativeInteger(offsets[0]), end = nonNegativeInteger(offsets[1]);
    if (!begin || !end) failTensor(path, name, offsetsRule());
    info.begin = *begin;
    info.end = *end;
    if (info.begin > info.end)
        failTensor(path, name, "data_offsets " + range(info.begin, info.end) + " end before they begin");
    if (info.end > dataBytes) {
        failTensor(path, name,
                   "data_offsets " + range(info.begin, info.end) + " exceed the data buffer of " +
                       std::to_string(dataBytes) + " bytes");
    }
    if (info.end - info.begin != needed) {
        failTensor(path, name,
                   "data_offsets " + range(info.begin, info.end) + " hold " +
                       std::to_string(info.end - info.begin) + " bytes, but " + info.dtypeName + " " +
                       shapeText(info.shape) + " needs " + std::to_string(needed));
    }
    return info;
}

std::map<std::string, std::string> parseMetadata(const std::string &path, const Json &value)
{
    std::map<std::string, std::string> metadata;
    if (value.is_null()) return metadata;  // the reference reads "__metadata__": null as no metadata
    if (!value.is_object()) fail(path, "\"__metadata__\" must be an object of strings, got " + brief(value));
    for (const auto &[key, text] : value.items()) {
        if (!text.is_string())
            fail(path,
                 "\"__metadata__\" must be an object of strings, but \"" + key + "\" is " + brief(text));
        metadata.emplace(key, text.get<std::string>());
    }
    return metadata;
}

// The reference implementation's rule: sorted by offset, the tensors' byte ranges follow each other with
// neither overlap nor gap, from 0 to the end of the buffer. Any other layout is a damaged or hostile file.
void checkTiling(const std::string &path, const std::vector<SafetensorsTensorInfo> &sorted,
                 uint64_t dataBytes)
{
    uint64_t position = 0;
    const SafetensorsTensorInfo *previous = nullptr;
    for (const SafetensorsTensorInfo &info : sorted) {
        if (info.begin < position) {
            failTensor(path, info.name,
                       "data_offsets " + range(info.begin, info.end) + " overlap tensor \"" + previous->name +
                           "\" " + range(previous->begin, previous->end));
        }
        if (info.begin > position) {
            const std::string after =
                previous ? "tensor \"" + previous->name + "\" (ends at " + std::to_string(position) + ")"
                         : "the start of the data buffer";
            failTensor(path, info.name,
                       "data_offsets " + range(info.begin, info.end) + " leave a gap of " +
                           std::to_string(info.begin - position) + " bytes after " + after);
        }
        position = info.end;
        previous = &info;
    }
    if (position != dataBytes) {
        fail(path,
             "the data buffer holds " + std::to_string(dataBytes) + " bytes but the tensors cover " +
                 std::to_string(position) + ": " + std::to_string(dataBytes - position) +
                 " bytes after the last tensor (8 + header length + tensor bytes must be the file size)");
    }
}

// N from the 8-byte prefix, checked against the limit and the file size.
uint64_t headerLength(const std::string &path, const unsigned char *prefix, uint64_t fileSize)
{
    uint64_t n = 0;
    std::memcpy(&n, prefix, 8);  // little endian, like the host (static_assert above)
    if (n > kSafetensorsMaxHeaderBytes) {
        fail(path, "header length " + std::to_string(n) + " is larger than the " +
                       std::to_string(kSafetensorsMaxHeaderBytes) + "-byte limit (not a safetensors file?)");
    }
    if (n > fileSize - 8) {
        fail(path, "header length " + std::to_string(n) + " exceeds the file size (" +
                       std::to_string(fileSize) + " bytes: truncated?)");
    }
    return n;
}

SafetensorsHeader parseHeader(const std::string &path, const char *text, uint64_t n, uint64_t fileSize)
{
    if (const auto bad = detail::firstInvalidUtf8(text, n))
        fail(path, "the header is not valid UTF-8 (byte " + std::to_string(8 + *bad) + " of the file)");
    const Json root = detail::parseJsonRejectingDuplicates(path, text, n, "the header");
    if (!root.is_object()) fail(path, "the header is not a JSON object (it starts with " + brief(root) + ")");

    SafetensorsHeader header;
    header.path = path;
    header.headerBytes = n;
    header.dataBytes = fileSize - 8 - n;
    for (const auto &[key, value] : root.items()) {
        if (key == "__metadata__")
            header.metadata = parseMetadata(path, value);
        else
            header.tensors.push_back(parseTensorInfo(path, key, value, header.dataBytes));
    }
    std::stable_sort(header.tensors.begin(), header.tensors.end(),
                     [](const SafetensorsTensorInfo &a, const SafetensorsTensorInfo &b) {
                         return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                     });
    checkTiling(path, header.tensors, header.dataBytes);
    return header;
}

// An open file descriptor, closed on every path out.
class FileHandle {
public:
    explicit FileHandle(const std::string &path) : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
    {
        if (m_fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
        // The destructor does not run when the constructor throws: close first.
        const auto closeAndFail = [&](const std::string &problem) {
            ::close(m_fd);
            fail(path, problem);
        };
        struct stat st {};
        if (::fstat(m_fd, &st) != 0) closeAndFail(std::string("cannot read: ") + std::strerror(errno));
        if (!S_ISREG(st.st_mode)) closeAndFail("not a regular file");
        m_size = static_cast<uint64_t>(st.st_size);
        if (m_size < 8) {
            closeAndFail("the file is " + std::to_string(m_size) +
                         " bytes, shorter than the 8-byte header length (empty or truncated)");
        }
    }
    ~FileHandle() { ::close(m_fd); }
    FileHandle(const FileHandle &) = delete;
    FileHandle &operator=(const FileHandle &) = delete;

    int fd() const { return m_fd; }
    uint64_t size() const { return m_size; }

private:
    int m_fd;
    uint64_t m_size = 0;
};

void readExactly(const std::string &path, int fd, char *out, uint64_t size, uint64_t offset)
{
    while (size > 0) {
        const ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail(path, std::string("cannot read: ") + std::strerror(errno));
        if (got == 0) fail(path, "the file shrank while it was read");
        out += got;
        offset += static_cast<uint64_t>(got);
        size -= static_cast<uint64_t>(got);
    }
}

// A private, copy-on-write mapping of a whole file, unmapped when the last tensor viewing it is freed.
struct Mapping {
    void *address = nullptr;
    size_t size = 0;
    ~Mapping()
    {
        if (address) ::munmap(address, size);
    }
};

}  // namespace

namespace detail {

void failSafetensors(const std::string &path, const std::string &problem)
{
    throw SafetensorsError(path + ": " + problem);
}

// The JSON parser would reject most of these too, but with a less helpful message.
std::optional<size_t> firstInvalidUtf8(const char *text, size_t n)
{
    const auto *s = reinterpret_cast<const unsigned char *>(text);
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // beyond U+10FFFF
        } else {
            return i;
        }
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < len; ++k)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return std::nullopt;
}

// nlohmann::json, like most JSON libraries, silently keeps the last of two equal keys, which would let two
// tensors claim one name or hide a tensor's second "dtype"; its parser callback sees every key before the
// merge, so a stack of the keys seen per open object finds the duplicate.
nlohmann::ordered_json parseJsonRejectingDuplicates(const std::string &path, const char *text, size_t size,
                                                    const std::string &what)
{
    struct Frame {
        std::set<std::string> keys;
        std::string lastKey;
    };
    std::vector<Frame> frames;
    std::string duplicate, where;
    using Json = nlohmann::ordered_json;
    Json::parser_callback_t onEvent = [&](int, nlohmann::json::parse_event_t event, Json &parsed) {
        using Event = nlohmann::json::parse_event_t;
        if (event == Event::object_start) {
            frames.emplace_back();
        } else if (event == Event::object_end) {
            if (!frames.empty()) frames.pop_back();
        } else if (event == Event::key && !frames.empty() && duplicate.empty()) {
            std::string key = parsed.get<std::string>();
            if (!frames.back().keys.insert(key).second) {
                duplicate = key;
                for (size_t i = 0; i + 1 < frames.size(); ++i)
                    where += (where.empty() ? "" : ".") + frames[i].lastKey;
            }
            frames.back().lastKey = std::move(key);
        }
        return true;
    };
    Json root;
    try {
        root = Json::parse(text, text + size, onEvent);
    } catch (const nlohmann::json::exception &e) {
        std::string message = e.what();
        // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
        if (const auto bracket = message.find("] ");
            message.rfind("[json.", 0) == 0 && bracket != std::string::npos)
            message = message.substr(bracket + 2);
        failSafetensors(path, what + " is not valid JSON: " + message);
    }
    if (!duplicate.empty()) {
        if (where.empty()) failSafetensors(path, what + " lists \"" + duplicate + "\" twice");
        failSafetensors(path, what + ": the entry \"" + where + "\" has the key \"" + duplicate + "\" twice");
    }
    return root;
}

}  // namespace detail

std::optional<at::ScalarType> safetensorsDtypeFromName(const std::string &name)
{
    for (const DtypeEntry &entry : kDtypes)
        if (name == entry.name) return entry.type;
    return std::nullopt;
}

std::optional<std::string> safetensorsDtypeName(at::ScalarType dtype)
{
    for (const DtypeEntry &entry : kDtypes)
        if (dtype == entry.type) return std::string(entry.name);
    return std::nullopt;
}

int64_t SafetensorsTensorInfo::numel() const
{
    int64_t n = 1;
    for (const int64_t size : shape)
        n *= size;  // fits: checked when the header was read
    return n;
}

const SafetensorsTensorInfo *SafetensorsHeader::find(const std::string &name) const
{
    for (const SafetensorsTensorInfo &info : tensors)
        if (info.name == name) return &info;
    return nullptr;
}

const at::Tensor *SafetensorsFile::find(const std::string &name) const
{
    for (const auto &[tensorName, tensor] : tensors)
        if (tensorName == name) return &tensor;
    return nullptr;
}

std::map<std::string, at::Tensor> SafetensorsFile::byName() const
{
    return std::map<std::string, at::Tensor>(tensors.begin(), tensors.end());
}

SafetensorsHeader readSafetensorsHeader(const std::string &path)
{
    const FileHandle file(path);
    unsigned char prefix[8];
    readExactly(path, file.fd(), reinterpret_cast<char *>(prefix), 8, 0);
    const uint64_t n = headerLength(path, prefix, file.size());
    std::string text(n, '\0');
    readExactly(path, file.fd(), text.data(), n, 8);
    return parseHeader(path, text.data(), n, file.size());
}

SafetensorsFile readSafetensors(const std::string &path)
{
    const FileHandle file(path);
    auto mapping = std::make_shared<Mapping>();
    // MAP_NORESERVE: a checkpoint larger than RAM + swap must still map; pages are copied only if written.
    void *address =
        ::mmap(nullptr, file.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, file.fd(), 0);
    if (address == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
    mapping->address = address;
    mapping->size = file.size();
    const auto *bytes = static_cast<const char *>(address);

    const uint64_t n = headerLength(path, reinterpret_cast<const unsigned char *>(bytes), file.size());
    SafetensorsHeader header = parseHeader(path, bytes + 8, n, file.size());
    // From here every [begin, end) lies inside the data buffer, which ends exactly at the end of the mapping.
    char *data = static_cast<char *>(address) + 8 + n;

    SafetensorsFile result;
    result.metadata = std::move(header.metadata);
    result.tensors.reserve(header.tensors.size());
    for (const SafetensorsTensorInfo &info : header.tensors) {
        const auto options = at::TensorOptions().dtype(info.dtype).device(at::kCPU);
        char *begin = data + info.begin;
        const size_t elementSize = at::elementSize(info.dtype);
        at::Tensor tensor;
        if (info.byteSize() == 0) {
            tensor = at::empty(info.shape, options);
        } else if (reinterpret_cast<uintptr_t>(begin) % elementSize != 0) {
            tensor = at::empty(info.shape, options);
            std::memcpy(tensor.data_ptr(), begin, info.byteSize());
        } else {
            tensor = at::from_blob(
                begin, info.shape, [mapping](void *) {}, options);
        }
        result.tensors.emplace_back(info.name, std::move(tensor));
    }
    return result;
}

}  // namespace danka::model
