// Token-weighted cross-entropy over a vocabulary as one fused op that never materialises log-softmax, and its
// plain ATen reference (the test oracle).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace danka::kernels {

// loss = sum_i w_i (lse_i - logits[i, t_i]) / sum_i w_i over the rows i whose target t_i != ignoreIndex,
// with lse_i = log sum_j exp(logits[i, j]); 0 (with zero gradients) when that weight sum is 0, e.g. when
// every target is ignored.
// logits (N, V): float64/float32/bfloat16/float16, any strides (read in place when the V dim has unit stride,
// else copied once); targets (N) int64, each in [0, V) or equal to ignoreIndex; weights (N) floating, or an
// undefined tensor for all ones (used as given: they are how the distillation stage puts extra loss on
// chosen tokens); all on one device.
// Returns a 0-d float32 tensor (float64 for float64 logits). Gradients flow to logits only:
// dlogits = (softmax - onehot) w_i / sum w * dloss, one new (N, V) tensor of the logits' dtype. The forward
// keeps only the per-row logsumexp (N values) besides references to its inputs.
// Runs on: CPU, the fused CPU kernels (every dtype); CUDA float32/float16/bfloat16, Danka's CUDA kernels
// (kernels/cuda/cross_entropy.cu: one pass over each row, loss and weight sums in a fixed order, so runs are
// reproducible; the backward reads dloss on the device); CUDA float64, GPUs the kernels have no image for (older
// than sm_80 by default; see dankaCudaKernelsRunOn in runtime.h) and CUDA-less builds, the reference.
// On a device the target check costs one min/max reduction and a 2-value copy to the host.
at::Tensor crossEntropy(const at::Tensor &logits, const at::Tensor &targets, const at::Tensor &weights = {},
                        int64_t ignoreIndex = -100);

// The same function from plain ATen ops (log_softmax, gather) in float (double for float64), differentiated
// by autograd.
at::Tensor crossEntropyReference(const at::Tensor &logits, const at::Tensor &targets,
                                 const at::Tensor &weights = {}, int64_t ignoreIndex = -100);

}  // namespace danka::kernels
