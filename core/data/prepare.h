// `data prepare`: raw files -> cleaned, deduplicated, tokenized shards with an index, a validation split
// and a report. One reader thread, N worker threads (clean, fingerprint, tokenize) and the calling thread
// writing in input order, with bounded queues: memory stays flat however large the input, and the output
// is identical whatever the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/cleaning.h"
#include "core/data/dataset.h"
#include "core/data/dedup.h"
#include "core/data/records.h"

namespace danka::core {
class JobContext;
}

namespace danka::core::data {

struct PrepareOptions {
    std::vector<std::string> inputs;
    DataFormat format = DataFormat::Auto;   // for every input; Auto detects each file
    std::string tokenizerDir;
    std::string outDir;
    CleaningOptions cleaning;
    DedupMode dedup = DedupMode::Exact;
    MinHashOptions minhash;
    double valFraction = 0.01;     // records whose text hash falls below this go to the "val" split
    uint64_t seed = 1234;          // of the split assignment
    int64_t maxLength = 0;         // sft / preference: records of more tokens are dropped and reported; 0 = keep
    int64_t maxShardTokens = int64_t(1) << 27;  // 134M tokens per shard (256 MiB as uint16)
    int threads = 0;               // tokenizing workers; 0 = all cores
    std::string name;              // for the workspace store; default: the folder name
};

struct PrepareResult {
    std::string dir;
    DatasetKind kind = DatasetKind::Pretrain;
    int64_t trainRecords = 0, trainTokens = 0;
    int64_t valRecords = 0, valTokens = 0;
    int64_t tooLong = 0;           // records over maxLength
    uint64_t bytesIn = 0;
    double seconds = 0;
    RejectReport rejects;          // unreadable input, with file:line
    CleaningReport cleaning;       // what each rule removed or changed
    nlohmann::ordered_json info;   // what was written to dataset.json
};

// Prepares the dataset into options.outDir (replaced atomically). Progress and cancel through `job`.
// Throws core::Error for unusable input as a whole (no records, mixed kinds, unreadable tokenizer).
PrepareResult prepareDataset(const PrepareOptions &options, JobContext &job);

// Registers a prepared dataset and its tokenizer in the workspace store at `databasePath` (replacing
// records with the same paths). Returns the dataset's id.
int64_t recordDataset(const std::string &databasePath, const PrepareResult &result, const std::string &tokenizerDir);

// The kind of dataset a layout produces.
DatasetKind kindOf(DataFormat format);

}  // namespace danka::core::data
