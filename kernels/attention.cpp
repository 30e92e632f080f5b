// Flash attention on the CPU (see attention.h). Algorithm: ../shared/reference/TECHNICAL.md section 4.
//
// Forward, per (batch, head, block of 64 queries): for each block of 64 keys, S = scale Q K^T, mask,
// running max m and sum l of exp(S - m), acc = acc * exp(m_old - m_new) + P V; finally O = acc / l and
// LSE = m + log l. Backward, per (batch, key/value head) so that grouped query heads add into dK and dV
// without races: D = rowsum(dO * O); for each query block and key block, P = exp(S - LSE),
// dV += P^T dO, dS = P * (dO V^T - D), dK += scale dS^T Q, dQ += scale dS K. Tiles are copied into small
// float (double for float64) buffers, so any input strides and bfloat16 work with one code path, and the
// products run through the CPU BLAS on raw pointers (cpu_blas.h).
//
// CUDA tensors (when built with DANKA_WITH_CUDA) use Danka's kernels in cuda/attention.cu (the same
// FlashAttention-2 forward and backward, behind the same autograd Function) and cuda/attention_decode.cu
// (split-KV decoding, no autograd); the rule is in attention() below and in attention.h.
#include "kernels/attention.h"

#include "kernels/cpu_blas.h"
#include "kernels/cpu_simd.h"
#include "kernels/tensor_checks.h"

#include <ATen/Parallel.h>
#include <ATen/SDPBackend.h>
#include <torch/torch.h>

#ifdef DANKA_WITH_CUDA
#include "kernels/cuda/attention_glue.h"
#include "kernels/cuda/glue.h"
#endif

#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

namespace danka::kernels {

namespace {

constexpr int64_t kBlockQ = 64;  // queries per tile
constexpr int64_t kBlockK = 64;  // keys per tile
#ifdef DANKA_WITH_CUDA
constexpr int64_t kDecodeMaxQueries = 16;  // CUDA, no gradient: at most this many queries go to the decode kernel
#endif

struct Geometry {
    int64_t B, H, Hkv, T, S, Dqk, Dv, group, offset;
    double scale;
    bool causal;
};

Geometry checkInputs(const char *op, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                     const AttentionOptions &o, const at::Tensor &qSeg, const at::Tensor &kSeg)
{
    TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, op, ": q, k and v must be 4-d (B, heads, length, dims), got ",
                q.sizes(), ", ", k.sizes(), ", ", v.sizes());
    TORCH_CHECK(q.scalar_type() == k.scalar_type() && q.scalar_type() == v.scalar_type(), op,
                ": q, k and v must have the same dtype, got ", q.scalar_type(), ", ", k.scalar_type(), ", ",
                v.scalar_type());
    TORCH_CHECK(q.device() == k.device() && q.device() == v.device(), op, ": q, k and v must be on the same device");
    Geometry g{};
    g.B = q.size(0);
    g.H = q.size(1);
    g.T = q.size(2);
    g.Dqk = q.size(3);
    g.Hkv = k.size(1);
    g.S = k.size(2);
    g.Dv = v.size(3);
    TORCH_CHECK(k.size(0) == g.B && v.size(0) == g.B, op, ": batch sizes differ: q ", g.B, ", k ", k.size(0), ", v ",
                v.size(0));
    TORCH_CHECK(k.size(3) == g.Dqk, op, ": k has ", k.size(3), " dims per head, q has ", g.Dqk);
    TORCH_CHECK(v.size(1) == g.Hkv && v.size(2) == g.S, op, ": v must have k's heads and length (", g.Hkv, ", ", g.S,
                "), got (", v.size(1), ", ", v.size(2), ")");
    TORCH_CHECK(g.Hkv > 0 && g.H % g.Hkv == 0, op, ": query heads (", g.H, ") must be a multiple of key/value heads (",
                g.Hkv, ")");
    TORCH_CHECK(g.Dqk > 0 && g.Dv > 0, op, ": head dims must be positive");
    TORCH_CHECK(!o.causal || g.T <= g.S, op, ": causal attention needs at most as many queries (", g.T,
                ") as keys (", g.S, ")");
    TORCH_CHECK(qSeg.defined() == kSeg.defined(), op, ": give both qSegments and kSegments, or neither");
    if (qSeg.defined()) {
        TORCH_CHECK(qSeg.dim() == 2 && qSeg.size(0) == g.B && qSeg.size(1) == g.T, op, ": qSegments must be (", g.B,
                    ", ", g.T, "), got ", qSeg.sizes());
        TORCH_CHECK(kSeg.dim() == 2 && kSeg.size(0) == g.B && kSeg.size(1) == g.S, op, ": kSegments must be (", g.B,
                    ", ", g.S, "), got ", kSeg.sizes());
        TORCH_CHECK(!at::isFloatingType(qSeg.scalar_type()) && !at::isFloatingType(kSeg.scalar_type()), op,
                    ": segment ids must be integers");
    }
    g.group = g.H / g.Hkv;
    g.offset = g.S - g.T;
    g.causal = o.causal;
    g.scale = o.scale > 0 ? o.scale : 1.0 / std::sqrt(static_cast<double>(g.Dqk));
    return g;
}

template <typename T>
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha, const T *a, int64_t lda, const T *b,
          int64_t ldb, T beta, T *c, int64_t ldc)
{
    cpu::gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A strided 4-d tensor seen as [b][h][row][d].
template <typename scalar_t>
struct View4 {
    const scalar_t *data;
    int64_t s0, s1, s2, s3;
    explicit View4(const at::Tensor &t)
        : data(t.data_ptr<scalar_t>()), s0(t.stride(0)), s1(t.stride(1)), s2(t.stride(2)), s3(t.stride(3))
    {
    }
    // Copies rows [row0, row0 + rows) of (b, h), `dims` wide, into a contiguous accumulator-typed tile.
    template <typename acc_t>
    void load(int64_t b, int64_t h, int64_t row0, int64_t rows, int64_t dims, acc_t *out) const
    {
        const scalar_t *base = data + b * s0 + h * s1 + row0 * s2;
        for (int64_t r = 0; r < rows; ++r, out += dims) {
            const scalar_t *p = base + r * s2;
            if (s3 == 1)
                for (int64_t d = 0; d < dims; ++d) out[d] = static_cast<acc_t>(p[d]);
            else
                for (int64_t d = 0; d < dims; ++d) out[d] = static_cast<acc_t>(p[d * s3]);
        }
    }
};

// Segment ids as int64 rows, or null when there is no segment mask.
struct Segments {
    const int64_t *q = nullptr, *k = nullptr;
    int64_t T = 0, S = 0;
    bool visible(int64_t b, int64_t i, int64_t j) const { return !q || q[b * T + i] == k[b * S + j]; }
};

// Masks S (rows x cols, leading dim kBlockK) in place: -inf where a query may not see a key.
template <typename acc_t>
void applyMask(const Geometry &g, const Segments &seg, int64_t b, int64_t i0, int64_t rows, int64_t j0, int64_t cols,
               acc_t *s)
{
    const acc_t minus = -std::numeric_limits<acc_t>::infinity();
    const bool diagonal = g.causal && j0 + cols - 1 > i0 + g.offset;  // the tile crosses the diagonal
    if (!diagonal && !seg.q) return;
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t qpos = i0 + r + g.offset;
        for (int64_t c = 0; c < cols; ++c)
            if ((g.causal && j0 + c > qpos) || !seg.visible(b, i0 + r, j0 + c)) s[r * kBlockK + c] = minus;
    }
}

// Keys a query block needs: all of them, or up to its last query's position when causal.
int64_t keyEnd(const Geometry &g, int64_t i0, int64_t rows)
{
    return g.causal ? std::min(g.S, i0 + rows + g.offset) : g.S;
}

template <typename scalar_t, typename acc_t>
void forwardKernel(const Geometry &g, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                   const Segments &seg, at::Tensor &out, at::Tensor &lse)
{
    const View4<scalar_t> Q(q), K(k), V(v);
    scalar_t *o = out.data_ptr<scalar_t>();  // (B, H, T, Dv) contiguous
    acc_t *l = lse.data_ptr<acc_t>();        // (B, H, T)
    const int64_t qBlocks = (g.T + kBlockQ - 1) / kBlockQ;
    cpu::parallelFor(g.B * g.H * qBlocks, 1, [&](int64_t begin, int64_t end) {
        std::vector<acc_t> qt(kBlockQ * g.Dqk), kt(kBlockK * g.Dqk), vt(kBlockK * g.Dv), st(kBlockQ * kBlockK),
            acc(kBlockQ * g.Dv), rowMax(kBlockQ), rowSum(kBlockQ);
        const acc_t minus = -std::numeric_limits<acc_t>::infinity();
        for (int64_t task = begin; task < end; ++task) {
            const int64_t b = task / (g.H * qBlocks), h = task / qBlocks % g.H, i0 = task % qBlocks * kBlockQ;
            const int64_t kvh = h / g.group, rows = std::min(kBlockQ, g.T - i0);
            Q.load(b, h, i0, rows, g.Dqk, qt.data());
            std::fill(rowMax.begin(), rowMax.end(), minus);
            std::fill(rowSum.begin(), rowSum.end(), acc_t(0));
            std::fill(acc.begin(), acc.end(), acc_t(0));
            const int64_t kEnd = keyEnd(g, i0, rows);
            for (int64_t j0 = 0; j0 < kEnd; j0 += kBlockK) {
                const int64_t cols = std::min(kBlockK, kEnd - j0);
                K.load(b, kvh, j0, cols, g.Dqk, kt.data());
                V.load(b, kvh, j0, cols, g.Dv, vt.data());
                gemm<acc_t>(false, true, rows, cols, g.Dqk, static_cast<acc_t>(g.scale), qt.data(), g.Dqk, kt.data(),
                            g.Dqk, 0, st.data(), kBlockK);  // S = scale Q K^T  (rows, cols)
                applyMask(g, seg, b, i0, rows, j0, cols, st.data());
                for (int64_t r = 0; r < rows; ++r) {
                    acc_t *s = st.data() + r * kBlockK;
                    acc_t m = rowMax[r];
                    for (int64_t c = 0; c < cols; ++c) m = std::max(m, s[c]);
                    if (m == minus) {  // nothing visible yet for this query: contributes nothing
                        std::fill(s, s + cols, acc_t(0));
                        continue;
                    }
                    const acc_t rescale = rowMax[r] == minus ? acc_t(0) : std::exp(rowMax[r] - m);
                    acc_t sum = 0;
                    for (int64_t c = 0; c < cols; ++c) {
                        s[c] = std::exp(s[c] - m);  // exp(-inf) = 0 for masked keys
                        sum += s[c];
                    }
                    rowSum[r] = rowSum[r] * rescale + sum;
                    rowMax[r] = m;
                    if (rescale != acc_t(1))
                        for (int64_t d = 0; d < g.Dv; ++d) acc[r * g.Dv + d] *= rescale;
                }
                gemm<acc_t>(false, false, rows, g.Dv, cols, 1, st.data(), kBlockK, vt.data(), g.Dv, 1, acc.data(),
                            g.Dv);  // acc += P V  (rows, Dv)
            }
            for (int64_t r = 0; r < rows; ++r) {
                const int64_t row = (b * g.H + h) * g.T + i0 + r;
                scalar_t *dst = o + row * g.Dv;
                if (rowSum[r] > 0) {
                    const acc_t inv = acc_t(1) / rowSum[r];
                    for (int64_t d = 0; d < g.Dv; ++d) dst[d] = static_cast<scalar_t>(acc[r * g.Dv + d] * inv);
                    l[row] = rowMax[r] + std::log(rowSum[r]);
                } else {
                    for (int64_t d = 0; d < g.Dv; ++d) dst[d] = static_cast<scalar_t>(0);
                    l[row] = minus;
                }
            }
        }
    });
}

template <typename scalar_t, typename acc_t>
void backwardKernel(const Geometry &g, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                    const at::Tensor &out, const at::Tensor &lse, const at::Tensor &dout, const Segments &seg,
                    at::Tensor &dq, at::Tensor &dk, at::Tensor &dv)
{
    const View4<scalar_t> Q(q), K(k), V(v), O(out), dO(dout);
    const acc_t *l = lse.data_ptr<acc_t>();
    scalar_t *dqp = dq.data_ptr<scalar_t>(), *dkp = dk.data_ptr<scalar_t>(), *dvp = dv.data_ptr<scalar_t>();
    cpu::parallelFor(g.B * g.Hkv, 1, [&](int64_t begin, int64_t end) {
        std::vector<acc_t> qt(kBlockQ * g.Dqk), dot(kBlockQ * g.Dv), ot(kBlockQ * g.Dv), kt(kBlockK * g.Dqk),
            vt(kBlockK * g.Dv), pt(kBlockQ * kBlockK), dst(kBlockQ * kBlockK), delta(kBlockQ);
        std::vector<acc_t> dK(g.S * g.Dqk), dV(g.S * g.Dv), dQ(g.T * g.Dqk);
        const acc_t minus = -std::numeric_limits<acc_t>::infinity();
        const acc_t scale = static_cast<acc_t>(g.scale);
        for (int64_t task = begin; task < end; ++task) {
            const int64_t b = task / g.Hkv, kvh = task % g.Hkv;
            std::fill(dK.begin(), dK.end(), acc_t(0));
            std::fill(dV.begin(), dV.end(), acc_t(0));
            for (int64_t h = kvh * g.group; h < (kvh + 1) * g.group; ++h) {
                std::fill(dQ.begin(), dQ.end(), acc_t(0));
                for (int64_t i0 = 0; i0 < g.T; i0 += kBlockQ) {
                    const int64_t rows = std::min(kBlockQ, g.T - i0);
                    Q.load(b, h, i0, rows, g.Dqk, qt.data());
                    dO.load(b, h, i0, rows, g.Dv, dot.data());
                    O.load(b, h, i0, rows, g.Dv, ot.data());
                    const acc_t *rowLse = l + (b * g.H + h) * g.T + i0;
                    for (int64_t r = 0; r < rows; ++r) {  // D_i = rowsum(dO * O)
                        acc_t sum = 0;
                        for (int64_t d = 0; d < g.Dv; ++d) sum += dot[r * g.Dv + d] * ot[r * g.Dv + d];
                        delta[r] = sum;
                    }
                    const int64_t kEnd = keyEnd(g, i0, rows);
                    for (int64_t j0 = 0; j0 < kEnd; j0 += kBlockK) {
                        const int64_t cols = std::min(kBlockK, kEnd - j0);
                        K.load(b, kvh, j0, cols, g.Dqk, kt.data());
                        V.load(b, kvh, j0, cols, g.Dv, vt.data());
                        gemm<acc_t>(false, true, rows, cols, g.Dqk, scale, qt.data(), g.Dqk, kt.data(), g.Dqk, 0,
                                    pt.data(), kBlockK);  // S = scale Q K^T
                        applyMask(g, seg, b, i0, rows, j0, cols, pt.data());
                        for (int64_t r = 0; r < rows; ++r) {  // P = exp(S - LSE)
                            acc_t *p = pt.data() + r * kBlockK;
                            if (rowLse[r] == minus) {
                                std::fill(p, p + cols, acc_t(0));
                                continue;
                            }
                            for (int64_t c = 0; c < cols; ++c) p[c] = std::exp(p[c] - rowLse[r]);
                        }
                        gemm<acc_t>(true, false, cols, g.Dv, rows, 1, pt.data(), kBlockK, dot.data(), g.Dv, 1,
                                    dV.data() + j0 * g.Dv, g.Dv);  // dV_j += P^T dO_i
                        gemm<acc_t>(false, true, rows, cols, g.Dv, 1, dot.data(), g.Dv, vt.data(), g.Dv, 0, dst.data(),
                                    kBlockK);  // dP = dO_i V_j^T
                        for (int64_t r = 0; r < rows; ++r)
                            for (int64_t c = 0; c < cols; ++c) {
                                acc_t &ds = dst[r * kBlockK + c];
                                ds = pt[r * kBlockK + c] * (ds - delta[r]);  // dS = P (dP - D)
                            }
                        gemm<acc_t>(true, false, cols, g.Dqk, rows, scale, dst.data(), kBlockK, qt.data(), g.Dqk, 1,
                                    dK.data() + j0 * g.Dqk, g.Dqk);  // dK_j += scale dS^T Q_i
                        gemm<acc_t>(false, false, rows, g.Dqk, cols, scale, dst.data(), kBlockK, kt.data(), g.Dqk, 1,
                                    dQ.data() + i0 * g.Dqk, g.Dqk);  // dQ_i += scale dS K_j
                    }
                }
                scalar_t *dqDst = dqp + (b * g.H + h) * g.T * g.Dqk;
                for (int64_t i = 0; i < g.T * g.Dqk; ++i) dqDst[i] = static_cast<scalar_t>(dQ[i]);
            }
            scalar_t *dkDst = dkp + (b * g.Hkv + kvh) * g.S * g.Dqk;
            scalar_t *dvDst = dvp + (b * g.Hkv + kvh) * g.S * g.Dv;
            for (int64_t i = 0; i < g.S * g.Dqk; ++i) dkDst[i] = static_cast<scalar_t>(dK[i]);
            for (int64_t i = 0; i < g.S * g.Dv; ++i) dvDst[i] = static_cast<scalar_t>(dV[i]);
        }
    });
}

Segments segmentsOf(const at::Tensor &qSeg, const at::Tensor &kSeg, const Geometry &g)
{
    Segments s;
    if (qSeg.defined() && qSeg.numel() > 0) {
        s.q = qSeg.data_ptr<int64_t>();
        s.k = kSeg.data_ptr<int64_t>();
        s.T = g.T;
        s.S = g.S;
    }
    return s;
}

// Segment ids as contiguous int64; "no segments" travels through autograd as an empty tensor (the
// autograd Function cannot take undefined tensors as inputs).
at::Tensor segmentArgument(const at::Tensor &t)
{
    return t.defined() ? t.to(at::kLong).contiguous() : at::empty({0}, at::kLong);
}

at::Tensor definedOrNone(const at::Tensor &t)
{
    return t.numel() > 0 ? t : at::Tensor();
}

// Dispatches a kernel over the supported dtypes with the matching accumulator type.
template <typename F>
void dispatchFloating(at::ScalarType type, const char *op, F &&f)
{
    switch (type) {
    case at::kDouble: f(double(), double()); break;
    case at::kFloat: f(float(), float()); break;
    case at::kBFloat16: f(at::BFloat16(), float()); break;
    default: TORCH_CHECK(false, op, ": unsupported dtype ", type, " on the CPU (float64, float32 or bfloat16)");
    }
}

class AttentionFunction : public torch::autograd::Function<AttentionFunction> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &q, const at::Tensor &k,
                              const at::Tensor &v, const at::Tensor &qSeg, const at::Tensor &kSeg, double scale,
                              bool causal)
    {
        const Geometry g = checkInputs("attention", q, k, v, {scale, causal}, definedOrNone(qSeg), definedOrNone(kSeg));
        at::Tensor out, lse;
        if (q.is_cuda()) {
#ifdef DANKA_WITH_CUDA
            std::tie(out, lse) = cuda::attentionForwardCuda(q, k, v, definedOrNone(qSeg), definedOrNone(kSeg), g.scale,
                                                            g.causal);
#else
            TORCH_CHECK(false, "attention: CUDA tensors need a build with Danka's CUDA kernels");
#endif
        } else {
            out = at::empty({g.B, g.H, g.T, g.Dv}, q.options());
            lse = at::empty({g.B, g.H, g.T}, q.options().dtype(q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat));
            const Segments seg = segmentsOf(qSeg, kSeg, g);
            dispatchFloating(q.scalar_type(), "attention", [&](auto s, auto a) {
                forwardKernel<decltype(s), decltype(a)>(g, q, k, v, seg, out, lse);
            });
        }
        ctx->save_for_backward({q, k, v, out, lse, qSeg, kSeg});
        ctx->saved_data["scale"] = scale;
        ctx->saved_data["causal"] = causal;
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        // The CPU and CUDA backward kernels compute the gradients outside autograd: with create_graph they
        // would come back without a graph, and a gradient penalty would silently miss this op's part.
        checkFirstOrderBackward("attention");
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
        const at::Tensor &qSeg = saved[5], &kSeg = saved[6];
        const AttentionOptions o{ctx->saved_data["scale"].toDouble(), ctx->saved_data["causal"].toBool()};
        const Geometry g = checkInputs("attention backward", q, k, v, o, definedOrNone(qSeg), definedOrNone(kSeg));
        if (q.is_cuda()) {
#ifdef DANKA_WITH_CUDA
            auto [dq, dk, dv] = cuda::attentionBackwardCuda(q, k, v, out, lse, grads[0], definedOrNone(qSeg),
                                                            definedOrNone(kSeg), g.scale, g.causal);
            return {dq, dk, dv, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
#else
            TORCH_CHECK(false, "attention backward: CUDA tensors need a build with Danka's CUDA kernels");
#endif
        }
        at::Tensor dq = at::empty({g.B, g.H, g.T, g.Dqk}, q.options());
        at::Tensor dk = at::empty({g.B, g.Hkv, g.S, g.Dqk}, k.options());
        at::Tensor dv = at::empty({g.B, g.Hkv, g.S, g.Dv}, v.options());
        const at::Tensor dout = grads[0].to(q.scalar_type());
        const Segments seg = segmentsOf(qSeg, kSeg, g);
        dispatchFloating(q.scalar_type(), "attention", [&](auto s, auto a) {
            backwardKernel<decltype(s), decltype(a)>(g, q, k, v, out, lse, dout, seg, dq, dk, dv);
        });
        return {dq, dk, dv, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

const char *attentionPathName(AttentionPath path)
{
    switch (path) {
        case AttentionPath::Flash: return "flash";
        case AttentionPath::LibtorchSdpa: return "libtorch-sdpa";
        case AttentionPath::CudaFlash: return "cuda-flash";
        case AttentionPath::CudaDecode: return "cuda-decode";
        case AttentionPath::Reference: return "reference";
    }
    return "?";
}

namespace {

std::atomic<bool> g_cpuSdpaAllowed{true};

}  // namespace

void setCpuSdpaAllowed(bool allowed)
{
    g_cpuSdpaAllowed = allowed;
}

bool cpuSdpaAllowed()
{
    return g_cpuSdpaAllowed;
}

namespace {

// The CPU inputs LibTorch's fused SDPA kernel runs faster than Danka's (see attention.h): float32 or bfloat16,
// no segment masks, equal head dims, a causal mask that SDPA aligns as Danka does (T == S), and SDPA itself
// choosing its flash kernel (not its O(T^2) math backend).
bool cpuSdpaTakes(const Geometry &g, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                  const AttentionOptions &o, const at::Tensor &qSegments)
{
    if (!o.cpuSdpa || !g_cpuSdpaAllowed || !q.device().is_cpu() || qSegments.defined()) return false;
    if (q.scalar_type() != at::kFloat && q.scalar_type() != at::kBFloat16) return false;
    if (g.Dqk != g.Dv || (g.causal && g.T != g.S)) return false;
    try {
        return at::_fused_sdp_choice(q, k, v, {}, 0.0, g.causal, g.scale, g.group > 1) ==
               static_cast<int64_t>(at::SDPBackend::flash_attention);
    } catch (const c10::Error &) {
        return false;
    }
}

AttentionPath pathFor(const Geometry &g, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                      const AttentionOptions &options, const at::Tensor &qSegments)
{
#ifdef DANKA_WITH_CUDA
    if (q.is_cuda() && cuda::cudaKernelDtype(q.scalar_type()) && cuda::kernelsRunOn(q)) {
        // Inference (no gradient wanted) with few queries: split-KV decoding over the cache.
        const bool wantsGrad =
            at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
        if (!wantsGrad && g.T <= kDecodeMaxQueries && cuda::attentionDecodeSupports(g.Dqk, g.Dv))
            return AttentionPath::CudaDecode;
        if (cuda::attentionTrainingSupports(g.Dqk, g.Dv)) return AttentionPath::CudaFlash;
    }
#endif
    // float64 (and head dims beyond the kernels) on CUDA, GPUs the kernels have no image for (older than sm_80
    // in the default build), other devices, float16 on the CPU: the reference.
    if (!q.device().is_cpu() || q.scalar_type() == at::kHalf) return AttentionPath::Reference;
    if (cpuSdpaTakes(g, q, k, v, options, qSegments)) return AttentionPath::LibtorchSdpa;
    return AttentionPath::Flash;
}

}  // namespace

AttentionPath attentionPath(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            const AttentionOptions &options, const at::Tensor &qSegments, const at::Tensor &kSegments)
{
    return pathFor(checkInputs("attention", q, k, v, options, qSegments, kSegments), q, k, v, options, qSegments);
}

at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const AttentionOptions &options,
                     const at::Tensor &qSegments, const at::Tensor &kSegments)
{
    const Geometry g = checkInputs("attention", q, k, v, options, qSegments, kSegments);
    switch (pathFor(g, q, k, v, options, qSegments)) {
        case AttentionPath::CudaDecode:
#ifdef DANKA_WITH_CUDA
            return cuda::attentionDecodeCuda(q, k, v, qSegments, kSegments, g.scale, g.causal);
#else
            break;
#endif
        case AttentionPath::LibtorchSdpa:
            return at::scaled_dot_product_attention(q, k, v, {}, 0.0, g.causal, g.scale, g.group > 1);
        case AttentionPath::Reference: return attentionReference(q, k, v, options, qSegments, kSegments);
        case AttentionPath::Flash:
        case AttentionPath::CudaFlash: break;
    }
    return AttentionFunction::apply(q, k, v, segmentArgument(qSegments), segmentArgument(kSegments), g.scale, g.causal);
}

at::Tensor attentionReference(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                              const AttentionOptions &options, const at::Tensor &qSegments, const at::Tensor &kSegments)
{
    const Geometry g = checkInputs("attentionReference", q, k, v, options, qSegments, kSegments);
    const at::Tensor kk = g.group > 1 ? k.repeat_interleave(g.group, 1) : k;  // (B, H, S, Dqk)
    const at::Tensor vv = g.group > 1 ? v.repeat_interleave(g.group, 1) : v;  // (B, H, S, Dv)
    at::Tensor scores = at::matmul(q, kk.transpose(-2, -1)) * g.scale;        // (B, H, T, S)
    at::Tensor hidden = at::zeros({g.B, 1, g.T, g.S}, q.options().dtype(at::kBool));
    if (g.causal) {
        const at::Tensor qpos = at::arange(g.T, q.options().dtype(at::kLong)).unsqueeze(1) + g.offset;  // (T, 1)
        const at::Tensor kpos = at::arange(g.S, q.options().dtype(at::kLong)).unsqueeze(0);             // (1, S)
        hidden = hidden | (kpos > qpos).view({1, 1, g.T, g.S});
    }
    if (qSegments.defined())
        hidden = hidden | (qSegments.unsqueeze(2) != kSegments.unsqueeze(1)).unsqueeze(1);  // (B, 1, T, S)
    scores = scores.masked_fill(hidden, -std::numeric_limits<double>::infinity());
    // A query that sees nothing has an all -inf row: softmax gives NaN there, replaced by zeros.
    const at::Tensor p = at::softmax(scores, -1).masked_fill(hidden, 0);
    return at::matmul(p, vv);  // (B, H, T, Dv)
}

}  // namespace danka::kernels
