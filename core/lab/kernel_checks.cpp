// Kernel checks (see kernel_checks.h). Every check draws its inputs on the CPU from the seed, runs Danka's
// fused path on the device in the test dtype, and the reference path in float64 on the CPU on the same values
// (inputs drawn in the test dtype, then upcast), so what is measured is the kernel's own error, not the
// rounding of its inputs.
#include "core/lab/kernel_checks.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>

#include "core/run/job.h"
#include "core/train/adamw.h"
#include "core/train/autocast_scope.h"
#include "kernels/attention.h"
#include "kernels/copy_stream.h"
#include "kernels/cross_entropy.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/runtime.h"
#include "kernels/swiglu.h"
#include "model/kv_cache.h"
#include "model/transformer.h"

namespace danka::core {

const char *const kNoCudaDeviceMessage =
    "no CUDA device: the GPU kernel checks need a GPU (packaging/gpu_check.sh on a GPU machine)";
const char *const kCpuFp16TrainingMessage =
    "fp16 training (float16 autocast with loss scaling) needs a CUDA device; the CPU trains in bf16";

double relativeError(const at::Tensor &x, const at::Tensor &ref)
{
    TORCH_CHECK(x.sizes() == ref.sizes(), "relativeError: shapes differ: ", x.sizes(), " vs ", ref.sizes());
    if (ref.numel() == 0) return 0;
    const at::Tensor a = x.detach().to(at::kCPU).to(at::kDouble);
    const at::Tensor b = ref.detach().to(at::kCPU).to(at::kDouble);
    const double diff = (a - b).abs().max().item<double>();
    const double scale = b.abs().max().item<double>();
    if (std::isnan(diff)) return diff;
    if (scale == 0) return diff == 0 ? 0 : std::numeric_limits<double>::infinity();
    return diff / scale;
}

namespace {

std::string sci(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

at::ScalarType scalarTypeOf(const std::string &dtype)
{
    if (dtype == "fp32") return at::kFloat;
    if (dtype == "bf16") return at::kBFloat16;
    if (dtype == "fp16") return at::kHalf;
    throw std::runtime_error("kernel checks: unknown dtype \"" + dtype + "\" (fp32, bf16 or fp16)");
}

// --- Tolerances, relative to the largest reference value
// ----------------------------------------------------

// Outputs and input gradients of a fused op against the float64 oracle.
double opTolerance(at::ScalarType type)
{
    switch (type) {
        // float32: unit roundoff 6e-8. A kernel that accumulates in float and rounds once lands at 1e-7..1e-6
        // after reductions over a few thousand terms; 1e-5 leaves a factor of ten and still catches anything
        // algorithmically wrong (a wrong mask, scale or index gives errors of 1e-2 and more) and TF32 matmuls
        // (10-bit mantissa, ~1e-3).
        case at::kFloat:
            return 1e-5;
        // bfloat16: 8 significant bits, unit roundoff 2^-9 = 2e-3. Rounding the result once costs up to 2e-3
        // of the largest value; a kernel that also rounds intermediates to bfloat16 for tensor-core matmuls
        // (flash attention's P and dS) adds a few 1e-3 more. 1e-2 is five roundings.
        case at::kBFloat16:
            return 1e-2;
        // float16: 11 significant bits, unit roundoff 2^-11 = 4.9e-4. The result's rounding (1 u) plus flash
        // attention's P and dS rounded to float16 for tensor-core matmuls (about 1 u each, partly averaging
        // out over the sums) plus float accumulation: 4 u = 2e-3.
        case at::kHalf:
            return 2e-3;
        default:
            return 0;
    }
}

// Attention: in float32 the forward sums S products per query and the backward's dK/dV sum T of them; the
// rounding error of such float sums grows like sqrt(n) (a random walk of roundings), so the float32
// tolerance scales by sqrt(n / 512) beyond 512 keys (T = 2048: 2e-5, T = 4096: 2.8e-5), capped at 1e-4. The
// bfloat16 / float16 tolerances are dominated by the roundings of results and intermediates, not by length.
double attentionTolerance(at::ScalarType type, int64_t length)
{
    const double base = opTolerance(type);
    if (type != at::kFloat || length <= 512) return base;
    return std::min(1e-4, base * std::sqrt(static_cast<double>(length) / 512.0));
}

// Whole-model gradients, float32 on the device vs float64 on the CPU: loss and every parameter gradient
// pass through ~30 ops per block (projections, norms, RoPE, attention, SwiGLU, cross-entropy) forward and
// backward, each with its own float32 rounding and reductions over the hidden size, the sequence or the
// batch of tokens; parameters whose gradient is a sum of cancelling contributions (norm weights, the
// embedding rows of rare tokens) lose a further digit relative to their own largest entry. Correct kernels
// measure 1e-6..1e-5; 1e-4 leaves headroom while a wrong kernel (an off-by-one mask, a missing scale, a
// TF32 matmul) shows 1e-3 and more.
constexpr double kModelGradFp32Tolerance = 1e-4;
// bfloat16 autocast vs float64: every matmul's inputs and output are rounded to bfloat16 (unit roundoff
// 2^-9 = 2e-3), forward and backward, and those roundings compound through the blocks (the backward of a
// 2-block model chains ~10 matmuls on the longest path: ~10 x 2e-3 in the worst linear case); correct kernels
// measure 1e-2..3e-2 worst over parameters (norm weights, whose gradients are sums of many cancelling terms,
// are the worst). 6e-2 keeps margin while a broken kernel is off by O(1).
constexpr double kModelGradBf16Tolerance = 6e-2;
// float16 autocast with loss scaling vs float64: the bfloat16 argument with float16's unit roundoff 2^-11 =
// 4.9e-4, a quarter of bfloat16's, so a quarter of its tolerance. The loss scale (2^16, the trainer's initial
// one) is a power of two: scaling and unscaling are exact, and it keeps small gradients out of float16's
// subnormal range (below 6e-5), where they would lose digits or flush to 0. Not yet measured on a GPU
// (docs/gpu-results.md): a wrong kernel or a missing unscale is off by O(1) or by the scale.
constexpr double kModelGradFp16Tolerance = 1.5e-2;
constexpr double kFp16LossScale = 65536.0;
// Cached decoding vs the full forward, both float32 on the device: the same math in a different order
// (attention over a growing cache, one query at a time; MLA's absorbed form multiplies by W_UK / W_UV instead
// of expanding keys and values): reassociation differences of a few float32 ulps per op through the blocks,
// measured ~1e-6; 1e-4 as required, while a wrong cache position or mask gives O(1) differences.
constexpr double kModelDecodeTolerance = 1e-4;

// --- Comparing a fused op with its float64 oracle
// -------------------------------------------------------------

// An input of an op check, on the CPU. Grad: a differentiable float input, drawn in float64 and rounded to
// the test dtype (the fused op gets it on the device, the oracle the same values in float64). Const: a float
// input without gradient (RoPE tables, loss weights) that the fused op gets as it is. Index: an integer input
// (targets, segment ids).
enum class Kind { Grad, Const, Index };
struct Input {
    std::string name;
    at::Tensor value;
    Kind kind = Kind::Grad;
};

using OpFn = std::function<at::Tensor(const std::vector<at::Tensor> &)>;

// The errors of one check: the worst (what the item is judged on) and each part for the detail.
struct Measurement {
    double worst = 0;
    std::string parts;    // "out 1.2e-07, dq 3.4e-07"
    std::string problem;  // a contract violation found on the way (wrong dtype, missing gradient)

    void add(const std::string &what, double error)
    {
        parts += (parts.empty() ? "" : ", ") + what + " " + sci(error);
        if (std::isnan(worst)) return;
        if (std::isnan(error) || error > worst) worst = error;
    }
};

// Runs `fused` on the device in `type` and `reference` in float64 on the CPU on the same values, with one
// upstream gradient drawn in the output's dtype (and upcast for the oracle) when `backward`, and measures the
// output and every Grad input's gradient. `outputInInputType`: the op's contract returns the inputs' dtype.
Measurement compareWithFloat64(const OpFn &fused, const OpFn &reference, const std::vector<Input> &inputs,
                               at::ScalarType type, const at::Device &device, bool backward,
                               bool outputInInputType, double perturbation)
{
    std::vector<at::Tensor> low, high;
    for (const Input &in : inputs) {
        switch (in.kind) {
            case Kind::Grad: {
                const at::Tensor rounded = in.value.to(type);
                low.push_back(rounded.to(device).detach().requires_grad_(backward));
                high.push_back(rounded.to(at::kDouble).detach().requires_grad_(backward));
                break;
            }
            case Kind::Const:
                low.push_back(in.value.to(device));
                high.push_back(in.value.to(at::kDouble));
                break;
            case Kind::Index:
                low.push_back(in.value.to(device));
                high.push_back(in.value);
                break;
        }
    }
    Measurement m;
    at::Tensor outLow = fused(low);
    if (perturbation != 0) outLow = outLow * (1 + perturbation);
    const at::Tensor outHigh = reference(high);
    if (outputInInputType && outLow.scalar_type() != type)
        m.problem = std::string("output dtype is ") + c10::toString(outLow.scalar_type());
    m.add("out", relativeError(outLow, outHigh));
    if (!backward) return m;

    const at::Tensor upstream = at::randn(outHigh.sizes(), at::kDouble).to(outLow.scalar_type());
    outLow.backward(upstream.to(device));
    outHigh.backward(upstream.to(at::kDouble));
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].kind != Kind::Grad) continue;
        const at::Tensor &g = low[i].grad();
        if (!g.defined()) {
            m.add("d" + inputs[i].name, std::numeric_limits<double>::infinity());
            m.problem = "no gradient for " + inputs[i].name;
            continue;
        }
        if (g.scalar_type() != type)
            m.problem = "d" + inputs[i].name + " dtype is " + c10::toString(g.scalar_type());
        m.add("d" + inputs[i].name, relativeError(g, high[i].grad()));
    }
    return m;
}

at::Tensor randn(at::IntArrayRef shape, double scale = 1.0)
{
    return at::randn(shape, at::kDouble) * scale;
}

// --- The op checks ----------------------------------------------------------------------------------------

// RMSNorm on x (rows, D), or on D columns of a wider tensor (rows strided), starting `offset` columns in
// (an offset that is not a multiple of 8 makes every row start off a 16-byte boundary: the element-wise path
// instead of the 16-byte packs).
Measurement rmsNormCheck(int64_t d, int64_t stride, int64_t offset, int64_t rows, at::ScalarType type,
                         const at::Device &device, double p)
{
    const std::vector<Input> in = {{"x", randn({rows, stride}, 2.0)}, {"weight", 1 + randn({d}, 0.1)}};
    auto op = [d, offset](bool fused) -> OpFn {
        return [d, offset, fused](const std::vector<at::Tensor> &x) {
            const at::Tensor v = x[0].narrow(-1, offset, d);
            return fused ? kernels::rmsNorm(v, x[1], 1e-5) : kernels::rmsNormReference(v, x[1], 1e-5);
        };
    };
    return compareWithFloat64(op(true), op(false), in, type, device, true, true, p);
}

// SwiGLU on (N, F) gate and up, separate or as the two halves of one fused gate/up projection output.
Measurement swigluCheck(int64_t n, int64_t f, bool slices, at::ScalarType type, const at::Device &device,
                        double p)
{
    std::vector<Input> in;
    if (slices)
        in = {{"gate_up", randn({n, 2 * f}, 2.0)}};
    else
        in = {{"gate", randn({n, f}, 2.0)}, {"up", randn({n, f}, 2.0)}};
    auto op = [f, slices](bool fused) -> OpFn {
        return [f, slices, fused](const std::vector<at::Tensor> &x) {
            const at::Tensor gate = slices ? x[0].narrow(-1, 0, f) : x[0];
            const at::Tensor up = slices ? x[0].narrow(-1, f, f) : x[1];
            return fused ? kernels::swiglu(gate, up) : kernels::swigluReference(gate, up);
        };
    };
    return compareWithFloat64(op(true), op(false), in, type, device, true, true, p);
}

enum class RopeCase { Shared, PerRow, MlaSlice, Unaligned };

// RoPE on (2, 128, H, 64): tables (T, 32) shared by the batch, per-row tables (B, T, 32) from shifted
// positions, the rope slice (last 64 of 192 dims) of MLA query heads, read in place, or the last 64 of 66
// dims (every head starts 2 elements off a 16-byte boundary, and strides of 66: the element-wise path).
Measurement ropeCheck(RopeCase c, at::ScalarType type, const at::Device &device, double p)
{
    const int64_t B = 2, T = 128, H = c == RopeCase::MlaSlice ? 4 : 8, D = 64;
    const int64_t width = c == RopeCase::MlaSlice ? 192 : c == RopeCase::Unaligned ? 66 : D;
    const at::Tensor positions = c == RopeCase::PerRow ? at::arange(T, at::kLong).unsqueeze(0) +
                                                             (at::arange(B, at::kLong) * 37).unsqueeze(1)
                                                       : at::arange(T, at::kLong);
    const auto [cos, sin] = kernels::ropeTables(positions, D, 10000.0);
    const std::vector<Input> in = {
        {"x", randn({B, T, H, width})}, {"cos", cos, Kind::Const}, {"sin", sin, Kind::Const}};
    auto op = [width, D](bool fused) -> OpFn {
        return [width, D, fused](const std::vector<at::Tensor> &x) {
            const at::Tensor v = x[0].narrow(-1, width - D, D);
            return fused ? kernels::applyRope(v, x[1], x[2]) : kernels::applyRopeReference(v, x[1], x[2]);
        };
    };
    return compareWithFloat64(op(true), op(false), in, type, device, true, true, p);
}

// Cross-entropy over (N, V) logits (scaled so the softmax is neither flat nor one-hot): with token weights
// (some zero) and ignored rows, or unweighted on logits whose rows are strided (the first V columns of a
// wider tensor).
Measurement crossEntropyCheck(int64_t n, int64_t v, bool weighted, at::ScalarType type,
                              const at::Device &device, double p)
{
    const int64_t width = weighted ? v : v + 100;
    const at::Tensor logits = randn({n, width}, 3.0);
    at::Tensor targets = at::randint(v, {n}, at::kLong);
    if (weighted) targets.index_put_({at::arange(0, n, 7)}, -100);  // every 7th row ignored
    std::vector<Input> in = {{"logits", logits}, {"targets", targets, Kind::Index}};
    if (weighted) {
        at::Tensor w = at::rand({n}, at::kFloat) * 2;
        w.index_put_({at::arange(3, n, 5)}, 0.0);  // and some weighted 0
        in.push_back({"weights", w, Kind::Const});
    }
    auto op = [v, weighted](bool fused) -> OpFn {
        return [v, weighted, fused](const std::vector<at::Tensor> &x) {
            const at::Tensor logits = x[0].narrow(-1, 0, v);
            const at::Tensor w = weighted ? x[2] : at::Tensor();
            return fused ? kernels::crossEntropy(logits, x[1], w)
                         : kernels::crossEntropyReference(logits, x[1], w);
        };
    };
    return compareWithFloat64(op(true), op(false), in, type, device, true, false, p);
}

struct AttentionCase {
    std::string variant;  // "gqa d128 causal"
    int64_t B, H, Hkv, T, S, Dqk, Dv;
    bool causal = true;
    bool strided = false;    // q, k, v are transposes of (B, T, H, D) tensors, as the model passes them
    bool documents = false;  // segment masks of packed documents, one query of a segment without keys
};

std::string attentionName(const AttentionCase &c)
{
    return c.variant + " T=" + std::to_string(c.T) + (c.S != c.T ? " S=" + std::to_string(c.S) : "");
}

// Segment ids (B, L) int32 of packed documents: row b is cut into documents of 3L/8, L/4 and the rest.
at::Tensor documentSegments(int64_t B, int64_t L)
{
    at::Tensor seg = at::zeros({B, L}, at::kInt);
    for (int64_t b = 0; b < B; ++b) {
        const int64_t first = (3 * L) / 8 + b, second = first + L / 4;
        seg[b].narrow(0, first, second - first).fill_(1);
        seg[b].narrow(0, second, L - second).fill_(2);
    }
    return seg;
}

Measurement attentionCheck(const AttentionCase &c, at::ScalarType type, const at::Device &device, double p)
{
    auto shape = [&](int64_t heads, int64_t len, int64_t dims) -> std::vector<int64_t> {
        return c.strided ? std::vector<int64_t>{c.B, len, heads, dims}
                         : std::vector<int64_t>{c.B, heads, len, dims};
    };
    std::vector<Input> in = {{"q", randn(shape(c.H, c.T, c.Dqk))},
                             {"k", randn(shape(c.Hkv, c.S, c.Dqk))},
                             {"v", randn(shape(c.Hkv, c.S, c.Dv))}};
    if (c.documents) {
        const at::Tensor kSeg = documentSegments(c.B, c.S);
        at::Tensor qSeg = kSeg.narrow(1, c.S - c.T, c.T).clone();
        qSeg[0][c.T / 2] = 7;  // a segment no key belongs to: this query sees nothing (zeros, no gradient)
        in.push_back({"qSegments", qSeg, Kind::Index});
        in.push_back({"kSegments", kSeg, Kind::Index});
    }
    auto op = [c](bool fused) -> OpFn {
        return [c, fused](const std::vector<at::Tensor> &x) {
            const at::Tensor q = c.strided ? x[0].transpose(1, 2) : x[0];
            const at::Tensor k = c.strided ? x[1].transpose(1, 2) : x[1];
            const at::Tensor v = c.strided ? x[2].transpose(1, 2) : x[2];
            const at::Tensor qSeg = c.documents ? x[3] : at::Tensor(),
                             kSeg = c.documents ? x[4] : at::Tensor();
            // Danka's own kernels (cpuSdpa off): on the CPU the default takes LibTorch's SDPA where that is
            // faster (kernels/attention.h), which tst_attention_dispatch checks.
            const kernels::AttentionOptions o{0, c.causal, false};
            return fused ? kernels::attention(q, k, v, o, qSeg, kSeg)
                         : kernels::attentionReference(q, k, v, o, qSeg, kSeg);
        };
    };
    return compareWithFloat64(op(true), op(false), in, type, device, true, true, p);
}

// Decoding: T new queries over S = 300 positions of a KV cache of capacity 512, without autograd. GQA:
// (B, Hkv, capacity, D) keys and values narrowed along the length. MLA absorbed (DeepSeek-V2 section 2.1.3,
// as model/mla.cpp runs it): one shared head of the latent cache (B, capacity, 512 + 64), keys its narrowed
// view (B, 1, S, 576), values the first 512 dims of those keys, scale 1/sqrt(128 + 64). Row 1 is left-padded
// (segment -1 on its first positions), as generation masks padding.
Measurement decodeCheck(bool mla, int64_t T, at::ScalarType type, const at::Device &device, double p)
{
    const int64_t B = 2, S = 300, capacity = 512;
    at::Tensor kSeg = at::zeros({B, S}, at::kLong);
    kSeg[1].narrow(0, 0, 7).fill_(-1);
    const at::Tensor qSeg = at::zeros({B, T}, at::kLong);
    std::vector<Input> in;
    if (mla)
        in = {{"q", randn({B, 16, T, 576})}, {"cache", randn({B, capacity, 576})}};
    else
        in = {{"q", randn({B, 8, T, 128})},
              {"k_cache", randn({B, 2, capacity, 128})},
              {"v_cache", randn({B, 2, capacity, 128})}};
    in.push_back({"qSegments", qSeg, Kind::Index});
    in.push_back({"kSegments", kSeg, Kind::Index});
    auto op = [mla, S](bool fused) -> OpFn {
        return [mla, S, fused](const std::vector<at::Tensor> &x) {
            at::Tensor k, v;
            kernels::AttentionOptions o{0, true};
            if (mla) {
                k = x[1].narrow(1, 0, S).unsqueeze(1);  // (B, 1, S, 576), strided
                v = k.narrow(-1, 0, 512);               // (B, 1, S, 512), a view of the keys
                o.scale = 1.0 / std::sqrt(192.0);
            } else {
                k = x[1].narrow(2, 0, S);
                v = x[2].narrow(2, 0, S);
            }
            const size_t seg = mla ? 2 : 3;
            return fused ? kernels::attention(x[0], k, v, o, x[seg], x[seg + 1])
                         : kernels::attentionReference(x[0], k, v, o, x[seg], x[seg + 1]);
        };
    };
    torch::NoGradGuard noGrad;
    return compareWithFloat64(op(true), op(false), in, type, device, false, true, p);
}

// --- The model checks -------------------------------------------------------------------------------------

// A dense GQA model (8 query / 2 KV heads of 64 dims, per-head QK norm, tied embeddings) and an MLA model
// (192/128 head dims as gpt-1.3b-24gb, a small latent, query compression, untied head), two blocks each.
model::ModelConfig smallConfig(bool mla)
{
    model::ModelConfig c;
    c.vocabSize = 512;
    c.hiddenSize = 256;
    c.nLayers = 2;
    c.ffnHiddenSize = 512;
    c.maxSeqLen = 256;
    if (mla) {
        c.attention = model::AttentionKind::Mla;
        c.nHeads = 4;
        c.mla.qLoraRank = 128;
        c.mla.kvLoraRank = 128;
        c.mla.qkNopeHeadDim = 128;
        c.mla.qkRopeHeadDim = 64;
        c.mla.vHeadDim = 128;
        c.tieEmbeddings = false;
    } else {
        c.attention = model::AttentionKind::Gqa;
        c.nHeads = 8;
        c.nKvHeads = 2;
        c.headDim = 64;
        c.qkNorm = true;
        c.tieEmbeddings = true;
    }
    return c;
}

// Loss and every parameter gradient of one training step (B = 2 sequences of T tokens; packed documents for
// the dense model, no loss across a document boundary) in KernelMode::Fused on the device (float32, or
// bfloat16 / float16 autocast) vs the same weights in KernelMode::Reference in float64 on the CPU. With a
// loss scale, the backward runs on loss x scale and the gradients are divided by it afterwards, as the
// trainer's fp16 step does.
Measurement modelGradientCheck(bool mla, int64_t T, bool autocast, const at::Device &device, double p,
                               at::ScalarType autocastType = at::kBFloat16, double lossScale = 1.0)
{
    const model::ModelConfig c = smallConfig(mla);
    const int64_t B = 2;
    model::Transformer fused(c, model::KernelMode::Fused);
    model::Transformer reference(c, model::KernelMode::Reference);
    {
        torch::NoGradGuard noGrad;
        auto target = reference->named_parameters();
        for (const auto &item : fused->named_parameters())
            target[item.key()].copy_(item.value());
    }
    reference->to(at::kDouble);
    fused->to(device);

    const at::Tensor ids = at::randint(c.vocabSize, {B, T + 1}, at::kLong);
    const at::Tensor inputs = ids.narrow(1, 0, T), targets = ids.narrow(1, 1, T).clone();
    at::Tensor segments;
    if (!mla) {
        segments = documentSegments(B, T).to(at::kLong);
        targets.masked_fill_(segments.ne(segments.roll(-1, 1)), -100);  // no loss across a document boundary
    }
    targets[1][0] = -100;

    auto step = [&](model::TransformerImpl &m, const at::Device &dev, bool amp) {
        model::ForwardOptions o;
        if (segments.defined()) o.segments = segments.to(dev);
        at::Tensor loss;
        {
            train::AutocastScope scope(dev.type(), amp, autocastType);  // as the trainer runs it
            loss = m.loss(m.hidden(inputs.to(dev), o), targets.to(dev));
        }
        return loss;
    };
    at::Tensor lossFused = step(*fused, device, autocast);
    if (p != 0) lossFused = lossFused * (1 + p);
    (lossFused * lossScale).backward();
    if (lossScale != 1.0) {
        torch::NoGradGuard noGrad;
        for (auto &param : fused->parameters())
            if (param.grad().defined()) param.mutable_grad().div_(lossScale);
    }
    const at::Tensor lossReference = step(*reference, at::Device(at::kCPU), false);
    lossReference.backward();

    Measurement m;
    m.add("loss", relativeError(lossFused, lossReference));
    double worst = 0;
    std::string worstName;
    const auto referenceParams = reference->named_parameters();
    for (const auto &item : fused->named_parameters()) {
        const at::Tensor &g = item.value().grad();
        const at::Tensor &r = referenceParams[item.key()].grad();
        double e;
        if (!g.defined() || !r.defined()) {
            e = std::numeric_limits<double>::infinity();
            m.problem = "no gradient for " + item.key();
        } else {
            e = relativeError(g, r);
        }
        if (worstName.empty() || std::isnan(e) || e > worst) {
            worst = e;
            worstName = item.key();
        }
        if (std::isnan(e)) break;
    }
    m.add("worst grad (" + worstName + ")", worst);
    return m;
}

// Prefill of 24 tokens, then 16 tokens one at a time through the KV cache (MLA: the absorbed form over the
// latent cache), vs the full forward's logits of the same 40 tokens; float32, fused kernels, on the device.
Measurement modelDecodeCheck(bool mla, const at::Device &device, double p)
{
    const model::ModelConfig c = smallConfig(mla);
    const int64_t B = 2, prompt = 24, total = 40;
    model::Transformer m(c, model::KernelMode::Fused);
    m->to(device);
    m->eval();
    torch::NoGradGuard noGrad;
    const at::Tensor ids = at::randint(c.vocabSize, {B, total}, at::kLong).to(device);
    const at::Tensor full = m->forward(ids);  // (B, total, V)
    model::KvCache cache(c, B, 64, at::TensorOptions().dtype(at::kFloat).device(device));
    model::ForwardOptions o;
    o.cache = &cache;
    std::vector<at::Tensor> parts = {m->forward(ids.narrow(1, 0, prompt), o)};
    for (int64_t t = prompt; t < total; ++t)
        parts.push_back(m->forward(ids.narrow(1, t, 1), o));
    at::Tensor cached = at::cat(parts, 1);
    if (p != 0) cached = cached * (1 + p);
    Measurement result;
    result.add("logits", relativeError(cached, full));
    return result;
}

// Offloaded AdamW (moments in pinned host memory, streamed through the device in chunks on a copy stream,
// ordered by events) against AdamW with its moments on the device: three steps of the dense model's
// parameters with random gradients; both do the same elementwise arithmetic, so every parameter and moment
// must be bit-identical (tolerance 0; the value is the largest relative difference). Small chunks, so
// parameters span several chunks and the two staging buffers alternate. On a GPU the locked host memory must
// be the flat buffers' bytes in whole pages (no power-of-two rounding).
Measurement offloadedAdamWCheck(const at::Device &device, double p)
{
    const model::ModelConfig c = smallConfig(false);
    model::Transformer net(c, model::KernelMode::Fused);
    std::vector<std::pair<std::string, at::Tensor>> onDevice, offloaded;
    for (const auto &item : net->named_parameters()) {
        onDevice.emplace_back(item.key(), item.value().detach().to(device).requires_grad_(true));
        offloaded.emplace_back(item.key(), item.value().detach().to(device).requires_grad_(true));
    }
    train::AdamWOptions o;
    train::AdamW reference(onDevice, o);
    o.offloadMoments = true;
    o.offloadChunkElements = 100000;  // the 131072-element embedding and MLP weights span two chunks
    const int64_t pinnedBefore = kernels::pinnedHostBytes();
    train::AdamW streamed(offloaded, o);
    for (int step = 0; step < 3; ++step) {
        for (size_t i = 0; i < onDevice.size(); ++i) {
            const at::Tensor g = at::randn(onDevice[i].second.sizes(), at::kFloat).mul(0.01 * (step + 1)).to(device);
            onDevice[i].second.mutable_grad() = g;
            offloaded[i].second.mutable_grad() = g.clone();
        }
        reference.step(1e-3 * (step + 1));
        streamed.step(1e-3 * (step + 1));
    }
    Measurement m;
    double params = 0, moments = 0;
    for (size_t i = 0; i < onDevice.size(); ++i) {
        at::Tensor got = offloaded[i].second;
        if (p != 0) got = got * (1 + p);
        params = std::max(params, relativeError(got, onDevice[i].second));
    }
    const auto want = reference.stateTensors(), got = streamed.stateTensors();
    if (want.size() != got.size()) m.problem = "the offloaded optimizer's state has other tensors";
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
        if (want[i].first.rfind("exp_avg", 0) != 0) continue;
        if (!got[i].second.device().is_cpu()) m.problem = got[i].first + " is not in host memory";
        moments = std::max(moments, relativeError(got[i].second, want[i].second));
    }
    m.add("params", params);
    m.add("moments", moments);
    if (device.is_cuda()) {
        int64_t expected = 0;
        for (const train::AdamW::OffloadBuffer &b : streamed.offloadLayout())
            expected += 2 * kernels::pinnedBlockBytes(b.elements * static_cast<int64_t>(c10::elementSize(b.dtype)));
        const int64_t locked = kernels::pinnedHostBytes() - pinnedBefore;
        if (locked != expected)
            m.problem = "locked host memory " + std::to_string(locked) + " bytes, expected " + std::to_string(expected);
    }
    return m;
}

// --- The plan ---------------------------------------------------------------------------------------------

struct Check {
    KernelCheckItem item;              // name, dtype, group, tolerance
    std::function<Measurement()> run;  // empty with item.detail set: skipped for that reason
};

uint64_t nameHash(const std::string &s)  // FNV-1a: a stable per-check seed offset
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : s)
        h = (h ^ ch) * 1099511628211ull;
    return h;
}

std::vector<Check> plan(const KernelCheckOptions &o, const at::Device &device)
{
    const bool cpu = device.is_cpu();
    const double p = o.perturbation;
    std::vector<Check> checks;
    auto add = [&](const std::string &name, const std::string &dtype, const std::string &group,
                   double tolerance, std::function<Measurement()> run, const std::string &skip = {}) {
        if (!o.groups.empty() && std::find(o.groups.begin(), o.groups.end(), group) == o.groups.end()) return;
        Check c;
        c.item.name = name;
        c.item.dtype = dtype;
        c.item.group = group;
        c.item.tolerance = tolerance;
        c.item.unit = "relative error";
        if (skip.empty())
            c.run = std::move(run);
        else
            c.item.detail = skip;
        checks.push_back(std::move(c));
    };

    // Sizes: on a GPU, shapes that fill a few thread blocks per head; on the CPU (the harness's own test, on
    // CI machines with two cores) half the lengths, so the float64 oracle stays quick.
    const int64_t L = cpu ? 128 : 256;      // attention length
    const int64_t odd = cpu ? 133 : 333;    // a length that is not a multiple of 64
    const int64_t modelT = cpu ? 64 : 128;  // tokens per sequence of the model checks
    const int64_t ceRows = cpu ? 32 : 128;  // cross-entropy rows over the 32000-token vocabulary
    std::vector<AttentionCase> attentionCases = {
        {"mha d64 causal", 2, 4, 4, L, L, 64, 64},
        {"gqa d128 causal", 2, 8, 2, L, L, 128, 128},
        {"mla 192/128 causal", 2, 4, 4, L, L, 192, 128},
        {"gqa d64 non-causal", 2, 4, 2, L, L, 64, 64, false},
        {"gqa d64 causal documents", 2, 4, 2, L, L, 64, 64, true, false, true},
        {"gqa d128 causal", 1, 8, 2, odd, odd, 128, 128},
        {"gqa d64 causal", 2, 4, 2, L / 2, 3 * L / 2, 64, 64},  // queries are the last T of S keys
        {"gqa d128 causal strided", 2, 8, 2, L, L, 128, 128, true, true},
        // Head dims that are not multiples of 16: the tiles are zero-padded to the next multiple.
        {"gqa d72 causal", 2, 8, 2, L, L, 72, 72},
        {"mha d40/24 non-causal", 2, 4, 4, L, L, 40, 24, false},
    };
    if (!cpu) {  // long sequences, on a GPU only: their float64 oracle takes seconds on a small CPU
        attentionCases.push_back({"gqa d128 causal", 1, 8, 2, 2048, 2048, 128, 128});
        attentionCases.push_back({"mla 192/128 causal", 1, 4, 4, 1024, 1024, 192, 128});
    }
    const std::string cpuHalfAttention =
        "the CPU has no float16 attention kernel (float16 runs the reference composition): nothing of "
        "Danka's to check";

    for (const std::string &dtype : o.dtypes) {
        const at::ScalarType t = scalarTypeOf(dtype);
        const double tol = opTolerance(t);
        add("rmsnorm fwd+bwd " + dtype + " D=1024", dtype, "op", tol,
            [=] { return rmsNormCheck(1024, 1024, 0, 256, t, device, p); });
        add("rmsnorm fwd+bwd " + dtype + " D=200 strided rows", dtype, "op", tol,
            [=] { return rmsNormCheck(200, 256, 0, 256, t, device, p); });
        // The element-wise paths: rows off a 16-byte boundary, and an odd D.
        add("rmsnorm fwd+bwd " + dtype + " D=1024 unaligned rows", dtype, "op", tol,
            [=] { return rmsNormCheck(1024, 1031, 3, 256, t, device, p); });
        add("rmsnorm fwd+bwd " + dtype + " D=1027", dtype, "op", tol,
            [=] { return rmsNormCheck(1027, 1027, 0, 256, t, device, p); });
        // D > 10240: the weight-gradient partials no longer fit shared memory (kernels/cuda/rmsnorm.cu).
        add("rmsnorm fwd+bwd " + dtype + " D=12288", dtype, "op", tol,
            [=] { return rmsNormCheck(12288, 12288, 0, 64, t, device, p); });
        add("rmsnorm fwd+bwd " + dtype + " D=10243 unaligned rows", dtype, "op", tol,
            [=] { return rmsNormCheck(10243, 10250, 5, 64, t, device, p); });
        add("swiglu fwd+bwd " + dtype + " 512x1408", dtype, "op", tol,
            [=] { return swigluCheck(512, 1408, false, t, device, p); });
        add("swiglu fwd+bwd " + dtype + " gate/up slices 256x1000", dtype, "op", tol,
            [=] { return swigluCheck(256, 1000, true, t, device, p); });
        add("swiglu fwd+bwd " + dtype + " 256x1001", dtype, "op", tol,
            [=] { return swigluCheck(256, 1001, false, t, device, p); });
        add("swiglu fwd+bwd " + dtype + " gate/up slices 256x999 unaligned", dtype, "op", tol,
            [=] { return swigluCheck(256, 999, true, t, device, p); });
        add("rope fwd+bwd " + dtype + " shared tables", dtype, "op", tol,
            [=] { return ropeCheck(RopeCase::Shared, t, device, p); });
        add("rope fwd+bwd " + dtype + " per-row tables", dtype, "op", tol,
            [=] { return ropeCheck(RopeCase::PerRow, t, device, p); });
        add("rope fwd+bwd " + dtype + " mla rope slice", dtype, "op", tol,
            [=] { return ropeCheck(RopeCase::MlaSlice, t, device, p); });
        add("rope fwd+bwd " + dtype + " unaligned heads", dtype, "op", tol,
            [=] { return ropeCheck(RopeCase::Unaligned, t, device, p); });
        add("cross-entropy fwd+bwd " + dtype + " V=32000 weights+ignored", dtype, "op", tol,
            [=] { return crossEntropyCheck(ceRows, 32000, true, t, device, p); });
        add("cross-entropy fwd+bwd " + dtype + " V=6400 strided rows", dtype, "op", tol,
            [=] { return crossEntropyCheck(256, 6400, false, t, device, p); });
        add("cross-entropy fwd+bwd " + dtype + " V=32001 unaligned rows", dtype, "op", tol,
            [=] { return crossEntropyCheck(ceRows, 32001, false, t, device, p); });
        for (const AttentionCase &c : attentionCases) {
            const std::string name = "attention fwd+bwd " + dtype + " " + attentionName(c);
            add(
                name, dtype, "op", attentionTolerance(t, c.S),
                [=] { return attentionCheck(c, t, device, p); },
                cpu && t == at::kHalf ? cpuHalfAttention : std::string());
        }
        for (const bool mla : {false, true}) {
            for (const int64_t T : {1, 4}) {
                const std::string name = "attention decode " + dtype +
                                         (mla ? " mla absorbed 576/512" : " gqa d128") +
                                         " T=" + std::to_string(T) + " S=300";
                add(
                    name, dtype, "decode", opTolerance(t), [=] { return decodeCheck(mla, T, t, device, p); },
                    cpu && t == at::kHalf ? cpuHalfAttention : std::string());
            }
        }
    }

    const auto has = [&](const char *d) {
        return std::find(o.dtypes.begin(), o.dtypes.end(), d) != o.dtypes.end();
    };
    for (const bool mla : {false, true}) {
        const std::string kind = mla ? "mla" : "dense gqa";
        if (has("fp32"))
            add("model grad fp32 " + kind + " T=" + std::to_string(modelT), "fp32", "model-grad",
                kModelGradFp32Tolerance, [=] { return modelGradientCheck(mla, modelT, false, device, p); });
        if (has("bf16"))
            add("model grad bf16-autocast " + kind + " T=" + std::to_string(modelT), "bf16-autocast",
                "model-grad", kModelGradBf16Tolerance,
                [=] { return modelGradientCheck(mla, modelT, true, device, p); });
        // The fp16 training step: float16 autocast with the trainer's loss scaling (fp16 training needs CUDA).
        if (has("fp16"))
            add(
                "model grad fp16-autocast loss-scaled " + kind + " T=" + std::to_string(modelT), "fp16-autocast",
                "model-grad", kModelGradFp16Tolerance,
                [=] { return modelGradientCheck(mla, modelT, true, device, p, at::kHalf, kFp16LossScale); },
                cpu ? std::string(kCpuFp16TrainingMessage) : std::string());
    }
    // The optimizer step with offloaded moments (runtime.offload_optimizer), bit for bit.
    if (has("fp32"))
        add("adamw offloaded moments fp32 (bit-identical to on-device)", "fp32", "model-grad", 0,
            [=] { return offloadedAdamWCheck(device, p); });
    if (has("fp32")) {
        for (const bool mla : {false, true})
            add(std::string("model cached decoding fp32 ") + (mla ? "mla" : "dense gqa"), "fp32",
                "model-decode", kModelDecodeTolerance, [=] { return modelDecodeCheck(mla, device, p); });
    }
    return checks;
}

std::string firstLine(std::string text)
{
    const auto newline = text.find('\n');  // c10 errors append a backtrace
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

}  // namespace

std::vector<KernelCheckItem> runKernelChecks(JobContext &job, const KernelCheckOptions &options)
{
    const bool cudaRequested = options.device.rfind("cuda", 0) == 0;
    if (!cudaRequested && options.device != "cpu")
        throw std::runtime_error("kernel checks: unknown device \"" + options.device +
                                 "\" (cuda, cuda:N or cpu)");
    const at::Device device(options.device == "cuda" ? "cuda:0" : options.device);
    for (const std::string &d : options.dtypes)
        scalarTypeOf(d);  // throws on an unknown name
    for (const std::string &g : options.groups)
        if (g != "op" && g != "decode" && g != "model-grad" && g != "model-decode")
            throw std::runtime_error("kernel checks: unknown group \"" + g +
                                     "\" (op, decode, model-grad, model-decode)");

    std::vector<Check> checks = plan(options, device);
    std::vector<KernelCheckItem> items;
    const bool noGpu = cudaRequested && (!torch::cuda::is_available() ||
                                         device.index() >= static_cast<int>(torch::cuda::device_count()));
    // A GPU Danka's kernels have no image for (sm_75 against the default build): the ops fall back to the
    // reference compositions there, so comparing them with the reference would prove nothing.
    std::string noImage;
    if (cudaRequested && !noGpu && !kernels::dankaCudaKernelsRunOn(device.index(), &noImage))
        noImage = "nothing of Danka's to check: " + noImage;
    else
        noImage.clear();
    for (size_t i = 0; i < checks.size(); ++i) {
        job.checkpoint();
        Check &c = checks[i];
        job.setProgress(static_cast<double>(i) / static_cast<double>(checks.size()), c.item.name);
        KernelCheckItem item = c.item;
        if (noGpu || !noImage.empty() || !c.run) {
            item.status = CheckStatus::Skip;
            if (noGpu) item.detail = kNoCudaDeviceMessage;
            else if (!noImage.empty()) item.detail = noImage;
            items.push_back(item);
            continue;
        }
        const auto start = std::chrono::steady_clock::now();
        try {
            torch::manual_seed(options.seed + nameHash(item.name));
            const Measurement m = c.run();
            item.value = m.worst;
            const bool ok = m.problem.empty() && std::isfinite(m.worst) && m.worst <= item.tolerance;
            item.status = ok ? CheckStatus::Pass : CheckStatus::Fail;
            item.detail = "error " + sci(m.worst) + " (" + m.parts + "), tolerance " + sci(item.tolerance) +
                          (m.problem.empty() ? "" : "; " + m.problem);
        } catch (const c10::Error &e) {
            item.status = CheckStatus::Fail;
            item.value = std::numeric_limits<double>::quiet_NaN();
            item.detail = firstLine(e.what_without_backtrace());
        } catch (const std::exception &e) {
            item.status = CheckStatus::Fail;
            item.value = std::numeric_limits<double>::quiet_NaN();
            item.detail = firstLine(e.what());
        }
        item.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        items.push_back(item);
    }
    job.setProgress(1.0, "done");
    return items;
}

}  // namespace danka::core
