// SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer"): silu(gate) * up as one fused op with a
// hand-written backward, and its plain ATen reference (the test oracle).
#pragma once

#include <ATen/ATen.h>

namespace danka::kernels {

// y = silu(gate) * up = gate * sigmoid(gate) * up, elementwise.
// gate and up: one shape, one dtype (float64, float32, bfloat16 or float16), one device, any strides (slices
// of a fused gate/up projection are read in place). Returns a contiguous tensor of that shape and dtype,
// computed in float (double for float64) and rounded once. Gradients flow to both (first order only).
// Runs on: CPU, the fused CPU kernels (every dtype); CUDA float32/float16/bfloat16, Danka's CUDA kernels
// (kernels/cuda/swiglu.cu, strided rows read in place); CUDA float64, GPUs the kernels have no image for (older
// than sm_80 by default; see dankaCudaKernelsRunOn in runtime.h) and CUDA-less builds, the reference.
at::Tensor swiglu(const at::Tensor &gate, const at::Tensor &up);

// The same function from plain ATen ops in float (double for float64), differentiated by autograd.
at::Tensor swigluReference(const at::Tensor &gate, const at::Tensor &up);

}  // namespace danka::kernels
