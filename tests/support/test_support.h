// Helpers shared by the engine tests: run a function as a job, and a small tokenizer trained once per
// test process on the shipped demo corpus.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/run/job.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"

namespace danka::test {

// Runs `body` in a core::Job and waits; rethrows nothing: returns the final state, `error` gets the message.
core::JobState runJob(const std::function<void(core::JobContext &)> &body, std::string *error = nullptr);

// A 2000-piece tokenizer trained on resources/demo (pretraining and SFT text), in a temporary folder that
// lives as long as the process.
const std::string &demoTokenizerDir();

// resources/demo/<name>
std::string demoFile(const std::string &name);

// Writes `records` (one JSONL record each) to `dir`/`name`.jsonl and prepares them with the demo tokenizer
// into the dataset folder `dir`/`name` (everything in "train", one thread), which it returns. Throws
// std::runtime_error when preparing fails.
std::string prepareRecords(const std::vector<std::string> &records, const std::string &dir, const std::string &name);

// Runs `prepared` as a job recorded into the workspace's store (as the CLI does), the MFU peak fixed so that
// nothing is measured; returns the final state, `error` gets the message.
core::JobState runRecordedTraining(const core::Workspace &ws, const core::train::PreparedTraining &prepared,
                                   std::string *error);

}  // namespace danka::test
