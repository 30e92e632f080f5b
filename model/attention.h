// Self-attention modules: the common interface and multi-head / grouped-query attention (MHA and GQA are
// one module: GQA with n_kv_heads == n_heads is MHA). MLA lives in mla.h.
#pragma once

#include <torch/torch.h>

#include "model/kv_cache.h"
#include "model/layers.h"
#include "model/model_config.h"

namespace danka::model {

// What every attention layer of one forward call shares.
struct AttentionContext {
    at::Tensor cos, sin;              // RoPE tables of this call's positions: (T, r/2), or (B, T, r/2) per row
    at::Tensor qSegments, kSegments;  // optional segment masks (B, T) and (B, S): packed documents, padding
    KvCache *cache = nullptr;         // generation: write this call's keys, attend over everything cached
    int64_t layer = 0;
};

class SelfAttention : public torch::nn::Module {
public:
    // x (B, T, hidden) -> (B, T, hidden)
    virtual at::Tensor forward(const at::Tensor &x, const AttentionContext &ctx) = 0;
};

// RoPE on (B, T, heads, r) through the fused kernel or its reference.
at::Tensor rotate(const at::Tensor &x, const AttentionContext &ctx, KernelMode mode);
// Attention through the fused kernel or its reference; q (B, H, T, Dqk), k (B, Hkv, S, Dqk), v (B, Hkv, S, Dv).
at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale,
                  const AttentionContext &ctx, KernelMode mode);

// Llama-style attention: q_proj, k_proj, v_proj, o_proj (no biases), optional per-head QK RMSNorm
// (q_norm, k_norm, as Qwen3), RoPE on queries and keys, GQA head sharing inside the kernel.
class GqaAttention : public SelfAttention {
public:
    GqaAttention(const ModelConfig &config, KernelMode mode);
    at::Tensor forward(const at::Tensor &x, const AttentionContext &ctx) override;

    Projection q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
    RMSNorm q_norm{nullptr}, k_norm{nullptr};

private:
    int64_t m_heads, m_kvHeads, m_headDim;
    KernelMode m_mode;
};

}  // namespace danka::model
