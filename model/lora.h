// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models", arXiv:2106.09685): a frozen
// weight W plus a trainable low-rank update (alpha / r) B A on chosen projections (layers.h, Projection).
// Adapters are attached, trained, saved and loaded in PEFT's layout (adapter_config.json +
// adapter_model.safetensors, which peft's PeftModel.from_pretrained reads), or merged into the weights.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/transformer.h"

namespace danka::model {

struct LoraSettings {
    int64_t rank = 8;      // r: rank of the update B A (B (out, r), A (r, in))
    double alpha = 16;     // the update is scaled by alpha / r (so a new r needs no new learning rate)
    double dropout = 0.0;  // dropout on the adapter's input, training mode only; in [0, 1)
    // PEFT semantics: each entry matches a projection whose full module name equals it or ends with "." + it
    // (e.g. "q_proj", "kv_b_proj", "mlp.down_proj"); a single entry starting with "re:" is instead a regex
    // (std::regex, ECMAScript) that must match the whole module name (PEFT's string form).
    std::vector<std::string> targetModules = {"q_proj", "k_proj", "v_proj", "o_proj"};
};

// Invalid settings, a model in the wrong state, or an adapter folder Danka cannot use: what() names the
// setting, or the file and field / tensor.
class LoraError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The module names ("model.layers.0.self_attn.q_proj", ..., "lm_head") of every Projection of `model`, in
// module order.
std::vector<std::string> projectionNames(TransformerImpl &model);

// Attaches fresh adapters to every projection matched by settings.targetModules (A ~ kaiming_uniform(a =
// sqrt(5)), nn.Linear's default as in PEFT; B = 0, so the output is unchanged), on each weight's device and
// dtype, and freezes everything else (requires_grad false on every non-LoRA parameter). Returns the adapted
// module names in module order. Throws LoraError, attaching nothing, when rank < 1, alpha <= 0, dropout is
// not in [0, 1), a "re:" entry is not the only one or is not a valid regex, a target matches no projection
// (naming it), or the model already has adapters.
std::vector<std::string> attachLora(TransformerImpl &model, const LoraSettings &settings);

// Whether any projection of `model` carries an adapter.
bool hasLora(TransformerImpl &model);

// Within its scope `model` computes as its base: every adapter is switched off, not removed, so a stage that
// trains adapters gets the frozen reference model's outputs from the same weights (DPO's and PPO's reference
// without a second copy of the base). A forward of the same model on another thread meanwhile sees the base.
class AdaptersOff {
public:
    explicit AdaptersOff(TransformerImpl &model);
    ~AdaptersOff();
    AdaptersOff(const AdaptersOff &) = delete;
    AdaptersOff &operator=(const AdaptersOff &) = delete;

private:
    std::vector<ProjectionImpl *> m_switched;
};

// The adapter tensors by their model names ("...q_proj.lora_A.weight", then "...q_proj.lora_B.weight"), in
// module order; the same tensors the model holds (train them, hand them to an optimizer).
std::vector<std::pair<std::string, at::Tensor>> loraParameters(TransformerImpl &model);

// Folds every adapter into its weight (W += alpha / r * B A, the product in float32 or wider, then rounded to
// W's dtype), removes the adapters and makes every parameter trainable again. Nothing happens without
// adapters.
void mergeLora(TransformerImpl &model);

// Writes adapter_config.json and adapter_model.safetensors into the existing folder `dir`, as peft 0.21's
// save_pretrained does for a LlamaForCausalLM-style model: tensors "base_model.model.<module>.lora_A.weight"
// (r, in) and ".lora_B.weight" (out, r) (no adapter name in the keys), in `dtype`; MLA RoPE rows of B in the
// interleaved layout of DeepseekV3 checkpoints (checkpoint.h); every key LoraConfig serialises, with its
// defaults except peft_type "LORA", task_type "CAUSAL_LM", inference_mode true, r, lora_alpha, lora_dropout,
// target_modules (a list, or the regex string without "re:") and base_model_name_or_path (null when empty).
// MLA models (deepseek_v3 for transformers): MLP targets are written as target_parameters
// ("mlp.down_proj.weight") and a regex as the list of adapted modules, what PEFT under transformers 5 loads
// (lora_targets.h, peftLoadProblem). Throws LoraError without adapters, for a non-floating dtype and for
// adapters PEFT could not load (MLA, MLP targets, dropout > 0; the message names the modules),
// CheckpointError on I/O.
void saveAdapter(TransformerImpl &model, const std::string &dir, const std::string &baseModelNameOrPath,
                 at::ScalarType dtype = at::kFloat);

struct AdapterInfo {
    LoraSettings settings;
    std::string baseModelNameOrPath;  // "" when null
};

// Reads `dir`/adapter_config.json: r, lora_alpha (both required), lora_dropout, target_modules (a list of
// names, or a regex string that becomes the single "re:" entry), target_parameters ("<module>.weight": that
// module joins the list), base_model_name_or_path. Throws LoraError
// naming the file and field for a missing or invalid field and for anything Danka does not implement:
// peft_type other than "LORA", task_type other than "CAUSAL_LM", bias other than "none", fan_in_fan_out,
// use_rslora, use_dora, lora_bias, use_qalora true, non-empty rank_pattern / alpha_pattern, modules_to_save,
// layers_to_transform, layer_replication, exclude_modules, trainable_token_indices,
// alora_invocation_tokens, use_bdlora or a variant's config (arrow, velora, monteclora, kasa, megatron) set,
// and an init_lora_weights that rewrites the base weights (pissa, olora, corda, lora_ga, loftq) or the
// forward (mica).
AdapterInfo readAdapterConfig(const std::string &dir);

// readAdapterConfig, then attachLora with its settings, then copies adapter_model.safetensors into the
// adapters (converted to the model's dtype and device). The file must hold exactly the tensors saveAdapter
// would write for these settings ("base_model.model.<module>.lora_A.weight" / "lora_B.weight"), with their
// shapes. Throws LoraError naming the file and the field or tensor, before attaching anything.
void loadAdapter(TransformerImpl &model, const std::string &dir);

}  // namespace danka::model
