// MHA / GQA attention (see attention.h).
#include "model/attention.h"

#include <cmath>

#include "kernels/attention.h"
#include "kernels/rope.h"

namespace danka::model {

at::Tensor rotate(const at::Tensor &x, const AttentionContext &ctx, KernelMode mode)
{
    switch (mode) {
        case KernelMode::Fused: return kernels::applyRope(x, ctx.cos, ctx.sin);
        case KernelMode::Reference: return kernels::applyRopeReference(x, ctx.cos, ctx.sin);
        case KernelMode::Aten: break;
    }
    // Hugging Face's apply_rotary_pos_emb: x cos + rotate_half(x) sin, the tables in x's dtype.
    const int64_t half = x.size(-1) / 2;
    auto table = [&](const at::Tensor &t) {  // (T, r/2) -> (1, T, 1, r); (B, T, r/2) -> (B, T, 1, r)
        const at::Tensor full = at::cat({t, t}, -1).to(x.scalar_type());
        return full.dim() == 2 ? full.unsqueeze(0).unsqueeze(2) : full.unsqueeze(2);
    };
    const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * table(ctx.cos) + rotated * table(ctx.sin);  // (B, T, heads, r)
}

namespace {

// at::scaled_dot_product_attention with Danka's masking rules: causal with the queries as the last T of the S
// keys, and segment masks. SDPA's own is_causal aligns the mask top-left, which equals Danka's only when
// T == S and there are no segments; otherwise the mask is built as a boolean (B, 1, T, S) tensor.
at::Tensor sdpa(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale, const AttentionContext &ctx)
{
    const int64_t T = q.size(2), S = k.size(2);
    const bool gqa = k.size(1) != q.size(1);
    if (T == S && !ctx.qSegments.defined())
        return at::scaled_dot_product_attention(q, k, v, {}, 0.0, true, scale, gqa);
    const at::TensorOptions longs = q.options().dtype(at::kLong);
    const at::Tensor qpos = at::arange(T, longs).unsqueeze(1) + (S - T);  // (T, 1)
    at::Tensor visible = (at::arange(S, longs).unsqueeze(0) <= qpos).view({1, 1, T, S});
    if (ctx.qSegments.defined())
        visible = visible & (ctx.qSegments.unsqueeze(2) == ctx.kSegments.unsqueeze(1)).unsqueeze(1);  // (B, 1, T, S)
    return at::scaled_dot_product_attention(q, k, v, visible, 0.0, false, scale, gqa);
}

}  // namespace

at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale,
                  const AttentionContext &ctx, KernelMode mode)
{
    const kernels::AttentionOptions options{scale, true};
    switch (mode) {
        case KernelMode::Fused: return kernels::attention(q, k, v, options, ctx.qSegments, ctx.kSegments);
        case KernelMode::Reference:
            return kernels::attentionReference(q, k, v, options, ctx.qSegments, ctx.kSegments);
        case KernelMode::Aten: break;
    }
    return sdpa(q, k, v, scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(q.size(3))), ctx);
}

GqaAttention::GqaAttention(const ModelConfig &c, KernelMode mode)
    : m_heads(c.nHeads), m_kvHeads(c.resolvedKvHeads()), m_headDim(c.resolvedHeadDim()), m_mode(mode)
{
    q_proj = register_module("q_proj", linear(c.hiddenSize, m_heads * m_headDim));
    k_proj = register_module("k_proj", linear(c.hiddenSize, m_kvHeads * m_headDim));
    v_proj = register_module("v_proj", linear(c.hiddenSize, m_kvHeads * m_headDim));
    o_proj = register_module("o_proj", linear(m_heads * m_headDim, c.hiddenSize));
    if (c.qkNorm) {
        q_norm = register_module("q_norm", RMSNorm(m_headDim, c.rmsNormEps, mode));
        k_norm = register_module("k_norm", RMSNorm(m_headDim, c.rmsNormEps, mode));
    }
}

at::Tensor GqaAttention::forward(const at::Tensor &x, const AttentionContext &ctx)
{
    const int64_t B = x.size(0), T = x.size(1);
    at::Tensor q = q_proj(x).view({B, T, m_heads, m_headDim});    // (B, T, H, D)
    at::Tensor k = k_proj(x).view({B, T, m_kvHeads, m_headDim});  // (B, T, Hkv, D)
    at::Tensor v = v_proj(x).view({B, T, m_kvHeads, m_headDim});  // (B, T, Hkv, D)
    if (q_norm) {
        q = q_norm(q);
        k = k_norm(k);
    }
    q = rotate(q, ctx, m_mode);
    k = rotate(k, ctx, m_mode);
    at::Tensor keys = k.transpose(1, 2), values = v.transpose(1, 2);  // (B, Hkv, T, D), strided views
    if (ctx.cache) {
        const int64_t start = ctx.cache->length();
        ctx.cache->keys(ctx.layer).narrow(2, start, T).copy_(keys);
        ctx.cache->values(ctx.layer).narrow(2, start, T).copy_(values);
        keys = ctx.cache->keys(ctx.layer).narrow(2, 0, start + T);      // (B, Hkv, S, D)
        values = ctx.cache->values(ctx.layer).narrow(2, 0, start + T);  // (B, Hkv, S, D)
    }
    const at::Tensor o = attend(q.transpose(1, 2), keys, values, 0, ctx, m_mode);  // (B, H, T, D)
    return o_proj(o.transpose(1, 2).reshape({B, T, m_heads * m_headDim}));
}

}  // namespace danka::model
