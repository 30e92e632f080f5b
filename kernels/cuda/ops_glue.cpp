// LibTorch glue of the CUDA RMSNorm, SwiGLU, RoPE and cross-entropy kernels (see ops_glue.h): shapes and
// strides out of the tensors, outputs from at::empty on the input's device, launches on the current stream
// of that device, failures as c10::Error.
#include "kernels/cuda/ops_glue.h"

#include <c10/cuda/CUDAGuard.h>

#include "kernels/cuda/cross_entropy.h"
#include "kernels/cuda/glue.h"
#include "kernels/cuda/rmsnorm.h"
#include "kernels/cuda/rope.h"
#include "kernels/cuda/swiglu.h"

namespace danka::kernels::cuda {
namespace {

// The raw entry points return a cudaError_t as int.
void check(int status, const char *op)
{
    checkLaunch(static_cast<cudaError_t>(status), op);
}

}  // namespace

std::pair<at::Tensor, at::Tensor> rmsNormForward(const at::Tensor &x, int64_t xRowStride,
                                                 const at::Tensor &weight, double eps)
{
    const c10::cuda::CUDAGuard guard(x.device());
    const int64_t D = x.size(-1), rows = x.numel() / D;                  // D > 0 (checked)
    const at::Tensor w = weight.contiguous();                            // (D)
    at::Tensor y = at::empty(x.sizes(), x.options());                    // (..., D)
    at::Tensor rstd = at::empty({rows}, x.options().dtype(at::kFloat));  // (rows)
    check(
        launchRmsNormForward(dtypeOf(x), x.data_ptr(), xRowStride, w.data_ptr(), rows, D,
                             static_cast<float>(eps), y.data_ptr(), rstd.data_ptr<float>(), currentStream(x)),
        "rmsNorm");
    return {y, rstd};
}

std::pair<at::Tensor, at::Tensor> rmsNormBackward(const at::Tensor &x, int64_t xRowStride,
                                                  const at::Tensor &weight, const at::Tensor &rstd,
                                                  const at::Tensor &dy, int64_t dyRowStride, bool needX,
                                                  bool needW)
{
    const c10::cuda::CUDAGuard guard(x.device());
    const int64_t D = x.size(-1), rows = x.numel() / D;
    const DType type = dtypeOf(x);
    const at::Tensor w = weight.contiguous();
    at::Tensor dx = needX ? at::empty(x.sizes(), x.options()) : at::Tensor();  // (..., D)
    at::Tensor dw, partial;
    if (needW) {
        // No rows: nothing is launched and the weight gradient is zero.
        dw = rows == 0 ? at::zeros({D}, weight.options()) : at::empty({D}, weight.options());  // (D)
        partial = at::empty({rmsNormBackwardBlocks(type, rows, D), D}, x.options().dtype(at::kFloat));
    }
    check(launchRmsNormBackward(type, x.data_ptr(), xRowStride, dy.data_ptr(), dyRowStride, w.data_ptr(),
                                rstd.data_ptr<float>(), rows, D, needX ? dx.data_ptr() : nullptr,
                                needW ? partial.data_ptr<float>() : nullptr, needW ? dw.data_ptr() : nullptr,
                                currentStream(x)),
          "rmsNorm backward");
    return {dx, dw};
}

at::Tensor swigluForward(const at::Tensor &gate, int64_t gateRowStride, const at::Tensor &up,
                         int64_t upRowStride, int64_t rows, int64_t cols)
{
    const c10::cuda::CUDAGuard guard(gate.device());
    at::Tensor y = at::empty(gate.sizes(), gate.options());  // gate's shape
    check(launchSwigluForward(dtypeOf(gate), gate.data_ptr(), gateRowStride, up.data_ptr(), upRowStride, rows,
                              cols, y.data_ptr(), currentStream(gate)),
          "swiglu");
    return y;
}

std::pair<at::Tensor, at::Tensor> swigluBackward(const at::Tensor &gate, int64_t gateRowStride,
                                                 const at::Tensor &up, int64_t upRowStride,
                                                 const at::Tensor &dy, int64_t dyRowStride, int64_t rows,
                                                 int64_t cols, bool needGate, bool needUp)
{
    const c10::cuda::CUDAGuard guard(gate.device());
    at::Tensor dgate = needGate ? at::empty(gate.sizes(), gate.options()) : at::Tensor();
    at::Tensor dup = needUp ? at::empty(gate.sizes(), gate.options()) : at::Tensor();
    check(launchSwigluBackward(dtypeOf(gate), gate.data_ptr(), gateRowStride, up.data_ptr(), upRowStride,
                               dy.data_ptr(), dyRowStride, rows, cols, needGate ? dgate.data_ptr() : nullptr,
                               needUp ? dup.data_ptr() : nullptr, currentStream(gate)),
          "swiglu backward");
    return {dgate, dup};
}

at::Tensor ropeRotate(const at::Tensor &xIn, const at::Tensor &cos, const at::Tensor &sin, double sign)
{
    const c10::cuda::CUDAGuard guard(xIn.device());
    const at::Tensor x = xIn.stride(3) == 1 ? xIn : xIn.contiguous();  // (B, T, H, D), unit stride in a head
    const int64_t B = x.size(0), T = x.size(1), H = x.size(2), D = x.size(3);
    TORCH_CHECK(cos.scalar_type() == at::kFloat && sin.scalar_type() == at::kFloat && cos.is_contiguous() &&
                    sin.is_contiguous(),
                "applyRope: the CUDA kernel takes contiguous float32 tables");
    at::Tensor out = at::empty(x.sizes(), x.options());  // (B, T, H, D)
    const int64_t tableBatchStride = cos.dim() == 3 ? T * (D / 2) : 0;
    check(launchRope(dtypeOf(x), x.data_ptr(), B, T, H, D, x.stride(0), x.stride(1), x.stride(2),
                     cos.data_ptr<float>(), sin.data_ptr<float>(), tableBatchStride, static_cast<float>(sign),
                     out.data_ptr(), currentStream(x)),
          sign > 0 ? "applyRope" : "applyRope backward");
    return out;
}

CrossEntropyForward crossEntropyForward(const at::Tensor &logits, int64_t rowStride,
                                        const at::Tensor &targets, const at::Tensor &weights,
                                        int64_t ignoreIndex)
{
    const c10::cuda::CUDAGuard guard(logits.device());
    const int64_t N = logits.size(0), V = logits.size(1);
    const auto f32 = logits.options().dtype(at::kFloat), f64 = logits.options().dtype(at::kDouble);
    CrossEntropyForward out;
    out.lse = at::empty({N}, f32);                          // (N)
    out.loss = at::empty({}, f32);                          // ()
    out.denominator = at::empty({}, f64);                   // ()
    const at::Tensor rowScratch = at::empty({2 * N}, f64);  // (2N): per-row loss terms, then weights
    check(launchCrossEntropyForward(
              dtypeOf(logits), logits.data_ptr(), rowStride, N, V, targets.data_ptr<int64_t>(),
              weights.defined() ? weights.data_ptr<double>() : nullptr, ignoreIndex,
              out.lse.data_ptr<float>(), rowScratch.data_ptr<double>(), out.loss.data_ptr<float>(),
              out.denominator.data_ptr<double>(), currentStream(logits)),
          "crossEntropy");
    return out;
}

at::Tensor crossEntropyBackward(const at::Tensor &logits, int64_t rowStride, const at::Tensor &targets,
                                const at::Tensor &weights, int64_t ignoreIndex, const at::Tensor &lse,
                                const at::Tensor &denominator, const at::Tensor &dlossIn)
{
    const c10::cuda::CUDAGuard guard(logits.device());
    const int64_t N = logits.size(0), V = logits.size(1);
    const at::Tensor dloss = dlossIn.to(logits.device(), at::kFloat).contiguous();  // ()
    at::Tensor grad = at::empty({N, V}, logits.options());  // (N, V): the only (N, V) allocation
    check(launchCrossEntropyBackward(dtypeOf(logits), logits.data_ptr(), rowStride, N, V,
                                     targets.data_ptr<int64_t>(),
                                     weights.defined() ? weights.data_ptr<double>() : nullptr, ignoreIndex,
                                     lse.data_ptr<float>(), dloss.data_ptr<float>(),
                                     denominator.data_ptr<double>(), grad.data_ptr(), currentStream(logits)),
          "crossEntropy backward");
    return grad;
}

}  // namespace danka::kernels::cuda
