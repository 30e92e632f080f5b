// Device-side helpers shared by Danka's CUDA kernels (.cu files only): element types and their conversion to
// float, warp reductions, launch arithmetic. Nothing of torch here: kernels see raw pointers and a stream.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

__device__ __forceinline__ float toFloat(float x) { return x; }
__device__ __forceinline__ float toFloat(__half x) { return __half2float(x); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T fromFloat(float x);
template <>
__device__ __forceinline__ float fromFloat<float>(float x) { return x; }
template <>
__device__ __forceinline__ __half fromFloat<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// Sum and max over the 32 lanes of a warp; every lane gets the result.
__device__ __forceinline__ float warpSum(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}
__device__ __forceinline__ float warpMax(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Calls f with a value of the element type of `type`: f(float{}), f(__half{}) or f(__nv_bfloat16{}).
// Returns cudaErrorInvalidValue for an unknown type.
template <typename F>
cudaError_t dispatchType(DType type, F &&f)
{
    switch (type) {
    case DType::F32: return f(float{});
    case DType::F16: return f(__half{});
    case DType::BF16: return f(__nv_bfloat16{});
    }
    return cudaErrorInvalidValue;
}

// ---- Rows of 16-byte packs (RMSNorm, SwiGLU, RoPE, cross-entropy) ------------------------------------------
// A row is read either in packs of P elements (one or more 16-byte loads each, when the row, its stride and
// its length are multiples of the pack: see alignedRows) or one element at a time (any layout). Both visit
// the same elements; the values are always handled as float.

// Elements of T in one 16-byte load: 4 floats, 8 halves or bfloat16s.
template <typename T>
inline constexpr int kPackElems = 16 / static_cast<int>(sizeof(T));

template <typename T, int E>
struct alignas(16) Pack16 {
    T v[E];
};

// Whether p is 16-byte aligned (host and device).
__host__ __device__ __forceinline__ bool aligned16(const void *p)
{
    return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// Whether rows of `cols` elements of T, `stride` elements apart, starting at `base`, can all be read in packs
// of P elements: an aligned base, and a row stride and length that are multiples of P (so every row starts
// aligned and ends on a whole pack). P * sizeof(T) must be a multiple of 16.
template <int P, typename T>
__host__ __device__ __forceinline__ bool alignedRows(const T *base, int64_t cols, int64_t stride)
{
    return aligned16(base) && cols % P == 0 && stride % P == 0;
}

// Loads K consecutive elements of p as float: 16-byte loads when K elements make whole 16-byte packs (p must
// then be 16-byte aligned), else element by element.
template <int K, typename T>
__device__ __forceinline__ void loadFloats(const T *p, float (&f)[K])
{
    constexpr int E = kPackElems<T>;
    if constexpr (K % E == 0) {
#pragma unroll
        for (int q = 0; q < K / E; ++q) {
            const Pack16<T, E> pack = reinterpret_cast<const Pack16<T, E> *>(p)[q];
#pragma unroll
            for (int k = 0; k < E; ++k) f[q * E + k] = toFloat(pack.v[k]);
        }
    } else {
#pragma unroll
        for (int k = 0; k < K; ++k) f[k] = toFloat(p[k]);
    }
}

// Rounds K floats to T (once each) and stores them at p, as loadFloats reads them.
template <int K, typename T>
__device__ __forceinline__ void storeFloats(T *p, const float (&f)[K])
{
    constexpr int E = kPackElems<T>;
    if constexpr (K % E == 0) {
#pragma unroll
        for (int q = 0; q < K / E; ++q) {
            Pack16<T, E> pack;
#pragma unroll
            for (int k = 0; k < E; ++k) pack.v[k] = fromFloat<T>(f[q * E + k]);
            reinterpret_cast<Pack16<T, E> *>(p)[q] = pack;
        }
    } else {
#pragma unroll
        for (int k = 0; k < K; ++k) p[k] = fromFloat<T>(f[k]);
    }
}

// The chunks of a row of n elements that worker `lane` of `lanes` visits: when `packed` (n a multiple of P),
// body(j, Int<P>) for the packs j = lane P, (lane + lanes) P, ... < n; else body(j, Int<1>) for the elements
// j = lane, lane + lanes, ... < n. Consecutive lanes touch consecutive memory either way (coalesced). The
// chunk size reaches the body as a compile-time constant: decltype(k)::value.
template <int P, typename F>
__device__ __forceinline__ void forEachChunk(int64_t n, bool packed, int64_t lane, int64_t lanes, F &&body)
{
    if (packed) {
        for (int64_t j = lane * P; j < n; j += lanes * P) body(j, std::integral_constant<int, P>{});
    } else {
        for (int64_t j = lane; j < n; j += lanes) body(j, std::integral_constant<int, 1>{});
    }
}

// Sum over the threads of a block (blockDim.x a multiple of 32, at most 1024); every thread gets the result,
// summed in the same order on every run. `scratch` is a __shared__ float[32]; the call synchronises the
// block, so every thread must reach it, and back-to-back calls may share one scratch.
__device__ __forceinline__ float blockSum(float v, float *scratch)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warpSum(v);
    __syncthreads();  // a previous call may still be reading scratch
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    return warpSum(lane < warps ? scratch[lane] : 0.f);
}

// Threads per block for one block per row of `chunks` chunks: one chunk per thread up to `maxThreads`,
// rounded up to whole warps (at least one).
inline int rowBlockThreads(int64_t chunks, int maxThreads)
{
    const int64_t warps = ceilDiv(chunks < 1 ? 1 : chunks, 32);
    const int64_t threads = warps * 32;
    return threads < maxThreads ? static_cast<int>(threads) : maxThreads;
}

}  // namespace danka::kernels::cuda
