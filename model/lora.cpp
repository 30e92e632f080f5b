// LoRA adapters: attaching, merging, and PEFT's adapter folders (see lora.h).
#include "model/lora.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "model/checkpoint.h"
#include "model/lora_targets.h"
#include "model/safetensors.h"

namespace fs = std::filesystem;

namespace danka::model {

namespace {

// PeftModel holds the LoraModel as base_model, which holds the transformers model as model: PEFT's keys are
// the model's names behind these two hops (get_peft_model_state_dict also drops the adapter name "default").
const std::string kPeftPrefix = "base_model.model.";
const std::string kRegexPrefix = "re:";
const char *const kConfigFile = "adapter_config.json";
const char *const kWeightsFile = "adapter_model.safetensors";

using NamedProjection = std::pair<std::string, ProjectionImpl *>;

std::vector<NamedProjection> projections(TransformerImpl &model)
{
    std::vector<NamedProjection> out;
    for (const auto &item : model.named_modules())
        if (auto *p = item.value()->as<ProjectionImpl>()) out.emplace_back(item.key(), p);
    return out;
}

std::string number(double x)
{
    std::ostringstream s;
    s << x;
    return s.str();
}

std::string shapeText(at::IntArrayRef shape)
{
    std::ostringstream s;
    s << shape;
    return s.str();
}

bool isRegexForm(const std::vector<std::string> &targets)
{
    return std::any_of(targets.begin(), targets.end(),
                       [](const std::string &t) { return t.rfind(kRegexPrefix, 0) == 0; });
}

// Messages carry PEFT's field names too, so they read right for adapter_config.json as well.
void checkSettings(const LoraSettings &s)
{
    if (s.rank < 1) throw LoraError("LoRA rank (r) must be at least 1, got " + std::to_string(s.rank));
    if (!(s.alpha > 0)) throw LoraError("LoRA alpha (lora_alpha) must be positive, got " + number(s.alpha));
    if (!(s.dropout >= 0 && s.dropout < 1))
        throw LoraError("LoRA dropout (lora_dropout) must be in [0, 1), got " + number(s.dropout));
    if (s.targetModules.empty()) throw LoraError("LoRA needs at least one target module (target_modules)");
    if (isRegexForm(s.targetModules) && s.targetModules.size() != 1)
        throw LoraError("a \"re:\" target module must be the only entry (PEFT's regex string form)");
}

void requireNoAdapters(TransformerImpl &model)
{
    if (hasLora(model)) throw LoraError("the model already has LoRA adapters: merge them (mergeLora) first");
}

// The projections settings.targetModules selects, in module order, with PEFT's matching rules
// (lora_targets.h). Every list entry must select something.
std::vector<NamedProjection> matchTargets(TransformerImpl &model, const LoraSettings &s)
{
    checkSettings(s);
    const std::vector<NamedProjection> all = projections(model);
    std::vector<bool> chosen(all.size(), false);
    // The regex form is one target; a list is checked entry by entry, so an error can name the entry.
    std::vector<std::vector<std::string>> targets;
    if (isRegexForm(s.targetModules))
        targets.push_back(s.targetModules);
    else
        for (const std::string &t : s.targetModules)
            targets.push_back({t});
    for (const std::vector<std::string> &target : targets) {
        bool found = false;
        for (size_t i = 0; i < all.size(); ++i) {
            try {
                if (matchesLoraTarget(all[i].first, target)) chosen[i] = found = true;
            } catch (const std::regex_error &e) {
                throw LoraError("target module \"" + target.front() + "\" is not a valid regex: " + e.what());
            }
        }
        if (found) continue;
        std::set<std::string> leaves;  // what the user could have meant
        for (const auto &[name, p] : all)
            leaves.insert(name.substr(name.rfind('.') + 1));
        std::string known;
        for (const std::string &leaf : leaves)
            known += (known.empty() ? "" : ", ") + leaf;
        throw LoraError("target module \"" + target.front() +
                        "\" matches no projection of the model (its projections: " + known + ")");
    }
    std::vector<NamedProjection> out;
    for (size_t i = 0; i < all.size(); ++i)
        if (chosen[i]) out.push_back(all[i]);
    return out;
}

void setTrainable(TransformerImpl &model, bool trainable)
{
    for (auto &p : model.parameters())
        p.requires_grad_(trainable);
}

// MLA checkpoints keep RoPE rows interleaved (permuteMlaRopeRows). B's rows are its projection's output rows,
// so they move exactly like the weight's; A's columns are inputs, never RoPE dims.
at::Tensor permuteRopeRows(const ModelConfig &c, const std::string &module, const at::Tensor &b,
                           bool toInterleaved)
{
    std::vector<std::pair<std::string, at::Tensor>> t = {{module + ".weight", b}};
    permuteMlaRopeRows(c, t, toInterleaved);
    return t.front().second;
}

// adapter_config.json as peft 0.21.2's PeftModel.save_pretrained writes it: every key LoraConfig serialises
// (sorted, as it writes them), those Danka does not implement at their defaults, inference_mode true.
// LoraConfig.from_pretrained would fill absent keys with its defaults; writing them all keeps the file the
// same as PEFT's own, whatever defaults the reading version has.
// target_modules and target_parameters as PEFT must read them for `model`. MLA models are exported as
// deepseek_v3, where peft 0.21 under transformers 5 rewrites MLP names in target_modules into its
// mixture-of-experts parameters and widens a regex to the leaf names it matches (lora_targets.h,
// peftLoadProblem): their MLP projections go into target_parameters ("<module>.weight", which PEFT's
// ParamWrapper adapts with the same keys and the same update), and a regex becomes the list of the adapted
// modules' full names.
std::pair<nlohmann::ordered_json, nlohmann::ordered_json> peftTargets(TransformerImpl &model, const LoraSettings &s)
{
    using Json = nlohmann::ordered_json;
    if (model.config().attention != AttentionKind::Mla)
        return {isRegexForm(s.targetModules) ? Json(s.targetModules.front().substr(kRegexPrefix.size()))
                                             : Json(s.targetModules),
                Json(nullptr)};
    Json modules = Json::array(), parameters = Json::array();
    std::vector<std::string> names = s.targetModules;
    if (isRegexForm(names)) {
        names.clear();
        for (const auto &[name, p] : projections(model))
            if (p->hasAdapter()) names.push_back(name);
    }
    for (const std::string &t : names) {
        if (isMlpProjection(t))
            parameters.push_back(t + ".weight");
        else
            modules.push_back(t);
    }
    return {modules, parameters.empty() ? Json(nullptr) : parameters};
}

nlohmann::ordered_json adapterConfig(TransformerImpl &model, const LoraSettings &s, const std::string &base)
{
    using Json = nlohmann::ordered_json;
    const auto [targets, targetParameters] = peftTargets(model, s);
    // PEFT's own files hold an integer alpha (its type hint); keep that when it is one.
    const bool integral = std::floor(s.alpha) == s.alpha && std::abs(s.alpha) < 1e15;
    const Json alpha = integral ? Json(static_cast<int64_t>(s.alpha)) : Json(s.alpha);
    return Json{
        {"alora_invocation_tokens", nullptr},
        {"alpha_pattern", Json::object()},
        {"arrow_config", nullptr},
        {"auto_mapping", nullptr},
        {"base_model_name_or_path", base.empty() ? Json(nullptr) : Json(base)},
        {"bias", "none"},
        {"corda_config", nullptr},
        {"ensure_weight_tying", false},
        {"eva_config", nullptr},
        {"exclude_modules", nullptr},
        {"fan_in_fan_out", false},
        {"inference_mode", true},
        {"init_lora_weights", true},
        {"kasa_config", nullptr},
        {"layer_replication", nullptr},
        {"layers_pattern", nullptr},
        {"layers_to_transform", nullptr},
        {"loftq_config", Json::object()},
        {"lora_alpha", alpha},
        {"lora_bias", false},
        {"lora_dropout", s.dropout},
        {"lora_ga_config", nullptr},
        {"megatron_config", nullptr},
        {"megatron_core", "megatron.core"},
        {"modules_to_save", nullptr},
        {"monteclora_config", nullptr},
        {"peft_type", "LORA"},
        {"peft_version", "0.21.2"},  // the format this file follows
        {"qalora_group_size", 16},
        {"r", s.rank},
        {"rank_pattern", Json::object()},
        {"revision", nullptr},
        {"target_modules", targets},
        {"target_parameters", targetParameters},
        {"task_type", "CAUSAL_LM"},
        {"trainable_token_indices", nullptr},
        {"use_bdlora", nullptr},
        {"use_dora", false},
        {"use_qalora", false},
        {"use_rslora", false},
        {"velora_config", nullptr},
    };
}

// LoraConfig fields that change what the adapter computes (variants, per-module ranks, biases, other layers)
// with the only value Danka implements: their default. Absent, null or an empty list / object is the
// default too.
const std::vector<std::pair<const char *, nlohmann::json>> &defaultOnlyFields()
{
    static const std::vector<std::pair<const char *, nlohmann::json>> fields = {
        {"bias", "none"},
        {"fan_in_fan_out", false},
        {"use_rslora", false},
        {"use_dora", false},
        {"lora_bias", false},
        {"use_qalora", false},
        {"rank_pattern", nlohmann::json::object()},
        {"alpha_pattern", nlohmann::json::object()},
        {"modules_to_save", nullptr},
        {"layers_to_transform", nullptr},
        {"layer_replication", nullptr},
        {"exclude_modules", nullptr},
        {"trainable_token_indices", nullptr},
        {"alora_invocation_tokens", nullptr},
        {"use_bdlora", nullptr},
        {"arrow_config", nullptr},
        {"velora_config", nullptr},
        {"monteclora_config", nullptr},
        {"kasa_config", nullptr},
        {"megatron_config", nullptr},
    };
    return fields;
}

// init_lora_weights values whose adapter applies to the unchanged base model with the plain LoRA forward
// (PiSSA, OLoRA, CorDA, LoRA-GA and LoftQ rewrite the base weights; MiCA is a different forward).
bool plainInit(const nlohmann::json &init)
{
    return init.is_null() || init.is_boolean() || init == "gaussian" || init == "eva" || init == "orthogonal";
}

}  // namespace

std::vector<std::string> projectionNames(TransformerImpl &model)
{
    std::vector<std::string> names;
    for (const auto &[name, p] : projections(model))
        names.push_back(name);
    return names;
}

std::vector<std::string> attachLora(TransformerImpl &model, const LoraSettings &settings)
{
    requireNoAdapters(model);
    const std::vector<NamedProjection> targets = matchTargets(model, settings);
    // Only the adapters train: the base weights stay bit-identical, the point of LoRA.
    setTrainable(model, false);
    std::vector<std::string> names;
    for (const auto &[name, p] : targets) {
        p->attachAdapter(settings.rank, settings.alpha, settings.dropout);
        names.push_back(name);
    }
    model.setLoraSettings(std::make_shared<const LoraSettings>(settings));
    return names;
}

bool hasLora(TransformerImpl &model)
{
    const auto all = projections(model);
    return std::any_of(all.begin(), all.end(),
                       [](const NamedProjection &p) { return p.second->hasAdapter(); });
}

AdaptersOff::AdaptersOff(TransformerImpl &model)
{
    for (const auto &[name, p] : projections(model))
        if (p->adapterActive()) {
            p->setAdapterActive(false);
            m_switched.push_back(p);
        }
}

AdaptersOff::~AdaptersOff()
{
    for (ProjectionImpl *p : m_switched) p->setAdapterActive(true);
}

std::vector<std::pair<std::string, at::Tensor>> loraParameters(TransformerImpl &model)
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto &[name, p] : projections(model)) {
        if (!p->hasAdapter()) continue;
        out.emplace_back(name + ".lora_A.weight", p->lora_A->weight);
        out.emplace_back(name + ".lora_B.weight", p->lora_B->weight);
    }
    return out;
}

void mergeLora(TransformerImpl &model)
{
    if (!hasLora(model)) return;
    for (const auto &[name, p] : projections(model))
        if (p->hasAdapter()) p->mergeAdapter();
    setTrainable(model, true);
    model.setLoraSettings(nullptr);
}

void saveAdapter(TransformerImpl &model, const std::string &dir, const std::string &baseModelNameOrPath,
                 at::ScalarType dtype)
{
    const LoraSettings *settings = model.loraSettings();
    if (!settings || !hasLora(model)) throw LoraError("saving an adapter: the model has no LoRA adapters");
    if (!at::isFloatingType(dtype))
        throw LoraError(std::string("adapters hold floating-point weights, not ") + c10::toString(dtype));
    if (!fs::is_directory(dir)) throw CheckpointError("adapter folder " + dir + " does not exist");
    std::vector<std::string> adapted;
    for (const auto &[name, p] : projections(model))
        if (p->hasAdapter()) adapted.push_back(name);
    if (const std::string problem = peftLoadProblem(model.config(), adapted, settings->dropout); !problem.empty())
        throw LoraError("saving an adapter: " + problem);
    torch::NoGradGuard noGrad;
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto &[name, p] : projections(model)) {
        if (!p->hasAdapter()) continue;
        const at::Tensor b = permuteRopeRows(model.config(), name, p->lora_B->weight.detach(), true);
        tensors.emplace_back(kPeftPrefix + name + ".lora_A.weight",
                             p->lora_A->weight.detach().to(at::kCPU, dtype));
        tensors.emplace_back(kPeftPrefix + name + ".lora_B.weight", b.to(at::kCPU, dtype));
    }
    try {
        writeSafetensors((fs::path(dir) / kWeightsFile).string(), tensors, {{"format", "pt"}});
    } catch (const SafetensorsError &e) {
        throw CheckpointError(e.what());
    }
    writeJsonFile((fs::path(dir) / kConfigFile).string(), adapterConfig(model, *settings, baseModelNameOrPath));
}

AdapterInfo readAdapterConfig(const std::string &dir)
{
    const std::string path = (fs::path(dir) / kConfigFile).string();
    std::ifstream in(path);
    if (!in)
        throw LoraError("adapter " + dir +
                        (fs::is_directory(dir) ? ": no " + std::string(kConfigFile) : ": no such folder"));
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw LoraError(path + ": not a JSON object");
    const auto fieldError = [&](const std::string &field, const std::string &problem) {
        return LoraError(path + ": field \"" + field + "\" " + problem);
    };
    const auto present = [&](const char *field) { return j.contains(field) && !j.at(field).is_null(); };

    if (j.value("peft_type", nlohmann::json()) != "LORA")
        throw fieldError("peft_type", "must be \"LORA\" (Danka reads LoRA adapters only), got " +
                                          j.value("peft_type", nlohmann::json()).dump());
    if (present("task_type") && j.at("task_type") != "CAUSAL_LM")
        throw fieldError("task_type", "must be \"CAUSAL_LM\", got " + j.at("task_type").dump());
    for (const auto &[field, supported] : defaultOnlyFields()) {
        if (!present(field)) continue;
        const nlohmann::json &v = j.at(field);
        if (v == supported || ((v.is_array() || v.is_object()) && v.empty())) continue;
        throw fieldError(field, "is " + v.dump() + ": Danka only implements " + supported.dump());
    }
    if (present("init_lora_weights") && !plainInit(j.at("init_lora_weights")))
        throw fieldError("init_lora_weights",
                         "is " + j.at("init_lora_weights").dump() +
                             ": that initialisation changes the base weights or the forward, "
                             "which Danka does not implement");

    AdapterInfo info;
    LoraSettings &s = info.settings;
    if (!present("r") || !j.at("r").is_number_integer())
        throw fieldError("r", "must be an integer (the rank)");
    s.rank = j.at("r").get<int64_t>();
    if (!present("lora_alpha") || !j.at("lora_alpha").is_number())
        throw fieldError("lora_alpha", "must be a number");
    s.alpha = j.at("lora_alpha").get<double>();
    if (present("lora_dropout")) {
        if (!j.at("lora_dropout").is_number()) throw fieldError("lora_dropout", "must be a number");
        s.dropout = j.at("lora_dropout").get<double>();
    }
    const nlohmann::json targets = j.value("target_modules", nlohmann::json());
    if (targets.is_string()) {
        s.targetModules = {kRegexPrefix + targets.get<std::string>()};
    } else if (targets.is_array() &&
               std::all_of(targets.begin(), targets.end(), [](const auto &t) { return t.is_string(); })) {
        s.targetModules = targets.get<std::vector<std::string>>();
    } else {
        throw fieldError("target_modules", "must be a list of module names or a regex string");
    }
    // Parameters PEFT adapts directly: Danka writes the MLP weights of MLA models so (peftTargets); they are
    // those projections' adapters.
    const nlohmann::json parameters = j.value("target_parameters", nlohmann::json());
    if (!parameters.is_null() && !(parameters.is_array() && parameters.empty())) {
        if (!parameters.is_array() ||
            !std::all_of(parameters.begin(), parameters.end(), [](const auto &t) { return t.is_string(); }))
            throw fieldError("target_parameters", "must be a list of parameter names");
        if (isRegexForm(s.targetModules))
            throw fieldError("target_parameters", "cannot be combined with a regex target_modules (Danka reads "
                                                  "one or the other)");
        const std::string weight = ".weight";
        for (const auto &t : parameters) {
            const std::string name = t.get<std::string>();
            if (name.size() <= weight.size() || name.compare(name.size() - weight.size(), weight.size(), weight) != 0)
                throw fieldError("target_parameters", "names \"" + name +
                                                          "\": Danka adapts projection weights only (names ending "
                                                          "in .weight)");
            s.targetModules.push_back(name.substr(0, name.size() - weight.size()));
        }
    }
    const nlohmann::json base = j.value("base_model_name_or_path", nlohmann::json());
    if (base.is_string())
        info.baseModelNameOrPath = base.get<std::string>();
    else if (!base.is_null())
        throw fieldError("base_model_name_or_path", "must be a string or null");
    try {
        checkSettings(s);
    } catch (const LoraError &e) {
        throw LoraError(path + ": " + e.what());
    }
    return info;
}

void loadAdapter(TransformerImpl &model, const std::string &dir)
{
    const AdapterInfo info = readAdapterConfig(dir);
    const std::string configPath = (fs::path(dir) / kConfigFile).string();
    const std::string weightsPath = (fs::path(dir) / kWeightsFile).string();
    requireNoAdapters(model);
    std::vector<NamedProjection> targets;
    try {
        targets = matchTargets(model, info.settings);
    } catch (const LoraError &e) {
        throw LoraError(configPath + ": " + e.what());
    }
    std::map<std::string, at::Tensor> file;
    try {
        file = readSafetensors(weightsPath).byName();
    } catch (const SafetensorsError &e) {
        throw LoraError(e.what());
    }

    // Check every tensor before touching the model: (A, B) per target, in the model's layout.
    const int64_t r = info.settings.rank;
    std::vector<std::pair<at::Tensor, at::Tensor>> values;
    for (const auto &[name, p] : targets) {
        const int64_t out = p->weight.size(0), in = p->weight.size(1);
        const auto take = [&](const char *suffix, at::IntArrayRef shape) {
            const std::string key = kPeftPrefix + name + suffix;
            auto it = file.find(key);
            if (it == file.end())
                throw LoraError(weightsPath + ": missing tensor \"" + key + "\" (" + kConfigFile +
                                " targets " + name + ")");
            if (it->second.sizes() != shape)
                throw LoraError(weightsPath + ": tensor \"" + key + "\" has shape " +
                                shapeText(it->second.sizes()) + ", the model needs " + shapeText(shape) +
                                " (r = " + std::to_string(r) + ")");
            const at::Tensor t = it->second;
            file.erase(it);
            return t;
        };
        const at::Tensor a = take(".lora_A.weight", {r, in});
        const at::Tensor b = take(".lora_B.weight", {out, r});
        values.emplace_back(a, permuteRopeRows(model.config(), name, b, false));
    }
    if (!file.empty())
        throw LoraError(weightsPath + ": unexpected tensor \"" + file.begin()->first + "\" (no projection " +
                        kConfigFile + " targets has it)");

    attachLora(model, info.settings);
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < targets.size(); ++i) {
        targets[i].second->lora_A->weight.copy_(values[i].first);
        targets[i].second->lora_B->weight.copy_(values[i].second);
    }
}

}  // namespace danka::model
