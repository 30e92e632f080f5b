// A prepared dataset: a folder with dataset.json and binary shards, per split ("train", "val"):
//
//   <split>-NNNNN.tokens   token ids, uint16 when the vocabulary is < 65536, else uint32
//   <split>-NNNNN.index    uint64 offsets of segment starts (count + 1 entries; the last = token count)
//   <split>-NNNNN.mask     uint8 loss mask per token (sft and preference datasets)
//
// Each file starts with a 32-byte header: magic (8 bytes: "DKTOKENS", "DKINDEX\0", "DKMASK\0\0"),
// uint32 version (1), uint32 element size in bytes, uint64 element count, uint64 reserved (0); all
// little endian. Segments: pretraining documents (each ends with </s>), SFT conversations, or three per
// preference record (prompt, chosen, rejected). Shards are memory-mapped when read, and every size, offset
// and header is checked, so a truncated or foreign file is an error naming the file, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace danka::core::data {

enum class DatasetKind { Pretrain, Sft, Preference };
const char *datasetKindName(DatasetKind kind);  // "pretrain", "sft", "preference"

struct ShardFiles {
    std::string tokens, index, mask;  // file names inside the dataset folder (mask empty for pretrain)
    int64_t numTokens = 0;
    int64_t numSegments = 0;
};

// --- writing -----------------------------------------------------------------------------------------------

// Appends segments to a split's shards, starting a new shard when one reaches `maxShardTokens`.
class ShardWriter {
public:
    ShardWriter(std::string dir, std::string split, int tokenBytes, bool withMask, int64_t maxShardTokens);
    ~ShardWriter();
    ShardWriter(const ShardWriter &) = delete;
    ShardWriter &operator=(const ShardWriter &) = delete;

    // One segment; `mask` is empty (all ones) or as long as `ids`. A new shard only starts at a segment
    // with `startsRecord`, so the three segments of a preference record stay in one shard.
    void append(const std::vector<int32_t> &ids, const std::vector<uint8_t> &mask, bool startsRecord = true);
    void finish();  // completes the last shard's headers and flushes (throws on I/O errors)
    const std::vector<ShardFiles> &shards() const { return m_shards; }
    int64_t tokens() const { return m_totalTokens; }

private:
    void openShard();
    void closeShard();
    std::string m_dir, m_split;
    int m_tokenBytes;
    bool m_withMask;
    int64_t m_maxShardTokens;
    std::vector<ShardFiles> m_shards;
    std::FILE *m_tokens = nullptr, *m_index = nullptr, *m_mask = nullptr;
    int64_t m_shardTokens = 0, m_shardSegments = 0, m_totalTokens = 0;
    std::vector<char> m_scratch;
};

// --- reading -----------------------------------------------------------------------------------------------

// A read-only memory map of one binary file with a validated header.
class MappedArray {
public:
    MappedArray() = default;
    MappedArray(const std::string &path, const char magic[8], int expectedElementSize);
    ~MappedArray();
    MappedArray(MappedArray &&other) noexcept;
    MappedArray &operator=(MappedArray &&other) noexcept;
    MappedArray(const MappedArray &) = delete;
    MappedArray &operator=(const MappedArray &) = delete;

    int64_t count() const { return m_count; }
    int elementSize() const { return m_elementSize; }
    const unsigned char *data() const { return m_data; }
    const std::string &path() const { return m_path; }

private:
    void release();
    std::string m_path;
    void *m_map = nullptr;
    size_t m_mapSize = 0;
    const unsigned char *m_data = nullptr;
    int64_t m_count = 0;
    int m_elementSize = 0;
};

// One split of a dataset: all its shards, read as one sequence of tokens and segments.
class DatasetSplit {
public:
    int64_t numTokens() const { return m_numTokens; }
    int64_t numSegments() const { return m_numSegments; }
    bool hasMask() const { return m_hasMask; }

    // Tokens [begin, begin + count) of the split's stream (crossing shards), widened to int32.
    void readTokens(int64_t begin, int64_t count, int32_t *out) const;
    // The loss mask over the same range (all ones for pretraining data).
    void readMask(int64_t begin, int64_t count, uint8_t *out) const;
    // Start and end (exclusive) of segment `i` in the split's stream.
    std::pair<int64_t, int64_t> segment(int64_t i) const;
    // Index of the segment containing token `position`.
    int64_t segmentAt(int64_t position) const;

private:
    friend class Dataset;
    struct Shard {
        MappedArray tokens, index, mask;
        int64_t firstToken = 0;    // offset of the shard in the split's stream
        int64_t firstSegment = 0;
    };
    const Shard &shardOfToken(int64_t position) const;
    std::vector<Shard> m_shards;
    int64_t m_numTokens = 0;
    int64_t m_numSegments = 0;
    bool m_hasMask = false;
};

class Dataset {
public:
    // Opens a prepared dataset folder and validates every shard. With `expectedTokenizerChecksum`, refuses a
    // dataset tokenized by another tokenizer. Throws core::Error naming the file and the problem.
    static Dataset open(const std::string &dir, const std::string &expectedTokenizerChecksum = std::string());

    Dataset(Dataset &&) noexcept;
    Dataset &operator=(Dataset &&) noexcept;
    ~Dataset();

    DatasetKind kind() const { return m_kind; }
    const std::string &dir() const { return m_dir; }
    // dataset.json, with tokenizer.dir resolved (the file may record it relative to the dataset folder).
    const nlohmann::json &info() const { return m_info; }
    int tokenBytes() const { return m_tokenBytes; }
    int32_t padId() const { return m_padId; }
    int32_t eosId() const { return m_eosId; }
    int segmentsPerRecord() const { return m_kind == DatasetKind::Preference ? 3 : 1; }
    bool hasSplit(const std::string &name) const;
    const DatasetSplit &split(const std::string &name) const;  // throws core::Error when absent

private:
    Dataset() = default;
    std::string m_dir;
    nlohmann::json m_info;
    DatasetKind m_kind = DatasetKind::Pretrain;
    int m_tokenBytes = 2;
    int32_t m_padId = 0, m_eosId = 0;
    std::vector<std::pair<std::string, std::unique_ptr<DatasetSplit>>> m_splits;
};

}  // namespace danka::core::data
