// RunConfig <-> JSON, validation with JSON paths, and the field schema the GUI builds its form from.
//
// A config file is a JSON object with the sections of RunConfig. Every key is optional (defaults apply) and
// a top-level "preset" starts from a named preset: {"preset": "demo", "optim": {"learning_rate": 1e-3}}.
// Problems are collected, never thrown one at a time: a file with three mistakes reports all three.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/run_config.h"

namespace danka::core {

struct ConfigProblem {
    std::string path;     // JSON path, "optim.learning_rate"; empty for the document as a whole
    std::string message;  // "must be > 0, got -1"
    std::string toString() const { return path.empty() ? message : path + ": " + message; }
};

struct ConfigLoadResult {
    RunConfig config;
    std::vector<ConfigProblem> problems;
    std::vector<std::string> notes;  // what was read differently from how it was written (an older format)
    bool ok() const { return problems.empty(); }
};

// The fully resolved config (every key, no "preset"), keys in the order of the field table.
nlohmann::ordered_json toJson(const RunConfig &config);
// Reads a config object: wrong types, unknown keys (with the closest known key) and invalid values.
ConfigLoadResult fromJson(const nlohmann::json &json);
// Parses and reads a file; JSON syntax errors are reported with line and column.
ConfigLoadResult loadConfigFile(const std::string &path);
ConfigLoadResult parseConfigText(const std::string &text);
// Value ranges and cross-field rules of an already typed config (what the GUI form calls after an edit).
// With stage.base_checkpoint the model rules apply to that checkpoint's model (checkpointModelConfig), as
// the run extends it to data.seq_len with model.rope_scaling; an unreadable checkpoint is a problem at
// stage.base_checkpoint naming the file.
std::vector<ConfigProblem> validate(const RunConfig &config);

// The model of the checkpoint folder `dir` as a run from it starts: its config.json; for a LoRA run's
// checkpoint (adapter_config.json), its base's model at the context and rope scaling the adapter was trained
// with (danka.json). Throws core::Error naming the folder or file that is missing or unreadable.
model::ModelConfig checkpointModelConfig(const std::string &dir);

enum class FieldType { Integer, Number, Boolean, String, Choice };

struct FieldDescriptor {
    std::string path;                  // "model.n_heads"
    std::string section;               // "model"; "" for top-level keys
    FieldType type = FieldType::String;
    std::string help;                  // one line: what it means
    std::vector<std::string> choices;  // for Choice
    std::string rangeText;             // "> 0", "in [0, 1)"; empty when unbounded
    nlohmann::json defaultValue;       // value in a default-constructed RunConfig
};

// Every key of a config file in file order.
const std::vector<FieldDescriptor> &configSchema();
// A field's help and range in the interface language (core/util/translate.h); `help` and `rangeText` stay
// English (danka-cli and the generated docs print them). Problems come translated from validation.
std::string fieldHelpText(const FieldDescriptor &field);
std::string fieldRangeText(const FieldDescriptor &field);

}  // namespace danka::core
