// CUDA RoPE (Su et al. 2021, RoFormer), Hugging Face rotate_half layout: one kernel rotates by +angle
// (forward) or -angle (backward), reading x through its strides. Raw pointers and a stream only; the
// LibTorch side is rope_glue.cpp.
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/rope.h"

namespace danka::kernels::cuda {
namespace {

constexpr int kThreads = 256;          // threads per block: kThreads / blockDim.x heads side by side
constexpr int64_t kMaxGrid = 1 << 30;  // blocks (more heads: the blocks loop)

// Block (tx, ty): threadIdx.x walks the chunks of a half head (16-byte packs when `packed`, else elements),
// threadIdx.y the heads; head r (flat over (b, t, h)) goes to block r / ty. A thread rotates chunk j of
// both halves: x1 = x[j..], x2 = x[half + j..] with the table entries cos[t, j..], sin[t, j..].
template <typename T>
__global__ void ropeKernel(const T *__restrict__ x, int64_t T_, int64_t H, int64_t half, int64_t strideB,
                           int64_t strideT, int64_t strideH, const float *__restrict__ cos,
                           const float *__restrict__ sin, int64_t tableBatchStride, float sign, int64_t heads,
                           bool packed, T *__restrict__ out)
{
    constexpr int P = kPackElems<T>;
    const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.y;
    for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.y) + threadIdx.y; r < heads; r += step) {
        const int64_t bt = r / H, h = r % H;  // r = (b T + t) H + h
        const int64_t b = bt / T_, t = bt % T_;
        const T *xr = x + b * strideB + t * strideT + h * strideH;
        T *yr = out + r * 2 * half;  // out is contiguous (B, T, H, D)
        const float *cr = cos + b * tableBatchStride + t * half, *sr = sin + b * tableBatchStride + t * half;
        forEachChunk<P>(half, packed, threadIdx.x, blockDim.x, [&](int64_t j, auto k) {
            constexpr int K = decltype(k)::value;
            float x1[K], x2[K], c[K], s[K], o1[K], o2[K];
            loadFloats<K>(xr + j, x1);
            loadFloats<K>(xr + half + j, x2);
            loadFloats<K>(cr + j, c);
            loadFloats<K>(sr + j, s);
#pragma unroll
            for (int i = 0; i < K; ++i) {
                const float sv = s[i] * sign;
                o1[i] = x1[i] * c[i] - x2[i] * sv;
                o2[i] = x2[i] * c[i] + x1[i] * sv;
            }
            storeFloats<K>(yr + j, o1);
            storeFloats<K>(yr + half + j, o2);
        });
    }
}

}  // namespace

int launchRope(DType type, const void *x, int64_t B, int64_t T, int64_t H, int64_t D, int64_t strideB,
               int64_t strideT, int64_t strideH, const float *cos, const float *sin, int64_t tableBatchStride,
               float sign, void *out, Stream stream)
{
    const int64_t heads = B * T * H, half = D / 2;
    if (heads <= 0 || half <= 0) return cudaSuccess;
    return dispatchType(type, [&](auto tag) {
        using E = decltype(tag);
        constexpr int P = kPackElems<E>;
        const E *xp = static_cast<const E *>(x);
        E *op = static_cast<E *>(out);
        // Packs need every half-head start aligned: the base, each stride and half multiples of the pack (the
        // float tables then stay 16-byte aligned too: their rows are `half` floats, P >= 4 of them).
        const bool packed = aligned16(xp) && aligned16(op) && aligned16(cos) && aligned16(sin) &&
                            half % P == 0 && strideB % P == 0 && strideT % P == 0 && strideH % P == 0 &&
                            tableBatchStride % 4 == 0;
        const int64_t chunks = packed ? half / P : half;
        int tx = 1;  // chunks per head rounded up to a power of two, at most a warp
        while (tx < 32 && tx < chunks)
            tx *= 2;
        const dim3 block(tx, kThreads / tx);
        const int64_t grid = ceilDiv(heads, block.y);
        ropeKernel<E><<<static_cast<unsigned>(grid < kMaxGrid ? grid : kMaxGrid), block, 0, stream>>>(
            xp, T, H, half, strideB, strideT, strideH, cos, sin, tableBatchStride, sign, heads, packed, op);
        return cudaGetLastError();
    });
}

}  // namespace danka::kernels::cuda
