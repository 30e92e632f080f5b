// Raw-pointer entry points of Danka's CUDA attention kernels (attention.cu: FlashAttention-2 forward and
// backward; attention_decode.cu: split-KV decoding). Plain C++ types only, no torch, no CUDA headers: the
// LibTorch glue (attention_glue.cpp) turns tensors into these calls. Every launcher returns a cudaError_t
// value (0 = cudaSuccess; cudaErrorInvalidValue for head dims outside the supported range).
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

// Largest Dqk and Dv of the training kernels (forward + backward); tiles are padded to a multiple of 16.
constexpr int64_t kAttentionMaxHeadDim = 256;
// Largest Dqk and Dv of the decode kernel (MLA's absorbed form uses 576 / 512).
constexpr int64_t kAttentionDecodeMaxHeadDim = 1024;

// A 4-d (batch, head, row, dim) operand: element strides of the first three dims; the last dim is
// unit-stride.
struct AttnTensor {
    const void *data = nullptr;
    int64_t batchStride = 0, headStride = 0, rowStride = 0;
};
struct AttnTensorOut {
    void *data = nullptr;
    int64_t batchStride = 0, headStride = 0, rowStride = 0;
};

// Sizes and options shared by every launcher. q (B, H, T, Dqk), k (B, Hkv, S, Dqk), v (B, Hkv, S, Dv); query
// head h reads key/value head h / (H / Hkv). Causal: queries are the last T of the S key positions, query i
// sees key j when j <= i + S - T. Segments (contiguous int64 (B, T) and (B, S), or both null): query i sees
// key j only when their ids are equal. A query that sees no key gets zeros and LSE = -inf.
struct AttentionShape {
    int64_t B = 0, H = 0, Hkv = 0, T = 0, S = 0, Dqk = 0, Dv = 0;
    float scale = 1.f;  // multiplies q.k
    bool causal = true;
    const int64_t *qSegments = nullptr;
    const int64_t *kSegments = nullptr;
};

// Forward: out (B, H, T, Dv) in `type`, lse (B, H, T) float32 contiguous (log-sum-exp of the scaled, masked
// scores of each query row, for the backward pass). Dqk, Dv <= kAttentionMaxHeadDim.
int launchAttentionForward(DType type, const AttentionShape &shape, AttnTensor q, AttnTensor k, AttnTensor v,
                           AttnTensorOut out, float *lse, Stream stream);

// Backward (FlashAttention-2): gradients of the forward above given dOut. Workspaces: delta, float32 (B, H,
// T) (overwritten); dqAccum, float32 (B, H, T, Dqk) contiguous and ZERO-FILLED by the caller, where dQ is
// accumulated with atomicAdd (summation order varies between runs: dQ is not bitwise deterministic). When
// type is F32, dqAccum may be dq's own storage (contiguous (B, H, T, Dqk)); the conversion pass is then
// skipped. dk (B, Hkv, S, Dqk) and dv (B, Hkv, S, Dv) are fully overwritten.
int launchAttentionBackward(DType type, const AttentionShape &shape, AttnTensor q, AttnTensor k, AttnTensor v,
                            AttnTensor out, AttnTensor dOut, const float *lse, float *delta, float *dqAccum,
                            AttnTensorOut dq, AttnTensorOut dk, AttnTensorOut dv, Stream stream);

// Decode (flash-decoding): the key axis is split across `splits` blocks per (batch, kv head, group of query
// rows), each writing a partial (output, LSE); a second kernel combines them. No gradient. For few queries
// (T <= 16) over long K/V caches: GQA, MLA's absorbed form (values may alias the keys), strided cache views.
// Dqk, Dv <= kAttentionDecodeMaxHeadDim. `splits` from attentionDecodeSplits; `workspace` holds
// attentionDecodeWorkspaceFloats(shape, splits) floats. lse (B, H, T) float32 is optional (nullptr).
int attentionDecodeSplits(const AttentionShape &shape);
int64_t attentionDecodeWorkspaceFloats(const AttentionShape &shape, int splits);
int launchAttentionDecode(DType type, const AttentionShape &shape, AttnTensor q, AttnTensor k, AttnTensor v,
                          AttnTensorOut out, float *lse, float *workspace, int splits, Stream stream);

}  // namespace danka::kernels::cuda
