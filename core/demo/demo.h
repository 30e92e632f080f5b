// The demo pipeline on the shipped corpus (resources/demo), shared by `danka-cli demo` and the studio's
// "Run the Demo": the demo tokenizer, the pretraining corpus and its held-out documents prepared and
// registered in the workspace, the demo run config pointing at them, then SFT of the pretrained model on the
// demo conversations and a chat question for the result. Torch-free.
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

// resources/demo/sft.jsonl -> datasets/demo-sft and sft_val.jsonl -> datasets/demo-sft-val, registered.
DemoDatasets prepareDemoSftDatasets(const Workspace &workspace, const std::string &tokenizerDir, JobContext &job);

// SFT of the pretrained demo model (`baseCheckpoint`) on the demo conversations; with `steps` > 0
// shortened to that many steps. Conversations longer than the context are dropped, so every reply trained
// on ends with its end marker.
RunConfig demoSftConfig(const std::string &baseCheckpoint, const DemoDatasets &sft, int64_t steps = 0);

// Questions of the demo conversations the demo asks its SFT model (its identity, in Chinese and English).
const std::vector<std::string> &demoChatQuestions();

}  // namespace danka::core
