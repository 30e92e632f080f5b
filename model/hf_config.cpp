// Hugging Face config.json mapping (see hf_config.h). Keys: ../shared/reference/TECHNICAL.md sections 1-2.
#include "model/hf_config.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>

namespace danka::model {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json huggingFaceRopeParameters(const ModelConfig &c)
{
    const RopeScaling s = c.resolvedRopeScaling();
    ordered_json p;
    switch (s.kind) {
    case RopeScalingKind::None:
    case RopeScalingKind::Ntk:  // a plain RoPE at the scaled base
        p["rope_type"] = "default";
        break;
    case RopeScalingKind::Linear:
        p["rope_type"] = "linear";
        p["factor"] = s.factor;
        break;
    case RopeScalingKind::Yarn:
        p["rope_type"] = "yarn";
        p["factor"] = s.factor;
        p["original_max_position_embeddings"] = s.originalMaxSeqLen;
        p["beta_fast"] = s.betaFast;
        p["beta_slow"] = s.betaSlow;
        if (c.ropeScaling.attentionFactor > 0) p["attention_factor"] = s.attentionFactor;
        break;
    }
    p["rope_theta"] = c.effectiveRopeTheta();
    return p;
}

namespace {

// Danka's own record of the scaling (model.rope_scaling as set, factor resolved, the unscaled theta): what
// transformers' keys cannot say (the NTK kind and its base, the original context of linear scaling).
ordered_json dankaRopeScaling(const ModelConfig &c)
{
    const RopeScaling s = c.resolvedRopeScaling();
    return {{"type", ropeScalingKindName(s.kind)},
            {"factor", s.factor},
            {"original_max_seq_len", s.originalMaxSeqLen},
            {"beta_fast", s.betaFast},
            {"beta_slow", s.betaSlow},
            {"attention_factor", c.ropeScaling.attentionFactor},
            {"rope_theta", c.ropeTheta}};
}

}  // namespace

std::string huggingFaceArchitecture(const ModelConfig &c)
{
    if (c.attention == AttentionKind::Mla) return "DeepseekV3ForCausalLM";
    return c.qkNorm ? "Qwen3ForCausalLM" : "LlamaForCausalLM";
}

ordered_json toHuggingFaceConfig(const ModelConfig &c, const HfExportOptions &o)
{
    const std::string architecture = huggingFaceArchitecture(c);
    const bool mla = c.attention == AttentionKind::Mla;
    ordered_json j;
    j["architectures"] = {architecture};
    j["model_type"] = mla ? "deepseek_v3" : (c.qkNorm ? "qwen3" : "llama");
    j["vocab_size"] = c.vocabSize;
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.ffnHiddenSize;
    j["num_hidden_layers"] = c.nLayers;
    j["num_attention_heads"] = c.nHeads;
    j["num_key_value_heads"] = c.resolvedKvHeads();  // DeepseekV3: equal to the heads
    j["head_dim"] = mla ? c.mla.qkRopeHeadDim : c.resolvedHeadDim();
    j["hidden_act"] = "silu";
    j["max_position_embeddings"] = c.maxSeqLen;
    j["rms_norm_eps"] = c.rmsNormEps;
    // transformers 5 reads rope_parameters (rope_scaling first when it is set), 4.x reads rope_theta and
    // rope_scaling: write all three, saying the same.
    const ordered_json rope = huggingFaceRopeParameters(c);
    j["rope_theta"] = rope["rope_theta"];
    j["rope_parameters"] = rope;
    if (rope["rope_type"] == "default") {
        j["rope_scaling"] = nullptr;
    } else {
        ordered_json scaling = rope;
        scaling.erase("rope_theta");
        j["rope_scaling"] = scaling;
    }
    j["attention_bias"] = false;
    j["attention_dropout"] = 0.0;
    j["tie_word_embeddings"] = c.tieEmbeddings;
    j["initializer_range"] = c.initStd;
    j["bos_token_id"] = o.bosId;
    j["eos_token_id"] = o.eosIds.empty() ? 2 : o.eosIds.front();
    j["pad_token_id"] = o.padId;
    j["dtype"] = o.dtype;
    j["torch_dtype"] = o.dtype;
    j["use_cache"] = true;
    if (!mla) j["mlp_bias"] = false;
    if (mla) {
        j["q_lora_rank"] = c.mla.qLoraRank > 0 ? json(c.mla.qLoraRank) : json(nullptr);
        j["kv_lora_rank"] = c.mla.kvLoraRank;
        j["qk_nope_head_dim"] = c.mla.qkNopeHeadDim;
        j["qk_rope_head_dim"] = c.mla.qkRopeHeadDim;
        j["v_head_dim"] = c.mla.vHeadDim;
        // Every layer dense: no mixture-of-experts layer is ever built (first_k_dense_replace = layers).
        j["first_k_dense_replace"] = c.nLayers;
        j["moe_intermediate_size"] = c.ffnHiddenSize;
        j["n_routed_experts"] = 1;
        j["n_shared_experts"] = 1;
        j["num_experts_per_tok"] = 1;
        j["n_group"] = 1;
        j["topk_group"] = 1;
        j["routed_scaling_factor"] = 1.0;
        j["norm_topk_prob"] = true;
        // RoPE dims are stored interleaved (pairs), as DeepSeek's own checkpoints, unless the model came from a
        // folder in halves; Danka permutes the rows of the RoPE projections on export and back on import
        // (checkpoint.cpp).
        j["rope_interleave"] = c.mla.ropeInterleave;
        // transformers' latent norms use 1e-6 whatever rms_norm_eps says: Danka's say theirs.
        j["danka_mla_norm_eps"] = c.mla.latentNormEps;
    }
    if (c.ropeScaling.kind != RopeScalingKind::None) j["danka_rope_scaling"] = dankaRopeScaling(c);
    j["danka_attention"] = attentionKindName(c.attention);
    j["danka_residual_dropout"] = c.dropout;
    j["danka_qk_norm"] = c.qkNorm;
    return j;
}

namespace {

template <typename T>
T required(const json &j, const char *key, const std::string &source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) throw ConfigError(source + ": missing \"" + key + "\"");
    try {
        return it->get<T>();
    } catch (const json::exception &) {
        throw ConfigError(source + ": \"" + key + "\" has the wrong type (" + it->dump() + ")");
    }
}

template <typename T>
T optional(const json &j, const char *key, T fallback)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception &) {
        return fallback;
    }
}

std::string number(double x)
{
    std::ostringstream o;
    o << x;
    return o.str();
}

// RoPE as transformers 5.23 reads it (PreTrainedConfig.convert_rope_params_to_dict, standardize_rope_params
// and the ROPE_INIT_FUNCTIONS): rope_scaling when set, else rope_parameters; rope_theta inside, else the
// top-level one; rope_type (or type) "default", "linear" or "yarn" with its keys. NTK comes back as "default"
// at its scaled base (danka_rope_scaling says more).
void readRope(const json &j, ModelConfig &c, const std::string &source)
{
    c.ropeTheta = optional<double>(j, "rope_theta", 10000.0);
    const json *p = nullptr;
    std::string key;
    if (auto s = j.find("rope_scaling"); s != j.end() && !s->is_null()) {
        p = &*s;
        key = "rope_scaling";
    } else if (auto r = j.find("rope_parameters"); r != j.end() && !r->is_null()) {
        p = &*r;
        key = "rope_parameters";
    }
    if (!p) return;
    if (!p->is_object()) throw ConfigError(source + ": \"" + key + "\" must be an object, got " + p->dump());
    c.ropeTheta = optional<double>(*p, "rope_theta", c.ropeTheta);
    const std::string type = optional<std::string>(*p, "rope_type", optional<std::string>(*p, "type", "default"));
    const std::string where = source + ": " + key + " rope_type \"" + type + "\"";
    RopeScaling &s = c.ropeScaling;
    if (type == "default") return;
    if (type == "dynamic")
        throw ConfigError(where + " (dynamic NTK) is not supported: its frequencies change with the length of "
                                  "each forward call; Danka has static NTK-aware scaling (model.rope_scaling "
                                  "type \"ntk\")");
    if (type != "linear" && type != "yarn")
        throw ConfigError(where + " is not supported (Danka reads default, linear and yarn)");
    s.kind = type == "linear" ? RopeScalingKind::Linear : RopeScalingKind::Yarn;
    s.factor = optional<double>(*p, "factor", 0.0);
    if (type == "linear") {
        if (!(s.factor > 0)) throw ConfigError(where + " needs \"factor\"");
        return;
    }
    s.originalMaxSeqLen = optional<int64_t>(*p, "original_max_position_embeddings",
                                            optional<int64_t>(j, "original_max_position_embeddings", c.maxSeqLen));
    if (s.factor == 0 && s.originalMaxSeqLen > 0)  // transformers: max_position_embeddings / original
        s.factor = static_cast<double>(c.maxSeqLen) / static_cast<double>(s.originalMaxSeqLen);
    // transformers takes `x or default`: a 0 is the default too.
    s.betaFast = optional<double>(*p, "beta_fast", 0.0);
    if (s.betaFast == 0) s.betaFast = 32;
    s.betaSlow = optional<double>(*p, "beta_slow", 0.0);
    if (s.betaSlow == 0) s.betaSlow = 1;
    s.attentionFactor = optional<double>(*p, "attention_factor", 0.0);
    for (const char *k : {"mscale", "mscale_all_dim"})
        if (optional<double>(*p, k, 0.0) != 0)
            throw ConfigError(where + ": \"" + std::string(k) +
                              "\" (DeepSeek's YaRN attention scale) is not supported; Danka's YaRN takes "
                              "attention_factor");
    if (!optional<bool>(*p, "truncate", true))
        throw ConfigError(where + ": \"truncate\" false is not supported (Danka rounds the correction range "
                                  "outwards, transformers' default)");
}

// danka_rope_scaling (dankaRopeScaling) into `c`.
void readDankaRopeScaling(const json &d, ModelConfig &c, const std::string &source)
{
    const std::string where = source + ": danka_rope_scaling";
    if (!d.is_object()) throw ConfigError(where + " must be an object, got " + d.dump());
    const std::string type = optional<std::string>(d, "type", "");
    static const RopeScalingKind kinds[] = {RopeScalingKind::None, RopeScalingKind::Linear, RopeScalingKind::Ntk,
                                            RopeScalingKind::Yarn};
    const auto kind = std::find_if(std::begin(kinds), std::end(kinds),
                                   [&](RopeScalingKind k) { return type == ropeScalingKindName(k); });
    if (kind == std::end(kinds))
        throw ConfigError(where + ": \"type\" must be none, linear, ntk or yarn, got " + d.value("type", json()).dump());
    RopeScaling s;
    s.kind = *kind;
    s.factor = required<double>(d, "factor", where);
    s.originalMaxSeqLen = optional<int64_t>(d, "original_max_seq_len", 0);
    s.betaFast = optional<double>(d, "beta_fast", s.betaFast);
    s.betaSlow = optional<double>(d, "beta_slow", s.betaSlow);
    s.attentionFactor = optional<double>(d, "attention_factor", 0.0);
    c.ropeScaling = s;
    c.ropeTheta = required<double>(d, "rope_theta", where);
}

// transformers computes from its own keys, Danka from danka_rope_scaling: they must describe the same
// frequencies (a hand-edited config.json could make them differ).
void checkSameRope(const ModelConfig &transformersView, const ModelConfig &danka, const std::string &source)
{
    ModelConfig fromDanka = danka;
    fromDanka.ropeScaling = {};
    const json exported = {{"rope_parameters", json::parse(huggingFaceRopeParameters(danka).dump())},
                           {"max_position_embeddings", danka.maxSeqLen}};
    readRope(exported, fromDanka, source);
    const RopeScaling a = transformersView.resolvedRopeScaling(), b = fromDanka.resolvedRopeScaling();
    const auto close = [](double x, double y) { return std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)); };
    const bool same = a.kind == b.kind && close(transformersView.ropeTheta, fromDanka.ropeTheta) &&
                      (a.kind == RopeScalingKind::None ||
                       (close(a.factor, b.factor) &&
                        (a.kind != RopeScalingKind::Yarn ||
                         (a.originalMaxSeqLen == b.originalMaxSeqLen && close(a.betaFast, b.betaFast) &&
                          close(a.betaSlow, b.betaSlow) && close(a.attentionFactor, b.attentionFactor)))));
    if (!same)
        throw ConfigError(source + ": rope_parameters / rope_scaling (theta " + number(transformersView.ropeTheta) +
                          ") and danka_rope_scaling (" + ropeScalingKindName(danka.ropeScaling.kind) + ", theta " +
                          number(fromDanka.ropeTheta) +
                          ") describe different RoPE frequencies; the file was edited: fix or remove "
                          "danka_rope_scaling");
}

}  // namespace

ModelConfig fromHuggingFaceConfig(const json &j, const std::string &source)
{
    if (!j.is_object()) throw ConfigError(source + ": not a JSON object");
    const std::string type = optional<std::string>(j, "model_type", "");
    static const char *known[] = {"llama", "qwen3", "mistral", "deepseek_v3", "deepseek_v2", ""};
    if (std::find(std::begin(known), std::end(known), type) == std::end(known))
        throw ConfigError(source + ": model_type \"" + type +
                          "\" is not supported (llama, qwen3, mistral, deepseek_v3, deepseek_v2)");
    ModelConfig c;
    c.vocabSize = required<int64_t>(j, "vocab_size", source);
    c.hiddenSize = required<int64_t>(j, "hidden_size", source);
    c.ffnHiddenSize = required<int64_t>(j, "intermediate_size", source);
    c.nLayers = required<int64_t>(j, "num_hidden_layers", source);
    c.nHeads = required<int64_t>(j, "num_attention_heads", source);
    c.maxSeqLen = optional<int64_t>(j, "max_position_embeddings", 2048);
    c.rmsNormEps = optional<double>(j, "rms_norm_eps", 1e-6);
    c.tieEmbeddings = optional<bool>(j, "tie_word_embeddings", false);
    c.initStd = optional<double>(j, "initializer_range", 0.02);
    c.dropout = optional<double>(j, "danka_residual_dropout", 0.0);
    readRope(j, c, source);
    if (optional<bool>(j, "attention_bias", false) || optional<bool>(j, "mlp_bias", false))
        throw ConfigError(source + ": biases in attention or MLP are not supported");
    const std::string act = optional<std::string>(j, "hidden_act", "silu");
    if (act != "silu") throw ConfigError(source + ": hidden_act \"" + act + "\" is not supported (SwiGLU uses silu)");

    if (type == "deepseek_v3" || type == "deepseek_v2") {
        c.attention = AttentionKind::Mla;
        c.mla.qLoraRank = optional<int64_t>(j, "q_lora_rank", 0);
        c.mla.kvLoraRank = required<int64_t>(j, "kv_lora_rank", source);
        c.mla.qkNopeHeadDim = required<int64_t>(j, "qk_nope_head_dim", source);
        c.mla.qkRopeHeadDim = required<int64_t>(j, "qk_rope_head_dim", source);
        c.mla.vHeadDim = required<int64_t>(j, "v_head_dim", source);
        c.nKvHeads = 0;
        if (optional<int64_t>(j, "first_k_dense_replace", 0) < c.nLayers)
            throw ConfigError(source + ": mixture-of-experts layers are not supported (first_k_dense_replace " +
                              std::to_string(optional<int64_t>(j, "first_k_dense_replace", 0)) + " < " +
                              std::to_string(c.nLayers) + " layers)");
    } else if (type == "llama" || type == "qwen3" || type == "mistral" || type.empty()) {
        const int64_t kv = optional<int64_t>(j, "num_key_value_heads", c.nHeads);
        const std::string kind = optional<std::string>(j, "danka_attention", kv == c.nHeads ? "mha" : "gqa");
        c.attention = kind == "gqa" ? AttentionKind::Gqa : AttentionKind::Mha;
        c.nKvHeads = c.attention == AttentionKind::Gqa ? kv : 0;
        const int64_t headDim = optional<int64_t>(j, "head_dim", 0);
        c.headDim = headDim > 0 && headDim * c.nHeads != c.hiddenSize ? headDim : 0;
        c.qkNorm = type == "qwen3" || optional<bool>(j, "danka_qk_norm", false);
        if (type == "mistral" && !optional<json>(j, "sliding_window", json()).is_null())
            throw ConfigError(source + ": sliding-window attention is not supported");
    } else {
        throw ConfigError(source + ": model_type \"" + type +
                          "\" is not supported (llama, qwen3, mistral, deepseek_v3, deepseek_v2)");
    }
    if (c.attention == AttentionKind::Mla) {
        c.mla.ropeInterleave = optional<bool>(j, "rope_interleave", true);
        // The latent norms' epsilon: as recorded; a Danka checkpoint from before the record (it has
        // danka_attention) was trained with rms_norm_eps there and keeps it; any other is transformers' 1e-6.
        c.mla.latentNormEps = optional<double>(j, "danka_mla_norm_eps",
                                                j.contains("danka_attention") ? c.rmsNormEps : 1e-6);
    }
    // The scaling needs the rotary dims, known only now.
    if (auto d = j.find("danka_rope_scaling"); d != j.end() && !d->is_null()) {
        const ModelConfig transformersView = c;
        readDankaRopeScaling(*d, c, source);
        checkSameRope(transformersView, c, source);
    }
    if (const std::string problem = c.ropeScalingProblem(); !problem.empty())
        throw ConfigError(source + ": " + problem);
    return c;
}

}  // namespace danka::model
