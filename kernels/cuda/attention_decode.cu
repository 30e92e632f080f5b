// Split-KV attention for decoding (flash-decoding, Dao et al. 2023): few queries over a long K/V cache. The
// key axis is cut into `splits` chunks handled by separate blocks, so a single query row still fills the GPU;
// each block writes a partial output normalised by its own sum and its LSE, and decodeCombineKernel merges
// them: LSE = log sum_s exp(LSE_s), O = sum_s exp(LSE_s - LSE) O_s. Raw pointers, strides and a stream (the
// glue is attention_glue.cpp). float32 / float16 / bfloat16 inputs, float32 arithmetic (plain FMA: this is a
// memory-bound pass over the cache, tensor cores would not help).
//
// One block = (batch, kv head, chunk of kRows query rows, key split). The query rows of a kv head are the
// (group head, query) pairs that read it, group * T of them: GQA heads and MLA's absorbed form (one latent kv
// head shared by all H heads, Dqk 576 / Dv 512, values a view of the keys) reuse each key row loaded for up
// to kRows query rows. Keys and values are read straight from global memory (a strided view of a bigger cache
// is fine: only the row stride matters).
#include "kernels/cuda/attention.h"
#include "kernels/cuda/cuda_common.cuh"

namespace danka::kernels::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kRows = 8;   // query rows per block
constexpr int kKeys = 32;  // keys per step (one per lane in the softmax)
constexpr int kDvPerThread = int(kAttentionDecodeMaxHeadDim) / kThreads;  // output dims per thread: 8
constexpr int kMinKeysPerSplit = 128;  // a split reads at least this many keys
constexpr int kMaxSplits = 64;
constexpr float kMinusInf = -__builtin_huge_valf();

static_assert(kKeys == 32, "the softmax pass gives one key to each lane");
static_assert(kDvPerThread * kThreads == kAttentionDecodeMaxHeadDim, "every output dim has an owner thread");

__host__ __device__ constexpr int64_t minI(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

// Partial results of one (row, split): out[(row * splits + split) * Dv + d] and lse[row * splits + split],
// with row = (b * H + h) * T + t.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    decodeSplitKernel(AttentionShape g, AttnTensor q, AttnTensor k, AttnTensor v, int splits,
                      int64_t keysPerSplit, float *partOut, float *partLse)
{
    extern __shared__ __align__(16) float smem[];
    const int Dqk = static_cast<int>(g.Dqk), Dv = static_cast<int>(g.Dv);
    float *qs = smem;                    // kRows x Dqk: the block's query rows, pre-multiplied by scale
    float *ps = qs + kRows * Dqk;        // kRows x kKeys: scores, then probabilities, of the current step
    float *rowMax = ps + kRows * kKeys;  // kRows: running max of the scores
    float *rowSum = rowMax + kRows;      // kRows: running sum of exp(score - max)
    float *rowScale = rowSum + kRows;    // kRows: exp(old max - new max) of the current step
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

    // Block -> (b, kv head, row chunk, split).
    const int64_t group = g.H / g.Hkv, rowsPerKv = group * g.T;
    const int64_t chunks = (rowsPerKv + kRows - 1) / kRows;
    int64_t task = blockIdx.x;
    const int split = static_cast<int>(task % splits);
    task /= splits;
    const int64_t chunk = task % chunks;
    task /= chunks;
    const int64_t kvh = task % g.Hkv, b = task / g.Hkv;
    const int64_t r0 = chunk * kRows;  // first row (group head * T + query) of the block
    const int rows = static_cast<int>(minI(kRows, rowsPerKv - r0));              // real rows
    const int64_t s0 = split * keysPerSplit, s1 = minI(g.S, s0 + keysPerSplit);  // this split's keys
    const int64_t offset = g.S - g.T;
    const int64_t *qSeg = g.qSegments ? g.qSegments + b * g.T : nullptr;
    const int64_t *kSeg = g.kSegments ? g.kSegments + b * g.S : nullptr;

    // Row r of the block is query t of head h.
    auto headOf = [&](int r) { return kvh * group + (r0 + r) / g.T; };
    auto queryOf = [&](int r) { return (r0 + r) % g.T; };

    for (int idx = threadIdx.x; idx < kRows * Dqk; idx += blockDim.x) {
        const int r = idx / Dqk, d = idx % Dqk;
        float x = 0.f;
        if (r < rows) {
            const T *qp = static_cast<const T *>(q.data) + b * q.batchStride + headOf(r) * q.headStride +
                          queryOf(r) * q.rowStride;
            x = toFloat(qp[d]) * g.scale;
        }
        qs[idx] = x;
    }
    for (int r = threadIdx.x; r < kRows; r += blockDim.x) {
        rowMax[r] = kMinusInf;
        rowSum[r] = 0.f;
    }
    float acc[kRows][kDvPerThread];  // acc[r][i]: output dim threadIdx.x + i * kThreads of row r
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int i = 0; i < kDvPerThread; ++i)
            acc[r][i] = 0.f;

    const T *kBase = static_cast<const T *>(k.data) + b * k.batchStride + kvh * k.headStride;
    const T *vBase = static_cast<const T *>(v.data) + b * v.batchStride + kvh * v.headStride;
    __syncthreads();

    for (int64_t j0 = s0; j0 < s1; j0 += kKeys) {
        // Scores: each warp takes keys j0 + warp, j0 + warp + 4, ...; lanes split the dims, then a warp sum.
        for (int kk = warp; kk < kKeys; kk += kWarps) {
            const int64_t j = j0 + kk;
            float part[kRows];
#pragma unroll
            for (int r = 0; r < kRows; ++r)
                part[r] = 0.f;
            if (j < s1) {
                const T *kp = kBase + j * k.rowStride;
                for (int d = lane; d < Dqk; d += 32) {
                    const float kd = toFloat(kp[d]);
#pragma unroll
                    for (int r = 0; r < kRows; ++r)
                        part[r] = fmaf(qs[r * Dqk + d], kd, part[r]);
                }
            }
#pragma unroll
            for (int r = 0; r < kRows; ++r) {
                const float s = warpSum(part[r]);
                if (lane == 0) {
                    bool visible = j < s1 && r < rows;
                    if (visible && g.causal) visible = j <= queryOf(r) + offset;
                    if (visible && qSeg) visible = qSeg[queryOf(r)] == kSeg[j];
                    ps[r * kKeys + kk] = visible ? s : kMinusInf;
                }
            }
        }
        __syncthreads();

        // Online softmax, one warp per row, one key per lane. A row that has seen nothing keeps max = -inf
        // and gets p = 0 (never exp(-inf - -inf)).
        for (int r = warp; r < kRows; r += kWarps) {
            const float s = ps[r * kKeys + lane];
            const float mOld = rowMax[r];
            const float mNew = fmaxf(mOld, warpMax(s));
            const float p = mNew == kMinusInf ? 0.f : expf(s - mNew);
            const float sum =
                warpSum(p);  // also orders every lane's read of rowMax[r] before lane 0 writes it
            ps[r * kKeys + lane] = p;
            if (lane == 0) {
                const float alpha =
                    mNew == kMinusInf ? 0.f : expf(mOld - mNew);  // 0 when nothing seen before
                rowMax[r] = mNew;
                rowSum[r] = rowSum[r] * alpha + sum;
                rowScale[r] = alpha;
            }
        }
        __syncthreads();

// acc = acc * alpha + P V; each thread owns output dims threadIdx.x + i * kThreads (coalesced V reads).
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
            const float alpha = rowScale[r];
#pragma unroll
            for (int i = 0; i < kDvPerThread; ++i)
                acc[r][i] *= alpha;
        }
        const int steps = static_cast<int>(minI(kKeys, s1 - j0));
        for (int kk = 0; kk < steps; ++kk) {
            const T *vp = vBase + (j0 + kk) * v.rowStride;
#pragma unroll
            for (int i = 0; i < kDvPerThread; ++i) {
                const int d = threadIdx.x + i * kThreads;
                if (d < Dv) {
                    const float vd = toFloat(vp[d]);
#pragma unroll
                    for (int r = 0; r < kRows; ++r)
                        acc[r][i] = fmaf(ps[r * kKeys + kk], vd, acc[r][i]);
                }
            }
        }
        __syncthreads();  // ps and rowScale are rewritten by the next step
    }

    // Partial output acc / sum and LSE = max + log sum; zeros and -inf when this split saw no key.
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
        if (r >= rows) break;  // (a constant bound keeps acc in registers)
        const int64_t row = (b * g.H + headOf(r)) * g.T + queryOf(r);
        const float l = rowSum[r];
        const float inv = l > 0.f ? 1.f / l : 0.f;
        float *po = partOut + (row * splits + split) * g.Dv;
#pragma unroll
        for (int i = 0; i < kDvPerThread; ++i) {
            const int d = threadIdx.x + i * kThreads;
            if (d < Dv) po[d] = acc[r][i] * inv;
        }
        if (threadIdx.x == 0) partLse[row * splits + split] = l > 0.f ? rowMax[r] + logf(l) : kMinusInf;
    }
}

// One block per (b, h, t) row: merges the splits' partial outputs by their LSE weights.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    decodeCombineKernel(AttentionShape g, int splits, const float *partOut, const float *partLse,
                        AttnTensorOut out, float *lse)
{
    const int64_t row = blockIdx.x;
    const int64_t t = row % g.T, h = row / g.T % g.H, b = row / g.T / g.H;
    const float *rowLse = partLse + row * splits;
    float mx = kMinusInf;
    for (int s = 0; s < splits; ++s)
        mx = fmaxf(mx, rowLse[s]);
    T *op = static_cast<T *>(out.data) + b * out.batchStride + h * out.headStride + t * out.rowStride;
    if (mx == kMinusInf) {  // no split saw a key: zeros, LSE = -inf
        for (int64_t d = threadIdx.x; d < g.Dv; d += blockDim.x)
            op[d] = fromFloat<T>(0.f);
        if (lse && threadIdx.x == 0) lse[row] = kMinusInf;
        return;
    }
    float denom = 0.f;
    for (int s = 0; s < splits; ++s)
        denom += expf(rowLse[s] - mx);  // empty splits: exp(-inf) = 0
    const float inv = 1.f / denom;
    for (int64_t d = threadIdx.x; d < g.Dv; d += blockDim.x) {
        float x = 0.f;
        for (int s = 0; s < splits; ++s) {
            const float w = expf(rowLse[s] - mx);
            if (w > 0.f) x = fmaf(w, partOut[(row * splits + s) * g.Dv + d], x);
        }
        op[d] = fromFloat<T>(x * inv);
    }
    if (lse && threadIdx.x == 0) lse[row] = mx + logf(denom);
}

int64_t blocksPerSplit(const AttentionShape &g)
{
    const int64_t rowsPerKv = g.H / g.Hkv * g.T;
    return g.B * g.Hkv * ((rowsPerKv + kRows - 1) / kRows);
}

int64_t keysPerSplitOf(const AttentionShape &g, int splits)
{
    return splits > 0 ? ceilDiv(g.S, splits) : g.S;
}

}  // namespace

int attentionDecodeSplits(const AttentionShape &g)
{
    // Enough blocks for about two waves of the GPU, each split reading at least kMinKeysPerSplit keys.
    int device = 0, multiProcessors = 108;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&multiProcessors, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
        cudaGetLastError();
        multiProcessors = 108;
    }
    const int64_t base = blocksPerSplit(g);
    if (base <= 0) return 1;
    int64_t splits = ceilDiv(2 * int64_t(multiProcessors), base);
    splits = minI(splits, ceilDiv(g.S, kMinKeysPerSplit));
    splits = minI(splits, kMaxSplits);
    return splits < 1 ? 1 : static_cast<int>(splits);
}

int64_t attentionDecodeWorkspaceFloats(const AttentionShape &g, int splits)
{
    return g.B * g.H * g.T * int64_t(splits) * (g.Dv + 1);
}

int launchAttentionDecode(DType type, const AttentionShape &g, AttnTensor q, AttnTensor k, AttnTensor v,
                          AttnTensorOut out, float *lse, float *workspace, int splits, Stream stream)
{
    if (g.H <= 0 || g.Hkv <= 0 || g.H % g.Hkv != 0 || g.Dqk <= 0 || g.Dv <= 0 ||
        g.Dqk > kAttentionDecodeMaxHeadDim || g.Dv > kAttentionDecodeMaxHeadDim || splits < 1 ||
        (g.causal && g.T > g.S) || (g.qSegments == nullptr) != (g.kSegments == nullptr))
        return cudaErrorInvalidValue;
    const int64_t rowsTotal = g.B * g.H * g.T;
    if (rowsTotal == 0) return cudaSuccess;
    float *partOut = workspace;                              // (B * H * T, splits, Dv)
    float *partLse = workspace + rowsTotal * splits * g.Dv;  // (B * H * T, splits)
    return dispatchType(type, [&](auto element) {
        using T = decltype(element);
        const size_t bytes = sizeof(float) * (size_t(kRows) * g.Dqk + kRows * kKeys + 3 * kRows);  // <= 33 KB
        const int64_t blocks = blocksPerSplit(g) * splits;
        decodeSplitKernel<T><<<static_cast<unsigned>(blocks), kThreads, bytes, stream>>>(
            g, q, k, v, splits, keysPerSplitOf(g, splits), partOut, partLse);
        if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
        decodeCombineKernel<T><<<static_cast<unsigned>(rowsTotal), kThreads, 0, stream>>>(g, splits, partOut,
                                                                                          partLse, out, lse);
        return cudaGetLastError();
    });
}

}  // namespace danka::kernels::cuda
