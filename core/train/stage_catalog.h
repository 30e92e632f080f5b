// The stage table: what every training stage is, declared once in the stage's own file (core/train/stages/)
// and read by everything that needs to know a stage: config validation and `danka-cli config schema`, the
// Configure form (which fields a stage uses), the memory plan (what the stage holds besides the model), the
// Runs page (which metrics it charts) and the trainer (its factory, core/train/stage_registry.h). Nothing
// outside a stage's file tests a stage by name. Torch-free: the studio reads it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/run_config.h"
#include "model/estimate.h"

namespace danka::core {

// Whether a stage starts from stage.base_checkpoint.
enum class BaseUse {
    None,      // always from random initialisation (the field is refused)
    Optional,  // from random initialisation, or continued from a checkpoint (pretraining)
    Required   // fine-tuning: needs a model to start from
};

// A metric a stage logs beyond the trainer's own (train/loss, lr, throughput...): the trainer averages the
// values the stage returns with each micro-batch over the logging window (stage.h, MicroBatchLoss::metrics).
struct StageMetric {
    std::string key;            // the store's key, "<stage>/<name>" by convention ("toy/scale")
    const char *title;          // what it is, for people (translateNoop: translated where shown)
    const char *chart;          // chart title; metrics of one stage with the same chart share it
    const char *axis;           // the chart's y-axis title ("accuracy (%)")
    double displayScale = 1.0;  // shown value = stored value * this (100 for a percentage)
};

// A setting of the stage's own, stored in the config as stage.<stage name>.<key>; read by the stage with
// RunConfig::stage.option(). For settings shared by several stages, use a section of run_config.h instead.
struct StageParam {
    enum class Type { Integer, Number, Boolean, Text };
    std::string key;
    Type type = Type::Number;
    nlohmann::json defaultValue;     // of `type`
    const char *help;                // translateNoop
    std::optional<double> min, max;  // inclusive bounds of a number
};

struct StageSpec {
    std::string name;          // stage.kind
    const char *summary = "";  // one line: what the stage trains (translateNoop)
    std::string datasetKind;   // the kind of prepared dataset it reads: "pretrain", "sft", "preference"
    BaseUse base = BaseUse::Optional;
    bool fineTuning = false;  // may train LoRA adapters instead of every weight (stage.lora.enabled)
    bool available = true;    // false: declared so configs may name it, refused until it is built
    // Config keys (or key prefixes ending in ".") that only some stages use and this one does: the Configure
    // form greys the ones the chosen stage does not use. Keys no stage lists are common to every stage.
    std::vector<std::string> fields;
    std::vector<StageMetric> metrics;
    std::vector<StageParam> params;
    // What the stage holds in memory besides the model it trains (a teacher, a reference model), and what
    // changes how the model trains (document masks): applied to the plan the memory estimator reads.
    std::function<void(const RunConfig &, model::MemoryPlan &)> memoryTerms;
    // Cross-field rules of its own, appended as {key, message}; called by validate() for this stage only.
    std::function<void(const RunConfig &, std::vector<std::pair<std::string, std::string>> &)> checks;
};

// Adds a stage to the table (stage_registry.h registers a stage with its factory). Throws core::Error when
// the name is taken or invalid.
void registerStageSpec(StageSpec spec);

// The stage called `name`; nullptr when there is none.
const StageSpec *findStage(const std::string &name);

// Every stage, the built-in ones first in the order a user meets them, then those registered later.
std::vector<const StageSpec *> stageCatalog();

// The names of the stages, in catalog order (stage.kind's choices).
std::vector<std::string> stageNames();

// Whether this build trains stage `name` (known and available).
bool stageIsTrainable(const std::string &name);

// The names of the stages this build trains, joined for messages ("pretrain, sft, distill").
std::string availableStageList();

// Whether config key `path` means something for a run of `stage` (with LoRA on or off): keys some stage lists
// in StageSpec::fields are used only by those stages; stage.<name>.* only by stage <name>; stage.lora.* only
// by fine-tuning stages, and all but stage.lora.enabled only with LoRA on; every other key by every stage.
bool stageUsesField(const std::string &stage, bool lora, const std::string &path);

// The stages that use config key `path` (every stage for a common key): `danka-cli config schema` lists them.
std::vector<std::string> stagesUsingField(const std::string &path);

// The metric some stage declares under `key` (StageSpec::metrics); nullptr when none does.
const StageMetric *findStageMetric(const std::string &key);

// What the run is, for lists and events: "sft", "sft + LoRA".
std::string stageLabel(const StageConfig &stage);

}  // namespace danka::core
