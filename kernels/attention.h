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
    bool cpuSdpa = true;  // on the CPU, LibTorch's fused scaled_dot_product_attention where it is faster (below);
                          // false forces Danka's flash kernel there
};

// Which implementation attention() runs (the dispatch rule below).
enum class AttentionPath {
    Flash,         // Danka's CPU flash kernels (this file)
    LibtorchSdpa,  // at::scaled_dot_product_attention's fused CPU kernel
    CudaFlash,     // Danka's CUDA FlashAttention-2 forward and backward
    CudaDecode,    // Danka's CUDA split-KV decode kernel (no gradient)
    Reference,     // attentionReference
};
const char *attentionPathName(AttentionPath path);

// Process-wide: whether the CPU may take LibTorch's SDPA at all (default true). Benchmarks turn it off to
// time a whole model on Danka's own flash kernel; options.cpuSdpa is the per-call switch.
void setCpuSdpaAllowed(bool allowed);
bool cpuSdpaAllowed();

// q (B, H, T, Dqk), k (B, Hkv, S, Dqk), v (B, Hkv, S, Dv), any strides; H a multiple of Hkv (query head h
// reads key/value head h / (H / Hkv)). qSegments (B, T) and kSegments (B, S), int32 or int64, optional
// (undefined = no segment mask): a query sees a key only when their segment ids are equal.
// Returns (B, H, T, Dv) in q's dtype. A query that sees no key gets zeros (and a zero gradient).
//
// What runs where:
// - CPU, float32 and bfloat16, no segment masks, Dqk == Dv, and (when causal) as many queries as keys, with
//   options.cpuSdpa: LibTorch's at::scaled_dot_product_attention, when it picks its fused flash kernel for
//   them (at::_fused_sdp_choice). Measured on a 2-core Xeon with AMX (docs/benchmarks.md), that kernel is
//   2.3-4.1x faster forward in float32 and 3.7-8.2x in bfloat16 (AMX tiles, vectorised exp) than Danka's,
//   which runs its softmax with a scalar exp per score and its products as 64 x 64 tile calls to BLAS in
//   float; forward+backward 1.2-2.9x in bfloat16 and 1.4-2.4x at T = 2048 in float32, on a par at T = 512
//   in float32. Its memory stays O(T) too. Danka's kernels keep everything SDPA takes only through an O(T^2)
//   mask or its math backend: segment masks (packed documents, left padding), a KV cache (T < S, which
//   SDPA's top-left causal mask gets wrong), MLA's Dqk != Dv (math backend: 1.5-1.8x slower, 3-21x the
//   memory);
// - CPU otherwise: float64, float32 and bfloat16 run the flash kernels of attention.cpp (accumulation in
//   float, double for float64); float16 runs attentionReference.
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
// The path attention() takes for these arguments (grad mode and requires_grad included); checks them as it does.
AttentionPath attentionPath(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                            const AttentionOptions &options = {}, const at::Tensor &qSegments = at::Tensor(),
                            const at::Tensor &kSegments = at::Tensor());

// The plain composition (scores, mask, softmax, weighted sum) that autograd differentiates: the test oracle,
// the fallback for what the fused kernels do not take (see above), and the "unfused" baseline of the benchmarks.
at::Tensor attentionReference(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                              const AttentionOptions &options = {}, const at::Tensor &qSegments = at::Tensor(),
                              const at::Tensor &kSegments = at::Tensor());

}  // namespace danka::kernels
