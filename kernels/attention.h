// Scaled dot-product attention, FlashAttention-2 style (Dao 2023, arXiv:2307.08691): tiles of queries and
// keys, online softmax, only the row log-sum-exp saved, scores recomputed in backward. O(T) extra memory
// instead of O(T^2). Handles causal masks, grouped-query attention without repeating K/V, query/key dims
// that differ from value dims (MLA), and segment masks (packed documents, left padding).
#pragma once

#include <ATen/ATen.h>

namespace danka::kernels {

struct AttentionOptions {
    double scale = 0;     // multiplies q.k; 0 = 1 / sqrt(Dqk)
    bool causal = true;   // queries are the last T of the S key positions: query i sees keys j <= i + S - T
};

// q (B, H, T, Dqk), k (B, Hkv, S, Dqk), v (B, Hkv, S, Dv), any strides; H a multiple of Hkv (query head h
// reads key/value head h / (H / Hkv)). qSegments (B, T) and kSegments (B, S), int32 or int64, optional
// (undefined = no segment mask): a query sees a key only when their segment ids are equal.
// Returns (B, H, T, Dv) in q's dtype. A query that sees no key gets zeros (and a zero gradient).
//
// What runs where:
// - CPU: float64, float32 and bfloat16 run the flash kernels of attention.cpp (accumulation in float, double
//   for float64); float16 runs attentionReference.
// - CUDA (builds with DANKA_WITH_CUDA), float32 / float16 / bfloat16, float32 accumulation:
//   - no gradient wanted (grad mode off, or none of q, k, v requires grad) and T <= 16 queries, Dqk and Dv
//     <= 1024: the split-KV decode kernel (cuda/attention_decode.cu), e.g. MLA's absorbed form (576 / 512);
//   - otherwise Dqk and Dv <= 256: the FlashAttention-2 forward and backward (cuda/attention.cu) behind the
//     same autograd Function as the CPU (LSE saved in float32; dQ summed with atomicAdd, so the float
//     rounding of dQ may differ between runs);
//   - larger head dims, and float64: attentionReference.
// - GPUs Danka's kernels have no image for (older than sm_80 by default; see dankaCudaKernelsRunOn in
//   runtime.h), and other devices: attentionReference.
at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const AttentionOptions &options = {},
                     const at::Tensor &qSegments = at::Tensor(), const at::Tensor &kSegments = at::Tensor());

// The plain composition (scores, mask, softmax, weighted sum) that autograd differentiates: the test oracle,
// the fallback for what the fused kernels do not take (see above), and the "unfused" baseline of the benchmarks.
at::Tensor attentionReference(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                              const AttentionOptions &options = {}, const at::Tensor &qSegments = at::Tensor(),
                              const at::Tensor &kSegments = at::Tensor());

}  // namespace danka::kernels
