// Prepared datasets: shard writing and memory-mapped, validated reading (see dataset.h).
#include "core/data/dataset.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/util/error.h"
#include "core/store/workspace_paths.h"

namespace fs = std::filesystem;

namespace danka::core::data {

namespace {

constexpr char kTokensMagic[8] = {'D', 'K', 'T', 'O', 'K', 'E', 'N', 'S'};
constexpr char kIndexMagic[8] = {'D', 'K', 'I', 'N', 'D', 'E', 'X', '\0'};
constexpr char kMaskMagic[8] = {'D', 'K', 'M', 'A', 'S', 'K', '\0', '\0'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 32;

void putU32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

void putU64(char *p, uint64_t v)
{
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

uint32_t getU32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
    return v;
}

uint64_t getU64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
}

void writeHeader(std::FILE *f, const char magic[8], uint32_t elementSize, uint64_t count, const std::string &path)
{
    char header[kHeaderBytes] = {};
    std::memcpy(header, magic, 8);
    putU32(header + 8, kFormatVersion);
    putU32(header + 12, elementSize);
    putU64(header + 16, count);
    if (std::fseek(f, 0, SEEK_SET) != 0 || std::fwrite(header, 1, kHeaderBytes, f) != kHeaderBytes)
        throw Error("cannot write " + path + ": " + std::strerror(errno));
}

void writeAll(std::FILE *f, const void *data, size_t bytes, const std::string &path)
{
    if (bytes > 0 && std::fwrite(data, 1, bytes, f) != bytes) throw Error("cannot write " + path + ": " + std::strerror(errno));
}

std::string shardName(const std::string &split, size_t index, const char *extension)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%05zu.%s", split.c_str(), index, extension);
    return buf;
}

}  // namespace

const char *datasetKindName(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::Pretrain: return "pretrain";
    case DatasetKind::Sft: return "sft";
    case DatasetKind::Preference: return "preference";
    }
    return "?";
}

// --- ShardWriter -------------------------------------------------------------------------------------------

ShardWriter::ShardWriter(std::string dir, std::string split, int tokenBytes, bool withMask, int64_t maxShardTokens)
    : m_dir(std::move(dir)), m_split(std::move(split)), m_tokenBytes(tokenBytes), m_withMask(withMask),
      m_maxShardTokens(maxShardTokens)
{
}

ShardWriter::~ShardWriter()
{
    for (std::FILE *f : {m_tokens, m_index, m_mask})
        if (f) std::fclose(f);
}

void ShardWriter::openShard()
{
    ShardFiles s;
    s.tokens = shardName(m_split, m_shards.size(), "tokens");
    s.index = shardName(m_split, m_shards.size(), "index");
    if (m_withMask) s.mask = shardName(m_split, m_shards.size(), "mask");
    auto open = [this](const std::string &name) {
        const std::string path = (fs::path(m_dir) / name).string();
        std::FILE *f = std::fopen(path.c_str(), "wb");
        if (!f) throw Error("cannot create " + path + ": " + std::strerror(errno));
        // Placeholder header, completed in closeShard() when the counts are known.
        const char zeros[kHeaderBytes] = {};
        writeAll(f, zeros, kHeaderBytes, path);
        return f;
    };
    m_tokens = open(s.tokens);
    m_index = open(s.index);
    if (m_withMask) m_mask = open(s.mask);
    const uint64_t zero = 0;
    writeAll(m_index, &zero, 8, s.index);
    m_shards.push_back(s);
    m_shardTokens = 0;
    m_shardSegments = 0;
}

void ShardWriter::closeShard()
{
    if (!m_tokens) return;
    ShardFiles &s = m_shards.back();
    s.numTokens = m_shardTokens;
    s.numSegments = m_shardSegments;
    auto close = [this](std::FILE *&f, const std::string &name, const char magic[8], uint32_t elementSize,
                        uint64_t count) {
        const std::string path = (fs::path(m_dir) / name).string();
        writeHeader(f, magic, elementSize, count, path);
        if (std::fflush(f) != 0 || std::fclose(f) != 0) {
            f = nullptr;
            throw Error("cannot write " + path + ": " + std::strerror(errno));
        }
        f = nullptr;
    };
    close(m_tokens, s.tokens, kTokensMagic, static_cast<uint32_t>(m_tokenBytes), static_cast<uint64_t>(m_shardTokens));
    close(m_index, s.index, kIndexMagic, 8, static_cast<uint64_t>(m_shardSegments + 1));
    if (m_mask) close(m_mask, s.mask, kMaskMagic, 1, static_cast<uint64_t>(m_shardTokens));
}

void ShardWriter::append(const std::vector<int32_t> &ids, const std::vector<uint8_t> &mask, bool startsRecord)
{
    if (!m_tokens || (startsRecord && m_shardTokens >= m_maxShardTokens)) {
        closeShard();
        openShard();
    }
    const ShardFiles &s = m_shards.back();
    m_scratch.resize(ids.size() * static_cast<size_t>(m_tokenBytes));
    for (size_t i = 0; i < ids.size(); ++i) {
        const uint32_t v = static_cast<uint32_t>(ids[i]);
        char *p = m_scratch.data() + i * static_cast<size_t>(m_tokenBytes);
        p[0] = static_cast<char>(v);
        p[1] = static_cast<char>(v >> 8);
        if (m_tokenBytes == 4) {
            p[2] = static_cast<char>(v >> 16);
            p[3] = static_cast<char>(v >> 24);
        }
    }
    writeAll(m_tokens, m_scratch.data(), m_scratch.size(), s.tokens);
    if (m_mask) {
        if (mask.empty()) {
            const std::vector<uint8_t> ones(ids.size(), 1);
            writeAll(m_mask, ones.data(), ones.size(), s.mask);
        } else {
            writeAll(m_mask, mask.data(), mask.size(), s.mask);
        }
    }
    m_shardTokens += static_cast<int64_t>(ids.size());
    m_totalTokens += static_cast<int64_t>(ids.size());
    ++m_shardSegments;
    char offset[8];
    putU64(offset, static_cast<uint64_t>(m_shardTokens));
    writeAll(m_index, offset, 8, s.index);
}

void ShardWriter::finish()
{
    closeShard();
}

// --- MappedArray -------------------------------------------------------------------------------------------

MappedArray::MappedArray(const std::string &path, const char magic[8], int expectedElementSize) : m_path(path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw Error("cannot read " + path + ": " + std::strerror(errno));
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size < kHeaderBytes) {
        ::close(fd);
        throw Error(path + ": truncated (" + std::to_string(size) + " bytes, smaller than the 32-byte header)");
    }
    m_mapSize = static_cast<size_t>(size);
    m_map = ::mmap(nullptr, m_mapSize, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m_map == MAP_FAILED) {
        m_map = nullptr;
        throw Error("cannot map " + path + ": " + std::strerror(errno));
    }
    const auto *header = static_cast<const unsigned char *>(m_map);
    if (std::memcmp(header, magic, 8) != 0) {
        release();
        throw Error(path + ": not a Danka shard of this kind (bad magic number)");
    }
    const uint32_t version = getU32(header + 8);
    if (version != kFormatVersion) {
        release();
        throw Error(path + ": shard format version " + std::to_string(version) + ", this Danka reads version " +
                    std::to_string(kFormatVersion) + "; prepare the dataset again");
    }
    m_elementSize = static_cast<int>(getU32(header + 12));
    const uint64_t count = getU64(header + 16);
    if ((expectedElementSize > 0 && m_elementSize != expectedElementSize) ||
        (m_elementSize != 1 && m_elementSize != 2 && m_elementSize != 4 && m_elementSize != 8)) {
        release();
        throw Error(path + ": unexpected element size " + std::to_string(m_elementSize));
    }
    const uint64_t expected = kHeaderBytes + count * static_cast<uint64_t>(m_elementSize);
    if (count > (size - kHeaderBytes) / static_cast<uint64_t>(m_elementSize) || expected != size) {
        release();
        throw Error(path + ": size mismatch: the header announces " + std::to_string(count) + " elements (" +
                    std::to_string(expected) + " bytes), the file has " + std::to_string(size) +
                    " bytes (truncated or damaged)");
    }
    m_count = static_cast<int64_t>(count);
    m_data = header + kHeaderBytes;
    ::madvise(m_map, m_mapSize, MADV_RANDOM);
}

MappedArray::~MappedArray()
{
    release();
}

void MappedArray::release()
{
    if (m_map) ::munmap(m_map, m_mapSize);
    m_map = nullptr;
    m_data = nullptr;
}

MappedArray::MappedArray(MappedArray &&o) noexcept
    : m_path(std::move(o.m_path)), m_map(o.m_map), m_mapSize(o.m_mapSize), m_data(o.m_data), m_count(o.m_count),
      m_elementSize(o.m_elementSize)
{
    o.m_map = nullptr;
    o.m_data = nullptr;
}

MappedArray &MappedArray::operator=(MappedArray &&o) noexcept
{
    if (this != &o) {
        release();
        m_path = std::move(o.m_path);
        m_map = o.m_map;
        m_mapSize = o.m_mapSize;
        m_data = o.m_data;
        m_count = o.m_count;
        m_elementSize = o.m_elementSize;
        o.m_map = nullptr;
        o.m_data = nullptr;
    }
    return *this;
}

// --- DatasetSplit ------------------------------------------------------------------------------------------

const DatasetSplit::Shard &DatasetSplit::shardOfToken(int64_t position) const
{
    auto it = std::upper_bound(m_shards.begin(), m_shards.end(), position,
                               [](int64_t p, const Shard &s) { return p < s.firstToken; });
    return *(it - 1);
}

void DatasetSplit::readTokens(int64_t begin, int64_t count, int32_t *out) const
{
    if (begin < 0 || count < 0 || begin + count > m_numTokens)
        throw Error("dataset: tokens [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                    ") are outside the split's " + std::to_string(m_numTokens));
    while (count > 0) {
        const Shard &s = shardOfToken(begin);
        const int64_t local = begin - s.firstToken;
        const int64_t take = std::min(count, s.tokens.count() - local);
        if (s.tokens.elementSize() == 2) {
            const unsigned char *p = s.tokens.data() + local * 2;
            for (int64_t i = 0; i < take; ++i) out[i] = static_cast<int32_t>(p[2 * i] | (p[2 * i + 1] << 8));
        } else {
            const unsigned char *p = s.tokens.data() + local * 4;
            for (int64_t i = 0; i < take; ++i) out[i] = static_cast<int32_t>(getU32(p + 4 * i));
        }
        out += take;
        begin += take;
        count -= take;
    }
}

void DatasetSplit::readMask(int64_t begin, int64_t count, uint8_t *out) const
{
    if (begin < 0 || count < 0 || begin + count > m_numTokens)
        throw Error("dataset: mask range outside the split");
    if (!m_hasMask) {
        std::fill(out, out + count, uint8_t(1));
        return;
    }
    while (count > 0) {
        const Shard &s = shardOfToken(begin);
        const int64_t local = begin - s.firstToken;
        const int64_t take = std::min(count, s.mask.count() - local);
        std::memcpy(out, s.mask.data() + local, static_cast<size_t>(take));
        out += take;
        begin += take;
        count -= take;
    }
}

std::pair<int64_t, int64_t> DatasetSplit::segment(int64_t i) const
{
    if (i < 0 || i >= m_numSegments) throw Error("dataset: segment " + std::to_string(i) + " out of range");
    auto it = std::upper_bound(m_shards.begin(), m_shards.end(), i,
                               [](int64_t v, const Shard &s) { return v < s.firstSegment; });
    const Shard &s = *(it - 1);
    const int64_t local = i - s.firstSegment;
    const unsigned char *p = s.index.data();
    return {s.firstToken + static_cast<int64_t>(getU64(p + 8 * local)),
            s.firstToken + static_cast<int64_t>(getU64(p + 8 * (local + 1)))};
}

int64_t DatasetSplit::segmentAt(int64_t position) const
{
    const Shard &s = shardOfToken(position);
    const int64_t local = position - s.firstToken;
    const unsigned char *p = s.index.data();
    // Binary search over the shard's offsets: the last start <= local.
    int64_t lo = 0, hi = s.index.count() - 2;
    while (lo < hi) {
        const int64_t mid = (lo + hi + 1) / 2;
        if (static_cast<int64_t>(getU64(p + 8 * mid)) <= local) lo = mid;
        else hi = mid - 1;
    }
    return s.firstSegment + lo;
}

// --- Dataset -----------------------------------------------------------------------------------------------

Dataset::Dataset(Dataset &&) noexcept = default;
Dataset &Dataset::operator=(Dataset &&) noexcept = default;
Dataset::~Dataset() = default;

Dataset Dataset::open(const std::string &dir, const std::string &expectedTokenizerChecksum)
{
    const fs::path meta = fs::path(dir) / "dataset.json";
    std::ifstream in(meta);
    if (!in) {
        if (!fs::is_directory(dir)) throw Error("dataset " + dir + ": no such folder");
        throw Error("dataset " + dir + ": no dataset.json (prepare it with danka-cli data prepare)");
    }
    Dataset d;
    d.m_dir = dir;
    d.m_info = nlohmann::json::parse(in, nullptr, false);
    auto bad = [&](const std::string &what) { return Error(meta.string() + ": " + what); };
    if (d.m_info.is_discarded() || !d.m_info.is_object()) throw bad("invalid JSON");
    // A tokenizer of the same workspace is recorded relative to the dataset folder (workspace_paths.h):
    // readers of info() get the folder it means.
    if (auto t = d.m_info.find("tokenizer"); t != d.m_info.end() && t->is_object())
        if (auto tokDir = t->find("dir"); tokDir != t->end() && tokDir->is_string())
            *tokDir = resolvePortablePath(tokDir->get<std::string>(), dir);
    const nlohmann::json &info = d.m_info;
    if (info.value("format", std::string()) != "danka-dataset") throw bad("not a Danka dataset (format)");
    if (info.value("version", 0) != 1)
        throw bad("dataset version " + info.value("version", nlohmann::json()).dump() + ", this Danka reads 1");
    const std::string kind = info.value("kind", std::string());
    if (kind == "pretrain") d.m_kind = DatasetKind::Pretrain;
    else if (kind == "sft") d.m_kind = DatasetKind::Sft;
    else if (kind == "preference") d.m_kind = DatasetKind::Preference;
    else throw bad("unknown kind \"" + kind + "\"");
    const std::string dtype = info.value("token_dtype", std::string());
    if (dtype != "uint16" && dtype != "uint32") throw bad("unknown token_dtype \"" + dtype + "\"");
    d.m_tokenBytes = dtype == "uint16" ? 2 : 4;
    const nlohmann::json tokenizer = info.value("tokenizer", nlohmann::json::object());
    d.m_padId = tokenizer.value("pad_id", 0);
    d.m_eosId = tokenizer.value("eos_id", 0);
    const std::string checksum = tokenizer.value("checksum", std::string());
    if (!expectedTokenizerChecksum.empty() && checksum != expectedTokenizerChecksum)
        throw Error("dataset " + dir + " was tokenized with another tokenizer (checksum " + checksum.substr(0, 12) +
                    ", expected " + expectedTokenizerChecksum.substr(0, 12) + "); prepare it again with this tokenizer");

    const nlohmann::json splits = info.value("splits", nlohmann::json::object());
    for (auto it = splits.begin(); it != splits.end(); ++it) {
        auto split = std::make_unique<DatasetSplit>();
        split->m_hasMask = d.m_kind != DatasetKind::Pretrain;
        for (const nlohmann::json &shard : it.value().value("shards", nlohmann::json::array())) {
            DatasetSplit::Shard s;
            const auto file = [&](const char *key) { return (fs::path(dir) / shard.value(key, std::string())).string(); };
            s.tokens = MappedArray(file("tokens"), kTokensMagic, d.m_tokenBytes);
            s.index = MappedArray(file("index"), kIndexMagic, 8);
            if (split->m_hasMask) {
                s.mask = MappedArray(file("mask"), kMaskMagic, 1);
                if (s.mask.count() != s.tokens.count())
                    throw Error(s.mask.path() + ": " + std::to_string(s.mask.count()) + " mask entries for " +
                                std::to_string(s.tokens.count()) + " tokens");
            }
            // The index must start at 0, never decrease and end at the token count.
            const unsigned char *p = s.index.data();
            const int64_t n = s.index.count();
            if (n < 1 || getU64(p) != 0 || static_cast<int64_t>(getU64(p + 8 * (n - 1))) != s.tokens.count())
                throw Error(s.index.path() + ": the offsets do not span the " + std::to_string(s.tokens.count()) +
                            " tokens of its shard");
            for (int64_t k = 1; k < n; ++k)
                if (getU64(p + 8 * k) < getU64(p + 8 * (k - 1)))
                    throw Error(s.index.path() + ": offset " + std::to_string(k) + " goes backwards");
            s.firstToken = split->m_numTokens;
            s.firstSegment = split->m_numSegments;
            split->m_numTokens += s.tokens.count();
            split->m_numSegments += n - 1;
            split->m_shards.push_back(std::move(s));
        }
        if (d.m_kind == DatasetKind::Preference && split->m_numSegments % 3 != 0)
            throw bad("split \"" + it.key() + "\" has " + std::to_string(split->m_numSegments) +
                      " segments, not a multiple of 3 (prompt, chosen, rejected)");
        d.m_splits.emplace_back(it.key(), std::move(split));
    }
    if (!d.hasSplit("train")) throw bad("no \"train\" split");
    return d;
}

bool Dataset::hasSplit(const std::string &name) const
{
    for (const auto &[n, s] : m_splits)
        if (n == name && s->numSegments() > 0) return true;
    return false;
}

const DatasetSplit &Dataset::split(const std::string &name) const
{
    for (const auto &[n, s] : m_splits)
        if (n == name) return *s;
    throw Error("dataset " + m_dir + " has no \"" + name + "\" split");
}

}  // namespace danka::core::data
