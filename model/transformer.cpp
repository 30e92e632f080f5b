// The decoder-only transformer (see transformer.h).
#include "model/transformer.h"

#include <algorithm>
#include <cmath>

#include "kernels/cross_entropy.h"
#include "model/activation_checkpoint.h"
#include "model/mla.h"
#include "model/rope_scaling.h"

namespace danka::model {

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig &c, KernelMode mode) : m_dropout(c.dropout)
{
    input_layernorm = register_module("input_layernorm", RMSNorm(c.hiddenSize, c.rmsNormEps, mode));
    if (c.attention == AttentionKind::Mla)
        self_attn = register_module("self_attn", std::make_shared<MlaAttention>(c, mode));
    else
        self_attn = register_module("self_attn", std::make_shared<GqaAttention>(c, mode));
    post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hiddenSize, c.rmsNormEps, mode));
    mlp = register_module("mlp", Mlp(c.hiddenSize, c.ffnHiddenSize, mode));
}

at::Tensor DecoderLayerImpl::forward(const at::Tensor &x, const AttentionContext &ctx)
{
    const bool drop = m_dropout > 0 && is_training();
    at::Tensor a = self_attn->forward(input_layernorm(x), ctx);
    if (drop) a = torch::dropout(a, m_dropout, true);
    const at::Tensor h = x + a;
    at::Tensor f = mlp(post_attention_layernorm(h));
    if (drop) f = torch::dropout(f, m_dropout, true);
    return h + f;
}

DecoderModelImpl::DecoderModelImpl(const ModelConfig &c, KernelMode mode)
{
    embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocabSize, c.hiddenSize));
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.nLayers; ++i) layers->push_back(DecoderLayer(c, mode));
    norm = register_module("norm", RMSNorm(c.hiddenSize, c.rmsNormEps, mode));
}

TransformerImpl::TransformerImpl(const ModelConfig &c, KernelMode mode) : m_config(c), m_mode(mode)
{
    model = register_module("model", DecoderModel(c, mode));
    if (!c.tieEmbeddings) lm_head = register_module("lm_head", linear(c.hiddenSize, c.vocabSize));
    const std::string problem = c.ropeScalingProblem();
    TORCH_CHECK(problem.empty(), "model: ", problem);
    // The factor is fixed from here on (a derived one would follow a later change of max_seq_len).
    m_config.ropeScaling.factor = c.resolvedRopeScaling().factor;
    auto [cos, sin] = ropeTables(c, torch::arange(c.maxSeqLen, torch::kLong));  // (max_seq_len, r/2), scaled
    m_cos = register_buffer("rope_cos", cos);
    m_sin = register_buffer("rope_sin", sin);
    initialise();
}

int64_t TransformerImpl::rotaryDims() const
{
    return m_config.rotaryDims();
}

DecoderLayer TransformerImpl::layer(int64_t i) const
{
    return DecoderLayer(model->layers->ptr<DecoderLayerImpl>(static_cast<size_t>(i)));
}

void TransformerImpl::initialise()
{
    torch::NoGradGuard noGrad;
    const double std = m_config.initStd;
    // GPT-2 / llm.c: scale the projections that write into the residual stream by 1/sqrt(2 n_layers), so
    // the residual's variance does not grow with depth.
    const double residualStd = std / std::sqrt(2.0 * static_cast<double>(m_config.nLayers));
    for (auto &item : named_parameters()) {
        const std::string &name = item.key();
        at::Tensor &p = item.value();
        if (p.dim() == 1) {
            p.fill_(1.0);  // RMSNorm weights
        } else {
            const bool residual = name.find("o_proj.weight") != std::string::npos ||
                                  name.find("down_proj.weight") != std::string::npos;
            p.normal_(0.0, residual ? residualStd : std);
        }
    }
}

AttentionContext TransformerImpl::context(int64_t batch, int64_t length, const ForwardOptions &o) const
{
    AttentionContext ctx;
    const int64_t offset = o.cache ? o.cache->length() : 0;
    TORCH_CHECK(offset + length <= m_config.maxSeqLen, "model: ", offset + length,
                " positions exceed the model's max_seq_len of ", m_config.maxSeqLen);
    if (o.positions.defined()) {
        TORCH_CHECK(o.positions.sizes() == at::IntArrayRef({batch, length}), "model: positions must be (", batch, ", ",
                    length, "), got ", o.positions.sizes());
        TORCH_CHECK(o.positions.max().item<int64_t>() < m_config.maxSeqLen && o.positions.min().item<int64_t>() >= 0,
                    "model: positions must be in [0, max_seq_len ", m_config.maxSeqLen, ")");
        const at::Tensor flat = o.positions.reshape({-1}).to(m_cos.device());
        ctx.cos = m_cos.index_select(0, flat).view({batch, length, -1});  // (B, T, r/2)
        ctx.sin = m_sin.index_select(0, flat).view({batch, length, -1});
    } else {
        ctx.cos = m_cos.narrow(0, offset, length);  // (T, r/2)
        ctx.sin = m_sin.narrow(0, offset, length);
    }
    if (o.cache) {
        TORCH_CHECK(o.cache->batch() == batch, "model: the cache holds ", o.cache->batch(), " rows, the input ", batch);
        at::Tensor &cached = o.cache->segments();
        if (o.segments.defined()) cached.narrow(1, offset, length).copy_(o.segments);
        else cached.narrow(1, offset, length).zero_();
        ctx.qSegments = cached.narrow(1, offset, length);
        ctx.kSegments = cached.narrow(1, 0, offset + length);
        ctx.cache = o.cache;
    } else if (o.segments.defined()) {
        TORCH_CHECK(o.segments.sizes() == at::IntArrayRef({batch, length}), "model: segments must be (", batch, ", ",
                    length, "), got ", o.segments.sizes());
        ctx.qSegments = ctx.kSegments = o.segments;
    }
    return ctx;
}

at::Tensor TransformerImpl::hidden(const at::Tensor &inputIds, const ForwardOptions &o)
{
    TORCH_CHECK(inputIds.dim() == 2, "model: input ids must be (batch, length), got ", inputIds.sizes());
    const int64_t B = inputIds.size(0), T = inputIds.size(1);
    AttentionContext ctx = context(B, T, o);
    at::Tensor x = model->embed_tokens(inputIds);  // (B, T, d)
    const auto n = static_cast<int64_t>(model->layers->size());
    const int64_t every = m_checkpointEvery;
    if (every > 0 && is_training() && torch::GradMode::is_enabled() && !o.cache) {
        // A segment backpropagates into its parameters only when its input requires grad
        // (activation_checkpoint.h); with a frozen embedding (LoRA) it does not, so make it a leaf that does.
        if (!x.requires_grad()) x = x.detach().requires_grad_(true);
        for (int64_t start = 0; start < n; start += every) {
            const int64_t end = std::min(n, start + every);
            // The segment keeps its own copy of the context (the tables and masks it refers to) for backward.
            const SegmentFn segment = [this, ctx, start, end](const at::Tensor &in) {
                AttentionContext c = ctx;
                at::Tensor h = in;
                for (int64_t i = start; i < end; ++i) {
                    c.layer = i;
                    h = model->layers->ptr<DecoderLayerImpl>(static_cast<size_t>(i))->forward(h, c);
                }
                return h;
            };
            x = checkpointed(segment, x, m_config.dropout > 0);
        }
        return model->norm(x);
    }
    for (int64_t i = 0; i < n; ++i) {
        ctx.layer = i;
        x = model->layers->ptr<DecoderLayerImpl>(static_cast<size_t>(i))->forward(x, ctx);
    }
    if (o.cache) o.cache->advance(T);
    return model->norm(x);
}

void TransformerImpl::setActivationCheckpointing(int64_t every)
{
    TORCH_CHECK(every >= 0, "model: activation checkpointing must be >= 0 blocks, got ", every);
    m_checkpointEvery = every;
}

at::Tensor TransformerImpl::logits(const at::Tensor &h)
{
    return lm_head ? lm_head(h) : at::linear(h, model->embed_tokens->weight);  // (B, T, V)
}

at::Tensor TransformerImpl::forward(const at::Tensor &inputIds, const ForwardOptions &o)
{
    return logits(hidden(inputIds, o));
}

at::Tensor TransformerImpl::loss(const at::Tensor &h, const at::Tensor &targets, const at::Tensor &weights)
{
    const at::Tensor flat = logits(h).reshape({-1, m_config.vocabSize});  // (B*T, V)
    const at::Tensor t = targets.reshape({-1});
    const at::Tensor w = weights.defined() ? weights.reshape({-1}) : weights;
    switch (m_mode) {
        case KernelMode::Fused: return kernels::crossEntropy(flat, t, w);
        case KernelMode::Reference: return kernels::crossEntropyReference(flat, t, w);
        case KernelMode::Aten: break;
    }
    if (!w.defined()) return at::cross_entropy_loss(flat, t, {}, at::Reduction::Mean, -100);
    const at::Tensor perToken = at::cross_entropy_loss(flat, t, {}, at::Reduction::None, -100);  // 0 where ignored
    const at::Tensor weights = w.to(perToken.scalar_type()).masked_fill(t == -100, 0);
    return (perToken * weights).sum() / weights.sum().clamp_min(1e-12);
}

}  // namespace danka::model
