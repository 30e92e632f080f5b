// The stage table (see stage_catalog.h).
#include "core/train/stage_catalog.h"

#include <algorithm>
#include <memory>

#include "core/util/error.h"
#include "core/util/translate.h"

namespace danka::core {

namespace detail {
// core/train/stages/builtin_stages.cpp: registers the stages this build ships, in the order users meet them.
void registerBuiltinStages();
}  // namespace detail

namespace {

struct Table {
    std::vector<std::unique_ptr<StageSpec>> builtin, added;
    bool registeringBuiltins = false;
};

// The raw table. Stages defined outside core (tests) register from static initialisers, possibly before
// anything looks a stage up; the built-in ones are added on the first lookup (builtin()).
Table &table()
{
    static Table t;
    return t;
}

const Table &builtin()
{
    static const bool done = [] {
        table().registeringBuiltins = true;
        detail::registerBuiltinStages();
        table().registeringBuiltins = false;
        return true;
    }();
    (void)done;
    return table();
}

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

// Whether `path` is `field` or, for a prefix ending in ".", under it.
bool matches(const std::string &field, const std::string &path)
{
    return !field.empty() && field.back() == '.' ? startsWith(path, field) : path == field;
}

}  // namespace

void registerStageSpec(StageSpec spec)
{
    Table &t = table();
    const bool validName = !spec.name.empty() && std::all_of(spec.name.begin(), spec.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!validName) throw Error("stage table: \"" + spec.name + "\" is not a stage name (a-z, 0-9, _)");
    for (const auto *list : {&t.builtin, &t.added})
        for (const auto &s : *list)
            if (s->name == spec.name) throw Error("stage table: stage \"" + spec.name + "\" is registered twice");
    (t.registeringBuiltins ? t.builtin : t.added).push_back(std::make_unique<StageSpec>(std::move(spec)));
}

const StageSpec *findStage(const std::string &name)
{
    for (const StageSpec *s : stageCatalog())
        if (s->name == name) return s;
    return nullptr;
}

std::vector<const StageSpec *> stageCatalog()
{
    const Table &t = builtin();
    std::vector<const StageSpec *> all;
    for (const auto &s : t.builtin) all.push_back(s.get());
    for (const auto &s : t.added) all.push_back(s.get());
    return all;
}

std::vector<std::string> stageNames()
{
    std::vector<std::string> names;
    for (const StageSpec *s : stageCatalog()) names.push_back(s->name);
    return names;
}

bool stageIsTrainable(const std::string &name)
{
    const StageSpec *spec = findStage(name);
    return spec && spec->available;
}

std::string availableStageList()
{
    std::string list;
    for (const StageSpec *s : stageCatalog())
        if (s->available) list += (list.empty() ? "" : ", ") + s->name;
    return list;
}

bool stageUsesField(const std::string &stage, bool lora, const std::string &path)
{
    const StageSpec *spec = findStage(stage);
    if (startsWith(path, "stage.lora.")) {
        const bool fineTuning = spec && spec->fineTuning;
        return fineTuning && (path == "stage.lora.enabled" || lora);
    }
    if (path == "stage.base_checkpoint") return !spec || spec->base != BaseUse::None;
    bool listed = false, used = false;
    for (const StageSpec *s : stageCatalog()) {
        if (startsWith(path, "stage." + s->name + ".")) return s == spec;  // the stage's own section
        for (const std::string &field : s->fields)
            if (matches(field, path)) {
                listed = true;
                used = used || s == spec;
            }
    }
    return !listed || used;
}

std::vector<std::string> stagesUsingField(const std::string &path)
{
    std::vector<std::string> names;
    for (const StageSpec *s : stageCatalog()) {
        if (stageUsesField(s->name, true, path)) names.push_back(s->name);
    }
    return names;
}

const StageMetric *findStageMetric(const std::string &key)
{
    for (const StageSpec *s : stageCatalog())
        for (const StageMetric &m : s->metrics)
            if (m.key == key) return &m;
    return nullptr;
}

nlohmann::json StageConfig::option(const std::string &key) const
{
    if (const StageSpec *spec = findStage(kind))
        for (const StageParam &p : spec->params)
            if (p.key == key) {
                const auto section = options.find(kind);
                if (section != options.end() && section->is_object() && section->contains(key)) return section->at(key);
                return p.defaultValue;
            }
    throw Error("stage \"" + kind + "\" has no setting \"" + key + "\"");
}

std::string stageLabel(const StageConfig &stage)
{
    const StageSpec *spec = findStage(stage.kind);
    return stage.kind + (spec && spec->fineTuning && stage.lora.enabled ? " + LoRA" : "");
}

}  // namespace danka::core
