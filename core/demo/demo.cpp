// The demo pipeline (see demo.h).
#include "core/demo/demo.h"

#include <algorithm>

#include "core/config/presets.h"
#include "core/util/resources.h"
#include "core/store/workspace.h"

namespace danka::core {

namespace {

void shorten(RunConfig &config, int64_t steps)
{
    if (steps > 0) {
        config.schedule.maxSteps = steps;
        config.schedule.warmupSteps = std::min(config.schedule.warmupSteps, std::max<int64_t>(1, steps / 10));
        config.runtime.evalEvery = std::min(config.runtime.evalEvery, steps);
        config.runtime.checkpointEvery = std::min(config.runtime.checkpointEvery, steps);
        config.runtime.sampleEvery = std::min(config.runtime.sampleEvery, steps);
    }
}

data::PrepareResult prepareDemoFile(const Workspace &ws, const std::string &tokenizerDir, const char *file,
                                    const char *folder, JobContext &job)
{
    data::PrepareOptions o;
    o.tokenizerDir = tokenizerDir;
    o.valFraction = 0;  // the held-out records are their own file
    o.inputs = {demoFile(file)};
    o.outDir = ws.datasetsDir() + "/" + folder;
    data::PrepareResult r = data::prepareDataset(o, job);
    data::recordDataset(ws.databasePath(), r, tokenizerDir);
    return r;
}

}  // namespace

RunConfig demoRunConfig(int64_t steps)
{
    RunConfig config = findPreset("demo")->config;
    shorten(config, steps);
    return config;
}

DemoDatasets prepareDemoDatasets(const Workspace &ws, const std::string &tokenizerDir, JobContext &job)
{
    DemoDatasets d;
    d.train = prepareDemoFile(ws, tokenizerDir, "pretrain.jsonl", "demo-pretrain", job);
    d.val = prepareDemoFile(ws, tokenizerDir, "pretrain_val.jsonl", "demo-pretrain-val", job);
    return d;
}

void useDemoDatasets(RunConfig &config, const DemoDatasets &datasets)
{
    config.data.dataset = datasets.train.dir;
    config.data.valDataset = datasets.val.dir;
}

const std::vector<std::string> &demoSamplePrompts()
{
    static const std::vector<std::string> prompts = {"春眠不觉晓，", "The programmer", "子曰："};
    return prompts;
}

DemoDatasets prepareDemoSftDatasets(const Workspace &ws, const std::string &tokenizerDir, JobContext &job)
{
    DemoDatasets d;
    d.train = prepareDemoFile(ws, tokenizerDir, "sft.jsonl", "demo-sft", job);
    d.val = prepareDemoFile(ws, tokenizerDir, "sft_val.jsonl", "demo-sft-val", job);
    return d;
}

RunConfig demoSftConfig(const std::string &baseCheckpoint, const DemoDatasets &sft, int64_t steps)
{
    RunConfig config = findPreset("demo")->config;
    config.name = "demo-sft";
    config.stage.kind = "sft";
    config.stage.baseCheckpoint = baseCheckpoint;
    useDemoDatasets(config, sft);
    config.data.overlong = Overlong::Drop;
    config.optim.learningRate = 2e-3;
    config.optim.weightDecay = 0.0;
    // 600 steps of up to 16 conversations (about six passes over the demo conversations): 80 s on a 2-core
    // CPU, after which the model answers the demo questions in kind and stops at its end marker.
    config.schedule.maxSteps = 600;
    config.schedule.warmupSteps = 20;
    config.runtime.evalEvery = 200;
    config.runtime.checkpointEvery = 600;
    config.runtime.sampleEvery = 300;
    shorten(config, steps);
    return config;
}

const std::vector<std::string> &demoChatQuestions()
{
    static const std::vector<std::string> questions = {"你是谁？", "Who are you?"};
    return questions;
}

}  // namespace danka::core
