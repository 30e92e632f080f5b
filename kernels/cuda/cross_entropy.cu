// CUDA cross-entropy over a vocabulary: the forward reads each row of logits once (online logsumexp, Milakov
// & Gimelshein 2018, "Online normalizer calculation for softmax") and keeps only lse per row; the loss and
// weight sums are reduced in a fixed order by a second kernel (deterministic, no atomics); the backward
// recomputes softmax from logits and lse. Raw pointers and a stream only; the LibTorch side is
// cross_entropy_glue.cpp.
#include <cmath>

#include "kernels/cuda/cross_entropy.h"
#include "kernels/cuda/cuda_common.cuh"

namespace danka::kernels::cuda {
namespace {

constexpr int kMaxRowThreads = 512;    // threads of a row block (V beyond 512 chunks: the threads loop)
constexpr int64_t kMaxGrid = 1 << 30;  // blocks (more rows: the blocks loop)
constexpr int kSumThreads = 1024;      // the single block of the loss reduction

// exp for softmax terms: __expf (ex2.approx) keeps the one-pass loops memory-bound rather than bound by an
// accurate expf; its relative error, a few ulp plus about 2^-24 |x| for x <= 0, only matters for terms that
// are negligible next to the largest (x = 0, exp = 1). exp(-inf) = 0, exp(NaN) = NaN.
__device__ __forceinline__ float fastExp(float x)
{
    return __expf(x);
}

// A running logsumexp: max m and sum s of exp(x - m) over the values seen. m never becomes NaN (fmaxf skips
// NaN), a NaN value makes s NaN (as log_softmax gives NaN), -inf values add nothing.
struct Lse {
    float m = -INFINITY;
    float s = 0.f;
};

// exp(a - m) for a <= m that is 1 when a == m, including a = m = -inf (where a - m is NaN).
__device__ __forceinline__ float rescale(float a, float m)
{
    return a == m ? 1.f : fastExp(a - m);
}

__device__ __forceinline__ Lse combine(Lse a, Lse b)
{
    const float m = fmaxf(a.m, b.m);
    return {m, a.s * rescale(a.m, m) + b.s * rescale(b.m, m)};
}

// Combines the running logsumexps of a block in a fixed order; thread 0 gets the result.
__device__ __forceinline__ Lse blockCombine(Lse v, float *scratchM, float *scratchS)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int offset = 16; offset > 0; offset >>= 1)
        v = combine(v,
                    {__shfl_xor_sync(0xffffffffu, v.m, offset), __shfl_xor_sync(0xffffffffu, v.s, offset)});
    __syncthreads();  // the previous row's combine may still be reading the scratch
    if (lane == 0) {
        scratchM[warp] = v.m;
        scratchS[warp] = v.s;
    }
    __syncthreads();
    if (warp == 0) {
        v = lane < warps ? Lse{scratchM[lane], scratchS[lane]} : Lse{};
        for (int offset = 16; offset > 0; offset >>= 1)
            v = combine(
                v, {__shfl_xor_sync(0xffffffffu, v.m, offset), __shfl_xor_sync(0xffffffffu, v.s, offset)});
    }
    return v;
}

// One block per row: lse over V in one pass, then thread 0 writes lse and the row's weighted loss and weight.
template <typename T>
__global__ void crossEntropyForwardKernel(const T *__restrict__ logits, int64_t rowStride, int64_t N,
                                          int64_t V, const int64_t *__restrict__ targets,
                                          const double *__restrict__ weights, int64_t ignoreIndex,
                                          bool packed, float *__restrict__ lse,
                                          double *__restrict__ rowScratch)
{
    constexpr int P = kPackElems<T>;
    __shared__ float scratchM[32], scratchS[32];
    for (int64_t row = blockIdx.x; row < N; row += gridDim.x) {
        const int64_t t = targets[row];
        if (t == ignoreIndex) {  // the same for the whole block
            if (threadIdx.x == 0) {
                lse[row] = 0.f;
                rowScratch[row] = 0;
                rowScratch[N + row] = 0;
            }
            continue;
        }
        const T *x = logits + row * rowStride;
        Lse run;
        forEachChunk<P>(V, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float v[K];
            loadFloats<K>(x + j, v);
            float chunkMax = v[0];
#pragma unroll
            for (int i = 1; i < K; ++i)
                chunkMax = fmaxf(chunkMax, v[i]);
            const float m = fmaxf(run.m, chunkMax);
            float s = run.s * rescale(run.m, m);
#pragma unroll
            for (int i = 0; i < K; ++i)
                s += v[i] == -INFINITY ? 0.f : fastExp(v[i] - m);
            run = {m, s};
        });
        run = blockCombine(run, scratchM, scratchS);
        if (threadIdx.x == 0) {
            const float l = run.m + logf(run.s);
            lse[row] = l;
            // As the CPU op: the loss term in float64 from the float lse and the unrounded weight. A target
            // outside [0, V) (the glue rejects those) gives NaN instead of a read out of bounds.
            const double w = weights ? weights[row] : 1.0;
            const double picked =
                t >= 0 && t < V ? static_cast<double>(toFloat(x[t])) : static_cast<double>(NAN);
            rowScratch[row] = w * (static_cast<double>(l) - picked);
            rowScratch[N + row] = w;
        }
    }
}

// One block: sums rowScratch[0, N) and [N, 2N) in double, each thread a fixed stride of rows, then a tree
// over the threads; writes the loss and the denominator.
__global__ void crossEntropySumKernel(const double *__restrict__ rowScratch, int64_t N,
                                      float *__restrict__ loss, double *__restrict__ denominator)
{
    __shared__ double total[kSumThreads], weight[kSumThreads];
    double a = 0, b = 0;
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
        a += rowScratch[i];
        b += rowScratch[N + i];
    }
    total[threadIdx.x] = a;
    weight[threadIdx.x] = b;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {  // blockDim.x is a power of two
        if (threadIdx.x < half) {
            total[threadIdx.x] += total[threadIdx.x + half];
            weight[threadIdx.x] += weight[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        const double d = weight[0] != 0 ? weight[0] : 1.0;  // loss 0 when there is no weight at all
        *denominator = d;
        *loss = static_cast<float>(total[0] / d);
    }
}

// One block per row: grad = (exp(x - lse) - onehot(t)) scale, or zeros.
template <typename T>
__global__ void crossEntropyBackwardKernel(const T *__restrict__ logits, int64_t rowStride, int64_t N,
                                           int64_t V, const int64_t *__restrict__ targets,
                                           const double *__restrict__ weights, int64_t ignoreIndex,
                                           const float *__restrict__ lse, const float *__restrict__ dloss,
                                           const double *__restrict__ denominator, bool packed,
                                           T *__restrict__ grad)
{
    constexpr int P = kPackElems<T>;
    const double dl = static_cast<double>(*dloss), denom = *denominator;
    for (int64_t row = blockIdx.x; row < N; row += gridDim.x) {
        const int64_t t = targets[row];
        // As the CPU op: w dloss / sum w in float64, rounded once.
        const float scale =
            t == ignoreIndex ? 0.f : static_cast<float>((weights ? weights[row] : 1.0) * dl / denom);
        const T *x = logits + row * rowStride;
        T *g = grad + row * V;
        const float l = lse[row];
        forEachChunk<P>(V, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float v[K];
            if (scale == 0.f) {  // ignored rows and zero weights: zeros, whatever the logits hold
#pragma unroll
                for (int i = 0; i < K; ++i)
                    v[i] = 0.f;
            } else {
                loadFloats<K>(x + j, v);
#pragma unroll
                for (int i = 0; i < K; ++i) {
                    // The target's entry from the unrounded probability: p - 1 in float, then one rounding.
                    const float p = fastExp(v[i] - l);  // x - lse <= 0
                    v[i] = (j + i == t ? p - 1.f : p) * scale;
                }
            }
            storeFloats<K>(g + j, v);
        });
    }
}

}  // namespace

int launchCrossEntropyForward(DType type, const void *logits, int64_t rowStride, int64_t N, int64_t V,
                              const int64_t *targets, const double *weights, int64_t ignoreIndex, float *lse,
                              double *rowScratch, float *loss, double *denominator, Stream stream)
{
    if (V <= 0) return cudaErrorInvalidValue;
    cudaError_t status = dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        if (N <= 0) return cudaSuccess;
        const T *xp = static_cast<const T *>(logits);
        const bool packed = alignedRows<P>(xp, V, rowStride);
        const int threads = rowBlockThreads(packed ? V / P : V, kMaxRowThreads);
        const unsigned grid = static_cast<unsigned>(N < kMaxGrid ? N : kMaxGrid);
        crossEntropyForwardKernel<T><<<grid, threads, 0, stream>>>(xp, rowStride, N, V, targets, weights,
                                                                   ignoreIndex, packed, lse, rowScratch);
        return cudaGetLastError();
    });
    if (status != cudaSuccess) return status;
    // N = 0 still writes the loss (0) and the denominator (1).
    crossEntropySumKernel<<<1, kSumThreads, 0, stream>>>(rowScratch, N, loss, denominator);
    return cudaGetLastError();
}

int launchCrossEntropyBackward(DType type, const void *logits, int64_t rowStride, int64_t N, int64_t V,
                               const int64_t *targets, const double *weights, int64_t ignoreIndex,
                               const float *lse, const float *dloss, const double *denominator, void *grad,
                               Stream stream)
{
    if (N <= 0 || V <= 0) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        const T *xp = static_cast<const T *>(logits);
        T *gp = static_cast<T *>(grad);
        const bool packed = alignedRows<P>(xp, V, rowStride) && aligned16(gp);
        const int threads = rowBlockThreads(packed ? V / P : V, kMaxRowThreads);
        const unsigned grid = static_cast<unsigned>(N < kMaxGrid ? N : kMaxGrid);
        crossEntropyBackwardKernel<T><<<grid, threads, 0, stream>>>(
            xp, rowStride, N, V, targets, weights, ignoreIndex, lse, dloss, denominator, packed, gp);
        return cudaGetLastError();
    });
}

}  // namespace danka::kernels::cuda
