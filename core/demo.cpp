// The demo pipeline (see demo.h).
#include "core/demo.h"

#include <algorithm>

#include "core/config/presets.h"
#include "core/resources.h"
#include "core/workspace.h"

namespace danka::core {

RunConfig demoRunConfig(int64_t steps)
{
    RunConfig config = findPreset("demo")->config;
    if (steps > 0) {
        config.schedule.maxSteps = steps;
        config.schedule.warmupSteps = std::min(config.schedule.warmupSteps, std::max<int64_t>(1, steps / 10));
        config.runtime.evalEvery = std::min(config.runtime.evalEvery, steps);
        config.runtime.checkpointEvery = std::min(config.runtime.checkpointEvery, steps);
        config.runtime.sampleEvery = std::min(config.runtime.sampleEvery, steps);
    }
    return config;
}

DemoDatasets prepareDemoDatasets(const Workspace &ws, const std::string &tokenizerDir, JobContext &job)
{
    DemoDatasets d;
    data::PrepareOptions o;
    o.tokenizerDir = tokenizerDir;
    o.valFraction = 0;  // the held-out documents are their own file
    o.inputs = {demoFile("pretrain.jsonl")};
    o.outDir = ws.datasetsDir() + "/demo-pretrain";
    d.train = data::prepareDataset(o, job);
    o.inputs = {demoFile("pretrain_val.jsonl")};
    o.outDir = ws.datasetsDir() + "/demo-pretrain-val";
    d.val = data::prepareDataset(o, job);
    data::recordDataset(ws.databasePath(), d.train, tokenizerDir);
    data::recordDataset(ws.databasePath(), d.val, tokenizerDir);
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

}  // namespace danka::core
