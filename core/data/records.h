// What the data pipeline carries: a text document, a conversation, or a preference pair, with where it
// came from; and the report of what a reader had to skip.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace danka::core::data {

// Input layouts. Auto detects from the file: see RecordReader.
enum class DataFormat { Auto, Text, Pretrain, Sft, Dpo, Alpaca, ShareGpt };
const char *dataFormatName(DataFormat format);             // "auto", "text", "pretrain", "sft", "dpo"...
bool parseDataFormat(const std::string &name, DataFormat &out);

enum class RecordKind { Text, Conversation, Preference };
const char *recordKindName(RecordKind kind);                // "text", "conversation", "preference"

struct Message {
    std::string role;     // "system", "user" or "assistant"
    std::string content;  // reasoning, when present, is inside as <think>...</think> before the answer
    bool operator==(const Message &o) const { return role == o.role && content == o.content; }
};

struct Record {
    RecordKind kind = RecordKind::Text;
    std::string text;                 // Text
    std::vector<Message> messages;    // Conversation; for Preference: the shared prompt turns
    std::vector<Message> chosen;      // Preference: the better reply turn(s)
    std::vector<Message> rejected;    // Preference: the worse reply turn(s)
    std::string file;                 // source file and 1-based line of the record's start
    int64_t line = 0;
    std::string language;             // set by cleaning: "zh", "en", "mixed" or "other"
};

// Counts of skipped input by reason, with the first examples ("bad.jsonl:7: invalid JSON (...)").
struct RejectReport {
    struct Example {
        std::string file;
        int64_t line = 0;
        std::string reason;
        std::string toString() const { return file + ":" + std::to_string(line) + ": " + reason; }
    };
    size_t maxExamples = 20;
    int64_t total = 0;
    std::map<std::string, int64_t> countsByReason;  // reason without details: "invalid JSON"
    std::vector<Example> examples;

    void add(const std::string &file, int64_t line, const std::string &category, const std::string &detail);
    void merge(const RejectReport &other);
};

}  // namespace danka::core::data
