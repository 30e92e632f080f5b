// SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer"): silu(gate) * up as one fused op with a
// hand-written backward, and its plain ATen reference (the test oracle, and the CUDA path for now).
#pragma once

#include <ATen/ATen.h>

namespace danka::kernels {

// y = silu(gate) * up = gate * sigmoid(gate) * up, elementwise.
// gate and up: one shape, one dtype (float64, float32, bfloat16 or float16), one device, any strides (slices
// of a fused gate/up projection are read in place). Returns a contiguous tensor of that shape and dtype,
// computed in float (double for float64) and rounded once. Gradients flow to both (first order only).
at::Tensor swiglu(const at::Tensor &gate, const at::Tensor &up);

// The same function from plain ATen ops in float (double for float64), differentiated by autograd.
at::Tensor swigluReference(const at::Tensor &gate, const at::Tensor &up);

}  // namespace danka::kernels
