// Streaming readers for every input layout Danka accepts, in bounded memory (a 10 GB file reads like a
// 10 KB one). Malformed input never stops a read: it is skipped and reported with file:line and reason.
//
// Layouts (one record per line for JSONL; a .json file may also be one JSON array of records):
//   text      plain text; documents are separated by blank lines
//   pretrain  {"text": "..."}
//   sft       {"conversations": [{"role": "system"|"user"|"assistant", "content": "...",
//             "reasoning_content": "..." (optional)}]}  ("messages" is accepted for "conversations")
//   dpo       {"chosen": [turns], "rejected": [turns]} with the shared turns repeated in both, or
//             {"prompt": [turns] | "...", "chosen": [turns] | "...", "rejected": [turns] | "..."}
//   alpaca    {"instruction": "...", "input": "...", "output": "...", "system": "...", "history": [[q, a]...]}
//   sharegpt  {"conversations": [{"from": "human"|"gpt"|"system", "value": "..."}]}
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/data/records.h"

namespace danka::core::data {

class RecordReader {
public:
    // Opens `path` (throws core::Error naming it when it cannot be read). With DataFormat::Auto the layout
    // is detected from the first records: .txt files and lines that are not JSON objects are text;
    // JSON records by their keys.
    RecordReader(const std::string &path, DataFormat format = DataFormat::Auto);
    ~RecordReader();
    RecordReader(const RecordReader &) = delete;
    RecordReader &operator=(const RecordReader &) = delete;

    // The next valid record; false at the end of the file.
    bool next(Record &out);

    DataFormat format() const { return m_format; }
    bool isJsonArray() const { return m_jsonArray; }  // a JSON layout given as one array of records
    const std::string &path() const { return m_path; }
    const RejectReport &rejects() const { return m_rejects; }
    int64_t records() const { return m_records; }
    uint64_t bytesRead() const { return m_bytesRead; }
    uint64_t fileSize() const { return m_fileSize; }

    // Longest line / JSON element accepted; longer ones are skipped and reported.
    static constexpr size_t kMaxRecordBytes = 64u << 20;
    // Plain-text documents longer than this are cut into pieces of this size (at a line break if possible).
    static constexpr size_t kMaxTextDocumentBytes = 8u << 20;

private:
    bool readLine(std::string &line);        // false at EOF; strips \n and \r\n
    bool readArrayElement(std::string &element, int64_t &line);
    bool nextText(Record &out);
    bool parseJsonRecord(const std::string &text, int64_t line, Record &out);
    void detectFormat();
    char rewind();                           // back to the first record; returns the first non-blank byte
    void reject(int64_t line, const std::string &category, const std::string &detail = std::string());

    std::string m_path;
    DataFormat m_format;
    std::FILE *m_file = nullptr;
    std::string m_buffer;        // read-ahead
    size_t m_bufferPos = 0;
    bool m_eof = false;
    int64_t m_line = 0;          // lines consumed so far
    uint64_t m_bytesRead = 0;
    uint64_t m_fileSize = 0;
    bool m_textFile = false;     // .txt / .md: always plain text
    bool m_jsonArray = false;
    bool m_arrayDone = false;
    bool m_overlong = false;     // the last readLine skipped an overlong line
    int64_t m_records = 0;
    RejectReport m_rejects;
    std::string m_pendingText;   // text layout: a document cut at kMaxTextDocumentBytes
    int64_t m_pendingLine = 0;
};

// Why one record was rejected: the reason counted in reports and the detail shown in examples.
struct RecordError {
    std::string category;  // "invalid JSON"
    std::string detail;    // "unterminated string"
    std::string toString() const;  // "invalid JSON (unterminated string)"
};

// Parses one JSON record (a JSONL line or an element of a JSON array) of a JSON layout (not Auto or Text):
// the reader's own parser, shared with RecordIndex so that a viewer judges a record exactly as the
// pipeline does. `out.file` and `out.line` are left to the caller.
bool parseJsonRecord(std::string_view text, DataFormat format, Record &out, RecordError &error);

// Detects the layout of one parsed JSON record (the keys it has); Auto when none fits.
DataFormat detectJsonFormat(const std::string &jsonText);

}  // namespace danka::core::data
