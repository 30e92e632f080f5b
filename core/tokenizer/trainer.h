// Trains a SentencePiece BPE tokenizer on cleaned input through the C++ API: byte fallback (no unknown
// characters), character coverage suited to Chinese, the chat / reasoning / infilling / control markers
// as single pieces, bounded memory by sampling sentences. Reports chars per token on held-out Chinese and
// English lines and the share of byte-fallback tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/cleaning.h"
#include "core/data/records.h"
#include "core/tokenizer/tokenizer.h"

namespace danka::core {
class JobContext;
}

namespace danka::core::tokenizer {

struct TokenizerTrainOptions {
    std::vector<std::string> inputs;             // data files in any layout the readers accept
    data::DataFormat format = data::DataFormat::Auto;
    int vocabSize = 6400;                        // 6400 for small models, up to 65536
    double characterCoverage = 0.9995;           // share of character occurrences with their own piece, at most;
                                                 // single characters never take more than half of the vocabulary
                                                 // (rarer characters fall back to UTF-8 bytes)
    int64_t maxSentences = 2000000;              // lines sampled for training (bounds memory)
    int maxSentenceChars = 2048;                 // longer lines are cut
    std::vector<std::string> domains;            // adds [DOMAIN:x] markers
    data::CleaningOptions cleaning;              // the same normalisation data prepare applies
    double heldOutFraction = 0.01;               // lines kept out of training to measure compression
    int64_t maxHeldOutLines = 5000;              // per language
    int threads = 0;                             // 0 = all cores
    unsigned seed = 1234;
};

struct TokenizerTrainResult {
    std::string dir;
    std::vector<std::string> inputs;  // the data files it was trained on, as given in the options
    int32_t vocabSize = 0;
    TokenizerStats stats;
    int64_t sentences = 0;         // training lines seen (the sample holds at most maxSentences of them)
    double characterCoverage = 0;  // share of character occurrences that got their own piece
    int64_t charactersKept = 0;    // characters that became single pieces
    int64_t records = 0;
    double seconds = 0;
    std::string checksum;
    data::RejectReport rejects;
    data::CleaningReport cleaning;
};

// Trains and writes `outDir` (replacing an existing tokenizer there atomically). Progress and cancel go
// through `job`. Throws core::Error with the reason (no usable input, vocabulary too large for the data...).
TokenizerTrainResult trainTokenizer(const TokenizerTrainOptions &options, const std::string &outDir, JobContext &job);

// Registers the trained tokenizer of `result` in the workspace store at `databasePath` under `name` (the
// folder's name when empty), with the held-out figures and inputs the tokenizer lists show without loading
// it. Returns its id (a folder registered before keeps its id, its record updated). Throws core::Error.
int64_t recordTokenizer(const std::string &databasePath, const TokenizerTrainResult &result,
                        const std::string &name = {});

// Markers of a tokenizer trained with `domains`: the standard ones, then [DOMAIN:x] for each domain.
std::vector<std::string> markersFor(const std::vector<std::string> &domains);

}  // namespace danka::core::tokenizer
