// Hyper-parameters of a decoder-only transformer (MHA, GQA or MLA attention). A plain struct: core maps it
// to and from JSON and validates it; the model layer builds networks from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace danka::model {

enum class AttentionKind { Mha, Gqa, Mla };

// DeepSeek-V2 multi-head latent attention (arXiv:2405.04434, section 2.1).
struct MlaConfig {
    int64_t qLoraRank = 0;       // rank of the query compression; 0 = queries projected directly (no q_a/q_b)
    int64_t kvLoraRank = 512;    // rank of the joint key/value latent c_KV (what the KV cache stores)
    int64_t qkNopeHeadDim = 128; // per-head query/key dims without RoPE
    int64_t qkRopeHeadDim = 64;  // decoupled RoPE dims: per-head for queries, one shared key head
    int64_t vHeadDim = 128;      // per-head value dims (may differ from qk dims)
    // Epsilon of the latent RMSNorms (q_a_layernorm, kv_a_layernorm). transformers' DeepseekV3 builds them with
    // 1e-6 whatever rms_norm_eps says. Older Danka checkpoints (no danka_mla_norm_eps in config.json) were trained
    // with rms_norm_eps there and keep computing with it (hf_config.h).
    double latentNormEps = 1e-6;
    // Layout of the RoPE rows in checkpoint files (config.json's rope_interleave): true = pairs, as DeepSeek's
    // own checkpoints; false = halves, Danka's layout in memory. In memory the rows are always halves.
    bool ropeInterleave = true;
};

// RoPE scaling, to run a model at a longer context than the one it was trained at.
// The kinds transformers implements as a fixed table (its rope_type): linear position interpolation (Chen et
// al. 2023, arXiv:2306.15595, rope_type "linear"); static NTK-aware scaling (bloc97 2023: the base becomes
// theta * factor^(d / (d - 2)), which transformers reads as a plain rope_theta); YaRN (Peng et al. 2023,
// arXiv:2309.00071, rope_type "yarn", with its attention factor on cos and sin).
enum class RopeScalingKind { None, Linear, Ntk, Yarn };

struct RopeScaling {
    RopeScalingKind kind = RopeScalingKind::None;
    double factor = 0;               // context multiplier (>= 1); 0 = maxSeqLen / originalMaxSeqLen
    int64_t originalMaxSeqLen = 0;   // the context the weights were trained at (YaRN's correction range)
    double betaFast = 32;            // YaRN: dims turning more than beta_fast times over the original context
    double betaSlow = 1;             //   keep their frequency; fewer than beta_slow times: interpolated fully
    double attentionFactor = 0;      // YaRN: scale of cos and sin; 0 = 0.1 ln(factor) + 1
};

struct ModelConfig {
    int64_t vocabSize = 6400;         // token ids [0, vocabSize)
    int64_t hiddenSize = 512;         // model width d
    int64_t nLayers = 8;              // transformer blocks
    int64_t nHeads = 8;               // query heads
    int64_t nKvHeads = 0;             // key/value heads for GQA (divides nHeads); 0 = nHeads
    int64_t headDim = 0;              // per-head dims for MHA/GQA; 0 = hiddenSize / nHeads
    int64_t ffnHiddenSize = 1408;     // SwiGLU inner width (gate/up output, down input)
    AttentionKind attention = AttentionKind::Mha;
    MlaConfig mla;                    // used when attention == Mla
    int64_t maxSeqLen = 512;          // longest context the RoPE tables and the KV cache are sized for
    double ropeTheta = 10000.0;       // RoPE base
    RopeScaling ropeScaling;          // none by default
    double rmsNormEps = 1e-5;         // epsilon inside RMSNorm
    bool tieEmbeddings = true;        // lm_head shares the token embedding matrix
    bool qkNorm = false;              // RMSNorm on per-head queries and keys before RoPE
    double dropout = 0.0;             // dropout on attention output and FFN output during training
    double initStd = 0.02;            // normal init std; residual projections get initStd / sqrt(2 nLayers)

    // Per-head dims of MHA/GQA (resolves headDim == 0).
    int64_t resolvedHeadDim() const { return headDim > 0 ? headDim : (nHeads > 0 ? hiddenSize / nHeads : 0); }
    // Heads that own distinct K/V projections (MHA: all; MLA: every head gets its own k_nope/v from the
    // shared latent).
    int64_t resolvedKvHeads() const
    {
        return attention == AttentionKind::Gqa && nKvHeads > 0 ? nKvHeads : nHeads;
    }

    // ropeScaling with its factor resolved (maxSeqLen / originalMaxSeqLen when 0) and YaRN's attention factor
    // (0.1 ln(factor) + 1 when 0).
    RopeScaling resolvedRopeScaling() const;
    // What is wrong with ropeScaling for this config: a factor not derivable (no factor, no originalMaxSeqLen),
    // YaRN without originalMaxSeqLen, a factor below 1, beta_fast < beta_slow or beta_slow <= 0, a negative
    // attention factor, NTK with 2 rotary dims (its exponent d / (d - 2)).
    enum class RopeScalingIssue { None, FactorUnknown, NoOriginalContext, FactorBelowOne, BetaOrder,
                                  NegativeAttentionFactor, TooFewRotaryDims };
    RopeScalingIssue ropeScalingIssue() const;
    // The issue in English, "" for None (core words it for users, translated).
    std::string ropeScalingProblem() const;
    // The base transformers must be given to compute this config's frequencies: static NTK's theta *
    // factor^(d / (d - 2)) (d = rotary dims), ropeTheta for every other kind.
    double effectiveRopeTheta() const;
    // Rotary dims per head: qkRopeHeadDim for MLA, the head dims otherwise.
    int64_t rotaryDims() const { return attention == AttentionKind::Mla ? mla.qkRopeHeadDim : resolvedHeadDim(); }

    // Exact number of trainable parameters of the network this config describes (tied head counted once).
    int64_t parameterCount() const;
    // Parameters of one transformer block.
    int64_t blockParameterCount() const;
};

const char *attentionKindName(AttentionKind kind);
// "none", "linear", "ntk", "yarn": the names of model.rope_scaling.type.
const char *ropeScalingKindName(RopeScalingKind kind);

// The model a run from a base checkpoint trains (long-context continuation): `base` with its context raised
// to `contextLength` when that is longer, and `scaling` in place of base's own unless it is none. Its
// originalMaxSeqLen 0 means the context base was trained at: base's own original one when base is already
// scaled, else base's max_seq_len; its factor 0 then derives from the new context.
ModelConfig extendedConfig(const ModelConfig &base, int64_t contextLength, const RopeScaling &scaling);

// A bias-free projection of the network: its module name as named_parameters() and Hugging Face spell it
// ("model.layers.0.self_attn.q_proj", ..., "lm_head" when untied) and its shape.
struct ProjectionShape {
    std::string name;
    int64_t in = 0, out = 0;
};
// Every projection of the network `config` describes, in module order (what LoRA can target).
std::vector<ProjectionShape> projectionShapes(const ModelConfig &config);

}  // namespace danka::model
