// Model FLOPs per token (see flops.h).
#include "model/flops.h"

#include "model/lora_targets.h"

namespace danka::model {

namespace {

// Query/key and value head dims of the attention kernel's inputs.
std::pair<double, double> attentionHeadDims(const ModelConfig &c)
{
    if (c.attention == AttentionKind::Mla)
        return {static_cast<double>(c.mla.qkNopeHeadDim + c.mla.qkRopeHeadDim), static_cast<double>(c.mla.vHeadDim)};
    const double d = static_cast<double>(c.resolvedHeadDim());
    return {d, d};
}

// Walks the network in forward order, adding each product's FLOPs for one token and tracking whether a
// tensor needs a gradient (it depends on something that trains).
struct Walk {
    const LoraFlops *lora = nullptr;
    bool baseTrained = true;  // the base weights train (every stage but LoRA)
    double flops = 0;

    // A projection (in -> out) named `name`; `inGrad`: its input needs a gradient. Returns whether its output
    // does.
    bool project(const std::string &name, int64_t in, int64_t out, bool inGrad)
    {
        const double w = static_cast<double>(in) * static_cast<double>(out);
        flops += 2 * w;                  // forward
        if (inGrad) flops += 2 * w;      // gradient of the input
        if (baseTrained) flops += 2 * w; // gradient of the weight
        bool outGrad = inGrad || baseTrained;
        if (lora && !name.empty() && matchesLoraTarget(name, lora->targets)) {
            const double r = static_cast<double>(lora->rank);
            const double adapter = r * static_cast<double>(in + out);  // A (r, in) and B (out, r)
            flops += 2 * adapter;                       // forward: x A^T, then B
            flops += 2 * adapter;                       // gradients of A and B
            flops += 2 * r * static_cast<double>(out);  // gradient of A's output (through B)
            if (inGrad) flops += 2 * static_cast<double>(in) * r;  // gradient of the input (through A)
            outGrad = true;
        }
        return outGrad;
    }

    // Attention of one layer, `scores` = the FLOPs of S = Q K^T and `weighted` those of P V. Backward: dQ = dS K
    // and dK = dS^T Q cost a `scores` each when q or k needs its gradient, dP = dO V^T a `weighted` when q or k
    // does, dV = P^T dO a `weighted` when v does (all of them: twice the forward).
    void attend(double scores, double weighted, bool q, bool k, bool v)
    {
        flops += scores + weighted;
        flops += (q ? scores : 0) + (k ? scores : 0) + (q || k ? weighted : 0) + (v ? weighted : 0);
    }
};

}  // namespace

double causalContext(double tokens)
{
    return (tokens + 1) / 2;
}

double matmulParameters(const ModelConfig &c)
{
    double n = 0;
    for (const ProjectionShape &p : projectionShapes(c)) n += static_cast<double>(p.in) * static_cast<double>(p.out);
    if (c.tieEmbeddings) n += static_cast<double>(c.hiddenSize) * static_cast<double>(c.vocabSize);
    return n;
}

double attentionForwardFlopsPerToken(const ModelConfig &c, double context)
{
    const auto [dqk, dv] = attentionHeadDims(c);
    return static_cast<double>(c.nLayers) * static_cast<double>(c.nHeads) * 2 * (dqk + dv) * context;
}

double forwardFlopsPerToken(const ModelConfig &c, double context)
{
    return 2 * matmulParameters(c) + attentionForwardFlopsPerToken(c, context);
}

double trainingFlopsPerToken(const ModelConfig &c, double context, const LoraFlops *lora)
{
    Walk w;
    w.lora = lora;
    w.baseTrained = lora == nullptr;
    const int64_t d = c.hiddenSize, H = c.nHeads, F = c.ffnHiddenSize;
    const auto [dqk, dv] = attentionHeadDims(c);
    const double scores = static_cast<double>(H) * 2 * dqk * context, weighted = static_cast<double>(H) * 2 * dv * context;
    bool stream = w.baseTrained;  // the embedding's output needs a gradient when the embedding trains
    for (int64_t layer = 0; layer < c.nLayers; ++layer) {
        const std::string attn = "model.layers." + std::to_string(layer) + ".self_attn.";
        const std::string mlp = "model.layers." + std::to_string(layer) + ".mlp.";
        bool attentionGrad, o;  // q, k or v needs a gradient; o_proj's output does
        if (c.attention == AttentionKind::Mla) {
            const MlaConfig &m = c.mla;
            const int64_t qkHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
            bool q;
            if (m.qLoraRank > 0) {
                const bool qa = w.project(attn + "q_a_proj", d, m.qLoraRank, stream);
                q = w.project(attn + "q_b_proj", m.qLoraRank, H * qkHead, qa);
            } else {
                q = w.project(attn + "q_proj", d, H * qkHead, stream);
            }
            const bool kva = w.project(attn + "kv_a_proj_with_mqa", d, m.kvLoraRank + m.qkRopeHeadDim, stream);
            const bool kvb = w.project(attn + "kv_b_proj", m.kvLoraRank, H * (m.qkNopeHeadDim + m.vHeadDim), kva);
            // k holds kv_a's RoPE part and kv_b's no-RoPE part; v is kv_b's.
            attentionGrad = q || kva || kvb;
            w.attend(scores, weighted, q, kva || kvb, kvb);
            o = w.project(attn + "o_proj", H * m.vHeadDim, d, attentionGrad);
        } else {
            const int64_t hd = c.resolvedHeadDim(), kv = c.resolvedKvHeads() * hd;
            const bool q = w.project(attn + "q_proj", d, H * hd, stream);
            const bool k = w.project(attn + "k_proj", d, kv, stream);
            const bool v = w.project(attn + "v_proj", d, kv, stream);
            attentionGrad = q || k || v;
            w.attend(scores, weighted, q, k, v);
            o = w.project(attn + "o_proj", H * hd, d, attentionGrad);
        }
        const bool h = stream || o;  // the residual after attention
        const bool gate = w.project(mlp + "gate_proj", d, F, h);
        const bool up = w.project(mlp + "up_proj", d, F, h);
        const bool down = w.project(mlp + "down_proj", F, d, gate || up);
        stream = h || down;
    }
    // The LM head (a tied one is the embedding matrix: it trains when the embedding does).
    w.project(c.tieEmbeddings ? std::string() : std::string("lm_head"), d, c.vocabSize, stream);
    return w.flops;
}

double distillationFlopsPerToken(const ModelConfig &student, const ModelConfig *teacher, double context)
{
    double flops = trainingFlopsPerToken(student, context);
    if (teacher) {
        flops += forwardFlopsPerToken(*teacher, context);
        flops += 3 * 2 * static_cast<double>(student.hiddenSize) * static_cast<double>(student.vocabSize);
    }
    return flops;
}

}  // namespace danka::model
