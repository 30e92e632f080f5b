// RMSNorm: input checks, the fused CPU forward and backward (rows in parallel, each row read from cache after
// its first pass), the autograd Function shared with the CUDA kernels, the device dispatch and the reference
// (see rmsnorm.h).
#include "kernels/rmsnorm.h"

#include <torch/autograd.h>

#include <string>
#include <tuple>
#include <utility>

#include "kernels/cpu_simd.h"
#include "kernels/tensor_checks.h"

#ifdef DANKA_WITH_CUDA
#include "kernels/cuda/glue.h"
#include "kernels/cuda/ops_glue.h"
#endif

namespace danka::kernels {
namespace {

using cpu::AccT;
using cpu::loadN;
using cpu::loadVec;
using cpu::storeN;
using cpu::Vec;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr const char *kOp = "rmsNorm";

void checkInputs(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    checkFloating(kOp, "x", x);
    checkDefined(kOp, "weight", weight);
    TORCH_CHECK(x.dim() >= 1, "rmsNorm: x must have shape (..., D), got a scalar");
    const int64_t D = x.size(-1);
    TORCH_CHECK(D > 0, "rmsNorm: the last dim of x must not be empty, got shape ", x.sizes());
    TORCH_CHECK(weight.dim() == 1 && weight.size(0) == D, "rmsNorm: weight must have size ", D,
                " (the last dim of x), got ",
                weight.dim() == 1 ? std::to_string(weight.size(0)) : "shape " + c10::str(weight.sizes()));
    checkSameDtype(kOp, "weight", weight, "x", x);
    checkSameDevice(kOp, "weight", weight, "x", x);
    TORCH_CHECK(std::isfinite(eps) && eps >= 0, "rmsNorm: eps must be finite and >= 0, got ", eps);
}

// Forward of rows [begin, end) with vectors of B bytes: r = 1 / sqrt(mean(x^2) + eps), y = x r w; r is kept
// for the backward. w is the weight in the accumulation type, zero-padded to whole vectors.
template <int B, typename T>
void forwardRows(const T *x, int64_t xStride, const AccT<T> *w, AccT<T> eps, int64_t D, T *y, AccT<T> *rstd,
                 int64_t begin, int64_t end)
{
    using A = AccT<T>;
    using V = Vec<A, B>;
    constexpr int64_t L = cpu::kLanes<A, B>;
    for (int64_t row = begin; row < end; ++row) {
        const T *xr = x + row * xStride;
        T *yr = y + row * D;
        V sumSq0 = V{}, sumSq1 = V{};  // two chains: shorter sums, more parallelism
        int64_t j = 0;
        for (; j + 2 * L <= D; j += 2 * L) {
            const V a = loadVec<B>(xr + j), b = loadVec<B>(xr + j + L);
            sumSq0 += a * a;
            sumSq1 += b * b;
        }
        for (; j < D; j += L) {
            const V a = loadN<B>(xr + j, D - j);
            sumSq0 += a * a;
        }
        const A r = A(1) / std::sqrt(cpu::reduceSum(sumSq0 + sumSq1) / A(D) + eps);
        rstd[row] = r;
        cpu::forEachVector<B, A>(
            D, [&](int64_t j, int64_t n) { storeN(yr + j, loadN<B>(xr + j, n) * r * loadVec<B>(w + j), n); });
    }
}

// Backward of rows [begin, end). With g = w dy and xhat = x r (Zhang & Sennrich 2019, eq. 4 differentiated):
//   dx = r (g - xhat mean(g xhat)),   dweight += dy xhat  (into this block's partial sum).
// dx or dwPartial may be null when that gradient is not needed.
template <int B, typename T>
void backwardRows(const T *x, int64_t xStride, const T *dy, int64_t dyStride, const AccT<T> *w,
                  const AccT<T> *rstd, int64_t D, T *dx, AccT<T> *dwPartial, int64_t begin, int64_t end)
{
    using A = AccT<T>;
    using V = Vec<A, B>;
    for (int64_t row = begin; row < end; ++row) {
        const T *xr = x + row * xStride;
        const T *dyr = dy + row * dyStride;
        const A r = rstd[row];
        if (dx) {
            V dot = V{};
            cpu::forEachVector<B, A>(D, [&](int64_t j, int64_t n) {
                dot += loadN<B>(dyr + j, n) * loadVec<B>(w + j) * (loadN<B>(xr + j, n) * r);
            });
            const A c = cpu::reduceSum(dot) / A(D);  // mean(g xhat)
            T *dxr = dx + row * D;
            cpu::forEachVector<B, A>(D, [&](int64_t j, int64_t n) {
                const V xhat = loadN<B>(xr + j, n) * r;
                storeN(dxr + j, (loadN<B>(dyr + j, n) * loadVec<B>(w + j) - xhat * c) * r, n);
            });
        }
        if (dwPartial) {
            // Padding lanes load dy = 0, so the padded tail of the partial stays 0.
            cpu::forEachVector<B, A>(D, [&](int64_t j, int64_t n) {
                const V xhat = loadN<B>(xr + j, n) * r;
                cpu::storeVec(dwPartial + j, loadVec<B>(dwPartial + j) + loadN<B>(dyr + j, n) * xhat);
            });
        }
    }
}

// The CPU forward of the rows of x: y (x's shape) and 1/rms per row in the accumulation type.
std::pair<at::Tensor, at::Tensor> forwardCpu(const cpu::Rows &xr, const at::Tensor &weight, double eps)
{
    const int64_t D = xr.cols;
    at::Tensor y = at::empty(xr.t.sizes(), xr.t.options());  // (..., D)
    at::Tensor rstd =
        at::empty({xr.rows}, xr.t.options().dtype(cpu::accScalarType(xr.t.scalar_type())));  // (N)
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, xr.t.scalar_type(), "rmsNorm", [&] {
        using A = AccT<scalar_t>;
        const std::vector<A> w = cpu::paddedAccCopy<A>(weight);
        const scalar_t *xp = xr.t.data_ptr<scalar_t>();
        scalar_t *yp = y.data_ptr<scalar_t>();
        A *rp = rstd.data_ptr<A>();
        cpu::parallelRows(xr.rows, D, [&](auto bytes, int64_t begin, int64_t end) {
            forwardRows<decltype(bytes)::value>(xp, xr.rowStride, w.data(), static_cast<A>(eps), D, yp, rp,
                                                begin, end);
        });
    });
    return {y, rstd};
}

// The CPU backward: dx (x's shape) and dweight (D), each undefined when not needed.
std::pair<at::Tensor, at::Tensor> backwardCpu(const at::Tensor &x, int64_t xStride, const at::Tensor &weight,
                                              const at::Tensor &rstd, const cpu::Rows &dy, bool needX,
                                              bool needW)
{
    const int64_t rows = dy.rows, D = dy.cols;
    at::Tensor dx = needX ? at::empty(x.sizes(), x.options()) : at::Tensor();  // (..., D)
    at::Tensor dw;                                                             // (D)
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "rmsNormBackward", [&] {
        using A = AccT<scalar_t>;
        const std::vector<A> w = cpu::paddedAccCopy<A>(weight);
        const int64_t Dp = static_cast<int64_t>(w.size());  // D rounded up to whole vectors
        // dweight sums over rows: each of a fixed number of row blocks sums into its own partial, then
        // the partials are added in block order, so the result does not depend on the thread count.
        const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(rows, 64));
        const int64_t rowsPerBlock = std::max<int64_t>(1, (rows + blocks - 1) / blocks);
        std::vector<A> partial(needW ? blocks * Dp : 0, A(0));
        const scalar_t *xp = x.data_ptr<scalar_t>(), *dyp = dy.t.data_ptr<scalar_t>();
        scalar_t *dxp = needX ? dx.data_ptr<scalar_t>() : nullptr;
        const A *rp = rstd.data_ptr<A>();
        const int64_t grain =
            std::max<int64_t>(1, cpu::kGrainElements / std::max<int64_t>(1, rowsPerBlock * D));
        cpu::parallelFor(blocks, grain, [&](int64_t b0, int64_t b1) {
            cpu::runVectorized([&](auto bytes) {
                for (int64_t b = b0; b < b1; ++b) {
                    const int64_t begin = b * rowsPerBlock, end = std::min(rows, begin + rowsPerBlock);
                    if (begin >= end) continue;
                    backwardRows<decltype(bytes)::value>(xp, xStride, dyp, dy.rowStride, w.data(), rp, D, dxp,
                                                         needW ? partial.data() + b * Dp : nullptr, begin,
                                                         end);
                }
            });
        });
        if (needW) {
            at::Tensor sum = at::zeros({D}, at::kDouble);
            double *s = sum.data_ptr<double>();
            for (int64_t b = 0; b < blocks; ++b)
                for (int64_t j = 0; j < D; ++j)
                    s[j] += partial[b * Dp + j];
            dw = sum.to(weight.scalar_type());
        }
    });
    return {dx, dw};
}

// One autograd Function for every device: the checks and the saved tensors are shared, forward and backward
// run the CPU code above or the CUDA kernels (kernels/cuda/rmsnorm.cu) by the device of x.
struct RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &weight, double eps)
    {
        const cpu::Rows xr = cpu::rowsOf(x);  // (N, D) rows of x
        at::Tensor y, rstd;                   // (..., D), (N)
#ifdef DANKA_WITH_CUDA
        if (x.is_cuda())
            std::tie(y, rstd) = cuda::rmsNormForward(xr.t, xr.rowStride, weight, eps);
        else
#endif
            std::tie(y, rstd) = forwardCpu(xr, weight, eps);
        // Only x (no copy unless its rows were not evenly strided), weight and 1/rms per row: the backward
        // recomputes xhat instead of keeping the normalised output.
        ctx->save_for_backward({xr.t, weight, rstd});
        ctx->saved_data["xRowStride"] = xr.rowStride;
        return y;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        checkFirstOrderBackward(kOp);
        const variable_list saved = ctx->get_saved_variables();
        const at::Tensor &x = saved[0], &weight = saved[1], &rstd = saved[2];
        const int64_t xStride = ctx->saved_data["xRowStride"].toInt();
        const bool needX = ctx->needs_input_grad(0), needW = ctx->needs_input_grad(1);
        const cpu::Rows dy = cpu::rowsOf(grads[0]);  // (N, D)
        at::Tensor dx, dw;                           // (..., D), (D)
#ifdef DANKA_WITH_CUDA
        if (x.is_cuda())
            std::tie(dx, dw) =
                cuda::rmsNormBackward(x, xStride, weight, rstd, dy.t, dy.rowStride, needX, needW);
        else
#endif
            std::tie(dx, dw) = backwardCpu(x, xStride, weight, rstd, dy, needX, needW);
        return {dx, dw, at::Tensor()};
    }
};

}  // namespace

at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    checkInputs(x, weight, eps);
    if (x.is_cpu()) return RmsNormFunction::apply(x, weight, eps);
#ifdef DANKA_WITH_CUDA
    // CUDA float32/float16/bfloat16: the fused kernels; float64 on CUDA, and GPUs the kernels have no image
    // for (older than sm_80 in the default build): the reference.
    if (x.is_cuda() && cuda::cudaKernelDtype(x.scalar_type()) && cuda::kernelsRunOn(x))
        return RmsNormFunction::apply(x, weight, eps);
#endif
    return rmsNormReference(x, weight, eps);  // float64 on CUDA, other devices, CPU-only builds
}

at::Tensor rmsNormReference(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    const at::ScalarType acc = cpu::accScalarType(x.scalar_type());
    const at::Tensor xf = x.to(acc);                                 // (..., D)
    const at::Tensor r = at::rsqrt(xf.pow(2).mean(-1, true) + eps);  // (..., 1)
    return (xf * r * weight.to(acc)).to(x.scalar_type());
}

}  // namespace danka::kernels
