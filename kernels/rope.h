// Rotary position embedding (Su et al. 2021, RoFormer) in the Hugging Face Llama layout ("rotate_half": the
// first and second halves of the head dim are the rotated pairs): tables, the fused op and its reference.
#pragma once

#include <ATen/ATen.h>

#include <utility>

namespace danka::kernels {

// cos and sin of the angles t * inv_freq_i with inv_freq_i = theta^(-2i/dim), i in [0, dim/2), for every
// position t of `positions` (an integer or floating tensor of any shape): two float32 tensors of shape
// positions.shape + (dim/2) on positions' device. The angles are computed in float64 and rounded once
// (Hugging Face computes them in float32; the two agree to float32 rounding of the angle).
// dim must be even and > 0, theta > 0.
std::pair<at::Tensor, at::Tensor> ropeTables(const at::Tensor &positions, int64_t dim, double theta);

// out = cat(x1 cos - x2 sin, x2 cos + x1 sin) with x1 = x[..., :D/2], x2 = x[..., D/2:].
// x (B, T, H, D) with D even, float64/float32/bfloat16/float16, any strides (e.g. the rope slice of MLA
// heads, read in place); cos and sin (T, D/2) or (B, T, D/2), one shape and floating dtype, on x's device,
// broadcast over the heads. Returns a contiguous (B, T, H, D) tensor of x's dtype, computed in float
// (double for float64). The backward is the rotation by -angle. cos and sin are constants: no gradient
// flows to them, and they must not require grad.
// Runs on: CPU, the fused CPU kernel (every dtype); CUDA float32/float16/bfloat16, Danka's CUDA kernel
// (kernels/cuda/rope.cu, x read through its strides); CUDA float64, GPUs the kernels have no image for (older
// than sm_80 by default; see dankaCudaKernelsRunOn in runtime.h) and CUDA-less builds, the reference.
at::Tensor applyRope(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin);

// The same function from plain ATen ops (narrow, mul, cat) in float (double for float64), differentiated
// by autograd.
at::Tensor applyRopeReference(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin);

}  // namespace danka::kernels
