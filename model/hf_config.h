// ModelConfig <-> Hugging Face config.json. Danka writes LlamaForCausalLM for MHA/GQA, Qwen3ForCausalLM
// when QK-norm is on (Llama has no q_norm/k_norm), and DeepseekV3ForCausalLM with every layer dense for MLA.
// Settings transformers has no key for (residual dropout, the gqa/mha choice, the MLA latent norms' epsilon,
// the rope scaling as Danka names it) travel as "danka_*" keys that transformers ignores, so a Danka config
// survives the round trip exactly. Reading also accepts configs of other origins of these families
// (importing existing weights): rope_interleave false (MLA rows in halves), rope_type linear and yarn.
// MLA latent norms: transformers' DeepseekV3 uses eps 1e-6 there whatever rms_norm_eps is; Danka writes
// danka_mla_norm_eps and reads it back; a Danka config without it (written before it existed, recognisable
// by danka_attention) was trained with rms_norm_eps there and keeps that, any other folder gets 1e-6.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace danka::model {

// A config.json Danka cannot use: what() names the file and the key.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct HfExportOptions {
    int32_t bosId = 1;
    int32_t padId = 3;
    std::vector<int32_t> eosIds = {2};  // the first is eos_token_id in config.json
    std::string dtype = "float32";       // "float32", "bfloat16" or "float16": the weights' dtype
};

nlohmann::ordered_json toHuggingFaceConfig(const ModelConfig &config, const HfExportOptions &options);
// `source` names the file in error messages.
ModelConfig fromHuggingFaceConfig(const nlohmann::json &json, const std::string &source);

// RoPE as transformers reads it (config.json's rope_parameters): rope_type "default" (plain, and static NTK at
// its scaled rope_theta), "linear" with factor, or "yarn" with factor, original_max_position_embeddings,
// beta_fast, beta_slow and attention_factor when one is set; rope_theta always.
nlohmann::ordered_json huggingFaceRopeParameters(const ModelConfig &config);

// The transformers architecture Danka writes for `config`: "LlamaForCausalLM", "Qwen3ForCausalLM" or
// "DeepseekV3ForCausalLM".
std::string huggingFaceArchitecture(const ModelConfig &config);

}  // namespace danka::model
