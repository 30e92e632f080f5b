// `danka-cli train` and `danka-cli demo`: training runs recorded in the workspace.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/config_source.h"
#include "app/cli/validators.h"
#include "core/data/prepare.h"
#include "core/demo/demo.h"
#include "core/util/error.h"
#include "core/infer/inference.h"
#include "core/run/job.h"
#include "core/checkpoint/model_init.h"
#include "core/util/resources.h"
#include "core/run/run_recorder.h"
#include "core/util/text_util.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"

namespace danka::cli {

namespace {

using nlohmann::json;

json optionalJson(const std::optional<double> &v)
{
    return v ? json(*v) : json(nullptr);
}

// Runs a prepared training as a job recorded into its run (progress bar, Ctrl-C). Returns the exit code.
int runRecordedTraining(const Options &options, const core::Workspace &ws, const core::train::PreparedTraining &p,
                        core::train::TrainingSummary &summary)
{
    const std::string db = ws.databasePath();
    return runJob(
        options, "training", [&](core::JobContext &job) { summary = core::train::runTraining(ws, p, job); },
        [&](core::JobCallbacks downstream) { return core::recordRun(db, p.runId, downstream); });
}

// Runs a prepared training and prints its summary. Returns the exit code.
int trainPrepared(const Options &options, const core::Workspace &ws, const core::train::PreparedTraining &p)
{
    if (!options.json) {
        if (p.resumeFrom.empty())
            std::cerr << "run " << p.runId << " (" << p.runName << "): " << p.runDir << "\n";
        else
            std::cerr << "resuming run " << p.runId << " (" << p.runName << ") at step " << p.resumeStep << " from "
                      << p.resumeFrom << "\n";
    }
    core::train::TrainingSummary s;
    const int code = runRecordedTraining(options, ws, p, s);
    if (code == 130 && !options.json)
        std::cerr << "A checkpoint was written; continue with: danka-cli train --resume " << p.runId << "\n";
    if (code != kExitOk) return code;
    if (options.json) {
        printJson({{"run_id", p.runId},
                   {"run_name", p.runName},
                   {"steps", s.steps},
                   {"skipped_steps", s.skippedSteps},
                   {"tokens", s.tokens},
                   {"loss", s.lastLoss},
                   {"val_loss", optionalJson(s.lastValLoss)},
                   {"best_val_loss", optionalJson(s.bestValLoss)},
                   {"checkpoint", s.lastCheckpoint},
                   {"best_checkpoint", s.bestCheckpoint},
                   {"device", s.device},
                   {"seconds", s.seconds}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows = {
        {"run", std::to_string(p.runId) + " (" + p.runName + ")"},
        {"steps", std::to_string(s.steps) + (s.skippedSteps ? " (" + std::to_string(s.skippedSteps) + " skipped)" : "")},
        {"tokens", core::formatCount(static_cast<double>(s.tokens))},
        {"training loss", core::formatNumber(std::round(s.lastLoss * 1e4) / 1e4)},
    };
    if (s.lastValLoss)
        rows.push_back({"validation loss", core::formatNumber(std::round(*s.lastValLoss * 1e4) / 1e4) + " (best " +
                                               core::formatNumber(std::round(*s.bestValLoss * 1e4) / 1e4) + ")"});
    rows.push_back({"checkpoint", s.lastCheckpoint});
    if (!s.bestCheckpoint.empty() && s.bestCheckpoint != s.lastCheckpoint) rows.push_back({"best checkpoint", s.bestCheckpoint});
    rows.push_back({"time", core::formatNumber(std::round(s.seconds)) + " s on " + s.device});
    printTable({"RUN", "RESULT"}, rows);
    return kExitOk;
}

struct TrainArgs {
    ConfigSource source;
    std::string resume;
};

int train(const Options &options, const TrainArgs &a)
{
    const core::Workspace ws = core::Workspace::open(core::Workspace::resolvePath(options.workspace));
    core::train::TrainRequest request;
    request.resume = a.resume;
    if (a.source.given()) {
        int code = kExitOk;
        request.config = loadConfig(options, a.source, code);
        if (!request.config) return code;
    } else if (a.resume.empty()) {
        throw core::Error("give --config FILE or --preset NAME (or --resume latest|RUN_ID)");
    }
    return trainPrepared(options, ws, core::train::prepareTraining(ws, request));
}

// --- demo --------------------------------------------------------------------------------------------------

struct DemoArgs {
    int64_t steps = 0;     // pretraining steps; 0 = the preset's
    int64_t sftSteps = 0;  // SFT steps; 0 = the demo's
};

int demo(const Options &options, const DemoArgs &a)
{
    const core::Workspace ws = core::Workspace::open(core::Workspace::resolvePath(options.workspace));
    core::RunConfig config = core::demoRunConfig(a.steps);
    auto say = [&](const std::string &line) {
        if (!options.json) std::cerr << line << "\n";
    };

    // 1. The tokenizer, trained on the demo corpus (cached in the workspace after the first demo).
    say("[1/6] tokenizer");
    std::string tokenizerDir;
    bool trained = false;
    int code = runJob(options, "demo tokenizer", [&](core::JobContext &job) {
        tokenizerDir = core::ensureDemoTokenizer(ws, static_cast<int>(config.model.vocabSize), job, &trained);
    });
    if (code != kExitOk) return code;
    say(std::string("      ") + (trained ? "trained " : "reusing ") + tokenizerDir);

    // 2. The pretraining corpus and its held-out documents, cleaned and tokenized.
    say("[2/6] data");
    core::DemoDatasets data;
    code = runJob(options, "demo data", [&](core::JobContext &job) { data = core::prepareDemoDatasets(ws, tokenizerDir, job); });
    if (code != kExitOk) return code;
    const core::data::PrepareResult &train = data.train, &val = data.val;
    say("      " + std::to_string(train.trainRecords) + " documents, " + core::formatCount(double(train.trainTokens)) +
        " tokens for training; " + std::to_string(val.trainRecords) + " held out (" + val.dir + ")");
    core::useDemoDatasets(config, data);

    // 3. Pretraining.
    say("[3/6] pretraining the demo model (" + core::formatCount(double(config.model.parameterCount())) +
        " parameters, " + std::to_string(config.schedule.maxSteps) + " steps)");
    // A demo run: recorded in the workspace, then its losses and final checkpoint said.
    auto trainRun = [&](const core::RunConfig &runConfig, core::train::PreparedTraining &prepared,
                     core::train::TrainingSummary &summary) {
        core::train::TrainRequest request;
        request.config = runConfig;
        prepared = core::train::prepareTraining(ws, request);
        const int result = runRecordedTraining(options, ws, prepared, summary);
        auto rounded = [](double v) { return core::formatNumber(std::round(v * 1000) / 1000); };
        if (result == kExitOk)
            say("      loss " + rounded(summary.lastLoss) + ", validation loss " +
                (summary.lastValLoss ? rounded(*summary.lastValLoss) : "-") + "; " + summary.lastCheckpoint);
        return result;
    };
    core::train::PreparedTraining prepared;
    core::train::TrainingSummary summary;
    code = trainRun(config, prepared, summary);
    if (code != kExitOk) return code;

    // 4. Samples from the trained model.
    say("[4/6] samples");
    auto model = core::InferenceModel::load(summary.lastCheckpoint);
    json samples = json::array();
    for (const std::string &prompt : core::demoSamplePrompts()) {
        core::GenerateRequest r;
        r.prompt = prompt;
        r.maxNewTokens = 40;
        r.temperature = 0.7;
        r.seed = 7;
        const core::GenerateResult g = model->generate(r);
        samples.push_back({{"prompt", prompt}, {"text", g.text}});
        if (!options.json) std::cout << prompt << g.text << "\n\n";
    }
    model.reset();

    // 5. SFT of the pretrained model on the demo conversations.
    say("[5/6] SFT on the demo conversations");
    core::DemoDatasets sftData;
    code = runJob(options, "demo SFT data", [&](core::JobContext &job) {
        sftData = core::prepareDemoSftDatasets(ws, tokenizerDir, job);
    });
    if (code != kExitOk) return code;
    const core::RunConfig sftConfig = core::demoSftConfig(summary.lastCheckpoint, sftData, a.sftSteps);
    say("      " + std::to_string(sftData.train.trainRecords) + " conversations, " +
        std::to_string(sftConfig.schedule.maxSteps) + " steps from " + summary.lastCheckpoint);
    core::train::PreparedTraining sftPrepared;
    core::train::TrainingSummary sft;
    code = trainRun(sftConfig, sftPrepared, sft);
    if (code != kExitOk) return code;

    // 6. Chat with the SFT model: it answers in the chat format and stops by itself at its end marker.
    say("[6/6] chat");
    auto chatModel = core::InferenceModel::load(sft.lastCheckpoint);
    json chats = json::array();
    for (const std::string &question : core::demoChatQuestions()) {
        core::GenerateRequest r;
        r.prompt = question;
        r.chat = true;
        r.greedy = true;
        r.maxNewTokens = 96;
        const core::GenerateResult g = chatModel->generate(r);
        chats.push_back({{"question", question}, {"reply", g.text}, {"finish_reason", g.finishReason},
                         {"generated_ids", g.generatedIds}});
        if (!options.json)
            std::cout << "> " << question << "\n" << g.text << "\n[" << (g.finishReason == "eos" ? "stopped at the end marker" : g.finishReason)
                      << "]\n\n";
    }
    if (options.json)
        printJson({{"run_id", prepared.runId},
                   {"tokenizer", tokenizerDir},
                   {"dataset", train.dir},
                   {"val_dataset", val.dir},
                   {"steps", summary.steps},
                   {"loss", summary.lastLoss},
                   {"val_loss", optionalJson(summary.lastValLoss)},
                   {"checkpoint", summary.lastCheckpoint},
                   {"seconds", summary.seconds},
                   {"samples", samples},
                   {"sft", {{"run_id", sftPrepared.runId},
                            {"dataset", sftData.train.dir},
                            {"val_dataset", sftData.val.dir},
                            {"steps", sft.steps},
                            {"loss", sft.lastLoss},
                            {"val_loss", optionalJson(sft.lastValLoss)},
                            {"checkpoint", sft.lastCheckpoint},
                            {"seconds", sft.seconds}}},
                   {"chat", chats}});
    else
        std::cerr << "Everything is recorded in " << ws.path() << " (danka-cli runs show " << prepared.runId << ", "
                  << sftPrepared.runId << ")\n";
    return kExitOk;
}

}  // namespace

void addTrainCommands(CLI::App &app, const Options &options, Action &action)
{
    auto t = std::make_shared<TrainArgs>();
    CLI::App *trainCmd = app.add_subcommand("train", "Train a model from a run config, recorded as a run; Ctrl-C writes a resumable checkpoint");
    addConfigSource(trainCmd, t->source);
    trainCmd->add_option("--resume", t->resume, "Continue a run from its newest checkpoint: latest or a run id");
    trainCmd->callback([&, t] { action = [&, t] { return train(options, *t); }; });

    auto d = std::make_shared<DemoArgs>();
    CLI::App *demoCmd = app.add_subcommand(
        "demo", "The whole pipeline on the shipped demo data: tokenizer, data, pretraining, samples, SFT, chat");
    demoCmd->add_option("--steps", d->steps, "Pretraining steps (default: the demo preset's)")->check(atLeast(1));
    demoCmd->add_option("--sft-steps", d->sftSteps, "SFT steps (default: the demo's)")->check(atLeast(1));
    demoCmd->callback([&, d] { action = [&, d] { return demo(options, *d); }; });
}

}  // namespace danka::cli
