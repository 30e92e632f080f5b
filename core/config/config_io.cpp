// RunConfig <-> JSON. One field table (visitConfig, config_fields.cpp) drives writing, reading, range checks and the
// schema, so a key is declared once: its JSON name, its meaning and its allowed range.
#include "core/config/config_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/config/config_fields.h"
#include "core/config/config_rules.h"
#include "core/config/presets.h"
#include "core/train/stage_catalog.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"

namespace danka::core {

using nlohmann::json;
using namespace config_fields;

namespace {


std::string joinPath(const std::string &prefix, const std::string &key)
{
    return prefix.empty() ? key : prefix + "." + key;
}

// --- Key index: every section and key, for "did you mean" ----------------------------------------------------

struct KeyIndex {
    std::map<std::string, std::vector<std::string>> keysBySection;  // "" = top level; includes subsections
    std::vector<std::string> allPaths;
};

class IndexBuilder : public Visitor {
public:
    KeyIndex index;
    std::vector<std::string> stack{""};
    void add(const char *key)
    {
        index.keysBySection[stack.back()].push_back(key);
        index.allPaths.push_back(joinPath(stack.back(), key));
    }
    void section(const char *key, const std::function<void()> &body) override
    {
        add(key);
        stack.push_back(joinPath(stack.back(), key));
        body();
        stack.pop_back();
    }
    void field(const char *key, int64_t &, const Meta &) override { add(key); }
    void field(const char *key, double &, const Meta &) override { add(key); }
    void field(const char *key, bool &, const Meta &) override { add(key); }
    void field(const char *key, std::string &, const Meta &) override { add(key); }
    void choice(const char *key, int &, const std::vector<std::string> &, const Meta &) override { add(key); }
};

const KeyIndex &keyIndex()
{
    static const KeyIndex index = [] {
        IndexBuilder builder;
        RunConfig config;
        visitConfig(config, builder);
        builder.index.keysBySection[""].push_back("preset");
        builder.index.allPaths.push_back("preset");
        return builder.index;
    }();
    return index;
}

// Names people bring from Hugging Face configs and other trainers.
const std::map<std::string, std::string> kSynonyms = {
    {"lr", "optim.learning_rate"},
    {"num_hidden_layers", "model.n_layers"},
    {"n_layer", "model.n_layers"},
    {"num_layers", "model.n_layers"},
    {"num_attention_heads", "model.n_heads"},
    {"n_head", "model.n_heads"},
    {"num_key_value_heads", "model.n_kv_heads"},
    {"intermediate_size", "model.ffn_hidden_size"},
    {"max_position_embeddings", "model.max_seq_len"},
    {"tie_word_embeddings", "model.tie_embeddings"},
    {"dim", "model.hidden_size"},
    {"d_model", "model.hidden_size"},
    {"batch_size", "data.micro_batch_size"},
    {"max_seq_length", "data.seq_len"},
    {"block_size", "data.seq_len"},
    {"gradient_accumulation_steps", "optim.grad_accum_steps"},
    {"accumulation_steps", "optim.grad_accum_steps"},
    {"max_grad_norm", "optim.grad_clip"},
    {"grad_norm_clip", "optim.grad_clip"},
    {"warmup", "schedule.warmup_steps"},
    {"dtype", "runtime.precision"},
    {"mixed_precision", "runtime.precision"},
    {"gradient_checkpointing", "runtime.activation_checkpointing"},
};

std::string unknownKeyMessage(const std::string &section, const std::string &key)
{
    const KeyIndex &index = keyIndex();
    std::string suggestion;
    if (auto it = kSynonyms.find(key); it != kSynonyms.end()) suggestion = it->second;
    if (suggestion.empty()) {
        auto sectionKeys = index.keysBySection.find(section);
        if (sectionKeys != index.keysBySection.end()) {
            const std::string close = closestMatch(key, sectionKeys->second);
            if (!close.empty()) suggestion = joinPath(section, close);
        }
    }
    if (suggestion.empty()) {
        // The right key in the wrong section: "model.learning_rate" -> optim.learning_rate.
        for (const std::string &path : index.allPaths) {
            const auto dot = path.rfind('.');
            const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
            if (leaf == key || editDistance(leaf, key) <= (key.size() > 8 ? 2 : 1)) {
                suggestion = path;
                break;
            }
        }
    }
    return suggestion.empty()
               ? translate("danka::core", "unknown key")
               : formatMessage(translate("danka::core", "unknown key, did you mean %1?"), suggestion);
}

std::string describe(const json &j)
{
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::string:
        return formatMessage(translate("danka::core", "string %1"), j.dump());
    case json::value_t::object:
        return translate("danka::core", "an object");
    case json::value_t::array:
        return translate("danka::core", "an array");
    default: return j.dump();
    }
}

// --- Writing -----------------------------------------------------------------------------------------------

class Writer : public Visitor {
public:
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    std::vector<nlohmann::ordered_json *> stack{&root};

    void section(const char *key, const std::function<void()> &body) override
    {
        auto &child = (*stack.back())[key] = nlohmann::ordered_json::object();
        stack.push_back(&child);
        body();
        stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, double &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, bool &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, std::string &v, const Meta &) override { (*stack.back())[key] = v; }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &) override
    {
        (*stack.back())[key] = names.at(static_cast<size_t>(index));
    }
};

// --- Reading -----------------------------------------------------------------------------------------------

class Reader : public Visitor {
public:
    Reader(const json &root, std::vector<ConfigProblem> &problems) : m_problems(problems)
    {
        m_stack.push_back({&root, "", {"preset"}});
    }
    void finish() { reportUnknown(m_stack.back()); }

    void section(const char *key, const std::function<void()> &body) override
    {
        const json *j = lookup(key);
        const std::string path = joinPath(m_stack.back().path, key);
        if (j && !j->is_object()) {
            m_problems.push_back(
                {path, formatMessage(translate("danka::core", "expected an object, got %1"), describe(*j))});
            j = nullptr;
        }
        m_stack.push_back({j, path, {}});
        body();
        reportUnknown(m_stack.back());
        m_stack.pop_back();
    }

    void field(const char *key, int64_t &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_number_integer()) {
            value = j->get<int64_t>();
        } else if (j->is_number_unsigned()) {
            problem(key, formatMessage(translate("danka::core", "must be at most %1, got %2"),
                                       std::numeric_limits<int64_t>::max(), j->dump()));
        } else if (j->is_number_float() && std::floor(j->get<double>()) == j->get<double>() &&
                   std::fabs(j->get<double>()) < 9e15) {
            value = static_cast<int64_t>(j->get<double>());  // 1e5 is a fine way to write 100000
        } else {
            problem(key,
                    formatMessage(translate("danka::core", "expected an integer, got %1"), describe(*j)));
        }
    }
    void field(const char *key, double &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_number())
            value = j->get<double>();
        else
            problem(key, formatMessage(translate("danka::core", "expected a number, got %1"), describe(*j)));
    }
    void field(const char *key, bool &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_boolean())
            value = j->get<bool>();
        else
            problem(key,
                    formatMessage(translate("danka::core", "expected true or false, got %1"), describe(*j)));
    }
    void field(const char *key, std::string &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_string())
            value = j->get<std::string>();
        else if (j->is_null())
            value.clear();
        else
            problem(key, formatMessage(translate("danka::core", "expected a string, got %1"), describe(*j)));
    }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        std::string list;
        for (const std::string &n : names) list += (list.empty() ? "\"" : ", \"") + n + "\"";
        if (!j->is_string()) {
            problem(key, formatMessage(translate("danka::core", "expected one of %1, got %2"), list,
                                       describe(*j)));
            return;
        }
        const std::string text = j->get<std::string>();
        for (size_t i = 0; i < names.size(); ++i) {
            if (names[i] == text) {
                index = static_cast<int>(i);
                return;
            }
        }
        const std::string close = closestMatch(text, names);
        problem(key,
                close.empty()
                    ? formatMessage(translate("danka::core", "expected one of %1, got \"%2\""), list, text)
                    : formatMessage(
                          translate("danka::core", "expected one of %1, got \"%2\"; did you mean \"%3\"?"),
                          list, text, close));
    }

private:
    struct Frame {
        const json *object;  // null when the section is absent or not an object
        std::string path;
        std::set<std::string> seen;
    };

    const json *lookup(const char *key)
    {
        Frame &f = m_stack.back();
        f.seen.insert(key);
        if (!f.object) return nullptr;
        auto it = f.object->find(key);
        return it == f.object->end() ? nullptr : &*it;
    }
    void problem(const char *key, const std::string &message)
    {
        m_problems.push_back({joinPath(m_stack.back().path, key), message});
    }
    void reportUnknown(const Frame &f)
    {
        if (!f.object) return;
        for (auto it = f.object->begin(); it != f.object->end(); ++it)
            if (!f.seen.count(it.key()))
                m_problems.push_back({joinPath(f.path, it.key()), unknownKeyMessage(f.path, it.key())});
    }

    std::vector<ConfigProblem> &m_problems;
    std::vector<Frame> m_stack;
};

// --- Range checks ------------------------------------------------------------------------------------------

// "must be > 0, got -1", "must be in [0, 1), got 2", in the interface language.
std::string rangeProblem(const Range &range, double v)
{
    const std::string text = range.text();
    if (text.rfind("in ", 0) == 0)
        return formatMessage(translate("danka::core", "must be in %1, got %2"), text.substr(3),
                             formatNumber(v));
    return formatMessage(translate("danka::core", "must be %1, got %2"), text, formatNumber(v));
}

class RangeChecker : public Visitor {
public:
    explicit RangeChecker(std::vector<ConfigProblem> &problems) : m_problems(problems) {}

    void section(const char *key, const std::function<void()> &body) override
    {
        m_stack.push_back(joinPath(m_stack.back(), key));
        body();
        m_stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &meta) override { check(key, static_cast<double>(v), meta); }
    void field(const char *key, double &v, const Meta &meta) override
    {
        if (!std::isfinite(v))
            m_problems.push_back({joinPath(m_stack.back(), key),
                                  formatMessage(translate("danka::core", "must be a finite number, got %1"),
                                                formatNumber(v))});
        else
            check(key, v, meta);
    }
    void field(const char *, bool &, const Meta &) override {}
    void field(const char *, std::string &, const Meta &) override {}
    void choice(const char *, int &, const std::vector<std::string> &, const Meta &) override {}

private:
    void check(const char *key, double v, const Meta &meta)
    {
        if (meta.range.bounded() && !meta.range.contains(v))
            m_problems.push_back({joinPath(m_stack.back(), key), rangeProblem(meta.range, v)});
    }
    std::vector<ConfigProblem> &m_problems;
    std::vector<std::string> m_stack{""};
};

// --- Schema ------------------------------------------------------------------------------------------------

class SchemaBuilder : public Visitor {
public:
    std::vector<FieldDescriptor> fields;

    void section(const char *key, const std::function<void()> &body) override
    {
        m_stack.push_back(joinPath(m_stack.back(), key));
        body();
        m_stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &meta) override { add(key, FieldType::Integer, meta, v); }
    void field(const char *key, double &v, const Meta &meta) override { add(key, FieldType::Number, meta, v); }
    void field(const char *key, bool &v, const Meta &meta) override { add(key, FieldType::Boolean, meta, v); }
    void field(const char *key, std::string &v, const Meta &meta) override
    {
        add(key, FieldType::String, meta, v);
    }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &meta) override
    {
        add(key, FieldType::Choice, meta, names.at(static_cast<size_t>(index)));
        fields.back().choices = names;
    }

private:
    void add(const char *key, FieldType type, const Meta &meta, const json &defaultValue)
    {
        FieldDescriptor d;
        d.path = joinPath(m_stack.back(), key);
        const auto first = m_stack.back().find('.');
        d.section = m_stack.back().substr(0, first);
        d.type = type;
        d.help = meta.help;
        d.rangeText = meta.range.text();
        d.defaultValue = defaultValue;
        fields.push_back(std::move(d));
    }
    std::vector<std::string> m_stack{""};
};

}  // namespace

// --- Public API --------------------------------------------------------------------------------------------

nlohmann::ordered_json toJson(const RunConfig &config)
{
    RunConfig copy = config;
    Writer writer;
    visitConfig(copy, writer);
    return writer.root;
}

std::vector<ConfigProblem> validate(const RunConfig &config)
{
    std::vector<ConfigProblem> problems;
    RunConfig copy = config;
    RangeChecker checker(problems);
    visitConfig(copy, checker);
    checkCrossFields(config, problems);
    return problems;
}

namespace {

// Configs written before LoRA became a setting of the fine-tuning stages named it as a stage: "kind": "lora"
// is read as "sft" with stage.lora.enabled, and the result says so.
json migrated(const json &j, std::vector<std::string> &notes)
{
    const auto stage = j.find("stage");
    if (stage == j.end() || !stage->is_object()) return j;
    const auto kind = stage->find("kind");
    if (kind == stage->end() || !kind->is_string() || kind->get<std::string>() != "lora") return j;
    json copy = j;
    copy["stage"]["kind"] = "sft";
    if (!copy["stage"].contains("lora") || !copy["stage"]["lora"].is_object()) copy["stage"]["lora"] = json::object();
    copy["stage"]["lora"]["enabled"] = true;
    notes.push_back(translate("danka::core",
                              "stage.kind \"lora\" (a config of an earlier Danka) is read as \"sft\" "
                              "with stage.lora.enabled: LoRA is now a setting of every fine-tuning "
                              "stage"));
    return copy;
}

}  // namespace

ConfigLoadResult fromJson(const json &original)
{
    ConfigLoadResult result;
    const json j = original.is_object() ? migrated(original, result.notes) : original;
    if (!j.is_object()) {
        result.problems.push_back(
            {"",
             formatMessage(translate("danka::core", "a config must be a JSON object, got %1"), describe(j))});
        return result;
    }
    if (auto it = j.find("preset"); it != j.end()) {
        const Preset *preset = it->is_string() ? findPreset(it->get<std::string>()) : nullptr;
        if (preset) {
            result.config = preset->config;
        } else {
            std::vector<std::string> names;
            std::string list;
            for (const Preset &p : presets()) {
                names.push_back(p.name);
                list += (list.empty() ? "" : ", ") + p.name;
            }
            const std::string given = it->is_string() ? it->get<std::string>() : std::string();
            const std::string close = it->is_string() ? closestMatch(given, names) : std::string();
            const std::string what =
                it->is_string()
                    ? formatMessage(translate("danka::core", "unknown preset \"%1\""), given)
                    : formatMessage(translate("danka::core", "expected a string, got %1"), describe(*it));
            const std::string hint =
                close.empty() ? formatMessage(translate("danka::core", "; presets: %1"), list)
                              : formatMessage(translate("danka::core", "; did you mean \"%1\"?"), close);
            result.problems.push_back({"preset", what + hint});
        }
    }
    Reader reader(j, result.problems);
    visitConfig(result.config, reader);
    reader.finish();
    for (ConfigProblem &p : validate(result.config)) result.problems.push_back(std::move(p));
    return result;
}

ConfigLoadResult parseConfigText(const std::string &text)
{
    json j;
    try {
        j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error &e) {
        // nlohmann points past the last character read, which is often the end of the line (reported as
        // column 0). Point at the offending token instead: the last non-blank character read.
        size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.empty() ? 0 : text.size() - 1);
        while (at > 0 && std::isspace(static_cast<unsigned char>(text[at]))) --at;
        size_t line = 1, column = 1;
        for (size_t i = 0; i < at && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++column;  // count characters, not UTF-8 continuation bytes
            }
        }
        std::string message = e.what();
        if (const auto colon = message.find(": "); message.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            message = message.substr(colon + 2);  // drop "[json.exception.parse_error.101] parse error at ...: "
        ConfigLoadResult result;
        result.problems.push_back(
            {"", formatMessage(translate("danka::core", "invalid JSON at line %1, column %2: %3"), line,
                               column, message)});
        return result;
    }
    return fromJson(j);
}

ConfigLoadResult loadConfigFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ConfigLoadResult result;
        result.problems.push_back(
            {"", formatMessage(translate("danka::core", "cannot read %1: %2"), path, std::strerror(errno))});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfigText(text.str());
}

std::string fieldHelpText(const FieldDescriptor &field)
{
    return translate("danka::core", field.help.c_str());
}

std::string fieldRangeText(const FieldDescriptor &field)
{
    if (field.rangeText.rfind("in ", 0) == 0)
        return formatMessage(translate("danka::core", "in %1"), field.rangeText.substr(3));
    return field.rangeText;
}

const std::vector<FieldDescriptor> &configSchema()
{
    static const std::vector<FieldDescriptor> schema = [] {
        SchemaBuilder builder;
        RunConfig defaults;
        visitConfig(defaults, builder);
        return builder.fields;
    }();
    return schema;
}

}  // namespace danka::core
