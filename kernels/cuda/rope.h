// Raw-pointer entry point of the CUDA RoPE kernel (kernels/cuda/rope.cu): plain C++ types only.
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

// Rotates every head of x by `sign` times its position's angles, rotate_half layout (half = D / 2):
//   out[..., j] = x1 cos - x2 sign sin,  out[..., half + j] = x2 cos + x1 sign sin,  x1 = x[j], x2 = x[half +
//   j]
// sign +1 is the forward, -1 the backward (the transpose of the rotation).
// x (B, T, H, D) of `type`: element (b, t, h, d) at x + b strideB + t strideT + h strideH + d (unit stride
// inside a head; any other strides, e.g. the rope slice of MLA heads); out (B, T, H, D) contiguous; cos and
// sin float32 (T, D/2) contiguous, offset by tableBatchStride per batch (0 when all batches share them).
// Returns the cudaError_t of the launch (0 on success).
int launchRope(DType type, const void *x, int64_t B, int64_t T, int64_t H, int64_t D, int64_t strideB,
               int64_t strideT, int64_t strideH, const float *cos, const float *sin, int64_t tableBatchStride,
               float sign, void *out, Stream stream);

}  // namespace danka::kernels::cuda
