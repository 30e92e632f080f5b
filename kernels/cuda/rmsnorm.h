// Raw-pointer entry points of the CUDA RMSNorm kernels (kernels/cuda/rmsnorm.cu): plain C++ types only, so
// the LibTorch glue (rmsnorm_glue.cpp) and any test driver can call them without CUDA or torch headers.
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

// y = x r w with r = 1 / sqrt(mean(x^2) + eps) per row, in float, rounded once to `type`.
// x: `rows` rows of D elements, row r at x + r xStride (unit stride inside a row); weight (D) contiguous;
// y (rows, D) contiguous; rstd (rows) float32 receives r. One block per row.
// Returns the cudaError_t of the launch (0 on success).
int launchRmsNormForward(DType type, const void *x, int64_t xStride, const void *weight, int64_t rows,
                         int64_t D, float eps, void *y, float *rstd, Stream stream);

// Number of row blocks the backward splits the rows into: the weight gradient is summed per block into
// rmsNormBackwardBlocks(type, rows, D) x D float partials, then over the blocks in block order. Depends on
// the shape only (not on the GPU), so the weight gradient is the same on every device and run.
int64_t rmsNormBackwardBlocks(DType type, int64_t rows, int64_t D);

// With g = w dy and xhat = x r:  dx = r (g - xhat mean(g xhat)),  dweight = sum over rows of dy xhat.
// dy rows are dyStride apart (unit stride inside a row); dx (rows, D) contiguous or null (not needed);
// dwPartial (rmsNormBackwardBlocks(type, rows, D), D) float scratch and dweight (D) of `type`, both null when
// the weight gradient is not needed. rstd is the forward's. Returns the cudaError_t of the launches.
int launchRmsNormBackward(DType type, const void *x, int64_t xStride, const void *dy, int64_t dyStride,
                          const void *weight, const float *rstd, int64_t rows, int64_t D, void *dx,
                          float *dwPartial, void *dweight, Stream stream);

}  // namespace danka::kernels::cuda
