// Test helpers (see test_support.h).
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <stdexcept>

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

}  // namespace danka::test
