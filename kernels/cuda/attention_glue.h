// LibTorch entry points of Danka's CUDA attention kernels (attention_glue.cpp): tensors in, tensors out,
// errors as c10::Error. Only compiled, and only to be included, when DANKA_WITH_CUDA is defined.
#pragma once

#include <ATen/ATen.h>

#include <tuple>

namespace danka::kernels::cuda {

// Whether the training kernels (forward + backward) take these head dims (<= kAttentionMaxHeadDim).
bool attentionTrainingSupports(int64_t Dqk, int64_t Dv);
// Whether the decode kernel takes these head dims (<= kAttentionDecodeMaxHeadDim).
bool attentionDecodeSupports(int64_t Dqk, int64_t Dv);

// q (B, H, T, Dqk), k (B, Hkv, S, Dqk), v (B, Hkv, S, Dv) CUDA tensors of one dtype (float32, float16 or
// bfloat16), any strides (a copy is made only when the last dim is not unit-stride). qSegments (B, T) and
// kSegments (B, S) integer ids, or undefined / empty for none. Returns out (B, H, T, Dv) contiguous in q's
// dtype and lse (B, H, T) float32.
std::tuple<at::Tensor, at::Tensor> attentionForwardCuda(const at::Tensor &q, const at::Tensor &k,
                                                        const at::Tensor &v, const at::Tensor &qSegments,
                                                        const at::Tensor &kSegments, double scale,
                                                        bool causal);

// Gradients (dq, dk, dv), contiguous, in q's dtype, from the forward's out and lse and the output gradient.
std::tuple<at::Tensor, at::Tensor, at::Tensor> attentionBackwardCuda(
    const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, const at::Tensor &out,
    const at::Tensor &lse, const at::Tensor &dOut, const at::Tensor &qSegments, const at::Tensor &kSegments,
    double scale, bool causal);

// Split-KV decoding (no autograd): returns (B, H, T, Dv) contiguous in q's dtype.
at::Tensor attentionDecodeCuda(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                               const at::Tensor &qSegments, const at::Tensor &kSegments, double scale,
                               bool causal);

}  // namespace danka::kernels::cuda
