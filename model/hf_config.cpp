// Hugging Face config.json mapping (see hf_config.h). Keys: ../shared/reference/TECHNICAL.md sections 1-2.
#include "model/hf_config.h"

#include <algorithm>
#include <iterator>

namespace danka::model {

using nlohmann::json;
using nlohmann::ordered_json;

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
    // transformers 5 reads rope_parameters, 4.x reads rope_theta: write both.
    j["rope_theta"] = c.ropeTheta;
    j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", c.ropeTheta}};
    j["rope_scaling"] = nullptr;
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
        // RoPE dims are stored interleaved (pairs), as DeepSeek's own checkpoints; Danka permutes the rows of
        // the RoPE projections on export and back on import (checkpoint.cpp).
        j["rope_interleave"] = true;
    }
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
    c.ropeTheta = optional<double>(j, "rope_theta", 10000.0);
    if (auto p = j.find("rope_parameters"); p != j.end() && p->is_object()) {
        c.ropeTheta = optional<double>(*p, "rope_theta", c.ropeTheta);
        const std::string ropeType = optional<std::string>(*p, "rope_type", "default");
        if (ropeType != "default")
            throw ConfigError(source + ": rope_type \"" + ropeType + "\" is not supported (Danka uses plain RoPE)");
    }
    if (auto s = j.find("rope_scaling"); s != j.end() && !s->is_null())
        throw ConfigError(source + ": rope_scaling is not supported (Danka uses plain RoPE)");
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
    return c;
}

}  // namespace danka::model
