// Multi-head latent attention (see mla.h).
#include "model/mla.h"

#include <cmath>

namespace danka::model {

MlaAttention::MlaAttention(const ModelConfig &c, KernelMode mode)
    : m_heads(c.nHeads), m_kvLora(c.mla.kvLoraRank), m_nope(c.mla.qkNopeHeadDim), m_rope(c.mla.qkRopeHeadDim),
      m_v(c.mla.vHeadDim), m_scale(1.0 / std::sqrt(static_cast<double>(c.mla.qkNopeHeadDim + c.mla.qkRopeHeadDim))),
      m_mode(mode)
{
    const int64_t qkHead = m_nope + m_rope;
    if (c.mla.qLoraRank > 0) {
        q_a_proj = register_module("q_a_proj", linear(c.hiddenSize, c.mla.qLoraRank));
        q_a_layernorm = register_module("q_a_layernorm", RMSNorm(c.mla.qLoraRank, c.mla.latentNormEps, mode));
        q_b_proj = register_module("q_b_proj", linear(c.mla.qLoraRank, m_heads * qkHead));
    } else {
        q_proj = register_module("q_proj", linear(c.hiddenSize, m_heads * qkHead));
    }
    kv_a_proj_with_mqa = register_module("kv_a_proj_with_mqa", linear(c.hiddenSize, m_kvLora + m_rope));
    kv_a_layernorm = register_module("kv_a_layernorm", RMSNorm(m_kvLora, c.mla.latentNormEps, mode));
    kv_b_proj = register_module("kv_b_proj", linear(m_kvLora, m_heads * (m_nope + m_v)));
    o_proj = register_module("o_proj", linear(m_heads * m_v, c.hiddenSize));
}

at::Tensor MlaAttention::queries(const at::Tensor &x)
{
    const at::Tensor q = q_proj ? q_proj(x) : q_b_proj(q_a_layernorm(q_a_proj(x)));
    return q.view({x.size(0), x.size(1), m_heads, m_nope + m_rope});  // (B, T, H, dn + dr)
}

MlaAttention::Projected MlaAttention::project(const at::Tensor &x, const AttentionContext &ctx)
{
    const at::Tensor q = queries(x);
    const at::Tensor ckv = kv_a_proj_with_mqa(x);  // (B, T, kvl + dr)
    return {q.narrow(-1, 0, m_nope), rotate(q.narrow(-1, m_nope, m_rope), ctx, m_mode),
            kv_a_layernorm(ckv.narrow(-1, 0, m_kvLora)),
            rotate(ckv.narrow(-1, m_kvLora, m_rope).unsqueeze(2), ctx, m_mode)};
}

at::Tensor MlaAttention::forward(const at::Tensor &x, const AttentionContext &ctx)
{
    return ctx.cache ? forwardAbsorbed(x, ctx) : forwardExpanded(x, ctx);
}

at::Tensor MlaAttention::forwardExpanded(const at::Tensor &x, const AttentionContext &ctx)
{
    const int64_t B = x.size(0), T = x.size(1);
    const auto [qNope, qPe, latent, kPe] = project(x, ctx);
    const at::Tensor kv = kv_b_proj(latent).view({B, T, m_heads, m_nope + m_v});  // (B, T, H, dn + dv)
    const at::Tensor k = at::cat({kv.narrow(-1, 0, m_nope), kPe.expand({B, T, m_heads, m_rope})}, -1);  // (B, T, H, dqk)
    const at::Tensor v = kv.narrow(-1, m_nope, m_v);                             // (B, T, H, dv)
    const at::Tensor qFull = at::cat({qNope, qPe}, -1);                         // (B, T, H, dqk)
    const at::Tensor o = attend(qFull.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), m_scale, ctx, m_mode);
    return o_proj(o.transpose(1, 2).reshape({B, T, m_heads * m_v}));            // o: (B, H, T, dv)
}

at::Tensor MlaAttention::forwardAbsorbed(const at::Tensor &x, const AttentionContext &ctx)
{
    const int64_t B = x.size(0), T = x.size(1);
    const auto [qNope, qPe, latent, kPe] = project(x, ctx);

    // Append [c_KV ; RoPE key] and read everything cached so far.
    at::Tensor &cache = ctx.cache->latentCache(ctx.layer);                      // (B, capacity, kvl + dr)
    const int64_t start = ctx.cache->length();
    cache.narrow(1, start, T).copy_(at::cat({latent, kPe.squeeze(2)}, -1));
    const at::Tensor keys = cache.narrow(1, 0, start + T).unsqueeze(1);         // (B, 1, S, kvl + dr)
    const at::Tensor values = keys.narrow(-1, 0, m_kvLora);                      // (B, 1, S, kvl), a view

    // W_UK and W_UV are the key and value halves of kv_b_proj, per head (with its LoRA update, if any: the
    // absorbed form multiplies by the matrix instead of calling the projection).
    const at::Tensor w = kv_b_proj->effectiveWeight().view({m_heads, m_nope + m_v, m_kvLora});
    const at::Tensor wUk = w.narrow(1, 0, m_nope);                               // (H, dn, kvl)
    const at::Tensor wUv = w.narrow(1, m_nope, m_v);                             // (H, dv, kvl)
    // q_nope . k_nope = q_nope . (W_UK c) = (W_UK^T q_nope) . c: queries move into latent space.
    const at::Tensor qLatent = at::einsum("bthd,hdc->bthc", {qNope, wUk});       // (B, T, H, kvl)
    const at::Tensor qAbsorbed = at::cat({qLatent, qPe}, -1).transpose(1, 2);    // (B, H, T, kvl + dr)
    const at::Tensor oLatent = attend(qAbsorbed, keys, values, m_scale, ctx, m_mode);  // (B, H, T, kvl)
    const at::Tensor o = at::einsum("bhtc,hvc->bthv", {oLatent, wUv});           // (B, T, H, dv)
    return o_proj(o.reshape({B, T, m_heads * m_v}));
}

}  // namespace danka::model
