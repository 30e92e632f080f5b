// Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, section 2.1). Keys and values of all heads
// come from one low-rank latent c_KV = RMSNorm(W_DKV x) (kv_lora_rank dims) through kv_b_proj; RoPE lives in
// decoupled dims: per-head query parts and one key part shared by all heads. Training uses the expanded form
// (per-head keys and values); generation caches only [c_KV ; RoPE key] and uses the absorbed form: queries are
// mapped into latent space with W_UK, attention runs over the latent cache as one shared key/value head, and
// W_UV maps the result back: no per-head key or value is ever materialised while decoding.
#pragma once

#include "model/attention.h"

namespace danka::model {

class MlaAttention : public SelfAttention {
public:
    MlaAttention(const ModelConfig &config, KernelMode mode);
    at::Tensor forward(const at::Tensor &x, const AttentionContext &ctx) override;

    // Hugging Face DeepseekV3 names: q_proj when q_lora_rank is 0, else q_a_proj, q_a_layernorm, q_b_proj.
    Projection q_proj{nullptr}, q_a_proj{nullptr}, q_b_proj{nullptr};
    RMSNorm q_a_layernorm{nullptr};
    Projection kv_a_proj_with_mqa{nullptr}, kv_b_proj{nullptr}, o_proj{nullptr};
    RMSNorm kv_a_layernorm{nullptr};

private:
    at::Tensor queries(const at::Tensor &x);  // (B, T, H, dn + dr)
    // What both forms compute first: the queries' two parts, the normalised latent and the shared RoPE key.
    struct Projected {
        at::Tensor qNope;   // (B, T, H, dn)
        at::Tensor qPe;     // (B, T, H, dr), rotated
        at::Tensor latent;  // (B, T, kvl)
        at::Tensor kPe;     // (B, T, 1, dr), rotated
    };
    Projected project(const at::Tensor &x, const AttentionContext &ctx);
    at::Tensor forwardExpanded(const at::Tensor &x, const AttentionContext &ctx);
    at::Tensor forwardAbsorbed(const at::Tensor &x, const AttentionContext &ctx);

    int64_t m_heads, m_kvLora, m_nope, m_rope, m_v;
    double m_scale;  // 1 / sqrt(dn + dr), the same in both forms
    KernelMode m_mode;
};

}  // namespace danka::model
