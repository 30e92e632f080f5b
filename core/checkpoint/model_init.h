// `danka-cli model init`: a randomly initialised checkpoint folder from a config, with its tokenizer. By
// default the tokenizer is the demo tokenizer: trained once on the shipped demo corpus with the model's
// vocabulary size and cached in the workspace (tokenizers/demo-<vocab>).
#pragma once

#include <cstdint>
#include <string>

#include "core/config/run_config.h"

namespace danka::core {

class JobContext;
class Workspace;

struct ModelInitOptions {
    RunConfig config;
    uint64_t seed = 1234;
    std::string tokenizerDir;  // empty = the workspace's demo tokenizer
    std::string outDir;
};

struct ModelInitResult {
    std::string dir;
    std::string tokenizerDir;
    int64_t parameters = 0;
    bool trainedTokenizer = false;  // the demo tokenizer was trained now
};

ModelInitResult initModel(const Workspace &workspace, const ModelInitOptions &options, JobContext &job);

// The demo tokenizer with `vocabSize` pieces, trained on first use and registered in the workspace.
std::string ensureDemoTokenizer(const Workspace &workspace, int vocabSize, JobContext &job, bool *trained = nullptr);

}  // namespace danka::core
