// Where each record of a raw data file starts, found in one fast pass (large reads, memchr for newlines), so
// that a viewer can read and parse record i on demand instead of holding the file: a 1 GB JSONL file indexes
// in seconds and costs 16 bytes of memory per record.
//
// An entry is a candidate record in the layout RecordReader reads:
//   JSONL       every non-blank line (a malformed line is an entry too: parsing it gives the reason)
//   JSON array  every element of the top-level array
//   text        every document (lines up to a blank line), cut every RecordReader::kMaxTextDocumentBytes
// so the valid entries are exactly RecordReader's records, in the same order and with the same lines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/records.h"

namespace danka::core {
class JobContext;
}

namespace danka::core::data {

class RecordIndex {
public:
    // Indexes `path` (layout detected as RecordReader detects it, or the given one). Progress and cancel
    // through `job` when given. Throws core::Error naming the file when it cannot be read or its layout
    // cannot be told. `chunkBytes` is the size of one read (tests make it tiny to put a chunk boundary
    // everywhere).
    static RecordIndex build(const std::string &path, DataFormat format = DataFormat::Auto,
                             JobContext *job = nullptr, size_t chunkBytes = kDefaultChunkBytes);
    static constexpr size_t kDefaultChunkBytes = 16u << 20;

    RecordIndex(RecordIndex &&) noexcept;
    RecordIndex &operator=(RecordIndex &&) noexcept;
    ~RecordIndex();

    const std::string &path() const { return m_path; }
    DataFormat format() const { return m_format; }  // never Auto
    bool isJsonArray() const { return m_jsonArray; }
    uint64_t fileSize() const { return m_fileSize; }
    int64_t size() const { return static_cast<int64_t>(m_lines.size()); }      // entries
    int64_t line(int64_t i) const { return m_lines[static_cast<size_t>(i)]; }  // 1-based line of entry i
    uint64_t offset(int64_t i) const { return m_offsets[static_cast<size_t>(i)]; }
    // Bytes from the start of entry i to the start of the next (the record and the blank space after it).
    uint64_t spanBytes(int64_t i) const { return m_offsets[static_cast<size_t>(i) + 1] - offset(i); }
    // The entry whose span holds 1-based `line` (the last entry starting at or before it); -1 before the
    // first.
    int64_t entryAtLine(int64_t line) const;

    // Reads and parses entry i (thread-safe: positioned reads of a descriptor kept open). False when the
    // entry is not a valid record: `error` gets the reason as reports give it ("invalid JSON (...)"), or
    // says that the file changed since it was indexed.
    bool read(int64_t i, Record &out, std::string &error) const;
    // The raw bytes of entry i as they are in the file (at most `maxBytes`), for showing a rejected entry.
    std::string rawText(int64_t i, size_t maxBytes = 4096) const;

private:
    RecordIndex() = default;
    std::string readSpan(int64_t i, size_t maxBytes, std::string &error) const;

    std::string m_path;
    DataFormat m_format = DataFormat::Text;
    bool m_jsonArray = false;
    uint64_t m_fileSize = 0;
    std::vector<uint64_t> m_offsets;  // entry starts, then one past the last entry's span
    std::vector<int64_t> m_lines;
    struct File;
    std::shared_ptr<File> m_file;
};

// Parses the text of one entry of layout `format` with the reader's own parsing: a JSONL line (what follows
// its newline is ignored), an element of a JSON array (`arrayElement`: the comma, blank space and elements
// after it are ignored) or a text document (up to its first blank line). Sets out.file and out.line. False,
// with the reason as reports give it in `error`, when RecordReader would reject it.
bool parseRecord(std::string_view text, DataFormat format, const std::string &file, int64_t line, Record &out,
                 std::string &error, bool arrayElement = false);

}  // namespace danka::core::data
