// `danka-cli config validate|presets|show|schema`: typed run configs without a workspace.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "core/config/config_io.h"
#include "core/config/presets.h"
#include "core/train/stage_catalog.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"

namespace danka::cli {

namespace {

using nlohmann::json;

json problemsJson(const std::vector<core::ConfigProblem> &problems)
{
    json out = json::array();
    for (const auto &p : problems) out.push_back({{"path", p.path}, {"message", p.message}});
    return out;
}

int validateFiles(const Options &options, const std::vector<std::string> &files)
{
    bool allValid = true;
    json results = json::array();
    for (const std::string &file : files) {
        const core::ConfigLoadResult r = core::loadConfigFile(file);
        allValid = allValid && r.ok();
        if (options.json) {
            json item = {{"file", file}, {"valid", r.ok()}, {"problems", problemsJson(r.problems)}};
            if (r.ok()) item["parameters"] = r.config.model.parameterCount();
            results.push_back(item);
            continue;
        }
        if (r.ok()) {
            std::cout << file << ": valid (" << core::formatCount(static_cast<double>(r.config.model.parameterCount()))
                      << " parameters, stage " << core::stageLabel(r.config.stage) << ")\n";
            for (const std::string &note : r.notes) std::cout << file << ": " << note << "\n";
        } else {
            for (const auto &p : r.problems) std::cerr << file << ": " << p.toString() << "\n";
            std::cerr << file << ": " << r.problems.size() << (r.problems.size() == 1 ? " problem" : " problems")
                      << "\n";
        }
    }
    if (options.json) printJson({{"valid", allValid}, {"results", results}});
    return allValid ? kExitOk : kExitInvalid;
}

int listPresets(const Options &options)
{
    if (options.json) {
        json out = json::array();
        for (const auto &p : core::presets())
            out.push_back({{"name", p.name},
                           {"description", p.description},
                           {"parameters", p.config.model.parameterCount()},
                           {"attention", model::attentionKindName(p.config.model.attention)}});
        printJson({{"presets", out}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto &p : core::presets())
        rows.push_back({p.name, core::formatCount(static_cast<double>(p.config.model.parameterCount())),
                        model::attentionKindName(p.config.model.attention), p.description});
    printTable({"PRESET", "PARAMS", "ATTENTION", "DESCRIPTION"}, rows);
    return kExitOk;
}

int showConfig(const Options &options, const std::string &nameOrFile)
{
    core::RunConfig config;
    if (const core::Preset *preset = core::findPreset(nameOrFile)) {
        config = preset->config;
    } else if (std::filesystem::exists(nameOrFile)) {
        const core::ConfigLoadResult r = core::loadConfigFile(nameOrFile);
        if (!r.ok()) {
            if (options.json) {
                printJson({{"file", nameOrFile}, {"valid", false}, {"problems", problemsJson(r.problems)}});
            } else {
                for (const auto &p : r.problems) std::cerr << nameOrFile << ": " << p.toString() << "\n";
            }
            return kExitInvalid;
        }
        config = r.config;
    } else {
        std::string names;
        for (const auto &p : core::presets()) names += (names.empty() ? "" : ", ") + p.name;
        throw core::Error("\"" + nameOrFile + "\" is neither a preset (" + names + ") nor a config file");
    }
    printOrderedJson(core::toJson(config));  // the resolved config is JSON in both modes
    return kExitOk;
}

const char *typeName(core::FieldType type)
{
    switch (type) {
    case core::FieldType::Integer: return "integer";
    case core::FieldType::Number: return "number";
    case core::FieldType::Boolean: return "boolean";
    case core::FieldType::String: return "string";
    case core::FieldType::Choice: return "choice";
    }
    return "?";
}

std::string markdownCell(std::string text)
{
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

// The stages a key means something for: "all", or their names.
std::string stagesText(const std::string &path)
{
    const std::vector<std::string> using_ = core::stagesUsingField(path);
    if (using_.size() == core::stageCatalog().size()) return "all";
    std::string text;
    for (const std::string &s : using_) text += (text.empty() ? "" : ", ") + s;
    return text;
}

int showSchema(const Options &options, bool markdown)
{
    const auto &schema = core::configSchema();
    if (markdown) {
        std::string section = "-";
        for (const auto &f : schema) {
            if (f.section != section) {
                section = f.section;
                std::cout << "\n### " << (section.empty() ? "top level" : "`" + section + "`") << "\n\n"
                          << "| key | type | default | range | stages | meaning |\n|---|---|---|---|---|---|\n";
            }
            std::string type = typeName(f.type);
            if (!f.choices.empty()) {
                type.clear();
                for (const auto &c : f.choices) type += (type.empty() ? "" : " \\| ") + c;
            }
            std::cout << "| `" << f.path << "` | " << type << " | `" << f.defaultValue.dump() << "` | "
                      << markdownCell(f.rangeText) << " | " << stagesText(f.path) << " | " << markdownCell(f.help)
                      << " |\n";
        }
        return kExitOk;
    }
    if (options.json) {
        json out = json::array();
        for (const auto &f : schema) {
            json item = {{"path", f.path}, {"type", typeName(f.type)}, {"default", f.defaultValue}, {"help", f.help}};
            if (!f.choices.empty()) item["choices"] = f.choices;
            if (!f.rangeText.empty()) item["range"] = f.rangeText;
            item["stages"] = core::stagesUsingField(f.path);
            out.push_back(item);
        }
        printJson({{"keys", out}});
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto &f : schema) {
        std::string type = typeName(f.type);
        if (!f.choices.empty()) {
            type.clear();
            for (const auto &c : f.choices) type += (type.empty() ? "" : "|") + c;
        }
        rows.push_back({f.path, type, f.defaultValue.dump(), f.rangeText, f.help});
    }
    printTable({"KEY", "TYPE", "DEFAULT", "RANGE", "MEANING"}, rows);
    return kExitOk;
}

const char *baseUseName(core::BaseUse use)
{
    switch (use) {
    case core::BaseUse::None: return "none";
    case core::BaseUse::Optional: return "optional";
    case core::BaseUse::Required: return "required";
    }
    return "?";
}

// The stage table (core/train/stage_catalog.h) as the user sees it.
int listStages(const Options &options)
{
    json items = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const core::StageSpec *s : core::stageCatalog()) {
        std::vector<std::string> params, metrics;
        for (const core::StageParam &p : s->params) params.push_back("stage." + s->name + "." + p.key);
        for (const core::StageMetric &m : s->metrics) metrics.push_back(m.key);
        const std::string summary = core::translate("danka::core", s->summary);
        items.push_back({{"name", s->name},
                         {"available", s->available},
                         {"dataset_kind", s->datasetKind},
                         {"base_checkpoint", baseUseName(s->base)},
                         {"lora", s->fineTuning},
                         {"settings", params},
                         {"metrics", metrics},
                         {"summary", summary}});
        std::string extras;
        for (const auto &list : {params, metrics})
            for (const std::string &x : list) extras += (extras.empty() ? "" : ", ") + x;
        rows.push_back({s->name, s->available ? "yes" : "coming", s->datasetKind, baseUseName(s->base),
                        s->fineTuning ? "yes" : "no", extras.empty() ? "-" : extras, summary});
    }
    if (options.json) {
        printJson({{"stages", items}});
        return kExitOk;
    }
    printTable({"STAGE", "TRAINS", "DATASET", "BASE", "LORA", "OWN SETTINGS/METRICS", "WHAT"}, rows);
    return kExitOk;
}

}  // namespace

void addConfigCommands(CLI::App &app, const Options &options, Action &action)
{
    CLI::App *config = app.add_subcommand("config", "Validate and inspect run configs and presets");
    config->require_subcommand(1);

    auto files = std::make_shared<std::vector<std::string>>();
    CLI::App *validate = config->add_subcommand("validate", "Check config files; prints every problem with its path");
    validate->add_option("FILE", *files, "Config JSON files")->required();
    validate->callback([&, files] { action = [&, files] { return validateFiles(options, *files); }; });

    CLI::App *presets = config->add_subcommand("presets", "List the built-in presets");
    presets->callback([&] { action = [&] { return listPresets(options); }; });

    auto name = std::make_shared<std::string>();
    CLI::App *show = config->add_subcommand("show", "Print a preset or a config file with every key resolved");
    show->add_option("PRESET|FILE", *name, "Preset name or config file")->required();
    show->callback([&, name] { action = [&, name] { return showConfig(options, *name); }; });

    CLI::App *stages = config->add_subcommand("stages", "List the training stages: dataset, base checkpoint, LoRA");
    stages->callback([&] { action = [&] { return listStages(options); }; });

    auto markdown = std::make_shared<bool>(false);
    CLI::App *schema = config->add_subcommand("schema", "List every config key with its type, default and meaning");
    schema->add_flag("--markdown", *markdown, "As Markdown tables (docs/config-reference.md)");
    schema->callback([&, markdown] { action = [&, markdown] { return showSchema(options, *markdown); }; });
}

}  // namespace danka::cli
