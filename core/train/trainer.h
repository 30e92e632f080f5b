// The trainer: one loop for every stage. A stage (stage.h) supplies micro-batch losses; the trainer owns
// AdamW, the learning-rate schedule, gradient accumulation and clipping, mixed precision (bf16 autocast on
// CPU and CUDA; fp16 autocast with dynamic loss scaling on CUDA), activation checkpointing, skipping bad
// updates (NaN/Inf, and loss or gradient-norm outliers by running z-score, as llm.c does), validation,
// sample generations, checkpoints with the full training state (exact resume), and metrics, events and
// progress through the job it runs in. Pause and cancel take effect at step boundaries; cancel first
// writes a resumable checkpoint. Engine-internal (torch types); the CLI and the studio use
// training_run.h.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/run_config.h"
#include "core/run/job.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/stage.h"
#include "core/train/training_run.h"
#include "model/transformer.h"

namespace danka::core::train {

struct TrainerOptions {
    RunConfig config;
    int64_t runId = 0;
    std::string runName;
    std::string runDir;        // checkpoints/ and samples.jsonl are written here
    std::string databasePath;  // checkpoints are registered in this store; empty = not recorded
    const tokenizer::Tokenizer *tokenizer = nullptr;  // written into every checkpoint; decodes samples
    std::string resumeFrom;    // a checkpoint folder with training_state.json: continue from there
    double peakFlops = 0;      // MFU denominator (FLOP/s); 0 = core/lab/peak_flops.h mfuPeakFlops at the start
    // Called with the staging folder of a checkpoint once everything is written, before it is published
    // (tests kill the process here).
    std::function<void(const std::string &stagingFolder)> onCheckpointStaged;
};


class Trainer {
public:
    // `model` is initialised (random or from a checkpoint) and on its device. With options.resumeFrom the
    // model must hold that checkpoint's weights; the optimizer, schedule, data position, random state and
    // statistics are restored from its training state. Throws core::Error on inconsistent options.
    Trainer(model::Transformer model, TrainingStage &stage, TrainerOptions options);
    ~Trainer();

    TrainerResult run(JobContext &job);

    int64_t step() const;  // the next optimizer step (0-based)

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace danka::core::train
