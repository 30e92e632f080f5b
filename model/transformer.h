// The decoder-only transformer: token embedding; N blocks of [RMSNorm -> attention -> residual, RMSNorm ->
// SwiGLU -> residual]; final RMSNorm; LM head (optionally tied to the embedding); RoPE positions.
// Module names are the Hugging Face names (model.embed_tokens, model.layers.N.self_attn.q_proj, ...,
// model.norm, lm_head), so named_parameters() are checkpoint keys as they are.
#pragma once

#include <torch/torch.h>

#include "model/attention.h"
#include "model/kv_cache.h"
#include "model/layers.h"
#include "model/model_config.h"

namespace danka::model {

struct LoraSettings;  // model/lora.h

class DecoderLayerImpl : public torch::nn::Module {
public:
    DecoderLayerImpl(const ModelConfig &config, KernelMode mode);
    at::Tensor forward(const at::Tensor &x, const AttentionContext &ctx);  // (B, T, hidden)

    RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
    std::shared_ptr<SelfAttention> self_attn;
    Mlp mlp{nullptr};

private:
    double m_dropout;
};
TORCH_MODULE(DecoderLayer);

class DecoderModelImpl : public torch::nn::Module {
public:
    DecoderModelImpl(const ModelConfig &config, KernelMode mode);
    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    RMSNorm norm{nullptr};
};
TORCH_MODULE(DecoderModel);

struct ForwardOptions {
    at::Tensor segments;      // (B, T) optional: queries see only keys of the same segment (documents, -1 = pad)
    at::Tensor positions;     // (B, T) int64 optional: RoPE positions; default cache length + 0..T-1
    KvCache *cache = nullptr; // generation: keys are appended and attended; advanced by T afterwards
};

class TransformerImpl : public torch::nn::Module {
public:
    // Builds and initialises the network (normal(0, init_std); residual projections o_proj and down_proj
    // with init_std / sqrt(2 n_layers); norms at 1) from the current torch random state: seed before.
    // config() keeps `config` with its rope scaling factor resolved (ModelConfig::resolvedRopeScaling).
    TransformerImpl(const ModelConfig &config, KernelMode mode = KernelMode::Fused);

    at::Tensor hidden(const at::Tensor &inputIds, const ForwardOptions &options = {});  // (B, T) -> (B, T, d)
    at::Tensor logits(const at::Tensor &hidden);                                       // (B, T, d) -> (B, T, V)
    at::Tensor forward(const at::Tensor &inputIds, const ForwardOptions &options = {}); // logits
    // Mean cross-entropy of predicting `targets` (B, T) (-100 = no loss) from `hidden`, each target
    // weighted by `weights` (B, T) when given; the logits' softmax is never stored.
    at::Tensor loss(const at::Tensor &hidden, const at::Tensor &targets, const at::Tensor &weights = at::Tensor());

    // Activation checkpointing in training: the blocks run in segments of `every` consecutive blocks, of
    // which only the input is kept; backward recomputes each segment (model/activation_checkpoint.h).
    // 0 = off. Only in training mode with grad enabled and without a KV cache.
    void setActivationCheckpointing(int64_t every);
    int64_t activationCheckpointing() const { return m_checkpointEvery; }

    const ModelConfig &config() const { return m_config; }
    KernelMode kernelMode() const { return m_mode; }
    int64_t rotaryDims() const;
    DecoderLayer layer(int64_t i) const;

    // The settings the model's LoRA adapters were attached with (kept for saving them in PEFT's layout), or
    // nullptr without adapters. Only model/lora.h sets them.
    const LoraSettings *loraSettings() const { return m_lora.get(); }
    void setLoraSettings(std::shared_ptr<const LoraSettings> settings) { m_lora = std::move(settings); }

    DecoderModel model{nullptr};
    Projection lm_head{nullptr};  // absent when tied

private:
    void initialise();
    AttentionContext context(int64_t batch, int64_t length, const ForwardOptions &options) const;

    ModelConfig m_config;
    KernelMode m_mode;
    int64_t m_checkpointEvery = 0;
    std::shared_ptr<const LoraSettings> m_lora;
    at::Tensor m_cos, m_sin;  // (max_seq_len, rotary dims / 2) float32 buffers, with the rope scaling
};
TORCH_MODULE(Transformer);

}  // namespace danka::model
