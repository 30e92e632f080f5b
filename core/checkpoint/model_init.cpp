// Model initialisation (see model_init.h).
#include "core/checkpoint/model_init.h"

#include <filesystem>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/run/job.h"
#include "core/checkpoint/model_io.h"
#include "core/util/resources.h"
#include "core/tokenizer/trainer.h"
#include "core/store/workspace.h"

namespace fs = std::filesystem;

namespace danka::core {

std::string ensureDemoTokenizer(const Workspace &ws, int vocabSize, JobContext &job, bool *trained)
{
    const std::string dir = (fs::path(ws.tokenizersDir()) / ("demo-" + std::to_string(vocabSize))).string();
    if (trained) *trained = false;
    if (fs::exists(fs::path(dir) / "tokenizer.model")) {
        try {
            tokenizer::Tokenizer::load(dir);
            return dir;
        } catch (const Error &) {
            // damaged: train it again below
        }
    }
    tokenizer::TokenizerTrainOptions o;
    o.inputs = {demoFile("pretrain.jsonl"), demoFile("sft.jsonl")};
    o.vocabSize = std::min(vocabSize, 65536);
    const tokenizer::TokenizerTrainResult r = tokenizer::trainTokenizer(o, dir, job);
    tokenizer::recordTokenizer(ws.databasePath(), r, "demo-" + std::to_string(vocabSize));
    if (trained) *trained = true;
    return r.dir;
}

ModelInitResult initModel(const Workspace &ws, const ModelInitOptions &o, JobContext &job)
{
    const auto problems = validate(o.config);
    if (!problems.empty()) throw Error("the config is invalid: " + problems.front().toString());
    if (o.outDir.empty()) throw Error("model init: no output folder");
    ModelInitResult result;
    result.tokenizerDir = o.tokenizerDir.empty()
                              ? ensureDemoTokenizer(ws, static_cast<int>(o.config.model.vocabSize), job, &result.trainedTokenizer)
                              : o.tokenizerDir;
    const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(result.tokenizerDir);
    job.checkpoint();
    job.setProgress(0.8, "initialising the model");
    torch::manual_seed(o.seed);
    model::Transformer m(o.config.model);
    CheckpointMeta meta;
    meta.runName = o.config.name;
    meta.extra = {{"initialised", true}, {"seed", o.seed}};
    result.dir = writeModelCheckpoint(*m, tok, o.outDir, meta);
    result.parameters = o.config.model.parameterCount();
    job.setProgress(1.0, "done");
    return result;
}

}  // namespace danka::core
