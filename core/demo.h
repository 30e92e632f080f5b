// The demo pipeline on the shipped corpus (resources/demo), shared by `danka-cli demo` and the studio's
// "Run the Demo": the demo tokenizer, the pretraining corpus and its held-out documents prepared and
// registered in the workspace, and the demo run config pointing at them. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/run_config.h"
#include "core/data/prepare.h"

namespace danka::core {

class JobContext;
class Workspace;

// The demo preset; with `steps` > 0 shortened to that many steps (warmup, evaluation, checkpoint and sample
// intervals shrink with it).
RunConfig demoRunConfig(int64_t steps = 0);

struct DemoDatasets {
    data::PrepareResult train;  // resources/demo/pretrain.jsonl -> datasets/demo-pretrain
    data::PrepareResult val;    // resources/demo/pretrain_val.jsonl -> datasets/demo-pretrain-val
};

// Prepares the demo corpus with the tokenizer at `tokenizerDir` and registers both datasets in the
// workspace's store.
DemoDatasets prepareDemoDatasets(const Workspace &workspace, const std::string &tokenizerDir, JobContext &job);

// Points `config` at the demo datasets.
void useDemoDatasets(RunConfig &config, const DemoDatasets &datasets);

// Prompts the demo samples its trained model with (poetry, English, the Analects).
const std::vector<std::string> &demoSamplePrompts();

}  // namespace danka::core
