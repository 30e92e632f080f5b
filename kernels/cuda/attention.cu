// FlashAttention-2 forward and backward on CUDA (Dao 2023, arXiv:2307.08691; algorithm in
// ../shared/reference/TECHNICAL.md section 4). Raw pointers, strides and a stream; the LibTorch side is
// attention_glue.cpp. float32 / float16 / bfloat16 inputs, float32 accumulation everywhere.
//
// Structure: every tile lives in shared memory, its width rounded up to a multiple of 16 and zero-padded, so
// a single block-wide "C (+)= A B" helper (blockGemm) does all the products: tensor cores (nvcuda::wmma
// 16x16x16 fragments, float accumulators) for the 16-bit types, plain FMA per output element for float32 (no
// TF32, so float32 keeps ~1e-6 relative accuracy). Accumulators (O in the forward, dK/dV in the backward)
// also live in shared memory as float, which makes the per-row rescaling of the online softmax a plain loop.
//
// Forward, one block per (batch, head, block of BQ queries): for each block of BK keys (causal: up to the
// diagonal) S = Q K^T; masked scaled scores update the running row max m and sum l; O = O * exp(m_old -
// m_new)
// + P V. O / l and LSE = m + log l at the end; a row that saw nothing gets zeros and LSE = -inf.
//
// Backward, D = rowsum(dO * O) first (backwardPreprocessKernel); then one block per (batch, kv head, block of
// BK keys) walks the query blocks of every query head of its group, so dK and dV of its keys stay in shared
// memory and grouped heads add into them without races. dQ is added with atomicAdd into a float32 buffer and
// converted at the end (dqConvertKernel): non-deterministic summation order, chosen for simplicity and one
// pass.
#include <mma.h>

#include <type_traits>

#include "kernels/cuda/attention.h"
#include "kernels/cuda/cuda_common.cuh"

namespace danka::kernels::cuda {
namespace {

using namespace nvcuda;

constexpr int kWarps = 4;  // warps per block of the training kernels
constexpr int kThreads = kWarps * 32;
constexpr float kMinusInf = -__builtin_huge_valf();
constexpr int kSmemLimit = 99 * 1024;  // largest opt-in dynamic shared memory of an RTX 4090 (sm_89)

__host__ __device__ constexpr int roundUp16(int64_t x)
{
    return static_cast<int>((x + 15) / 16 * 16);
}
__host__ __device__ constexpr int64_t minI(int64_t a, int64_t b)
{
    return a < b ? a : b;
}
__host__ __device__ constexpr int64_t maxI(int64_t a, int64_t b)
{
    return a > b ? a : b;
}
__host__ __device__ constexpr size_t align128(size_t x)
{
    return (x + 127) / 128 * 128;
}

// Row strides (in elements) of shared tiles. 16-bit tiles feed wmma, which wants 16-byte multiples (8 halves,
// 4 floats) and 32-byte aligned fragment pointers: +8 / +4 keeps both and shifts rows across banks. float32
// tiles are read element by element: +1 makes the stride odd, so a warp reading a column hits 32 banks.
__host__ __device__ constexpr int elemLd(int width, int elemBytes)
{
    return width + (elemBytes == 4 ? 1 : 8);
}
__host__ __device__ constexpr int floatLd(int width, int elemBytes)
{
    return width + (elemBytes == 4 ? 1 : 4);
}

// Tile sizes per head-dim bucket (MaxD = 64, 128 or 256 covers max(Dqk, Dv)) and element size. Every
// configuration fits 99 KB of shared memory for the largest dims of its bucket (static_asserts below).
template <int MaxD, int ElemBytes>
struct ForwardTiles {
    static constexpr int BQ = MaxD <= 128 ? 64 : 32;  // queries per block
    static constexpr int BK = MaxD <= 64 ? 64 : (MaxD <= 128 || ElemBytes == 2 ? 32 : 16);  // keys per step
};
template <int MaxD, int ElemBytes>
struct BackwardTiles {
    static constexpr int BK = MaxD <= 128 ? (ElemBytes == 2 && MaxD <= 64 ? 64 : 32) : 16;  // keys per block
    static constexpr int BQ =
        ElemBytes == 2 ? 32 : (MaxD <= 64 ? 32 : (MaxD <= 128 ? 16 : 8));  // queries per step
};

// Lays out a dynamic shared memory block as 128-byte aligned arrays: take() returns each array's byte offset.
// constexpr, so the host, the kernels and the static_asserts on the 99 KB budget share one computation.
struct Carver {
    size_t used = 0;
    constexpr size_t take(size_t bytes)
    {
        const size_t at = align128(used);
        used = at + bytes;
        return at;
    }
};

// ---------------------------------------------------------------------------------------------------------
// Block-wide helpers (all threads of the block call them).

// Copies rows [0, rows) x cols [0, cols) of a strided matrix (row stride `rowStride`, unit column stride)
// into a shared tile tileRows x tileCols (row stride ld); everything outside is zero-filled, so padded rows
// and columns add nothing to the products (and never carry garbage that could become NaN).
template <typename T>
__device__ void loadTile(T *dst, int ld, int tileRows, int tileCols, const T *src, int64_t rowStride,
                         int rows, int cols)
{
    for (int idx = threadIdx.x; idx < tileRows * tileCols; idx += blockDim.x) {
        const int r = idx / tileCols, c = idx % tileCols;
        dst[r * ld + c] = (r < rows && c < cols) ? src[r * rowStride + c] : fromFloat<T>(0.f);
    }
}

// One 16x16 tile of A B for the warp: c (+)= sum over k0 of A[m0.., k0..] B[k0.., n0..] (tensor cores).
// A(m, k) = ATrans ? A[k * lda + m] : A[m * lda + k]; B(k, n) = BTrans ? B[n * ldb + k] : B[k * ldb + n].
template <bool ATrans, bool BTrans, typename T>
__device__ void warpTileMma(wmma::fragment<wmma::accumulator, 16, 16, 16, float> &c, int m0, int n0, int K,
                            const T *A, int lda, const T *B, int ldb)
{
    using ALayout = std::conditional_t<ATrans, wmma::col_major, wmma::row_major>;
    using BLayout = std::conditional_t<BTrans, wmma::col_major, wmma::row_major>;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, T, ALayout> a;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, T, BLayout> b;
    for (int k0 = 0; k0 < K; k0 += 16) {
        wmma::load_matrix_sync(a, ATrans ? A + k0 * lda + m0 : A + m0 * lda + k0, lda);
        wmma::load_matrix_sync(b, BTrans ? B + n0 * ldb + k0 : B + k0 * ldb + n0, ldb);
        wmma::mma_sync(c, a, b, c);
    }
}

// C (M x N, float, row stride ldc, shared) = A B, or += A B when `accumulate`. A is M x K, B is K x N, both
// in shared memory with the layouts of warpTileMma. 16-bit: M, N, K multiples of 16, one C tile per warp at a
// time. float32: one output element per thread at a time, FMA in k order.
template <bool ATrans, bool BTrans, typename T>
__device__ void blockGemm(int M, int N, int K, const T *A, int lda, const T *B, int ldb, float *C, int ldc,
                          bool accumulate)
{
    if constexpr (std::is_same_v<T, float>) {
        for (int idx = threadIdx.x; idx < M * N; idx += blockDim.x) {
            const int m = idx / N, n = idx % N;
            float sum = accumulate ? C[m * ldc + n] : 0.f;
            for (int k = 0; k < K; ++k)
                sum = fmaf(ATrans ? A[k * lda + m] : A[m * lda + k], BTrans ? B[n * ldb + k] : B[k * ldb + n],
                           sum);
            C[m * ldc + n] = sum;
        }
    } else {
        const int tilesN = N / 16, warp = threadIdx.x / 32;
        for (int tile = warp; tile < (M / 16) * tilesN; tile += blockDim.x / 32) {
            const int m0 = tile / tilesN * 16, n0 = tile % tilesN * 16;
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            if (accumulate)
                wmma::load_matrix_sync(c, C + m0 * ldc + n0, ldc, wmma::mem_row_major);
            else
                wmma::fill_fragment(c, 0.f);
            warpTileMma<ATrans, BTrans>(c, m0, n0, K, A, lda, B, ldb);
            wmma::store_matrix_sync(C + m0 * ldc + n0, c, ldc, wmma::mem_row_major);
        }
    }
}

// out[m * ldOut + n] += alpha * (A B)[m][n] with atomicAdd in global memory, for m < rows and n < cols only.
// A row-major (M x K), B row-major (K x N) in shared memory; `scratch` holds 16x16 floats per warp (16-bit
// only).
template <typename T>
__device__ void blockGemmAtomicAdd(int M, int N, int K, const T *A, int lda, const T *B, int ldb, float alpha,
                                   float *out, int64_t ldOut, int rows, int cols, float *scratch)
{
    if constexpr (std::is_same_v<T, float>) {
        for (int idx = threadIdx.x; idx < rows * cols; idx += blockDim.x) {
            const int m = idx / cols, n = idx % cols;
            float sum = 0.f;
            for (int k = 0; k < K; ++k)
                sum = fmaf(A[m * lda + k], B[k * ldb + n], sum);
            atomicAdd(out + m * ldOut + n, alpha * sum);
        }
    } else {
        const int tilesN = N / 16, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
        float *mine = scratch + warp * 256;
        for (int tile = warp; tile < (M / 16) * tilesN; tile += blockDim.x / 32) {
            const int m0 = tile / tilesN * 16, n0 = tile % tilesN * 16;
            if (m0 >= rows || n0 >= cols) continue;  // wholly padding: nothing to add (uniform per warp)
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            wmma::fill_fragment(c, 0.f);
            warpTileMma<false, false>(c, m0, n0, K, A, lda, B, ldb);
            wmma::store_matrix_sync(mine, c, 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {  // two rows of 16 consecutive floats per step: coalesced
                const int m = m0 + e / 16, n = n0 + e % 16;
                if (m < rows && n < cols) atomicAdd(out + m * ldOut + n, alpha * mine[e]);
            }
            __syncwarp();  // the next tile's store reuses `mine`
        }
    }
}

// Whether query i (absolute index in [0, T)) may see key j (in [0, S)): causal offset and segment ids.
struct Mask {
    bool causal;
    int64_t offset;       // S - T
    const int64_t *qSeg;  // this batch row's (T) ids, or null
    const int64_t *kSeg;  // this batch row's (S) ids, or null
    __device__ bool visible(int64_t i, int64_t j) const
    {
        if (causal && j > i + offset) return false;
        return !qSeg || qSeg[i] == kSeg[j];
    }
};

__device__ Mask maskFor(const AttentionShape &g, int64_t b)
{
    return {g.causal, g.S - g.T, g.qSegments ? g.qSegments + b * g.T : nullptr,
            g.kSegments ? g.kSegments + b * g.S : nullptr};
}

// ---------------------------------------------------------------------------------------------------------
// Forward.

// Shared arrays of the forward kernel: row strides (elements) and byte offsets.
struct ForwardLayout {
    int ldQ = 0, ldKV = 0, ldS = 0, ldP = 0, ldO = 0;
    size_t q = 0;   // T, BQ x ldQ: the query tile
    size_t kv = 0;  // T, BK x ldKV: K of the current key block, then V (one buffer, reloaded)
    size_t s = 0;   // float, BQ x ldS: scores S = Q K^T
    size_t p = 0;   // T, BQ x ldP: probabilities P (element type for the tensor cores; float32 aliases s)
    size_t o = 0;   // float, BQ x ldO: output accumulator
    size_t m = 0;   // float, BQ: running row max of the scaled scores
    size_t l = 0;   // float, BQ: running row sum of exp(score - m)
    size_t bytes = 0;
};

template <int ElemBytes>
__host__ __device__ constexpr ForwardLayout forwardLayout(int BQ, int BK, int dq16, int dv16)
{
    constexpr int e = ElemBytes;
    ForwardLayout L;
    L.ldQ = elemLd(dq16, e);
    L.ldKV = elemLd(dq16 > dv16 ? dq16 : dv16, e);
    L.ldS = floatLd(BK, e);
    L.ldP = e == 4 ? L.ldS : elemLd(BK, e);
    Carver c;
    L.ldO = floatLd(dv16, e);
    L.q = c.take(size_t(BQ) * L.ldQ * e);
    L.kv = c.take(size_t(BK) * L.ldKV * e);
    L.s = c.take(size_t(BQ) * L.ldS * 4);
    L.p = e == 4 ? L.s : c.take(size_t(BQ) * L.ldP * e);
    L.o = c.take(size_t(BQ) * L.ldO * 4);
    L.m = c.take(size_t(BQ) * 4);
    L.l = c.take(size_t(BQ) * 4);
    L.bytes = align128(c.used);
    return L;
}

template <typename T, int MaxD>
__global__ void __launch_bounds__(kThreads)
    forwardKernel(AttentionShape g, AttnTensor q, AttnTensor k, AttnTensor v, AttnTensorOut out, float *lse)
{
    constexpr int BQ = ForwardTiles<MaxD, sizeof(T)>::BQ, BK = ForwardTiles<MaxD, sizeof(T)>::BK;
    constexpr int kPerLane = (BK + 31) / 32;  // score columns per lane in the softmax pass
    extern __shared__ __align__(128) char smem[];
    const int dq16 = roundUp16(g.Dqk), dv16 = roundUp16(g.Dv);
    const ForwardLayout L = forwardLayout<sizeof(T)>(BQ, BK, dq16, dv16);
    struct {
        T *q, *kv, *p;
        float *s, *o, *m, *l;
    } const sm = {reinterpret_cast<T *>(smem + L.q),     reinterpret_cast<T *>(smem + L.kv),
                  reinterpret_cast<T *>(smem + L.p),     reinterpret_cast<float *>(smem + L.s),
                  reinterpret_cast<float *>(smem + L.o), reinterpret_cast<float *>(smem + L.m),
                  reinterpret_cast<float *>(smem + L.l)};
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

    // Block -> (b, h, query block). Later query blocks see more keys under a causal mask: launch them first.
    const int64_t qBlocks = (g.T + BQ - 1) / BQ;
    const int64_t qb = qBlocks - 1 - static_cast<int64_t>(blockIdx.x) % qBlocks;
    const int64_t h = static_cast<int64_t>(blockIdx.x) / qBlocks % g.H;
    const int64_t b = static_cast<int64_t>(blockIdx.x) / qBlocks / g.H;
    const int64_t kvh = h / (g.H / g.Hkv);
    const int64_t i0 = qb * BQ;                             // first query of the block
    const int rows = static_cast<int>(minI(BQ, g.T - i0));  // real queries in the block
    const Mask mask = maskFor(g, b);

    const T *qp = static_cast<const T *>(q.data) + b * q.batchStride + h * q.headStride + i0 * q.rowStride;
    const T *kp = static_cast<const T *>(k.data) + b * k.batchStride + kvh * k.headStride;
    const T *vp = static_cast<const T *>(v.data) + b * v.batchStride + kvh * v.headStride;

    loadTile(sm.q, L.ldQ, BQ, dq16, qp, q.rowStride, rows, static_cast<int>(g.Dqk));
    for (int idx = threadIdx.x; idx < BQ * dv16; idx += blockDim.x)
        sm.o[idx / dv16 * L.ldO + idx % dv16] = 0.f;
    for (int r = threadIdx.x; r < BQ; r += blockDim.x) {
        sm.m[r] = kMinusInf;
        sm.l[r] = 0.f;
    }

    // Keys this block needs: all, or up to the position of its last query when causal.
    const int64_t kEnd = g.causal ? minI(g.S, i0 + rows + mask.offset) : g.S;
    for (int64_t j0 = 0; j0 < kEnd; j0 += BK) {
        const int cols = static_cast<int>(minI(BK, kEnd - j0));  // real keys in this step
        loadTile(sm.kv, L.ldKV, BK, dq16, kp + j0 * k.rowStride, k.rowStride, cols, static_cast<int>(g.Dqk));
        __syncthreads();  // K (and on the first step Q, O, m, l) ready
        blockGemm<false, true>(BQ, BK, dq16, sm.q, L.ldQ, sm.kv, L.ldKV, sm.s, L.ldS, false);  // S = Q K^T
        __syncthreads();  // S ready, K no longer read

        loadTile(sm.kv, L.ldKV, BK, dv16, vp + j0 * v.rowStride, v.rowStride, cols, static_cast<int>(g.Dv));
        // Online softmax, one warp per row: masked scores are -inf; a row that has seen nothing yet keeps
        // m = -inf and gets p = 0 (never exp(-inf - -inf)).
        for (int r = warp; r < BQ; r += kWarps) {
            float x[kPerLane];
            float rowMax = kMinusInf;
            for (int t = 0; t < kPerLane; ++t) {
                const int c = lane + 32 * t;
                x[t] = kMinusInf;
                if (c < BK && r < rows && c < cols && mask.visible(i0 + r, j0 + c))
                    x[t] = sm.s[r * L.ldS + c] * g.scale;
                rowMax = fmaxf(rowMax, x[t]);
            }
            rowMax = warpMax(rowMax);
            const float mOld = sm.m[r];
            const float mNew = fmaxf(mOld, rowMax);
            float sum = 0.f;
            for (int t = 0; t < kPerLane; ++t) {
                const int c = lane + 32 * t;
                const float p = mNew == kMinusInf ? 0.f : expf(x[t] - mNew);  // exp(-inf) = 0 for masked keys
                if (c < BK) sm.p[r * L.ldP + c] = fromFloat<T>(p);  // float32: same address as s, same lane
                sum += p;
            }
            sum = warpSum(sum);  // also orders every lane's read of sm.m[r] before lane 0 writes it
            // Rescale what was accumulated under the old max (nothing yet when mOld = -inf: exp(-inf) = 0).
            const float alpha = mNew == kMinusInf ? 0.f : expf(mOld - mNew);
            if (lane == 0) {
                sm.m[r] = mNew;
                sm.l[r] = sm.l[r] * alpha + sum;
            }
            for (int d = lane; d < dv16; d += 32)
                sm.o[r * L.ldO + d] *= alpha;
        }
        __syncthreads();  // P, rescaled O and V ready
        blockGemm<false, false>(BQ, dv16, BK, sm.p, L.ldP, sm.kv, L.ldKV, sm.o, L.ldO, true);  // O += P V
        __syncthreads();  // V and P free for the next step
    }
    __syncthreads();  // (no key step at all: the initial m, l, O must be visible)

    // O = acc / l; LSE = m + log l. A row that saw no key: zeros and -inf.
    T *op = static_cast<T *>(out.data) + b * out.batchStride + h * out.headStride + i0 * out.rowStride;
    for (int idx = threadIdx.x; idx < rows * g.Dv; idx += blockDim.x) {
        const int r = idx / static_cast<int>(g.Dv), d = idx % static_cast<int>(g.Dv);
        const float l = sm.l[r];
        op[r * out.rowStride + d] = fromFloat<T>(l > 0.f ? sm.o[r * L.ldO + d] / l : 0.f);
    }
    float *lp = lse + (b * g.H + h) * g.T + i0;
    for (int r = threadIdx.x; r < rows; r += blockDim.x)
        lp[r] = sm.l[r] > 0.f ? sm.m[r] + logf(sm.l[r]) : kMinusInf;
}

// ---------------------------------------------------------------------------------------------------------
// Backward.

// Shared arrays of the backward kernel: row strides (elements) and byte offsets.
struct BackwardLayout {
    int ldQ = 0, ldV = 0, ldKf = 0, ldVf = 0, ldS = 0, ldP = 0;
    size_t k = 0;        // T, BK x ldQ: this block's keys
    size_t v = 0;        // T, BK x ldV: this block's values
    size_t dk = 0;       // float, BK x ldKf: dK accumulator (unscaled: scale is applied when written)
    size_t dv = 0;       // float, BK x ldVf: dV accumulator
    size_t q = 0;        // T, BQ x ldQ: current query tile
    size_t dout = 0;     // T, BQ x ldV: its output gradient
    size_t s = 0;        // float, BQ x ldS: S, then P
    size_t dp = 0;       // float, BQ x ldS: dP = dO V^T
    size_t p = 0;        // T, BQ x ldP: P, then dS, in the element type (float32: aliases s)
    size_t lse = 0;      // float, BQ: LSE of the current query rows
    size_t delta = 0;    // float, BQ: D = rowsum(dO * O) of the current query rows
    size_t scratch = 0;  // float, kWarps x 256: dQ tiles on their way to global atomics (16-bit only)
    size_t bytes = 0;
};

template <int ElemBytes>
__host__ __device__ constexpr BackwardLayout backwardLayout(int BQ, int BK, int dq16, int dv16)
{
    constexpr int e = ElemBytes;
    BackwardLayout L;
    L.ldQ = elemLd(dq16, e);
    L.ldV = elemLd(dv16, e);
    L.ldKf = floatLd(dq16, e);
    L.ldVf = floatLd(dv16, e);
    L.ldS = floatLd(BK, e);
    L.ldP = e == 4 ? L.ldS : elemLd(BK, e);
    Carver c;
    L.k = c.take(size_t(BK) * L.ldQ * e);
    L.v = c.take(size_t(BK) * L.ldV * e);
    L.dk = c.take(size_t(BK) * L.ldKf * 4);
    L.dv = c.take(size_t(BK) * L.ldVf * 4);
    L.q = c.take(size_t(BQ) * L.ldQ * e);
    L.dout = c.take(size_t(BQ) * L.ldV * e);
    L.s = c.take(size_t(BQ) * L.ldS * 4);
    L.dp = c.take(size_t(BQ) * L.ldS * 4);
    L.p = e == 4 ? L.s : c.take(size_t(BQ) * L.ldP * e);
    L.lse = c.take(size_t(BQ) * 4);
    L.delta = c.take(size_t(BQ) * 4);
    L.scratch = e == 4 ? 0 : c.take(size_t(kWarps) * 256 * 4);
    L.bytes = align128(c.used);
    return L;
}

// D[row] = sum_d dO[row][d] * O[row][d] for every (b, h, t) row, one warp per row.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    backwardPreprocessKernel(AttentionShape g, AttnTensor out, AttnTensor dOut, float *delta)
{
    const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
    if (row >= g.B * g.H * g.T) return;
    const int64_t t = row % g.T, h = row / g.T % g.H, b = row / g.T / g.H;
    const T *o =
        static_cast<const T *>(out.data) + b * out.batchStride + h * out.headStride + t * out.rowStride;
    const T *d =
        static_cast<const T *>(dOut.data) + b * dOut.batchStride + h * dOut.headStride + t * dOut.rowStride;
    float sum = 0.f;
    for (int64_t c = threadIdx.x % 32; c < g.Dv; c += 32)
        sum = fmaf(toFloat(o[c]), toFloat(d[c]), sum);
    sum = warpSum(sum);
    if (threadIdx.x % 32 == 0) delta[row] = sum;
}

template <typename T, int MaxD>
__global__ void __launch_bounds__(kThreads)
    backwardKernel(AttentionShape g, AttnTensor q, AttnTensor k, AttnTensor v, AttnTensor dOut,
                   const float *lse, const float *delta, float *dqAccum, AttnTensorOut dk, AttnTensorOut dv)
{
    constexpr int BQ = BackwardTiles<MaxD, sizeof(T)>::BQ, BK = BackwardTiles<MaxD, sizeof(T)>::BK;
    extern __shared__ __align__(128) char smem[];
    const int dq16 = roundUp16(g.Dqk), dv16 = roundUp16(g.Dv);
    const int Dqk = static_cast<int>(g.Dqk), Dv = static_cast<int>(g.Dv);
    const BackwardLayout L = backwardLayout<sizeof(T)>(BQ, BK, dq16, dv16);
    struct {
        T *k, *v, *q, *dout, *p;
        float *dk, *dv, *s, *dp, *lse, *delta, *scratch;
    } const sm = {reinterpret_cast<T *>(smem + L.k),         reinterpret_cast<T *>(smem + L.v),
                  reinterpret_cast<T *>(smem + L.q),         reinterpret_cast<T *>(smem + L.dout),
                  reinterpret_cast<T *>(smem + L.p),         reinterpret_cast<float *>(smem + L.dk),
                  reinterpret_cast<float *>(smem + L.dv),    reinterpret_cast<float *>(smem + L.s),
                  reinterpret_cast<float *>(smem + L.dp),    reinterpret_cast<float *>(smem + L.lse),
                  reinterpret_cast<float *>(smem + L.delta), reinterpret_cast<float *>(smem + L.scratch)};

    // Block -> (b, kv head, key block).
    const int64_t kBlocks = (g.S + BK - 1) / BK;
    const int64_t j0 = static_cast<int64_t>(blockIdx.x) % kBlocks * BK;  // first key of the block
    const int64_t kvh = static_cast<int64_t>(blockIdx.x) / kBlocks % g.Hkv;
    const int64_t b = static_cast<int64_t>(blockIdx.x) / kBlocks / g.Hkv;
    const int cols = static_cast<int>(minI(BK, g.S - j0));  // real keys in the block
    const int64_t group = g.H / g.Hkv;
    const Mask mask = maskFor(g, b);

    loadTile(sm.k, L.ldQ, BK, dq16,
             static_cast<const T *>(k.data) + b * k.batchStride + kvh * k.headStride + j0 * k.rowStride,
             k.rowStride, cols, Dqk);
    loadTile(sm.v, L.ldV, BK, dv16,
             static_cast<const T *>(v.data) + b * v.batchStride + kvh * v.headStride + j0 * v.rowStride,
             v.rowStride, cols, Dv);
    for (int idx = threadIdx.x; idx < BK * dq16; idx += blockDim.x)
        sm.dk[idx / dq16 * L.ldKf + idx % dq16] = 0.f;
    for (int idx = threadIdx.x; idx < BK * dv16; idx += blockDim.x)
        sm.dv[idx / dv16 * L.ldVf + idx % dv16] = 0.f;

    // Causal: query i sees key j0 only when i >= j0 - offset, so start at the query block holding that row.
    const int64_t firstQuery = g.causal ? maxI(0, j0 - mask.offset) : 0;
    const int64_t iStart = firstQuery / BQ * BQ;

    for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
        const int64_t rowBase = (b * g.H + h) * g.T;  // (b, h, 0) in the (B, H, T) row order
        for (int64_t i0 = iStart; i0 < g.T; i0 += BQ) {
            const int rows = static_cast<int>(minI(BQ, g.T - i0));
            loadTile(sm.q, L.ldQ, BQ, dq16,
                     static_cast<const T *>(q.data) + b * q.batchStride + h * q.headStride + i0 * q.rowStride,
                     q.rowStride, rows, Dqk);
            loadTile(sm.dout, L.ldV, BQ, dv16,
                     static_cast<const T *>(dOut.data) + b * dOut.batchStride + h * dOut.headStride +
                         i0 * dOut.rowStride,
                     dOut.rowStride, rows, Dv);
            for (int r = threadIdx.x; r < BQ; r += blockDim.x) {
                sm.lse[r] = r < rows ? lse[rowBase + i0 + r] : kMinusInf;
                sm.delta[r] = r < rows ? delta[rowBase + i0 + r] : 0.f;
            }
            __syncthreads();  // Q, dO, LSE, D (and on the first step K, V, dK, dV) ready
            blockGemm<false, true>(BQ, BK, dq16, sm.q, L.ldQ, sm.k, L.ldQ, sm.s, L.ldS, false);  // S = Q K^T
            __syncthreads();

            // P = exp(scale S - LSE) where visible, else 0. LSE = -inf means the row saw nothing: P = 0.
            for (int idx = threadIdx.x; idx < BQ * BK; idx += blockDim.x) {
                const int r = idx / BK, c = idx % BK;
                float p = 0.f;
                if (r < rows && c < cols && sm.lse[r] != kMinusInf && mask.visible(i0 + r, j0 + c))
                    p = expf(sm.s[r * L.ldS + c] * g.scale - sm.lse[r]);
                sm.s[r * L.ldS + c] = p;
                sm.p[r * L.ldP + c] = fromFloat<T>(p);  // float32: the same element, same thread
            }
            __syncthreads();
            blockGemm<true, false>(BK, dv16, BQ, sm.p, L.ldP, sm.dout, L.ldV, sm.dv, L.ldVf,
                                   true);  // dV += P^T dO
            blockGemm<false, true>(BQ, BK, dv16, sm.dout, L.ldV, sm.v, L.ldV, sm.dp, L.ldS,
                                   false);  // dP = dO V^T
            __syncthreads();                // P (element copy) no longer read: dS may overwrite it

            // dS = P (dP - D): zero wherever P is zero (masked, padding, empty rows).
            for (int idx = threadIdx.x; idx < BQ * BK; idx += blockDim.x) {
                const int r = idx / BK, c = idx % BK;
                const float ds = sm.s[r * L.ldS + c] * (sm.dp[r * L.ldS + c] - sm.delta[r]);
                sm.p[r * L.ldP + c] = fromFloat<T>(ds);
            }
            __syncthreads();
            blockGemm<true, false>(BK, dq16, BQ, sm.p, L.ldP, sm.q, L.ldQ, sm.dk, L.ldKf,
                                   true);  // dK += dS^T Q
            blockGemmAtomicAdd(BQ, dq16, BK, sm.p, L.ldP, sm.k, L.ldQ, g.scale,
                               dqAccum + (rowBase + i0) * g.Dqk, g.Dqk, rows, Dqk,
                               sm.scratch);  // dQ += scale dS K
            __syncthreads();                 // Q, dO, dS free for the next query block
        }
    }
    __syncthreads();  // (no query block at all: the zeroed accumulators must be visible)

    // dK = scale * sum dS^T Q; dV = sum P^T dO. Only the real keys and dims.
    T *dkp = static_cast<T *>(dk.data) + b * dk.batchStride + kvh * dk.headStride + j0 * dk.rowStride;
    T *dvp = static_cast<T *>(dv.data) + b * dv.batchStride + kvh * dv.headStride + j0 * dv.rowStride;
    for (int idx = threadIdx.x; idx < cols * Dqk; idx += blockDim.x) {
        const int r = idx / Dqk, d = idx % Dqk;
        dkp[r * dk.rowStride + d] = fromFloat<T>(g.scale * sm.dk[r * L.ldKf + d]);
    }
    for (int idx = threadIdx.x; idx < cols * Dv; idx += blockDim.x) {
        const int r = idx / Dv, d = idx % Dv;
        dvp[r * dv.rowStride + d] = fromFloat<T>(sm.dv[r * L.ldVf + d]);
    }
}

// dq (strided, element type) = dqAccum (contiguous float32 (B, H, T, Dqk), already scaled).
template <typename T>
__global__ void dqConvertKernel(AttentionShape g, const float *dqAccum, AttnTensorOut dq)
{
    const int64_t total = g.B * g.H * g.T * g.Dqk;
    for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
         idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t d = idx % g.Dqk, t = idx / g.Dqk % g.T, h = idx / g.Dqk / g.T % g.H,
                      b = idx / g.Dqk / g.T / g.H;
        static_cast<T *>(dq.data)[b * dq.batchStride + h * dq.headStride + t * dq.rowStride + d] =
            fromFloat<T>(dqAccum[idx]);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shared-memory budget: the largest dims of every bucket must fit 99 KB for every element type.

template <int MaxD, typename T>
constexpr bool forwardFits()
{
    using F = ForwardTiles<MaxD, sizeof(T)>;
    return forwardLayout<sizeof(T)>(F::BQ, F::BK, MaxD, MaxD).bytes <= kSmemLimit;
}
template <int MaxD, typename T>
constexpr bool backwardFits()
{
    using Bt = BackwardTiles<MaxD, sizeof(T)>;
    return backwardLayout<sizeof(T)>(Bt::BQ, Bt::BK, MaxD, MaxD).bytes <= kSmemLimit;
}

// Head-dim bucket of max(Dqk, Dv): 64, 128 or 256; 0 when too large.
int bucketOf(const AttentionShape &g)
{
    const int64_t d = g.Dqk > g.Dv ? g.Dqk : g.Dv;
    return d <= 64 ? 64 : d <= 128 ? 128 : d <= kAttentionMaxHeadDim ? 256 : 0;
}

// Calls f(std::integral_constant<int, bucket>{}) for the bucket of g.
template <typename F>
cudaError_t dispatchBucket(const AttentionShape &g, F &&f)
{
    switch (bucketOf(g)) {
        case 64:
            return f(std::integral_constant<int, 64>{});
        case 128:
            return f(std::integral_constant<int, 128>{});
        case 256:
            return f(std::integral_constant<int, 256>{});
    }
    return cudaErrorInvalidValue;
}

template <typename Kernel>
cudaError_t allowSharedMemory(Kernel kernel, size_t bytes)
{
    return cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
}

bool validShape(const AttentionShape &g)
{
    return g.B >= 0 && g.H > 0 && g.Hkv > 0 && g.H % g.Hkv == 0 && g.T >= 0 && g.S >= 0 && g.Dqk > 0 &&
           g.Dv > 0 && (!g.causal || g.T <= g.S) && (g.qSegments == nullptr) == (g.kSegments == nullptr);
}

}  // namespace

int launchAttentionForward(DType type, const AttentionShape &g, AttnTensor q, AttnTensor k, AttnTensor v,
                           AttnTensorOut out, float *lse, Stream stream)
{
    if (!validShape(g) || bucketOf(g) == 0) return cudaErrorInvalidValue;
    if (g.B * g.H * g.T == 0) return cudaSuccess;
    return dispatchType(type, [&](auto element) {
        using T = decltype(element);
        return dispatchBucket(g, [&](auto bucket) {
            constexpr int MaxD = decltype(bucket)::value;
            static_assert(forwardFits<MaxD, T>(), "forward tiles exceed 99 KB of shared memory");
            using F = ForwardTiles<MaxD, sizeof(T)>;
            const size_t bytes =
                forwardLayout<sizeof(T)>(F::BQ, F::BK, roundUp16(g.Dqk), roundUp16(g.Dv)).bytes;
            auto kernel = forwardKernel<T, MaxD>;
            if (cudaError_t e = allowSharedMemory(kernel, bytes); e != cudaSuccess) return e;
            const int64_t blocks = g.B * g.H * ceilDiv(g.T, F::BQ);
            kernel<<<static_cast<unsigned>(blocks), kThreads, bytes, stream>>>(g, q, k, v, out, lse);
            return cudaGetLastError();
        });
    });
}

int launchAttentionBackward(DType type, const AttentionShape &g, AttnTensor q, AttnTensor k, AttnTensor v,
                            AttnTensor out, AttnTensor dOut, const float *lse, float *delta, float *dqAccum,
                            AttnTensorOut dq, AttnTensorOut dk, AttnTensorOut dv, Stream stream)
{
    if (!validShape(g) || bucketOf(g) == 0) return cudaErrorInvalidValue;
    return dispatchType(type, [&](auto element) {
        using T = decltype(element);
        const int64_t rowsTotal = g.B * g.H * g.T;
        if (rowsTotal > 0) {
            backwardPreprocessKernel<T>
                <<<static_cast<unsigned>(ceilDiv(rowsTotal, kWarps)), kThreads, 0, stream>>>(g, out, dOut,
                                                                                             delta);
            if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
        }
        if (g.B * g.Hkv * g.S > 0) {
            const cudaError_t e = dispatchBucket(g, [&](auto bucket) {
                constexpr int MaxD = decltype(bucket)::value;
                static_assert(backwardFits<MaxD, T>(), "backward tiles exceed 99 KB of shared memory");
                using Bt = BackwardTiles<MaxD, sizeof(T)>;
                const size_t bytes =
                    backwardLayout<sizeof(T)>(Bt::BQ, Bt::BK, roundUp16(g.Dqk), roundUp16(g.Dv)).bytes;
                auto kernel = backwardKernel<T, MaxD>;
                if (cudaError_t e2 = allowSharedMemory(kernel, bytes); e2 != cudaSuccess) return e2;
                const int64_t blocks = g.B * g.Hkv * ceilDiv(g.S, Bt::BK);
                kernel<<<static_cast<unsigned>(blocks), kThreads, bytes, stream>>>(g, q, k, v, dOut, lse,
                                                                                   delta, dqAccum, dk, dv);
                return cudaGetLastError();
            });
            if (e != cudaSuccess) return e;
        }
        const int64_t total = rowsTotal * g.Dqk;
        if (total > 0 && static_cast<void *>(dqAccum) != dq.data) {
            const int64_t blocks = ceilDiv(total, 256) < 65536 ? ceilDiv(total, 256) : 65536;
            dqConvertKernel<T><<<static_cast<unsigned>(blocks), 256, 0, stream>>>(g, dqAccum, dq);
            return cudaGetLastError();
        }
        return cudaSuccess;
    });
}

}  // namespace danka::kernels::cuda
