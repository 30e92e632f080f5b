// MHA / GQA attention (see attention.h).
#include "model/attention.h"

#include "kernels/attention.h"
#include "kernels/rope.h"

namespace danka::model {

at::Tensor rotate(const at::Tensor &x, const AttentionContext &ctx, KernelMode mode)
{
    return mode == KernelMode::Fused ? kernels::applyRope(x, ctx.cos, ctx.sin)
                                     : kernels::applyRopeReference(x, ctx.cos, ctx.sin);
}

at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale,
                  const AttentionContext &ctx, KernelMode mode)
{
    const kernels::AttentionOptions options{scale, true};
    return mode == KernelMode::Fused ? kernels::attention(q, k, v, options, ctx.qSegments, ctx.kSegments)
                                     : kernels::attentionReference(q, k, v, options, ctx.qSegments, ctx.kSegments);
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
