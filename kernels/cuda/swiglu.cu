// CUDA SwiGLU (Shazeer 2020): elementwise forward and backward over rows that may be strided slices (the gate
// and up halves of a fused projection), in float with one rounding per output. Raw pointers and a stream
// only; the LibTorch side is swiglu_glue.cpp.
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/swiglu.h"

namespace danka::kernels::cuda {
namespace {

constexpr int kThreads = 256;         // threads per block along a row
constexpr int64_t kMaxGridX = 1024;   // blocks along a row (more chunks: the blocks loop)
constexpr int64_t kMaxGridY = 65535;  // blocks across rows (the hardware limit of grid.y; rows loop)

__device__ __forceinline__ float sigmoid(float g)
{
    return 1.f / (1.f + expf(-g));
}

// grid.y walks the rows, grid.x and the threads the chunks of a row: each chunk is one 16-byte pack per
// tensor when `packed`, else one element.
template <typename T>
__global__ void swigluForwardKernel(const T *__restrict__ gate, int64_t gateStride, const T *__restrict__ up,
                                    int64_t upStride, int64_t rows, int64_t cols, bool packed,
                                    T *__restrict__ y)
{
    constexpr int P = kPackElems<T>;
    const int64_t lane = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    const int64_t lanes = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
        const T *gr = gate + row * gateStride, *ur = up + row * upStride;
        T *yr = y + row * cols;
        forEachChunk<P>(cols, packed, lane, lanes, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float g[K], u[K];
            loadFloats<K>(gr + j, g);
            loadFloats<K>(ur + j, u);
#pragma unroll
            for (int i = 0; i < K; ++i)
                g[i] = g[i] * sigmoid(g[i]) * u[i];
            storeFloats<K>(yr + j, g);
        });
    }
}

// d silu(g) / dg = s + g s (1 - s) = s (1 + g (1 - s)) with s = sigmoid(g).
template <typename T>
__global__ void swigluBackwardKernel(const T *__restrict__ gate, int64_t gateStride, const T *__restrict__ up,
                                     int64_t upStride, const T *__restrict__ dy, int64_t dyStride,
                                     int64_t rows, int64_t cols, bool packed, T *__restrict__ dgate,
                                     T *__restrict__ dup)
{
    constexpr int P = kPackElems<T>;
    const int64_t lane = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    const int64_t lanes = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
        const T *gr = gate + row * gateStride, *ur = up + row * upStride, *dyr = dy + row * dyStride;
        T *dgr = dgate ? dgate + row * cols : nullptr, *dur = dup ? dup + row * cols : nullptr;
        forEachChunk<P>(cols, packed, lane, lanes, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float g[K], d[K], s[K];
            loadFloats<K>(gr + j, g);
            loadFloats<K>(dyr + j, d);
#pragma unroll
            for (int i = 0; i < K; ++i)
                s[i] = sigmoid(g[i]);
            if (dgr) {
                float u[K], out[K];
                loadFloats<K>(ur + j, u);
#pragma unroll
                for (int i = 0; i < K; ++i)
                    out[i] = d[i] * u[i] * s[i] * (1.f + g[i] * (1.f - s[i]));
                storeFloats<K>(dgr + j, out);
            }
            if (dur) {
                float out[K];
#pragma unroll
                for (int i = 0; i < K; ++i)
                    out[i] = d[i] * g[i] * s[i];
                storeFloats<K>(dur + j, out);
            }
        });
    }
}

// Threads and grid for rows x cols: a row's chunks spread over grid.x blocks, the rows over grid.y.
struct Launch {
    dim3 grid;
    int threads;
};
Launch launchShape(int64_t rows, int64_t chunks)
{
    const int threads = rowBlockThreads(chunks, kThreads);
    const int64_t gx = ceilDiv(chunks, threads);
    return {dim3(static_cast<unsigned>(gx < kMaxGridX ? gx : kMaxGridX),
                 static_cast<unsigned>(rows < kMaxGridY ? rows : kMaxGridY)),
            threads};
}

}  // namespace

int launchSwigluForward(DType type, const void *gate, int64_t gateStride, const void *up, int64_t upStride,
                        int64_t rows, int64_t cols, void *y, Stream stream)
{
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        const T *gp = static_cast<const T *>(gate), *upp = static_cast<const T *>(up);
        T *yp = static_cast<T *>(y);
        const bool packed =
            alignedRows<P>(gp, cols, gateStride) && alignedRows<P>(upp, cols, upStride) && aligned16(yp);
        const Launch l = launchShape(rows, packed ? cols / P : cols);
        swigluForwardKernel<T>
            <<<l.grid, l.threads, 0, stream>>>(gp, gateStride, upp, upStride, rows, cols, packed, yp);
        return cudaGetLastError();
    });
}

int launchSwigluBackward(DType type, const void *gate, int64_t gateStride, const void *up, int64_t upStride,
                         const void *dy, int64_t dyStride, int64_t rows, int64_t cols, void *dgate, void *dup,
                         Stream stream)
{
    if (rows <= 0 || cols <= 0 || (!dgate && !dup)) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using T = decltype(tag);
        constexpr int P = kPackElems<T>;
        const T *gp = static_cast<const T *>(gate), *upp = static_cast<const T *>(up);
        const T *dyp = static_cast<const T *>(dy);
        T *dgp = static_cast<T *>(dgate), *dupp = static_cast<T *>(dup);
        const bool packed = alignedRows<P>(gp, cols, gateStride) && alignedRows<P>(upp, cols, upStride) &&
                            alignedRows<P>(dyp, cols, dyStride) && (!dgp || aligned16(dgp)) &&
                            (!dupp || aligned16(dupp));
        const Launch l = launchShape(rows, packed ? cols / P : cols);
        swigluBackwardKernel<T><<<l.grid, l.threads, 0, stream>>>(gp, gateStride, upp, upStride, dyp,
                                                                  dyStride, rows, cols, packed, dgp, dupp);
        return cudaGetLastError();
    });
}

}  // namespace danka::kernels::cuda
