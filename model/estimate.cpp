// Memory estimator (see estimate.h).
//
// A training step's peak, as this implementation allocates (measured against LibTorch's allocations in
// tests/model/tst_estimate.cpp and tests/core/tst_memory_plan.cpp):
//   weights, AdamW moments (from the first step on) and a distillation teacher's weights are always alive;
//   forward keeps what backward needs (walked below, module by module) and, without checkpointing, the 16-bit
//   weight copies autocast made for the products (its cache off, they live as long as backward needs them);
//   backward starts at the loss (the logits' gradient beside everything kept), then goes down block by block:
//   each block frees what it kept and writes its gradients, so the peak is at the start (activation-heavy
//   steps) or at the end (parameter-heavy ones), and with checkpointing at the start of the segment being
//   recomputed; the optimizer step holds every gradient and a float64 copy of the largest for the norm.
//
// What a module keeps for backward, per token, as implemented in model/*.cpp and kernels/ (E = 4 bytes in
// fp32, 2 under autocast; the residual stream, its norms' inputs and outputs stay fp32 under autocast):
//   RMSNorm: its input and 1/rms (fp32), when its input or weight needs a gradient
//   a projection whose weight trains: its input, for the weight's gradient; in fp32 one tensor shared by the
//            products that read it, under autocast a 16-bit copy of a fp32 input per product (q, k, v: three
//            copies of the normalised residual); a projection whose input needs a gradient: under autocast
//            the 16-bit copy of its weight ("autocast weight copies")
//   a LoRA adapter: its input (after its dropout, which keeps its noise too) and A's output (r)
//   MHA/GQA: RoPE'd q (H Dh), RoPE'd k (Hkv Dh), v (Hkv Dh), attention output (H Dh) and log-sum-exp (H, fp32);
//            o_proj's input is the output made contiguous (another H Dh), except on LibTorch's SDPA whose
//            output is laid out so that the reshape is a view
//   MLA:     the kv_a output (kvl + dr) and its normalised latent (kvl), kv_b's output (H (dn + dv)) that v
//            views, the concatenated k (H (dn + dr)) and q (H (dn + dr)), attention output and its contiguous
//            copy (2 H dv), LSE (H); with q_lora: q_a output and its normalised copy (2 q_lora)
//   SwiGLU: gate and up outputs (2 F); down_proj's input (F) when down_proj's weight trains
//   dropout: a noise tensor of the activation dtype per sublayer output (2 d)
//   the loss: the logits (V, E) and the log-sum-exp; its backward writes the logits' gradient (V, E)
// A frozen projection (LoRA) keeps nothing for its weight, and nothing at all when its input needs no
// gradient either (the layers below the first adapter); attention keeps nothing when none of q, k, v needs
// a gradient.
#include "model/estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/lora_targets.h"

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

namespace {

// A tensor of the forward pass: bytes per token, whether it needs a gradient, whether it is fp32 under
// autocast (the residual stream and its norms), and whether something already keeps it.
struct Act {
    double bytes = 0;
    bool grad = false;
    bool fp32 = false;
    bool kept = false;
};

// Walks one block (or the head) as its modules run, adding what they keep for backward.
struct Walk {
    const MemoryPlan &p;
    bool autocast = false;
    bool base = true;     // the base weights train (every stage but LoRA)
    double e = 4;         // bytes of an activation element
    double perToken = 0;  // bytes kept for backward, per token
    double copies = 0;    // 16-bit weight copies kept for backward (bytes)
    double grads = 0;     // gradients of this part's trainable parameters (bytes)
    double largest = 0;   // elements of its largest trainable tensor

    Walk(const MemoryPlan &plan) : p(plan)
    {
        autocast = plan.precision != PlanPrecision::Fp32;
        base = plan.loraTargets.empty();
        e = autocast ? 2 : 4;
    }

    void keep(Act &t)
    {
        if (t.kept) return;
        perToken += t.bytes;
        t.kept = true;
    }
    void trains(double elements)
    {
        grads += 4 * elements;
        largest = std::max(largest, elements);
    }

    // RMSNorm over `rows` rows of `dim` per token: keeps its input and 1/rms when anything needs a gradient.
    Act norm(Act &x, int64_t dim, int64_t rows = 1)
    {
        const bool grad = x.grad || base;
        if (grad) {
            keep(x);
            perToken += 4.0 * static_cast<double>(rows);
        }
        if (base) trains(static_cast<double>(dim));
        return {x.bytes, grad, x.fp32, false};
    }

    // The projection `name` (in -> out) of x, with its adapter when LoRA targets it.
    Act project(const std::string &name, int64_t in, int64_t out, Act &x)
    {
        const bool adapter = !p.loraTargets.empty() && !name.empty() && matchesLoraTarget(name, p.loraTargets);
        const double dIn = static_cast<double>(in), dOut = static_cast<double>(out);
        if (base) {
            if (autocast && x.fp32) perToken += 2 * dIn;  // its own 16-bit copy of the input
            else keep(x);
            trains(dIn * dOut);
        }
        if (autocast && x.grad) copies += 2 * dIn * dOut;  // the 16-bit weight, for the input's gradient
        if (adapter) {
            const double r = static_cast<double>(p.loraRank);
            if (p.loraDropout > 0) perToken += x.bytes + (autocast && x.fp32 ? 2 * dIn : x.bytes);  // noise, output
            else if (autocast && x.fp32) perToken += 2 * dIn;
            else keep(x);
            perToken += e * r;  // lora_B's input
            if (autocast) copies += 2 * r * (dOut + (x.grad ? dIn : 0));
            trains(r * dIn);
            trains(r * dOut);
        }
        return {e * dOut, x.grad || base || adapter, false, false};
    }

    // One decoder block on `stream` (its input, fp32); returns its output.
    Act block(const ModelConfig &c, int64_t layer, Act stream)
    {
        const std::string attn = "model.layers." + std::to_string(layer) + ".self_attn.";
        const std::string mlp = "model.layers." + std::to_string(layer) + ".mlp.";
        const int64_t d = c.hiddenSize, H = c.nHeads, F = c.ffnHiddenSize;
        const double h = static_cast<double>(H);
        Act xn = norm(stream, d);
        Act out;  // attention output, (B, H, T, Dv)
        bool attentionGrad = false;
        int64_t dv;
        if (c.attention == AttentionKind::Mla) {
            const MlaConfig &m = c.mla;
            dv = m.vHeadDim;
            const int64_t qk = m.qkNopeHeadDim + m.qkRopeHeadDim;
            Act q;
            if (m.qLoraRank > 0) {
                Act qa = project(attn + "q_a_proj", d, m.qLoraRank, xn);
                Act qan = norm(qa, m.qLoraRank);
                q = project(attn + "q_b_proj", m.qLoraRank, H * qk, qan);
            } else {
                q = project(attn + "q_proj", d, H * qk, xn);
            }
            Act kva = project(attn + "kv_a_proj_with_mqa", d, m.kvLoraRank + m.qkRopeHeadDim, xn);
            Act latent = norm(kva, m.kvLoraRank);  // keeps the whole kv_a output (its input is a view of it)
            latent.bytes = e * static_cast<double>(m.kvLoraRank);
            Act kvb = project(attn + "kv_b_proj", m.kvLoraRank, H * (m.qkNopeHeadDim + m.vHeadDim), latent);
            Act qFull{e * h * static_cast<double>(qk), q.grad, false, false};
            Act k{e * h * static_cast<double>(qk), kva.grad || kvb.grad, false, false};
            attentionGrad = qFull.grad || k.grad;
            if (attentionGrad) {
                keep(qFull);
                keep(k);
                keep(kvb);  // v is a view of it
            }
        } else {
            const int64_t hd = c.resolvedHeadDim(), kv = c.resolvedKvHeads() * hd;
            dv = hd;
            Act q = project(attn + "q_proj", d, H * hd, xn);
            Act k = project(attn + "k_proj", d, kv, xn);
            Act v = project(attn + "v_proj", d, kv, xn);
            if (c.qkNorm) {
                q = norm(q, hd, H);
                k = norm(k, hd, c.resolvedKvHeads());
            }
            Act qr{q.bytes, q.grad, false, false}, kr{k.bytes, k.grad, false, false};  // RoPE keeps nothing
            attentionGrad = qr.grad || kr.grad || v.grad;
            if (attentionGrad) {
                keep(qr);
                keep(kr);
                keep(v);
            }
        }
        out = {e * h * static_cast<double>(dv), attentionGrad, false, false};
        if (attentionGrad) {
            keep(out);
            perToken += 4 * h;  // log-sum-exp
        }
        Act oIn = out;  // o_proj's input: on SDPA the output itself, else a contiguous copy
        if (!(p.sdpaAttention && c.attention != AttentionKind::Mla)) oIn.kept = false;
        Act o = project(attn + "o_proj", H * dv, d, oIn);
        const double dropout = c.dropout > 0 ? c.dropout : p.dropout;
        if (dropout > 0 && o.grad) perToken += e * static_cast<double>(d);
        Act mid{4.0 * static_cast<double>(d), stream.grad || o.grad, true, false};  // x + attention, fp32
        Act mn = norm(mid, d);
        Act gate = project(mlp + "gate_proj", d, F, mn);
        Act up = project(mlp + "up_proj", d, F, mn);
        if (gate.grad || up.grad) {
            keep(gate);
            keep(up);
        }
        Act act{e * static_cast<double>(F), gate.grad || up.grad, false, false};
        Act down = project(mlp + "down_proj", F, d, act);
        if (dropout > 0 && down.grad) perToken += e * static_cast<double>(d);
        return {4.0 * static_cast<double>(d), mid.grad || down.grad, true, false};
    }
};

std::string bytesText(double bytes)
{
    // GiB/MiB with one decimal, for the gradients' detail line (memory_plan translates it by its template).
    char buf[32];
    if (bytes >= 1024.0 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    else
        std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024));
    return buf;
}

// What each part of the model keeps for backward and trains under the plan: the first step of the estimate.
struct Footprint {
    int64_t every = 0;                        // blocks per checkpointed segment; 0 = no activation checkpointing
    int64_t segments = 1;                     // checkpointed segments (1 without checkpointing)
    std::vector<double> kept, copies, grads;  // per block: bytes kept per token, weight copies, gradients
    double headKept = 0;                      // per token: the final norm, the LM head, the logits and the loss
    double headCopies = 0;                    // the LM head's weight copies
    double headGrads = 0;                     // the LM head's (and final norm's) gradients
    double G = 0;                             // every gradient (bytes)
    double trained = 0;                       // parameters with gradients and moments
    double largest = 0;       // elements of the largest trainable tensor (the gradient norm's float64 copy)
    double endTransient = 0;  // a tied embedding's dense lookup gradient at the end of backward
};

Footprint walkModel(const ModelConfig &c, const MemoryPlan &p)
{
    Footprint f;
    const bool autocast = p.precision != PlanPrecision::Fp32;
    const double E = autocast ? 2 : 4;
    const double d = static_cast<double>(c.hiddenSize), V = static_cast<double>(c.vocabSize);
    const bool lora = !p.loraTargets.empty();
    const int64_t L = c.nLayers;
    f.every = p.checkpointEvery > 0 ? std::min(p.checkpointEvery, L) : 0;
    f.segments = f.every > 0 ? (L + f.every - 1) / f.every : 1;
    f.kept.resize(static_cast<size_t>(L));
    f.copies.resize(static_cast<size_t>(L));
    f.grads.resize(static_cast<size_t>(L));
    // The embedding's output needs a gradient when the embedding trains; with checkpointing the model makes it
    // a leaf that does (model/transformer.cpp), so that the first segment's adapters get theirs.
    Act stream{4 * d, !lora || f.every > 0, true, false};
    for (int64_t i = 0; i < L; ++i) {
        Walk w(p);
        stream = w.block(c, i, stream);
        f.kept[static_cast<size_t>(i)] = w.perToken;
        f.copies[static_cast<size_t>(i)] = w.copies;
        f.grads[static_cast<size_t>(i)] = w.grads;
        f.largest = std::max(f.largest, w.largest);
    }
    Walk head(p);  // final norm and LM head (a tied head is the embedding matrix, trained when it trains)
    Act finalIn = stream;
    Act normed = head.norm(finalIn, c.hiddenSize);
    head.project(c.tieEmbeddings ? std::string() : std::string("lm_head"), c.hiddenSize, c.vocabSize, normed);
    if (!lora && c.tieEmbeddings) head.largest = std::max(head.largest, V * d);
    f.largest = std::max(f.largest, head.largest);
    f.headCopies = head.copies;
    f.headGrads = head.grads;
    // The loss keeps the logits and one log-sum-exp per token; the embedding keeps its indices.
    f.headKept = head.perToken + E * V + 4 + (lora ? 0 : 8);
    const double embeddingGrad = !lora && !c.tieEmbeddings ? 4 * V * d : 0;  // written at the end of backward
    if (embeddingGrad > 0) f.largest = std::max(f.largest, V * d);
    // A tied embedding's lookup gradient is a dense (V, d) tensor added into the head's: briefly twice.
    f.endTransient = !lora && c.tieEmbeddings ? 4 * V * d : 0;
    f.G = head.grads + embeddingGrad;
    for (double g : f.grads) f.G += g;
    f.trained = f.G / 4;
    if (!lora && p.trainableParameters >= 0) {
        // Only a count of trainable parameters (no targets to walk): activations as in full training.
        f.trained = static_cast<double>(p.trainableParameters);
        f.G = 4 * f.trained;
    }
    return f;
}

// Device memory at one point of the step, by kind.
struct Point {
    double activations = 0, copies = 0, grads = 0, logits = 0, distill = 0, optimizer = 0;
    double total() const { return activations + copies + grads + logits + distill + optimizer; }
};

// The step, point by point (forward, the loss's and the head's backward, each block's backward, the end of
// backward, the optimizer step): the point where the most is alive.
Point peakOfStep(const ModelConfig &c, const MemoryPlan &p, const Footprint &f)
{
    const bool autocast = p.precision != PlanPrecision::Fp32;
    const double E = autocast ? 2 : 4;
    const double tokens = static_cast<double>(p.microBatch * p.seqLen);
    const double d = static_cast<double>(c.hiddenSize), V = static_cast<double>(c.vocabSize);
    const bool lora = !p.loraTargets.empty();
    const int64_t L = c.nLayers, every = f.every;
    Point peak;
    auto consider = [&peak](const Point &q) {
        if (q.total() > peak.total()) peak = q;
    };
    const double dh = 4 * d;  // the gradient flowing down the residual stream, per token
    double keptAll = 0, copiesAll = f.headCopies;
    for (int64_t i = 0; i < L; ++i) copiesAll += f.copies[static_cast<size_t>(i)];
    if (every > 0) {
        keptAll = static_cast<double>(f.segments) * 4 * d;  // each segment's fp32 input
        copiesAll = f.headCopies;
    } else {
        for (double k : f.kept) keptAll += k;
    }
    // White-box distillation (core/train/stages/distill_stage.cpp): the KL term keeps log-softmax of the student and
    // softmax of the teacher, fp32 (V) each, for backward. Its forward holds at once the student's second
    // logits and the teacher's for the rows with a target (E each) and five fp32 (V) tensors (the two
    // log-softmaxes, the softmax, their difference and its product: the temporaries of one expression);
    // its backward about three fp32 (V) and the zeros index_select's gradient scatters into (E V). Counted
    // for every position: the stage keeps them only for those with a target, so this is an upper bound.
    const double distillKept = p.teacher ? 8 * V : 0;
    if (p.teacher) {
        Point q;
        q.activations = tokens * keptAll;
        q.copies = copiesAll;
        q.logits = tokens * f.headKept;
        q.distill = tokens * (2 * E + 20) * V;
        consider(q);
    }
    {  // the loss's backward: everything kept, and the logits' gradient
        Point q;
        q.activations = tokens * keptAll;
        q.copies = copiesAll;
        q.logits = tokens * (f.headKept + E * V);
        q.distill = tokens * (distillKept + (p.teacher ? 12 * V + E * V : 0));
        consider(q);
    }
    {  // the head's backward: the logits freed (the loss's node is done), their gradient, the head's weight
       // gradient (a 16-bit one first under autocast) and the residual's gradient (16-bit, then fp32)
        Point q;
        q.activations = tokens * keptAll;
        q.copies = copiesAll;
        q.grads = f.headGrads + (autocast && !lora ? 2 * V * d : 0);
        q.logits = tokens * (f.headKept + dh + (autocast ? 2 * d : 0));
        consider(q);
    }
    double written = f.headGrads;  // gradients written so far
    double remaining = keptAll;    // per token, kept for blocks not yet through backward
    double remainingCopies = copiesAll - f.headCopies;
    for (int64_t top = L; top > 0;) {
        const int64_t bottom = every > 0 ? ((top - 1) / every) * every : 0;  // this segment's first block
        double recomputed = 0, recomputedCopies = 0;
        if (every > 0) {
            // Recomputing the segment keeps its blocks' tensors again (its input is the saved one) and, under
            // autocast, their weight copies.
            for (int64_t i = bottom; i < top; ++i) {
                recomputed += f.kept[static_cast<size_t>(i)];
                recomputedCopies += f.copies[static_cast<size_t>(i)];
            }
            // Its input is the saved one; its recomputed output (fp32) is alive while backward runs through
            // it (model/activation_checkpoint.cpp).
            recomputed += -4 * d + 4 * d;
        }
        for (int64_t i = top - 1; i >= bottom; --i) {
            // Inside a block's backward the SwiGLU's gate and up gradients (2 F) are its largest temporaries.
            Point q;
            q.activations = tokens * (remaining + recomputed + 2 * E * static_cast<double>(c.ffnHiddenSize));
            q.copies = remainingCopies + recomputedCopies;
            q.grads = written + f.grads[static_cast<size_t>(i)];
            q.logits = tokens * dh;
            consider(q);
            written += f.grads[static_cast<size_t>(i)];
            if (every > 0) {
                recomputed -= f.kept[static_cast<size_t>(i)];
                recomputedCopies -= f.copies[static_cast<size_t>(i)];
            } else {
                remaining -= f.kept[static_cast<size_t>(i)];
                remainingCopies -= f.copies[static_cast<size_t>(i)];
            }
        }
        if (every > 0) remaining -= 4 * d;  // the segment's saved input
        top = bottom;
    }
    {  // the end of backward: the embedding's gradient
        Point q;
        q.grads = f.G + f.endTransient;
        consider(q);
    }
    {  // the optimizer step: every gradient, and the norm's float64 copy of the largest
        Point q;
        q.grads = f.G;
        q.optimizer = 8 * f.largest;
        consider(q);
    }
    return peak;
}

// The breakdown at the peak, in display order.
void describePeak(MemoryEstimate &e, const ModelConfig &c, const MemoryPlan &p, const Footprint &f, const Point &peak)
{
    const double P = static_cast<double>(e.parameters);
    const bool autocast = p.precision != PlanPrecision::Fp32;
    const bool lora = !p.loraTargets.empty();
    const int64_t every = f.every;
    const double teacherWeights = p.teacher ? 4 * static_cast<double>(p.teacher->parameterCount()) : 0;
    auto line = [&e](std::string name, double bytes, std::string detail) {
        e.lines.push_back({std::move(name), bytes, std::move(detail)});
    };
    line("weights", 4 * P, lora || p.trainableParameters >= 0 ? "fp32 frozen base weights" : "fp32 master weights");
    if (lora || p.trainableParameters >= 0) line("adapters", 4 * f.trained, "fp32 LoRA A and B");
    if (p.teacher) line("teacher", teacherWeights, "fp32 teacher weights, no gradients");
    if (autocast) {
        const int64_t blocks = every > 0 ? every : c.nLayers;
        line("autocast weight copies", peak.copies,
             std::string(planPrecisionName(p.precision)) + " copies kept for backward: " +
                 (every > 0 ? std::to_string(blocks) + " recomputed" : std::string("all")) + " blocks and the LM head");
    }
    // At the optimizer step, with the float64 copy of the largest gradient that the global norm makes.
    line("gradients", peak.grads + peak.optimizer,
         std::string(lora ? "fp32, adapters only, " : "fp32, ") + bytesText(f.G) +
             " in all; at the peak those written so far (backward frees activations as it writes them) and, at "
             "the optimizer step, a float64 copy of the largest");
    // Offloaded: m and v in fp32 in host memory, exactly what offloaded AdamW locks (two flat pinned buffers,
    // core/train/adamw.h; whole pages, so at most 8 KiB more).
    if (p.optimizerOnCpu)
        e.hostBytes = 8 * f.trained;
    else
        line("optimizer states", 8 * f.trained, "AdamW first and second moments, fp32");
    line("activations", peak.activations,
         every > 0 ? "checkpoint every " + std::to_string(p.checkpointEvery) + " blocks: " +
                         std::to_string(f.segments) + " saved inputs + " + std::to_string(every) + " blocks recomputed"
                   : std::to_string(c.nLayers) + " blocks kept");
    line("logits", peak.logits,
         std::to_string(p.microBatch * p.seqLen) + " tokens x " + std::to_string(c.vocabSize) +
             " vocab, and their gradient");
    if (p.teacher) line("distillation", peak.distill, "the KL term's softmaxes and the teacher's logits");
    line("framework", p.gpu ? 0.75 * 1024 * 1024 * 1024 : 0.5 * 1024 * 1024 * 1024,
         p.gpu ? "CUDA context, kernels, allocator slack" : "LibTorch process");
}

}  // namespace

double activationBytesPerLayer(const ModelConfig &c, int64_t tokens, double e, double dropout)
{
    MemoryPlan p;
    p.precision = e < 4 ? PlanPrecision::Bf16 : PlanPrecision::Fp32;
    p.dropout = dropout;
    Walk w(p);
    w.block(c, 0, {4.0 * static_cast<double>(c.hiddenSize), true, true, false});
    return static_cast<double>(tokens) * w.perToken;
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
    const Footprint f = walkModel(c, p);
    e.activationsPerLayer = static_cast<double>(p.microBatch * p.seqLen) * f.kept[static_cast<size_t>(c.nLayers - 1)];
    describePeak(e, c, p, f, peakOfStep(c, p, f));
    return e;
}

std::vector<PlanOption> enumeratePlans(const ModelConfig &c, int64_t seqLen, double budget, bool gpu,
                                       int64_t trainableParameters)
{
    MemoryPlan base;
    base.seqLen = seqLen;
    base.gpu = gpu;
    base.trainableParameters = trainableParameters;
    return enumeratePlans(c, base, budget);
}

std::vector<PlanOption> enumeratePlans(const ModelConfig &c, const MemoryPlan &base, double budget)
{
    std::vector<PlanOption> out;
    for (PlanPrecision precision : {PlanPrecision::Bf16, PlanPrecision::Fp32})
        for (bool offload : {false, true})
            for (int64_t every : {int64_t(0), int64_t(4), int64_t(2), int64_t(1)})
                for (int64_t batch : {int64_t(8), int64_t(4), int64_t(2), int64_t(1)}) {
                    PlanOption o;
                    o.plan = base;
                    o.plan.microBatch = batch;
                    o.plan.precision = precision;
                    o.plan.checkpointEvery = every;
                    o.plan.optimizerOnCpu = offload;
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
