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

    // Exact number of trainable parameters of the network this config describes (tied head counted once).
    int64_t parameterCount() const;
    // Parameters of one transformer block.
    int64_t blockParameterCount() const;
};

const char *attentionKindName(AttentionKind kind);

// A bias-free projection of the network: its module name as named_parameters() and Hugging Face spell it
// ("model.layers.0.self_attn.q_proj", ..., "lm_head" when untied) and its shape.
struct ProjectionShape {
    std::string name;
    int64_t in = 0, out = 0;
};
// Every projection of the network `config` describes, in module order (what LoRA can target).
std::vector<ProjectionShape> projectionShapes(const ModelConfig &config);

}  // namespace danka::model
