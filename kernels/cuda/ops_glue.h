// LibTorch glue of Danka's CUDA RMSNorm, SwiGLU, RoPE and cross-entropy kernels (kernels/cuda/*_glue.cpp):
// at::Tensors in, the raw-pointer launches on the tensors' device and current stream, outputs allocated
// with at::empty on that device, launch failures as c10::Error naming the op. Called by the ops' shared
// autograd Functions (kernels/<op>.cpp) for CUDA tensors of float32, float16 or bfloat16 after their input
// checks; tensors arrive with unit stride along their rows and the row stride given (cpu::rowsOf views).
// Only compiled and declared with DANKA_WITH_CUDA.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

namespace danka::kernels::cuda {

// ---- RMSNorm (kernels/cuda/rmsnorm.cu) ----
// x (..., D) whose rows are xRowStride apart; weight (D). Returns y (x's shape, contiguous) and 1/rms per
// row (rows, float32).
std::pair<at::Tensor, at::Tensor> rmsNormForward(const at::Tensor &x, int64_t xRowStride,
                                                 const at::Tensor &weight, double eps);
// Returns dx (x's shape; undefined unless needX) and dweight (D; undefined unless needW), the weight
// gradient summed over rows in a fixed order (the same on every run and GPU).
std::pair<at::Tensor, at::Tensor> rmsNormBackward(const at::Tensor &x, int64_t xRowStride,
                                                  const at::Tensor &weight, const at::Tensor &rstd,
                                                  const at::Tensor &dy, int64_t dyRowStride, bool needX,
                                                  bool needW);

// ---- SwiGLU (kernels/cuda/swiglu.cu) ----
// gate and up: one shape, `rows` rows of `cols` elements, rows gateRowStride (upRowStride) apart. Returns y
// of gate's shape, contiguous.
at::Tensor swigluForward(const at::Tensor &gate, int64_t gateRowStride, const at::Tensor &up,
                         int64_t upRowStride, int64_t rows, int64_t cols);
// dy of gate's shape, rows dyRowStride apart. Returns dgate and dup (each undefined unless needed).
std::pair<at::Tensor, at::Tensor> swigluBackward(const at::Tensor &gate, int64_t gateRowStride,
                                                 const at::Tensor &up, int64_t upRowStride,
                                                 const at::Tensor &dy, int64_t dyRowStride, int64_t rows,
                                                 int64_t cols, bool needGate, bool needUp);

// ---- RoPE (kernels/cuda/rope.cu) ----
// x (B, T, H, D), any strides (copied when the head dim is not unit-stride); cos and sin float32 contiguous
// (T, D/2) or (B, T, D/2). Returns the contiguous rotation of x by sign (+1 or -1) times the angles.
at::Tensor ropeRotate(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin, double sign);

// ---- Cross-entropy (kernels/cuda/cross_entropy.cu) ----
struct CrossEntropyForward {
    at::Tensor loss;         // 0-d float32: sum w (lse - x_t) / denominator
    at::Tensor lse;          // (N) float32; 0 for ignored rows
    at::Tensor denominator;  // 0-d float64 on the device: sum of the weights of the rows kept, or 1 if 0
};
// logits (N, V) whose rows are rowStride apart; targets (N) int64 contiguous, already checked; weights (N)
// float64 contiguous or undefined (all ones).
CrossEntropyForward crossEntropyForward(const at::Tensor &logits, int64_t rowStride,
                                        const at::Tensor &targets, const at::Tensor &weights,
                                        int64_t ignoreIndex);
// Returns dlogits (N, V) contiguous of the logits' dtype; dloss is the upstream 0-d gradient (read on the
// device: no synchronisation).
at::Tensor crossEntropyBackward(const at::Tensor &logits, int64_t rowStride, const at::Tensor &targets,
                                const at::Tensor &weights, int64_t ignoreIndex, const at::Tensor &lse,
                                const at::Tensor &denominator, const at::Tensor &dloss);

}  // namespace danka::kernels::cuda
