// Data page statistics (see data_stats.h).
#include "ui/data/data_stats.h"

#include <algorithm>

#include "core/data/dataset.h"
#include "core/data/reader.h"
#include "core/run/job.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "ui/data/record_html.h"

namespace danka::ui {

namespace {

// Tokens of a record as `data prepare` counts them against its maximum length.
int64_t tokenLength(const core::data::Record &r, const core::tokenizer::Tokenizer &tok)
{
    using namespace core::tokenizer;
    switch (r.kind) {
    case core::data::RecordKind::Text: return static_cast<int64_t>(tok.encode(r.text).size()) + 1;  // + </s>
    case core::data::RecordKind::Conversation:
        return static_cast<int64_t>(encodeConversation(tok, r.messages).ids.size());
    case core::data::RecordKind::Preference:
        return static_cast<int64_t>(encodePrompt(tok, r.messages).size() +
                                    std::max(encodeContinuation(tok, r.chosen).ids.size(),
                                             encodeContinuation(tok, r.rejected).ids.size()));
    }
    return 0;
}

}  // namespace

int64_t LengthHistogram::total() const
{
    int64_t n = 0;
    for (int64_t c : counts)
        n += c;
    return n;
}

size_t LengthHistogram::bucketOf(int64_t length)
{
    if (length < 16) return 0;
    size_t bits = 0;
    for (uint64_t v = static_cast<uint64_t>(length); v; v >>= 1)
        ++bits;
    return bits - 4;  // [16, 32) -> 1, [32, 64) -> 2...
}

int64_t LengthHistogram::lowerEdge(size_t bucket)
{
    return bucket == 0 ? 0 : int64_t(1) << (bucket + 3);
}

void LengthHistogram::add(int64_t length)
{
    const size_t b = bucketOf(std::max<int64_t>(length, 0));
    if (counts.size() <= b) {
        counts.resize(b + 1, 0);
        edges.clear();
        for (size_t i = 0; i <= b + 1; ++i)
            edges.push_back(lowerEdge(i));
    }
    ++counts[b];
}

RawFileStats computeRawFileStats(const std::string &path, core::data::DataFormat format,
                                 const core::tokenizer::Tokenizer *tokenizer, int64_t tokenSample,
                                 core::JobContext &job)
{
    RawFileStats s;
    s.inTokens = tokenizer != nullptr;
    core::data::RecordReader reader(path, format);
    s.format = reader.format();
    core::data::Record r;
    int64_t sinceReport = 0;
    while (reader.next(r)) {
        ++s.records;
        const int64_t chars = recordCharacters(r);
        s.characters += chars;
        s.longestCharacters = std::max(s.longestCharacters, chars);
        if (!tokenizer) {
            s.histogram.add(chars);
            ++s.measured;
        } else if (s.measured < tokenSample) {
            const int64_t tokens = tokenLength(r, *tokenizer);
            s.histogram.add(tokens);
            s.measuredTokens += tokens;
            ++s.measured;
        }
        // Tokenizing is slower than reading: report more often while it runs.
        if (++sinceReport >= (s.inTokens && s.measured < tokenSample ? 64 : 4096)) {
            sinceReport = 0;
            job.checkpoint();
            job.setProgress(
                reader.fileSize() ? static_cast<double>(reader.bytesRead()) / reader.fileSize() : 1.0,
                std::to_string(s.records) + " records read");
        }
    }
    s.rejects = reader.rejects();
    job.setProgress(1.0, std::to_string(s.records) + " records read");
    return s;
}

SegmentStats computeSegmentStats(const core::data::Dataset &dataset, core::JobContext &job)
{
    SegmentStats s;
    for (const char *name : {"train", "val"}) {
        if (!dataset.hasSplit(name)) continue;
        const core::data::DatasetSplit &split = dataset.split(name);
        for (int64_t i = 0; i < split.numSegments(); ++i) {
            const auto [begin, end] = split.segment(i);
            s.histogram.add(end - begin);
            s.longest = std::max(s.longest, end - begin);
            if ((i & 0xFFFF) == 0xFFFF) job.checkpoint();
        }
        s.segments += split.numSegments();
        s.tokens += split.numTokens();
    }
    return s;
}

}  // namespace danka::ui
