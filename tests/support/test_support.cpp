// Test helpers (see test_support.h).
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <fstream>
#include <stdexcept>

#include "core/data/prepare.h"
#include "core/run/run_recorder.h"
#include "core/tokenizer/trainer.h"

namespace danka::test {

core::JobState runJob(const std::function<void(core::JobContext &)> &body, std::string *error)
{
    core::Job job("test", body);
    job.start();
    const core::JobState state = job.wait();
    if (error) *error = job.error();
    return state;
}

std::string demoFile(const std::string &name)
{
    return std::string(DANKA_RESOURCES "/demo/") + name;
}

const std::string &demoTokenizerDir()
{
    static QTemporaryDir dir;
    static const std::string path = [] {
        core::tokenizer::TokenizerTrainOptions o;
        o.inputs = {demoFile("pretrain.jsonl"), demoFile("sft.jsonl")};
        o.vocabSize = 2000;
        o.maxSentences = 20000;
        const std::string out = dir.filePath(QStringLiteral("tokenizer")).toStdString();
        std::string error;
        if (runJob([&](core::JobContext &job) { core::tokenizer::trainTokenizer(o, out, job); }, &error) !=
            core::JobState::Completed)
            throw std::runtime_error("training the test tokenizer failed: " + error);
        return out;
    }();
    return path;
}

std::string prepareRecords(const std::vector<std::string> &records, const std::string &dir, const std::string &name)
{
    const std::string input = dir + "/" + name + ".jsonl";
    {
        std::ofstream out(input);
        for (const std::string &r : records) out << r << '\n';
    }
    core::data::PrepareOptions o;
    o.inputs = {input};
    o.tokenizerDir = demoTokenizerDir();
    o.outDir = dir + "/" + name;
    o.valFraction = 0;
    o.threads = 1;
    std::string error;
    if (runJob([&](core::JobContext &job) { core::data::prepareDataset(o, job); }, &error) != core::JobState::Completed)
        throw std::runtime_error("preparing " + input + " failed: " + error);
    return o.outDir;
}

core::JobState runRecordedTraining(const core::Workspace &ws, const core::train::PreparedTraining &p, std::string *error)
{
    core::Job job("train", [&](core::JobContext &ctx) { core::train::runTraining(ws, p, ctx, {{}, 1e11}); },
                  core::recordRun(ws.databasePath(), p.runId));
    job.start();
    const core::JobState state = job.wait();
    if (error) *error = job.error();
    return state;
}

}  // namespace danka::test
