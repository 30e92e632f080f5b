// The attention cases of the kernel lab: training-shape attention and decoding over a KV cache (see case_builders.h).
#include "lab/cases/case_builders.h"

#include <cmath>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>

#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "lab/case_program.h"
#include "lab/tolerances.h"
#include "model/flops.h"
#include "model/model_config.h"

namespace danka::lab::cases {

// --- Attention -----------------------------------------------------------------------------------------------
// FLOPs: model/flops.h's attention count (2 Dqk for the score and 2 Dv for the weighted sum per query head and
// visible query-key pair), the backward at twice the forward (model FLOPs: no recomputation counted).

enum class Segments {
    None,
    Thirds,     // each row cut into documents of 3S/8 + b, S/4 and the rest (int32 ids); one query of row 0
                // in a segment no key has (it sees nothing: zeros, no gradient)
    Irregular,  // a new document after about 1 in 12 positions (int64 ids)
    LeftPad,    // row 1's first 7 keys are padding (-1), every query segment 0 (int64 ids)
};

struct AttentionLayout {
    std::string kind;  // "mha", "gqa", "mqa", "mla 192/128"... (empty: from the head counts)
    int64_t B, H, Hkv, T, S, Dqk, Dv;
    bool causal = true;
    bool strided = false;  // q, k, v are transposes of (B, T, H, D) tensors, as the model passes them
    Segments segments = Segments::None;
    double scale = 0;
};

// Segment ids of keys (B x S) and queries (B x T), generated without torch so the FLOP count can use them.
std::pair<std::vector<int64_t>, std::vector<int64_t>> segmentIds(const AttentionLayout &l)
{
    std::vector<int64_t> k(static_cast<size_t>(l.B * l.S), 0), q(static_cast<size_t>(l.B * l.T), 0);
    uint64_t state = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(l.S * 1315423911 + l.B);
    for (int64_t b = 0; b < l.B; ++b) {
        int64_t doc = 0;
        for (int64_t j = 0; j < l.S; ++j) {
            int64_t id = 0;
            switch (l.segments) {
            case Segments::None: break;
            case Segments::Thirds: {
                const int64_t first = (3 * l.S) / 8 + b, second = first + l.S / 4;
                id = j < first ? 0 : j < second ? 1 : 2;
                break;
            }
            case Segments::Irregular:
                state = state * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
                if (j > 0 && (state >> 33) % 12 == 0) ++doc;
                id = doc;
                break;
            case Segments::LeftPad: id = b == 1 && j < 7 ? -1 : 0; break;
            }
            k[static_cast<size_t>(b * l.S + j)] = id;
        }
        for (int64_t i = 0; i < l.T; ++i)
            q[static_cast<size_t>(b * l.T + i)] =
                l.segments == Segments::LeftPad ? 0 : k[static_cast<size_t>(b * l.S + l.S - l.T + i)];
    }
    if (l.segments == Segments::Thirds) q[static_cast<size_t>(l.T / 2)] = 7;
    return {k, q};
}

// Query-key pairs a query sees, summed over the batch and the queries (per head).
double visiblePairs(const AttentionLayout &l)
{
    if (l.segments == Segments::None) {
        const double t = static_cast<double>(l.T), s = static_cast<double>(l.S);
        return static_cast<double>(l.B) * (l.causal ? t * (s - t) + t * (t + 1) / 2 : t * s);
    }
    const auto [k, q] = segmentIds(l);
    double pairs = 0;
    for (int64_t b = 0; b < l.B; ++b)
        for (int64_t i = 0; i < l.T; ++i) {
            const int64_t last = l.causal ? l.S - l.T + i : l.S - 1;
            for (int64_t j = 0; j <= last; ++j)
                pairs += q[static_cast<size_t>(b * l.T + i)] == k[static_cast<size_t>(b * l.S + j)];
        }
    return pairs;
}

double attentionFlops(int64_t heads, int64_t dqk, int64_t dv, double pairs, bool backward)
{
    model::ModelConfig c;
    c.nLayers = 1;
    c.nHeads = heads;
    if (dqk == dv) {
        c.attention = model::AttentionKind::Mha;
        c.headDim = dqk;
    } else {
        c.attention = model::AttentionKind::Mla;
        c.mla.qkNopeHeadDim = dqk;
        c.mla.qkRopeHeadDim = 0;
        c.mla.vHeadDim = dv;
    }
    // One query over one key, all heads: model/flops.h's forward count; training adds twice that.
    return model::attentionForwardFlopsPerToken(c, 1.0) * pairs * (backward ? 3.0 : 1.0);
}

at::Tensor segmentTensor(const std::vector<int64_t> &ids, int64_t rows, int64_t cols, bool int32)
{
    return at::tensor(ids, at::kLong).view({rows, cols}).to(int32 ? at::kInt : at::kLong);
}

std::string attentionName(const AttentionLayout &l)
{
    std::string kind = l.kind;
    if (kind.empty()) kind = l.H == l.Hkv ? "mha" : l.Hkv == 1 ? "mqa" : "gqa";
    std::string s = kind + " H=" + std::to_string(l.H) + (l.H != l.Hkv ? "/" + std::to_string(l.Hkv) : "") + " d" +
                    std::to_string(l.Dqk) + (l.Dqk != l.Dv ? "/" + std::to_string(l.Dv) : "") +
                    (l.causal ? " causal" : " non-causal") + " B=" + std::to_string(l.B) + " T=" + std::to_string(l.T) +
                    (l.S != l.T ? " S=" + std::to_string(l.S) : "");
    switch (l.segments) {
    case Segments::None: break;
    case Segments::Thirds: s += " documents (one query sees nothing)"; break;
    case Segments::Irregular: s += " irregular documents"; break;
    case Segments::LeftPad: s += " left padding"; break;
    }
    if (l.strided) s += " strided (B, T, H, D)";
    if (l.scale != 0) s += " scale " + std::to_string(l.scale).substr(0, 6);
    return s;
}

void addAttention(std::vector<Entry> &table, Dtype dtype, const AttentionLayout &l, bool gpuSized = false)
{
    const int sz = dtypeBytes(dtype);
    const bool int32 = l.segments == Segments::Thirds;
    std::vector<TensorSpec> inputs = {grad("q", l.B * l.H * l.T * l.Dqk, dtype),
                                      grad("k", l.B * l.Hkv * l.S * l.Dqk, dtype),
                                      grad("v", l.B * l.Hkv * l.S * l.Dv, dtype)};
    if (l.segments != Segments::None) {
        inputs.push_back(index("qSegments", l.B * l.T, int32 ? 4 : 8));
        inputs.push_back(index("kSegments", l.B * l.S, int32 ? 4 : 8));
    }
    Entry e;
    e.info = makeCase("attention", dtype, attentionName(l), inputs,
                      {"out", l.B * l.H * l.T * l.Dv, sz, TensorRole::Grad},
                      attentionFlops(l.H, l.Dqk, l.Dv, visiblePairs(l), true), tolerance::attention(dtype, l.S),
                      std::string("attention, ") + dtypeName(dtype) + ", " + std::to_string(l.S) + " keys");
    if (dtype == Dtype::Fp16) {
        e.info.onCpu = false;
        e.info.notOnCpu = kCpuHalfAttention;
    }
    if (gpuSized) {
        e.info.onCpu = false;
        e.info.notOnCpu = kGpuSized;
    }
    e.build = [l, int32] {
        CaseProgram p;
        auto shape = [&](int64_t heads, int64_t len, int64_t d) -> Shape {
            return l.strided ? Shape{l.B, len, heads, d} : Shape{l.B, heads, len, d};
        };
        p.inputs = {{"q", randn(shape(l.H, l.T, l.Dqk))},
                    {"k", randn(shape(l.Hkv, l.S, l.Dqk))},
                    {"v", randn(shape(l.Hkv, l.S, l.Dv))}};
        if (l.segments != Segments::None) {
            const auto [k, q] = segmentIds(l);
            p.inputs.push_back({"qSegments", segmentTensor(q, l.B, l.T, int32), TensorRole::Index});
            p.inputs.push_back({"kSegments", segmentTensor(k, l.B, l.S, int32), TensorRole::Index});
        }
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                const at::Tensor q = l.strided ? x[0].transpose(1, 2) : x[0];
                const at::Tensor k = l.strided ? x[1].transpose(1, 2) : x[1];
                const at::Tensor v = l.strided ? x[2].transpose(1, 2) : x[2];
                const bool seg = l.segments != Segments::None;
                const at::Tensor qSeg = seg ? x[3] : at::Tensor(), kSeg = seg ? x[4] : at::Tensor();
                const kernels::AttentionOptions o{l.scale, l.causal, false};  // Danka's own kernels
                return fused ? kernels::attention(q, k, v, o, qSeg, kSeg)
                             : kernels::attentionReference(q, k, v, o, qSeg, kSeg);
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

void addAttentionCases(std::vector<Entry> &table)
{
    // Float64 (the CPU flash kernels against the composition): causal and full attention, GQA / MQA ratios,
    // Dqk != Dv, irregular documents, cache-style queries (3 over 70 keys), longer than two tiles, strided views.
    const std::vector<AttentionLayout> small = {
        {"", 2, 3, 3, 17, 17, 8, 8},
        {"", 2, 2, 2, 13, 13, 4, 4, false},
        {"", 1, 8, 2, 33, 33, 16, 16},
        {"", 2, 4, 1, 67, 67, 5, 5},
        {"mla", 1, 4, 4, 40, 40, 24, 16},
        {"", 2, 2, 1, 90, 90, 8, 8, true, false, Segments::Irregular},
        {"", 2, 2, 2, 3, 70, 8, 8},
        {"", 1, 2, 1, 150, 150, 8, 12},
        {"", 2, 4, 2, 20, 20, 8, 8, true, true},
    };
    for (const AttentionLayout &l : small) addAttention(table, Dtype::Fp64, l);

    // Training shapes: heads that fill a few tiles (L = 128), every variant the model uses, odd lengths, a causal
    // offset, segment masks with a query that sees nothing, strided inputs, head dims that are not multiples of
    // 16 (the tiles are zero-padded to the next multiple).
    const int64_t L = 128;
    const std::vector<AttentionLayout> training = {
        {"", 2, 4, 2, 130, 130, 32, 32},
        {"", 2, 4, 2, 77, 77, 40, 24, true, false, Segments::Irregular},
        {"", 1, 6, 3, 19, 50, 128, 128},
        {"mla", 2, 2, 1, 33, 33, 192, 128, false},
        {"", 2, 4, 4, L, L, 64, 64},
        {"", 2, 8, 2, L, L, 128, 128},
        {"mla", 2, 4, 4, L, L, 192, 128},
        {"", 2, 4, 2, L, L, 64, 64, false},
        {"", 2, 4, 2, L, L, 64, 64, true, false, Segments::Thirds},
        {"", 1, 8, 2, L + 5, L + 5, 128, 128},
        {"", 2, 4, 2, L / 2, 3 * L / 2, 64, 64},
        {"", 2, 8, 2, L, L, 128, 128, true, true},
        {"", 2, 8, 2, L, L, 72, 72},
        {"", 2, 4, 4, L, L, 40, 24, false},
    };
    for (const Dtype t : kLowPrecision) {
        for (const AttentionLayout &l : training) addAttention(table, t, l);
        addAttention(table, t, {"", 1, 8, 2, 2048, 2048, 128, 128}, true);
        addAttention(table, t, {"mla", 1, 4, 4, 1024, 1024, 192, 128}, true);
    }
}

// --- Attention decoding ---------------------------------------------------------------------------------------
// T new queries over S positions of a KV cache, no autograd (the CUDA split-KV decode kernel; the CPU flash
// kernel). FLOPs: the forward of model/flops.h's attention count.

struct DecodeLayout {
    bool mla = false;  // MLA's absorbed form (DeepSeek-V2 2.1.3, as model/mla.cpp runs it): one shared head of
                       // the latent cache (B, capacity, 512 + 64), keys its narrowed view (B, 1, S, 576), values
                       // the first 512 dims of those keys
    int64_t B, H, Hkv, T, S, capacity, D;
    Segments segments = Segments::LeftPad;
    double scale = 0;  // 0: 1 / sqrt(Dqk)
};

void addDecode(std::vector<Entry> &table, Dtype dtype, const DecodeLayout &l)
{
    const int64_t dv = l.mla ? 512 : l.D;
    const int sz = dtypeBytes(dtype);
    std::vector<TensorSpec> inputs = {grad("q", l.B * l.H * l.T * l.D, dtype)};
    if (l.mla) {
        inputs.push_back(grad("cache", l.B * l.S * l.D, dtype));
    } else {
        inputs.push_back(grad("k_cache", l.B * l.Hkv * l.S * l.D, dtype));
        inputs.push_back(grad("v_cache", l.B * l.Hkv * l.S * l.D, dtype));
    }
    const bool segments = l.segments != Segments::None;
    if (segments) {
        inputs.push_back(index("qSegments", l.B * l.T, 8));
        inputs.push_back(index("kSegments", l.B * l.S, 8));
    }
    AttentionLayout mask{"", l.B, l.H, l.Hkv, l.T, l.S, l.D, dv, true, false, l.segments};
    std::string name = (l.mla ? "mla absorbed H=" + std::to_string(l.H) + " d576/512"
                              : std::string(l.Hkv == 1 ? "mqa" : "gqa") + " H=" + std::to_string(l.H) + "/" +
                                    std::to_string(l.Hkv) + " d" + std::to_string(l.D)) +
                       " B=" + std::to_string(l.B) + " T=" + std::to_string(l.T) + " S=" + std::to_string(l.S) +
                       " of a " + std::to_string(l.capacity) + (l.mla ? " latent cache" : " cache") +
                       (l.segments == Segments::LeftPad     ? ", left padding"
                        : l.segments == Segments::Irregular ? ", irregular documents"
                                                            : "");
    Entry e;
    e.info = makeCase("attention-decode", dtype, name, inputs, {"out", l.B * l.H * l.T * dv, sz, TensorRole::Grad},
                      attentionFlops(l.H, l.D, dv, visiblePairs(mask), false), tolerance::attention(dtype, l.S),
                      std::string("attention, ") + dtypeName(dtype) + ", " + std::to_string(l.S) + " keys", false);
    if (dtype == Dtype::Fp16) {
        e.info.onCpu = false;
        e.info.notOnCpu = kCpuHalfAttention;
    }
    e.build = [l, mask] {
        CaseProgram p;
        if (l.mla)
            p.inputs = {{"q", randn({l.B, l.H, l.T, l.D})}, {"cache", randn({l.B, l.capacity, l.D})}};
        else
            p.inputs = {{"q", randn({l.B, l.H, l.T, l.D})},
                        {"k_cache", randn({l.B, l.Hkv, l.capacity, l.D})},
                        {"v_cache", randn({l.B, l.Hkv, l.capacity, l.D})}};
        if (l.segments != Segments::None) {
            const auto [k, q] = segmentIds(mask);
            p.inputs.push_back({"qSegments", segmentTensor(q, l.B, l.T, false), TensorRole::Index});
            p.inputs.push_back({"kSegments", segmentTensor(k, l.B, l.S, false), TensorRole::Index});
        }
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                at::Tensor k, v;
                kernels::AttentionOptions o{l.scale, true};
                if (l.mla) {
                    k = x[1].narrow(1, 0, l.S).unsqueeze(1);  // (B, 1, S, 576), strided
                    v = k.narrow(-1, 0, 512);                 // (B, 1, S, 512), a view of the keys
                } else {
                    k = x[1].narrow(2, 0, l.S);
                    v = x[2].narrow(2, 0, l.S);
                }
                const size_t seg = l.mla ? 2 : 3;
                const at::Tensor qSeg = x.size() > seg ? x[seg] : at::Tensor();
                const at::Tensor kSeg = x.size() > seg ? x[seg + 1] : at::Tensor();
                return fused ? kernels::attention(x[0], k, v, o, qSeg, kSeg)
                             : kernels::attentionReference(x[0], k, v, o, qSeg, kSeg);
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

void addDecodeCases(std::vector<Entry> &table)
{
    for (const Dtype t : kLowPrecision) {
        for (const int64_t T : {1, 4}) {
            addDecode(table, t, {false, 2, 8, 2, T, 300, 512, 128});
            addDecode(table, t, {true, 2, 16, 1, T, 300, 512, 576, Segments::LeftPad, 1.0 / std::sqrt(192.0)});
        }
        // A GQA cache with packed documents, and the absorbed form over a bigger cache at the default scale.
        addDecode(table, t, {false, 3, 8, 2, 4, 300, 300, 64, Segments::Irregular});
        addDecode(table, t, {true, 2, 16, 1, 2, 257, 400, 576, Segments::None});
    }
}

}  // namespace danka::lab::cases
