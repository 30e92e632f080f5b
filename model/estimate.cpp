// Memory estimator (see estimate.h).
//
// What a block keeps for backward, per token (elements), as implemented in model/*.cpp and kernels/:
//   input RMSNorm: its input x (d) and 1/rms (1, fp32)
//   q/k/v projections: the normalised input (d), one tensor shared by the three
//   MHA/GQA: RoPE'd q (H Dh), RoPE'd k (Hkv Dh), v as a view of the v projection (Hkv Dh), attention
//            output (H Dh) and log-sum-exp (H, fp32), o_proj's input: the output made contiguous (H Dh)
//   MLA:     the kv_a output (kvl + dr), its normalised latent (kvl), kv_b's output (H (dn + dv)) that v views,
//            the concatenated k (H (dn + dr)) and q (H (dn + dr)) (the q projection itself is not kept), attention output and its
//            contiguous copy (2 H dv), LSE (H); with q_lora: q_a output and its normalised copy (2 q_lora)
//   post-attention RMSNorm: its input h (d) and 1/rms
//   gate/up projections: the normalised input (d); SwiGLU: gate and up outputs (2 F); down_proj's input (F)
//   dropout: ATen keeps a noise tensor of the activation dtype per sublayer output (2 d elements)
#include "model/estimate.h"

#include <algorithm>
#include <cmath>

namespace danka::model {

const char *planPrecisionName(PlanPrecision p)
{
    switch (p) {
    case PlanPrecision::Fp32: return "fp32";
    case PlanPrecision::Bf16: return "bf16";
    case PlanPrecision::Fp16: return "fp16";
    }
    return "?";
}

double MemoryEstimate::total() const
{
    double sum = 0;
    for (const MemoryLine &l : lines) sum += l.bytes;
    return sum;
}

double activationBytesPerLayer(const ModelConfig &c, int64_t tokens, double e, double dropout)
{
    const double d = static_cast<double>(c.hiddenSize), F = static_cast<double>(c.ffnHiddenSize);
    const double H = static_cast<double>(c.nHeads);
    double elements = 0;     // in activation dtype
    double fp32 = 2;         // the two norms' 1/rms
    elements += d + d;       // input x and normalised input
    if (c.attention == AttentionKind::Mla) {
        const double dn = static_cast<double>(c.mla.qkNopeHeadDim), dr = static_cast<double>(c.mla.qkRopeHeadDim);
        const double dv = static_cast<double>(c.mla.vHeadDim), kvl = static_cast<double>(c.mla.kvLoraRank);
        const double ql = static_cast<double>(c.mla.qLoraRank);
        elements += kvl + dr + kvl;              // kv_a output, normalised latent
        elements += H * (dn + dv);               // kv_b output (v is a view of it)
        elements += 2 * H * (dn + dr);           // concatenated q and k
        elements += 2 * H * dv;                  // attention output and its contiguous copy
        if (ql > 0) elements += 2 * ql;          // q_a output and its normalised copy
        fp32 += H + (ql > 0 ? 1 : 0);            // LSE, q_a norm's 1/rms
        fp32 += 1;                               // kv_a norm's 1/rms
    } else {
        const double Dh = static_cast<double>(c.resolvedHeadDim()), Hkv = static_cast<double>(c.resolvedKvHeads());
        elements += H * Dh + 2 * Hkv * Dh;       // RoPE'd q and k, v
        elements += 2 * H * Dh;                  // attention output and its contiguous copy
        fp32 += H;                               // LSE
        if (c.qkNorm) {
            elements += H * Dh + Hkv * Dh;       // q_norm and k_norm inputs
            fp32 += H + Hkv;
        }
    }
    elements += d + d;                           // post-attention norm input and output
    elements += 3 * F;                           // gate, up, swiglu output
    if (dropout > 0) elements += 2 * d;         // dropout noise of both sublayers
    return static_cast<double>(tokens) * (elements * e + fp32 * 4);
}

double kvCacheBytes(const ModelConfig &c, int64_t batch, int64_t positions, double e)
{
    const double perLayer = c.attention == AttentionKind::Mla
                                ? static_cast<double>(c.mla.kvLoraRank + c.mla.qkRopeHeadDim)
                                : 2.0 * static_cast<double>(c.resolvedKvHeads() * c.resolvedHeadDim());
    return static_cast<double>(batch) * static_cast<double>(positions) * static_cast<double>(c.nLayers) * perLayer * e;
}

MemoryEstimate estimateTraining(const ModelConfig &c, const MemoryPlan &p)
{
    MemoryEstimate e;
    e.parameters = c.parameterCount();
    const double P = static_cast<double>(e.parameters);
    const double activation = p.precision == PlanPrecision::Fp32 ? 4 : 2;
    const int64_t tokens = p.microBatch * p.seqLen;
    const double L = static_cast<double>(c.nLayers), d = static_cast<double>(c.hiddenSize);
    const double V = static_cast<double>(c.vocabSize);
    auto line = [&e](std::string name, double bytes, std::string detail) {
        e.lines.push_back({std::move(name), bytes, std::move(detail)});
    };
    const bool adapters = p.trainableParameters >= 0;
    const double trained = adapters ? static_cast<double>(p.trainableParameters) : P;
    line("weights", 4 * P, adapters ? "fp32 frozen base weights" : "fp32 master weights");
    if (adapters) line("adapters", 4 * trained, "fp32 LoRA A and B");
    if (p.precision != PlanPrecision::Fp32) {
        // 16-bit copies of the weights that autograd keeps for backward (the trainer turns autocast's own
        // cache off): every block's and the LM head's without checkpointing; with it only the LM head's and
        // those of the segment being recomputed.
        const double block = static_cast<double>(c.blockParameterCount());
        const double head = V * d;
        const double blocks = p.checkpointEvery > 0 ? static_cast<double>(std::min(p.checkpointEvery, c.nLayers)) : L;
        line("autocast weight copies", 2 * (blocks * block + head),
             std::string(planPrecisionName(p.precision)) + " copies kept for backward: " +
                 (p.checkpointEvery > 0 ? std::to_string(static_cast<int64_t>(blocks)) + " recomputed" : std::string("all")) +
                 " blocks and the LM head");
    }
    line("gradients", 4 * trained, adapters ? "fp32, adapters only" : "fp32");
    // Offloaded: m and v in fp32 in host memory, exactly what offloaded AdamW locks (two flat pinned buffers,
    // core/train/adamw.h; whole pages, so at most 8 KiB more).
    if (p.optimizerOnCpu) e.hostBytes = 8 * trained;
    else line("optimizer states", 8 * trained, "AdamW first and second moments, fp32");

    e.activationsPerLayer = activationBytesPerLayer(c, tokens, activation, p.dropout);
    double activations;
    std::string how;
    if (p.checkpointEvery > 0) {
        // Block inputs at each checkpoint, plus one segment's activations alive while it is recomputed.
        const double k = static_cast<double>(std::min(p.checkpointEvery, c.nLayers));
        const double segments = std::ceil(L / k);
        activations = segments * static_cast<double>(tokens) * d * activation + k * e.activationsPerLayer;
        how = "checkpoint every " + std::to_string(p.checkpointEvery) + " blocks: " + std::to_string(int64_t(segments)) +
              " saved inputs + " + std::to_string(int64_t(k)) + " blocks recomputed";
    } else {
        activations = L * e.activationsPerLayer;
        how = std::to_string(c.nLayers) + " blocks kept";
    }
    line("activations", activations, how);
    // Final norm input and output, the logits, and their gradient during backward (the fused cross-entropy
    // keeps only one log-sum-exp per token besides).
    line("logits", static_cast<double>(tokens) * (2 * d * activation + 2 * V * activation + 4),
         std::to_string(tokens) + " tokens x " + std::to_string(c.vocabSize) + " vocab, and their gradient");
    line("framework", p.gpu ? 0.75 * 1024 * 1024 * 1024 : 0.5 * 1024 * 1024 * 1024,
         p.gpu ? "CUDA context, kernels, allocator slack" : "LibTorch process");
    return e;
}

std::vector<PlanOption> enumeratePlans(const ModelConfig &c, int64_t seqLen, double budget, bool gpu,
                                       int64_t trainableParameters)
{
    std::vector<PlanOption> out;
    for (PlanPrecision precision : {PlanPrecision::Bf16, PlanPrecision::Fp32})
        for (bool offload : {false, true})
            for (int64_t every : {int64_t(0), int64_t(4), int64_t(2), int64_t(1)})
                for (int64_t batch : {int64_t(8), int64_t(4), int64_t(2), int64_t(1)}) {
                    PlanOption o;
                    o.plan = {batch, seqLen, precision, every, offload, gpu, 0, trainableParameters};
                    o.estimate = estimateTraining(c, o.plan);
                    o.fits = o.estimate.total() <= budget;
                    out.push_back(o);
                }
    return out;
}

const PlanOption *recommendPlan(const std::vector<PlanOption> &options)
{
    const PlanOption *best = nullptr;
    auto cost = [](const MemoryPlan &p) {
        // Lower is better: offloading first (PCIe traffic every step), then fp32 on a GPU (tensor cores run
        // bf16 several times faster than fp32, more than any recomputation costs), then recomputation (every
        // 1 block costs most), then batch, then fp32 on the CPU.
        const int recompute = p.checkpointEvery == 0 ? 0 : static_cast<int>(8 / p.checkpointEvery);
        const int fp32 = p.precision == PlanPrecision::Fp32 ? 1 : 0;
        return std::make_tuple(p.optimizerOnCpu ? 1 : 0, p.gpu ? fp32 : 0, recompute, -p.microBatch, fp32);
    };
    for (const PlanOption &o : options)
        if (o.fits && (!best || cost(o.plan) < cost(best->plan))) best = &o;
    return best;
}

}  // namespace danka::model
