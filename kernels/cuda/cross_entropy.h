// Raw-pointer entry points of the CUDA cross-entropy kernels (kernels/cuda/cross_entropy.cu): plain C++ types
// only.
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

// For each row i of logits (N, V) of `type` (row i at logits + i rowStride, unit stride in V) whose target
// t_i = targets[i] is not ignoreIndex: lse_i = log sum_j exp(logits[i, j]) (one pass, online max), and in
// float64 rowScratch[i] = w_i (lse_i - logits[i, t_i]), rowScratch[N + i] = w_i, with w_i = weights[i]
// (float64, or 1 when weights is null). Ignored rows give lse 0 and zeros. Then, in a fixed order
// (deterministic):
//   *denominator = sum_i rowScratch[N + i] (1 when that sum is 0),   *loss = sum_i rowScratch[i] /
//   *denominator.
// targets must already be checked to lie in [0, V) or equal ignoreIndex. lse (N) float32, rowScratch (2 N)
// float64, loss a float32 and denominator a float64, all on the device.
// Returns the cudaError_t of the launches (0 on success).
int launchCrossEntropyForward(DType type, const void *logits, int64_t rowStride, int64_t N, int64_t V,
                              const int64_t *targets, const double *weights, int64_t ignoreIndex, float *lse,
                              double *rowScratch, float *loss, double *denominator, Stream stream);

// grad (N, V) contiguous of `type`: (exp(logits[i, j] - lse_i) - [j == t_i]) scale_i with
// scale_i = w_i *dloss / *denominator (float64, rounded once to float); zeros for ignored rows and rows with
// scale 0. dloss (float32) and denominator (float64) are device scalars: no host synchronisation.
int launchCrossEntropyBackward(DType type, const void *logits, int64_t rowStride, int64_t N, int64_t V,
                               const int64_t *targets, const double *weights, int64_t ignoreIndex,
                               const float *lse, const float *dloss, const double *denominator, void *grad,
                               Stream stream);

}  // namespace danka::kernels::cuda
