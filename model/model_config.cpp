// Parameter counting for ModelConfig (matches the tensors the model layer creates, Hugging Face names).
#include "model/model_config.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace danka::model {

const char *attentionKindName(AttentionKind kind)
{
    switch (kind) {
    case AttentionKind::Mha: return "mha";
    case AttentionKind::Gqa: return "gqa";
    case AttentionKind::Mla: return "mla";
    }
    return "?";
}

const char *ropeScalingKindName(RopeScalingKind kind)
{
    switch (kind) {
    case RopeScalingKind::None: return "none";
    case RopeScalingKind::Linear: return "linear";
    case RopeScalingKind::Ntk: return "ntk";
    case RopeScalingKind::Yarn: return "yarn";
    }
    return "?";
}

ModelConfig extendedConfig(const ModelConfig &base, int64_t contextLength, const RopeScaling &scaling)
{
    ModelConfig c = base;
    c.maxSeqLen = std::max(base.maxSeqLen, contextLength);
    if (scaling.kind == RopeScalingKind::None) return c;
    c.ropeScaling = scaling;
    if (scaling.originalMaxSeqLen == 0)
        c.ropeScaling.originalMaxSeqLen = base.ropeScaling.kind != RopeScalingKind::None && base.ropeScaling.originalMaxSeqLen > 0
                                              ? base.ropeScaling.originalMaxSeqLen
                                              : base.maxSeqLen;
    return c;
}

RopeScaling ModelConfig::resolvedRopeScaling() const
{
    RopeScaling s = ropeScaling;
    if (s.kind == RopeScalingKind::None) return s;
    if (s.factor == 0 && s.originalMaxSeqLen > 0)
        s.factor = static_cast<double>(maxSeqLen) / static_cast<double>(s.originalMaxSeqLen);
    if (s.kind == RopeScalingKind::Yarn && s.attentionFactor == 0)
        s.attentionFactor = s.factor > 1 ? 0.1 * std::log(s.factor) + 1.0 : 1.0;  // transformers' get_mscale
    return s;
}

double ModelConfig::effectiveRopeTheta() const
{
    if (ropeScaling.kind != RopeScalingKind::Ntk) return ropeTheta;
    const double d = static_cast<double>(rotaryDims());
    return ropeTheta * std::pow(resolvedRopeScaling().factor, d / (d - 2));
}

ModelConfig::RopeScalingIssue ModelConfig::ropeScalingIssue() const
{
    const RopeScaling &s = ropeScaling;
    if (s.kind == RopeScalingKind::None) return RopeScalingIssue::None;
    if (s.factor == 0 && s.originalMaxSeqLen <= 0) return RopeScalingIssue::FactorUnknown;
    if (s.kind == RopeScalingKind::Yarn && s.originalMaxSeqLen <= 0) return RopeScalingIssue::NoOriginalContext;
    const double factor = resolvedRopeScaling().factor;
    if (!(factor >= 1) || !std::isfinite(factor)) return RopeScalingIssue::FactorBelowOne;
    if (s.kind == RopeScalingKind::Yarn && !(s.betaFast >= s.betaSlow && s.betaSlow > 0)) return RopeScalingIssue::BetaOrder;
    if (s.kind == RopeScalingKind::Yarn && s.attentionFactor < 0) return RopeScalingIssue::NegativeAttentionFactor;
    if (s.kind == RopeScalingKind::Ntk && rotaryDims() <= 2) return RopeScalingIssue::TooFewRotaryDims;
    return RopeScalingIssue::None;
}

std::string ModelConfig::ropeScalingProblem() const
{
    const RopeScaling &s = ropeScaling;
    const auto text = [](double x) {
        std::ostringstream o;
        o << x;
        return o.str();
    };
    const std::string kind = std::string("rope_scaling \"") + ropeScalingKindName(s.kind) + "\"";
    switch (ropeScalingIssue()) {
    case RopeScalingIssue::None: return "";
    case RopeScalingIssue::FactorUnknown:
        return kind + " needs its factor, or original_max_seq_len to derive it (max_seq_len / original_max_seq_len)";
    case RopeScalingIssue::NoOriginalContext:
        return kind + " needs original_max_seq_len, the context the weights were trained at";
    case RopeScalingIssue::FactorBelowOne:
        return kind + ": the factor must be >= 1, got " + text(resolvedRopeScaling().factor) +
               (s.factor == 0 ? " (max_seq_len " + std::to_string(maxSeqLen) + " / original_max_seq_len " +
                                    std::to_string(s.originalMaxSeqLen) + ")"
                              : std::string());
    case RopeScalingIssue::BetaOrder:
        return kind + ": beta_fast must be >= beta_slow > 0, got " + text(s.betaFast) + " and " + text(s.betaSlow);
    case RopeScalingIssue::NegativeAttentionFactor:
        return kind + ": attention_factor must be >= 0 (0 = 0.1 ln(factor) + 1), got " + text(s.attentionFactor);
    case RopeScalingIssue::TooFewRotaryDims:
        return kind + " needs more than 2 rotary dims (its exponent is d / (d - 2))";
    }
    return "";
}

int64_t ModelConfig::blockParameterCount() const
{
    const int64_t d = hiddenSize;
    int64_t attn = 0;
    if (attention == AttentionKind::Mla) {
        const int64_t qkHead = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
        if (mla.qLoraRank > 0)
            attn += d * mla.qLoraRank + mla.qLoraRank + mla.qLoraRank * nHeads * qkHead;  // q_a, q_a_norm, q_b
        else
            attn += d * nHeads * qkHead;                                                   // q_proj
        attn += d * (mla.kvLoraRank + mla.qkRopeHeadDim);                                  // kv_a_proj_with_mqa
        attn += mla.kvLoraRank;                                                            // kv_a_layernorm
        attn += mla.kvLoraRank * nHeads * (mla.qkNopeHeadDim + mla.vHeadDim);              // kv_b_proj
        attn += nHeads * mla.vHeadDim * d;                                                 // o_proj
        if (qkNorm) attn += 2 * qkHead;
    } else {
        const int64_t hd = resolvedHeadDim();
        attn += d * nHeads * hd;             // q_proj
        attn += 2 * d * resolvedKvHeads() * hd;  // k_proj, v_proj
        attn += nHeads * hd * d;             // o_proj
        if (qkNorm) attn += 2 * hd;          // q_norm, k_norm (shared across heads)
    }
    const int64_t ffn = 3 * d * ffnHiddenSize;  // gate_proj, up_proj, down_proj
    const int64_t norms = 2 * d;                // input_layernorm, post_attention_layernorm
    return attn + ffn + norms;
}

int64_t ModelConfig::parameterCount() const
{
    const int64_t embed = vocabSize * hiddenSize;
    const int64_t head = tieEmbeddings ? 0 : vocabSize * hiddenSize;
    return embed + nLayers * blockParameterCount() + hiddenSize /* model.norm */ + head;
}

std::vector<ProjectionShape> projectionShapes(const ModelConfig &c)
{
    std::vector<ProjectionShape> out;
    const int64_t d = c.hiddenSize, H = c.nHeads;
    for (int64_t layer = 0; layer < c.nLayers; ++layer) {
        const std::string attn = "model.layers." + std::to_string(layer) + ".self_attn.";
        const std::string mlp = "model.layers." + std::to_string(layer) + ".mlp.";
        if (c.attention == AttentionKind::Mla) {
            const MlaConfig &m = c.mla;
            const int64_t qkHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
            if (m.qLoraRank > 0) {
                out.push_back({attn + "q_a_proj", d, m.qLoraRank});
                out.push_back({attn + "q_b_proj", m.qLoraRank, H * qkHead});
            } else {
                out.push_back({attn + "q_proj", d, H * qkHead});
            }
            out.push_back({attn + "kv_a_proj_with_mqa", d, m.kvLoraRank + m.qkRopeHeadDim});
            out.push_back({attn + "kv_b_proj", m.kvLoraRank, H * (m.qkNopeHeadDim + m.vHeadDim)});
            out.push_back({attn + "o_proj", H * m.vHeadDim, d});
        } else {
            const int64_t hd = c.resolvedHeadDim(), kv = c.resolvedKvHeads() * hd;
            out.push_back({attn + "q_proj", d, H * hd});
            out.push_back({attn + "k_proj", d, kv});
            out.push_back({attn + "v_proj", d, kv});
            out.push_back({attn + "o_proj", H * hd, d});
        }
        out.push_back({mlp + "gate_proj", d, c.ffnHiddenSize});
        out.push_back({mlp + "up_proj", d, c.ffnHiddenSize});
        out.push_back({mlp + "down_proj", c.ffnHiddenSize, d});
    }
    if (!c.tieEmbeddings) out.push_back({"lm_head", d, c.vocabSize});
    return out;
}

}  // namespace danka::model
