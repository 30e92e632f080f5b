// CUDA RMSNorm (Zhang & Sennrich 2019): forward with one block per row saving 1/rms, backward with dx per row
// and a deterministic weight gradient (per-block partials in float, summed over the blocks in a fixed order
// by a second kernel; no atomics). Raw pointers and a stream only; the LibTorch side is rmsnorm_glue.cpp.
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/rmsnorm.h"

namespace danka::kernels::cuda {
namespace {

// Threads of a row block: one 16-byte pack (or element) per thread, at most this many (more chunks loop).
constexpr int kMaxRowThreads = 512;
// The backward launches about this many threads in all (a full H100 holds 132 x 2048), as row blocks.
constexpr int64_t kBackwardTargetThreads = 256 * 1024;
// Weight-gradient partials of up to this many floats per block live in shared memory, larger ones in the
// global partial buffer directly (same arithmetic, same order: only the address differs).
constexpr int64_t kMaxSharedPartialFloats = 40 * 1024 / sizeof(float);  // under the 48 KiB default
// The partial-sum kernel: 32 columns (one per lane) by kSumRows row-block lanes.
constexpr int kSumRows = 16;

// acc[0, K) += v[0, K), with 16-byte accesses when K allows (acc is then 16-byte aligned: j is a multiple of
// the pack and the row length of the partial buffer too), which also keeps shared memory free of bank
// conflicts.
template <int K>
__device__ __forceinline__ void addTo(float *acc, const float (&v)[K])
{
    if constexpr (K % 4 == 0) {
#pragma unroll
        for (int q = 0; q < K / 4; ++q) {
            float4 a = reinterpret_cast<float4 *>(acc)[q];
            a.x += v[4 * q];
            a.y += v[4 * q + 1];
            a.z += v[4 * q + 2];
            a.w += v[4 * q + 3];
            reinterpret_cast<float4 *>(acc)[q] = a;
        }
    } else {
#pragma unroll
        for (int k = 0; k < K; ++k)
            acc[k] += v[k];
    }
}

// One block per row (grid-stride over rows): r = 1 / sqrt(sum(x^2) / D + eps), y = x r w.
template <typename T>
__global__ void rmsNormForwardKernel(const T *__restrict__ x, int64_t xStride, const T *__restrict__ w,
                                     int64_t rows, int64_t D, float eps, bool packed, T *__restrict__ y,
                                     float *__restrict__ rstd)
{
    constexpr int P = kPackElems<T>;
    __shared__ float scratch[32];
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const T *xr = x + row * xStride;
        T *yr = y + row * D;
        float sumSq = 0.f;
        forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float xf[K];
            loadFloats<K>(xr + j, xf);
#pragma unroll
            for (int i = 0; i < K; ++i)
                sumSq += xf[i] * xf[i];
        });
        // Same expression as the CPU kernel: the mean of squares plus eps, then one IEEE sqrt and division.
        const float r = 1.f / sqrtf(blockSum(sumSq, scratch) / static_cast<float>(D) + eps);
        if (threadIdx.x == 0) rstd[row] = r;
        // Second read of the row: from L1/L2, it was just loaded.
        forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float xf[K], wf[K];
            loadFloats<K>(xr + j, xf);
            loadFloats<K>(w + j, wf);
#pragma unroll
            for (int i = 0; i < K; ++i)
                xf[i] = xf[i] * r * wf[i];
            storeFloats<K>(yr + j, xf);
        });
    }
}

// Block b takes rows [b rowsPerBlock, (b + 1) rowsPerBlock). Per row, with g = w dy and xhat = x r:
//   c = mean(g xhat) (block reduction),  dx = (g - xhat c) r,  and dweight partial += dy xhat.
// Each thread owns the same columns (chunks) in every row, so it alone reads and writes its part of the
// partial: no synchronisation on it and a fixed summation order (row order) per column.
template <typename T>
__global__ void rmsNormBackwardKernel(const T *__restrict__ x, int64_t xStride, const T *__restrict__ dy,
                                      int64_t dyStride, const T *__restrict__ w,
                                      const float *__restrict__ rstd, int64_t rows, int64_t D,
                                      int64_t rowsPerBlock, bool packed, bool partialInShared,
                                      T *__restrict__ dx, float *__restrict__ dwPartial)
{
    constexpr int P = kPackElems<T>;
    extern __shared__ __align__(16) float sharedPartial[];  // D floats when partialInShared
    __shared__ float scratch[32];
    float *globalPartial = dwPartial ? dwPartial + blockIdx.x * D : nullptr;
    float *acc = partialInShared ? sharedPartial : globalPartial;  // null: no weight gradient
    if (acc) {
        forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
#pragma unroll
            for (int i = 0; i < K; ++i)
                acc[j + i] = 0.f;
        });
    }
    const int64_t begin = blockIdx.x * rowsPerBlock;
    const int64_t end = begin + rowsPerBlock < rows ? begin + rowsPerBlock : rows;
    for (int64_t row = begin; row < end; ++row) {
        const T *xr = x + row * xStride, *dyr = dy + row * dyStride;
        const float r = rstd[row];
        float c = 0.f;
        if (dx) {  // the same for the whole block: every thread reaches blockSum
            float dot = 0.f;
            forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
                constexpr int K = decltype(k)::value;
                float xf[K], df[K], wf[K];
                loadFloats<K>(xr + j, xf);
                loadFloats<K>(dyr + j, df);
                loadFloats<K>(w + j, wf);
#pragma unroll
                for (int i = 0; i < K; ++i)
                    dot += df[i] * wf[i] * (xf[i] * r);
            });
            c = blockSum(dot, scratch) / static_cast<float>(D);
        }
        T *dxr = dx ? dx + row * D : nullptr;
        forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float xhat[K], df[K];
            loadFloats<K>(xr + j, xhat);
            loadFloats<K>(dyr + j, df);
#pragma unroll
            for (int i = 0; i < K; ++i)
                xhat[i] *= r;
            if (dxr) {
                float wf[K], out[K];
                loadFloats<K>(w + j, wf);
#pragma unroll
                for (int i = 0; i < K; ++i)
                    out[i] = (df[i] * wf[i] - xhat[i] * c) * r;
                storeFloats<K>(dxr + j, out);
            }
            if (acc) {
#pragma unroll
                for (int i = 0; i < K; ++i)
                    df[i] *= xhat[i];
                addTo<K>(acc + j, df);
            }
        });
    }
    if (partialInShared && globalPartial) {  // the owner copies its own columns: no barrier needed
        forEachChunk<P>(D, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
#pragma unroll
            for (int i = 0; i < K; ++i)
                globalPartial[j + i] = acc[j + i];
        });
    }
}

// dweight[j] = sum over b of partial[b, j] in block order, in double, rounded once to T. Block (32,
// kSumRows): lane x takes column blockIdx.x 32 + x, lane y the row blocks y, y + kSumRows, ...; the kSumRows
// sums of a column are then added in y order.
template <typename T>
__global__ void sumPartialsKernel(const float *__restrict__ partial, int64_t blocks, int64_t D,
                                  T *__restrict__ dweight)
{
    __shared__ double sums[kSumRows][33];  // 33: no bank conflicts on the column reads
    const int64_t j = blockIdx.x * 32 + threadIdx.x;
    double s = 0;
    if (j < D)
        for (int64_t b = threadIdx.y; b < blocks; b += kSumRows)
            s += partial[b * D + j];
    sums[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < D) {
        double total = 0;
        for (int y = 0; y < kSumRows; ++y)
            total += sums[y][threadIdx.x];
        dweight[j] = fromFloat<T>(static_cast<float>(total));
    }
}

// Rows per backward block, from the row count and the block's thread count only.
int64_t backwardRowsPerBlock(int64_t rows, int threads)
{
    const int64_t targetBlocks = ceilDiv(kBackwardTargetThreads, threads);
    return ceilDiv(rows, targetBlocks < rows ? targetBlocks : rows);
}

template <typename T>
int backwardThreads(int64_t D)
{
    return rowBlockThreads(ceilDiv(D, kPackElems<T>), kMaxRowThreads);
}

// Largest grid.x we launch; rows beyond it are taken by grid-stride loops.
constexpr int64_t kMaxGrid = 1 << 30;

}  // namespace

int launchRmsNormForward(DType type, const void *x, int64_t xStride, const void *weight, int64_t rows,
                         int64_t D, float eps, void *y, float *rstd, Stream stream)
{
    if (rows <= 0 || D <= 0) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        const T *xp = static_cast<const T *>(x), *wp = static_cast<const T *>(weight);
        T *yp = static_cast<T *>(y);
        const bool packed = alignedRows<P>(xp, D, xStride) && aligned16(wp) && aligned16(yp);
        const int threads = rowBlockThreads(packed ? D / P : D, kMaxRowThreads);
        const unsigned grid = static_cast<unsigned>(rows < kMaxGrid ? rows : kMaxGrid);
        rmsNormForwardKernel<T>
            <<<grid, threads, 0, stream>>>(xp, xStride, wp, rows, D, eps, packed, yp, rstd);
        return cudaGetLastError();
    });
}

int64_t rmsNormBackwardBlocks(DType type, int64_t rows, int64_t D)
{
    if (rows <= 0) return 0;
    const int threads = type == DType::F32 ? backwardThreads<float>(D) : backwardThreads<__half>(D);
    return ceilDiv(rows, backwardRowsPerBlock(rows, threads));
}

int launchRmsNormBackward(DType type, const void *x, int64_t xStride, const void *dy, int64_t dyStride,
                          const void *weight, const float *rstd, int64_t rows, int64_t D, void *dx,
                          float *dwPartial, void *dweight, Stream stream)
{
    if (rows <= 0 || D <= 0 || (!dx && !dwPartial)) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        const T *xp = static_cast<const T *>(x), *dyp = static_cast<const T *>(dy);
        const T *wp = static_cast<const T *>(weight);
        T *dxp = static_cast<T *>(dx);
        // dx is contiguous (rows, D) and the partial rows are D floats (16-byte aligned when D % P == 0).
        const bool packed = alignedRows<P>(xp, D, xStride) && alignedRows<P>(dyp, D, dyStride) &&
                            aligned16(wp) && (!dxp || aligned16(dxp)) && (!dwPartial || aligned16(dwPartial));
        const int threads = backwardThreads<T>(D);  // as rmsNormBackwardBlocks counts them
        const int64_t rowsPerBlock = backwardRowsPerBlock(rows, threads);
        const int64_t blocks = ceilDiv(rows, rowsPerBlock);
        const bool partialInShared = dwPartial && D <= kMaxSharedPartialFloats;
        const size_t sharedBytes = partialInShared ? static_cast<size_t>(D) * sizeof(float) : 0;
        rmsNormBackwardKernel<T><<<static_cast<unsigned>(blocks), threads, sharedBytes, stream>>>(
            xp, xStride, dyp, dyStride, wp, rstd, rows, D, rowsPerBlock, packed, partialInShared, dxp,
            dwPartial);
        cudaError_t status = cudaGetLastError();
        if (status != cudaSuccess || !dwPartial) return status;
        const dim3 sumBlock(32, kSumRows);
        sumPartialsKernel<T><<<static_cast<unsigned>(ceilDiv(D, 32)), sumBlock, 0, stream>>>(
            dwPartial, blocks, D, static_cast<T *>(dweight));
        return cudaGetLastError();
    });
}

}  // namespace danka::kernels::cuda
