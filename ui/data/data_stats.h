// Statistics of the Data page, computed in jobs off the GUI thread: record and character counts, a length
// histogram and the rejected-lines report of a raw file (one streaming pass with the pipeline's own reader),
// and the exact segment-length histogram of a prepared dataset (from its index).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/records.h"

namespace danka::core {
class JobContext;
}
namespace danka::core::data {
class Dataset;
}
namespace danka::core::tokenizer {
class Tokenizer;
}

namespace danka::ui {

// Counts of lengths in power-of-two buckets: [0, 16), [16, 32), [32, 64)... up to the longest length.
struct LengthHistogram {
    std::vector<int64_t> edges;   // bucket i holds lengths in [edges[i], edges[i + 1])
    std::vector<int64_t> counts;  // edges.size() - 1 buckets
    int64_t total() const;

    void add(int64_t length);
    static size_t bucketOf(int64_t length);
    static int64_t lowerEdge(size_t bucket);
};

struct RawFileStats {
    core::data::DataFormat format = core::data::DataFormat::Auto;
    int64_t records = 0;     // valid records
    int64_t characters = 0;  // of all valid records
    int64_t longestCharacters = 0;
    bool inTokens = false;       // the histogram counts tokens (else characters)
    int64_t measured = 0;        // records in the histogram: all, or the first `tokenSample` when in tokens
    int64_t measuredTokens = 0;  // tokens of those
    LengthHistogram histogram;
    core::data::RejectReport rejects;
};

// Reads the whole file with RecordReader (progress, cancel). With `tokenizer`, the first `tokenSample`
// records are tokenized as `data prepare` would (chat template for conversations; a preference record
// counts its prompt and its longer reply) and the histogram is in tokens; else in characters, of all.
RawFileStats computeRawFileStats(const std::string &path, core::data::DataFormat format,
                                 const core::tokenizer::Tokenizer *tokenizer, int64_t tokenSample,
                                 core::JobContext &job);

struct SegmentStats {
    int64_t segments = 0;
    int64_t tokens = 0;
    int64_t longest = 0;
    LengthHistogram histogram;  // of the segment lengths in tokens, all splits, exact
};
SegmentStats computeSegmentStats(const core::data::Dataset &dataset, core::JobContext &job);

}  // namespace danka::ui
