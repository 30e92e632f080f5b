// RMSNorm (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization") as one fused op with a
// hand-written backward, and its plain ATen reference (the test oracle).
#pragma once

#include <ATen/ATen.h>

namespace danka::kernels {

// y = x * rsqrt(mean(x^2 over the last dim) + eps) * weight.
// x (..., D) with D > 0, any strides; weight (D) with x's dtype (float64, float32, bfloat16 or float16) and
// device; eps >= 0. Returns a contiguous tensor of x's shape and dtype. Computes in float (double for
// float64) and rounds once. Gradients flow to x and weight (first order only).
// Runs on: CPU, the fused CPU kernels (every dtype); CUDA float32/float16/bfloat16, Danka's CUDA kernels
// (kernels/cuda/rmsnorm.cu, one block per row; the weight gradient is summed in a fixed order, so it is the
// same on every run); CUDA float64, GPUs the kernels have no image for (older
// than sm_80 by default; see dankaCudaKernelsRunOn in runtime.h) and CUDA-less builds, the reference below.
at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps);

// The same function from plain ATen ops in float (double for float64), differentiated by autograd.
at::Tensor rmsNormReference(const at::Tensor &x, const at::Tensor &weight, double eps);

}  // namespace danka::kernels
