// Helpers shared by the engine tests: run a function as a job, and a small tokenizer trained once per
// test process on the shipped demo corpus.
#pragma once

#include <functional>
#include <string>

#include "core/job.h"

namespace danka::test {

// Runs `body` in a core::Job and waits; rethrows nothing: returns the final state, `error` gets the message.
core::JobState runJob(const std::function<void(core::JobContext &)> &body, std::string *error = nullptr);

// A 2000-piece tokenizer trained on resources/demo (pretraining and SFT text), in a temporary folder that
// lives as long as the process.
const std::string &demoTokenizerDir();

// resources/demo/<name>
std::string demoFile(const std::string &name);

}  // namespace danka::test
