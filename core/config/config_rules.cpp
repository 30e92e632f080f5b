// The rules of a run config that involve more than one field, and the model of a checkpoint folder that a
// run from a base checkpoint trains (see config_io.h: validate() applies these after the range checks).
#include "core/config/config_rules.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>

#include "core/checkpoint/checkpoint_meta.h"
#include "core/config/config_io.h"
#include "core/config/memory_plan.h"
#include "core/train/stage_catalog.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"
#include "model/hf_config.h"
#include "model/lora_targets.h"

namespace danka::core {

using json = nlohmann::json;

namespace {

// --- Cross-field rules -------------------------------------------------------------------------------------

// model.rope_scaling against the model it scales (`fromBase`: a base checkpoint's, whose context it extends).
void checkRopeScaling(const model::ModelConfig &m, bool fromBase,
                      const std::function<void(const std::string &, const std::string &)> &add)
{
    using Issue = model::ModelConfig::RopeScalingIssue;
    const model::RopeScaling &s = m.ropeScaling;
    const std::string kind = model::ropeScalingKindName(s.kind);
    switch (m.ropeScalingIssue()) {
    case Issue::None: break;
    case Issue::FactorUnknown:
    case Issue::NoOriginalContext:
        add("model.rope_scaling.original_max_seq_len",
            formatMessage(translate("danka::core",
                                    "rope scaling \"%1\" needs the context the weights were trained at (or, but "
                                    "for yarn, a factor): set it, or train from a base checkpoint"),
                          kind));
        break;
    case Issue::FactorBelowOne:
        add("model.rope_scaling.factor",
            s.factor != 0 ? formatMessage(translate("danka::core", "must be >= 1, got %1"), formatNumber(s.factor))
            : fromBase
                ? formatMessage(translate("danka::core",
                                          "the derived factor %1 (data.seq_len, or the base checkpoint's context "
                                          "when longer: %2, over original_max_seq_len %3) is below 1"),
                                formatNumber(m.resolvedRopeScaling().factor), m.maxSeqLen, s.originalMaxSeqLen)
                : formatMessage(translate("danka::core",
                                          "the derived factor %1 (model.max_seq_len %2 over original_max_seq_len "
                                          "%3) is below 1"),
                                formatNumber(m.resolvedRopeScaling().factor), m.maxSeqLen, s.originalMaxSeqLen));
        break;
    case Issue::BetaOrder:
        add("model.rope_scaling.beta_slow",
            formatMessage(translate("danka::core", "must be <= beta_fast (%1), got %2"), formatNumber(s.betaFast),
                          formatNumber(s.betaSlow)));
        break;
    case Issue::NegativeAttentionFactor:
        break;  // the range check says so
    case Issue::TooFewRotaryDims:
        add("model.rope_scaling.type",
            formatMessage(translate("danka::core", "ntk needs more than 2 rotary dims per head, the model has %1"),
                          m.rotaryDims()));
        break;
    }
}

// stage.kind against the stage table, and what the stage asks of stage.base_checkpoint and stage.lora.
void checkStage(const RunConfig &c, const StageSpec *spec,
                const std::function<void(const std::string &, const std::string &)> &add)
{
    if (!spec) {
        add("stage.kind", formatMessage(translate("danka::core", "unknown stage \"%1\"; this version trains %2"),
                                        c.stage.kind, availableStageList()));
        return;
    }
    if (!spec->available) {
        add("stage.kind",
            formatMessage(translate("danka::core",
                                    "\"%1\" is not available in this version yet (reward, dpo, ppo and grpo are "
                                    "coming); it trains %2"),
                          c.stage.kind, availableStageList()));
        return;
    }
    if (spec->base == BaseUse::Required && c.stage.baseCheckpoint.empty())
        add("stage.base_checkpoint",
            formatMessage(
                translate("danka::core", "stage \"%1\" starts from a trained model: set the checkpoint folder"),
                c.stage.kind));
    if (spec->base == BaseUse::None && !c.stage.baseCheckpoint.empty())
        add("stage.base_checkpoint",
            formatMessage(translate("danka::core", "stage \"%1\" always starts from random weights: leave it empty"),
                          c.stage.kind));
    if (c.stage.lora.enabled && !spec->fineTuning) {
        std::string list;
        for (const StageSpec *s : stageCatalog())
            if (s->fineTuning && s->available) list += (list.empty() ? "" : ", ") + s->name;
        add("stage.lora.enabled",
            formatMessage(translate("danka::core",
                                    "stage \"%1\" trains every weight; LoRA adapters are for the fine-tuning "
                                    "stages (%2)"),
                          c.stage.kind, list));
    }
}

}  // namespace

void checkCrossFields(const RunConfig &c, std::vector<ConfigProblem> &problems)
{
    const model::ModelConfig &m = c.model;
    auto add = [&](const std::string &path, const std::string &message) { problems.push_back({path, message}); };

    if (m.attention != model::AttentionKind::Mla && m.nHeads > 0 && m.hiddenSize > 0) {
        if (m.headDim == 0 && m.hiddenSize % m.nHeads != 0)
            add("model.n_heads",
                formatMessage(translate("danka::core", "hidden_size %1 is not divisible by %2"), m.hiddenSize,
                              m.nHeads));
        else if (m.resolvedHeadDim() % 2 != 0)
            add("model.head_dim",
                formatMessage(
                    m.headDim == 0
                        ? translate("danka::core",
                                    "RoPE needs an even head dimension, got %1 (hidden_size / n_heads)")
                        : translate("danka::core", "RoPE needs an even head dimension, got %1"),
                    m.resolvedHeadDim()));
    }
    if (m.attention == model::AttentionKind::Mha && m.nKvHeads != 0 && m.nKvHeads != m.nHeads)
        add("model.n_kv_heads",
            formatMessage(translate("danka::core",
                                    "attention \"mha\" needs n_kv_heads equal to n_heads (%1), got %2; set "
                                    "attention to \"gqa\" for grouped-query attention"),
                          m.nHeads, m.nKvHeads));
    if (m.attention == model::AttentionKind::Gqa && m.nKvHeads > 0 && m.nHeads > 0 && m.nHeads % m.nKvHeads != 0)
        add("model.n_kv_heads",
            formatMessage(translate("danka::core", "n_heads %1 is not divisible by n_kv_heads %2"), m.nHeads,
                          m.nKvHeads));
    if (m.attention == model::AttentionKind::Mla && m.mla.qkRopeHeadDim % 2 != 0)
        add("model.mla.qk_rope_head_dim",
            formatMessage(translate("danka::core", "RoPE needs an even number of dims, got %1"),
                          m.mla.qkRopeHeadDim));

    // The model the run trains: the model section; from a base checkpoint that checkpoint's model, whose
    // context grows to data.seq_len, with model.rope_scaling (the one model setting such a run takes).
    std::optional<model::ModelConfig> trained;
    if (c.stage.baseCheckpoint.empty()) {
        trained = m;
        if (c.data.seqLen > m.maxSeqLen && m.maxSeqLen > 0)
            add("data.seq_len",
                formatMessage(translate("danka::core", "must be <= model.max_seq_len (%1), got %2"), m.maxSeqLen,
                              c.data.seqLen));
    } else {
        try {
            trained = model::extendedConfig(checkpointModelConfig(c.stage.baseCheckpoint), c.data.seqLen,
                                            m.ropeScaling);
        } catch (const Error &e) {
            add("stage.base_checkpoint", e.what());
        }
    }
    if (trained) checkRopeScaling(*trained, !c.stage.baseCheckpoint.empty(), add);
    if (c.schedule.warmupSteps > c.schedule.maxSteps && c.schedule.maxSteps > 0)
        add("schedule.warmup_steps",
            formatMessage(translate("danka::core", "must be <= schedule.max_steps (%1), got %2"),
                          c.schedule.maxSteps, c.schedule.warmupSteps));
    if (c.runtime.precision == Precision::Fp16 && c.runtime.device == Device::Cpu)
        add("runtime.precision", translate("danka::core",
                                           "fp16 needs runtime.device \"cuda\" (loss scaling runs on CUDA "
                                           "only); use \"bf16\" on the CPU"));
    const int64_t layers = trained ? trained->nLayers : m.nLayers;
    if (c.runtime.activationCheckpointing > layers && layers > 0)
        add("runtime.activation_checkpointing",
            formatMessage(translate("danka::core", "must be <= model.n_layers (%1), got %2"), layers,
                          c.runtime.activationCheckpointing));
    const StageSpec *spec = findStage(c.stage.kind);
    checkStage(c, spec, add);
    const bool lora = spec && spec->fineTuning && c.stage.lora.enabled;
    if (lora && c.stage.lora.targetModules.find_first_not_of(" ,") == std::string::npos)
        add("stage.lora.target_modules", translate("danka::core",
                                                   "names no projection: list module names "
                                                   "(q_proj,v_proj...), all-linear or re:REGEX"));
    if (lora && trained) {
        // An adapter PEFT could not load (model/lora_targets.h, peftLoadProblem).
        std::vector<std::string> mlp;
        try {
            mlp = model::peftUnloadableTargets(*trained, loraTargets(c.stage.lora, *trained), c.stage.lora.dropout);
        } catch (const std::regex_error &) {
            // an invalid regex: the run reports it, naming the expression
        }
        std::string names;
        for (const std::string &n : mlp) names += (names.empty() ? "" : ", ") + n;
        if (!mlp.empty())
            add("stage.lora.dropout",
                formatMessage(translate("danka::core",
                                        "PEFT cannot load adapters on the MLP (%1) of an MLA model with dropout: "
                                        "peft 0.21 under transformers 5 takes them for mixture-of-experts "
                                        "weights of the deepseek_v3 model, so Danka saves them as "
                                        "target_parameters, which PEFT adapts only without dropout; set 0, or "
                                        "leave %1 out of stage.lora.target_modules"),
                              names));
    }
    if (spec && spec->available && spec->checks) {
        std::vector<std::pair<std::string, std::string>> own;
        spec->checks(c, own);
        for (auto &[path, message] : own) add(path, message);
    }
}

namespace {

constexpr int kMaxAdapterDepth = 8;  // an adapter on an adapter's base...: far more than any real chain

model::ModelConfig checkpointModelConfigAt(const std::string &dir, int depth)
{
    namespace fs = std::filesystem;
    const fs::path folder(dir);
    if (!fs::is_directory(folder))
        throw Error(formatMessage(translate("danka::core", "%1: no such checkpoint folder"), dir));
    const fs::path config = folder / "config.json", adapterConfig = folder / "adapter_config.json";
    const auto readJson = [](const fs::path &file) {
        std::ifstream in(file);
        if (!in) throw Error(formatMessage(translate("danka::core", "%1: missing"), file.string()));
        json j = json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw Error(formatMessage(translate("danka::core", "%1: invalid JSON"), file.string()));
        return j;
    };
    if (!fs::exists(config) && fs::exists(adapterConfig)) {
        // A LoRA run's checkpoint: its base's model at the context and rope scaling the adapter was trained
        // with (danka.json's model section).
        const json danka = fs::exists(folder / "danka.json") ? readJson(folder / "danka.json") : json::object();
        checkpointVersion(danka, (folder / "danka.json").string());  // a newer Danka's layout: refused by name
        std::string base;
        if (auto it = danka.find("base_checkpoint"); it != danka.end() && it->is_string()) base = it->get<std::string>();
        if (base.empty()) {
            const json adapter = readJson(adapterConfig);
            if (auto it = adapter.find("base_model_name_or_path"); it != adapter.end() && it->is_string())
                base = it->get<std::string>();
        }
        if (base.empty() || depth >= kMaxAdapterDepth)
            throw Error(formatMessage(translate("danka::core",
                                                "%1: the adapter's base checkpoint is not recorded (danka.json "
                                                "base_checkpoint, adapter_config.json base_model_name_or_path)"),
                                      adapterConfig.string()));
        model::ModelConfig m = checkpointModelConfigAt(base, depth + 1);
        if (auto it = danka.find("model"); it != danka.end() && it->is_object()) {
            const model::ModelConfig trained = fromJson(json{{"model", *it}}).config.model;
            m = model::extendedConfig(m, trained.maxSeqLen, trained.ropeScaling);
        }
        return m;
    }
    const json j = readJson(config);
    try {
        return model::fromHuggingFaceConfig(j, config.string());
    } catch (const model::ConfigError &e) {
        throw Error(e.what());
    }
}

}  // namespace

model::ModelConfig checkpointModelConfig(const std::string &dir)
{
    return checkpointModelConfigAt(dir, 0);
}

}  // namespace danka::core
