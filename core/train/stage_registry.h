// Registering a training stage: its declaration (stage_catalog.h, torch-free) with the factory that builds it
// for a run. A stage is one file under core/train/stages/ that ends with
//
//     void registerMyStage() { registerStage(mySpec(), [](const StageSetup &s) { return ...; }); }
//
// called from builtin_stages.cpp, or (a stage outside the engine: tests) a static StageRegistrar. The trainer
// (training_run.cpp) finds the factory by the config's stage.kind. Engine-internal (torch types).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/run/job.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/stage.h"
#include "core/train/stage_catalog.h"
#include "model/transformer.h"

namespace danka::core::train {

// What a stage is built from.
struct StageSetup {
    const RunConfig &config;  // the run's config; config.model is the model it trains (a base checkpoint's)
    const tokenizer::Tokenizer &tokenizer;
    at::Device device;
    // The model the run trains, on `device`: with stage.lora.enabled it carries the adapters on its frozen base,
    // and model::AdaptersOff (model/lora.h) turns it into the base for a reference forward (one copy of the
    // base weights for policy and reference).
    model::Transformer model;
    JobContext &job;        // for the stage's events (what it found in its data, what it loaded)
    bool resuming = false;  // the trainer restores the stage's state after construction
};

using StageFactory = std::function<std::unique_ptr<TrainingStage>(const StageSetup &)>;

// Adds the stage to the table with its factory. Throws core::Error when the name is taken.
void registerStage(StageSpec spec, StageFactory factory);

// Registers at static initialisation (a stage defined in a test or a plugin translation unit).
struct StageRegistrar {
    StageRegistrar(StageSpec spec, StageFactory factory) { registerStage(std::move(spec), std::move(factory)); }
};

// Builds the stage config.stage.kind names. Throws core::Error when the stage is unknown or not available in
// this build.
std::unique_ptr<TrainingStage> createStage(const StageSetup &setup);

// A frozen model for a stage to hold beside the one it trains (a teacher, a reward model): the checkpoint at
// `dir` (a LoRA run's checkpoint: its base with the adapter) on `device`, in eval mode, without gradients. It
// must use `tokenizer` (the same tokens) and see at least `minContext` tokens. Throws core::Error naming
// `field`, the folder and the problem.
model::Transformer loadFrozenModel(const std::string &dir, const at::Device &device, const char *field,
                                   const tokenizer::Tokenizer &tokenizer, int64_t minContext);

}  // namespace danka::core::train
