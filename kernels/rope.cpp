// RoPE: the cos/sin tables, input checks, the fused CPU rotation (forward: +angle, backward: -angle), the
// autograd Function shared with the CUDA kernel, the device dispatch and the reference (see rope.h).
#include "kernels/rope.h"

#include <ATen/core/grad_mode.h>
#include <torch/autograd.h>

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
using cpu::storeN;
using cpu::Vec;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr const char *kOp = "applyRope";

void checkInputs(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin)
{
    checkFloating(kOp, "x", x);
    checkFloating(kOp, "cos", cos);
    checkFloating(kOp, "sin", sin);
    TORCH_CHECK(x.dim() == 4, "applyRope: x must have shape (B, T, H, D), got ", x.sizes());
    const int64_t B = x.size(0), T = x.size(1), D = x.size(3);
    TORCH_CHECK(D > 0 && D % 2 == 0, "applyRope: the head dim D of x must be even and > 0, got ", D);
    TORCH_CHECK((cos.dim() == 2 && cos.size(0) == T && cos.size(1) == D / 2) ||
                    (cos.dim() == 3 && cos.size(0) == B && cos.size(1) == T && cos.size(2) == D / 2),
                "applyRope: cos must have shape (T, D/2) = (", T, ", ", D / 2, ") or (B, T, D/2) = (", B,
                ", ", T, ", ", D / 2, "), got ", cos.sizes());
    TORCH_CHECK(sin.sizes() == cos.sizes(), "applyRope: sin must have the shape of cos ", cos.sizes(),
                ", got ", sin.sizes());
    checkSameDtype(kOp, "sin", sin, "cos", cos);
    checkSameDevice(kOp, "cos", cos, "x", x);
    checkSameDevice(kOp, "sin", sin, "x", x);
    TORCH_CHECK(
        !at::GradMode::is_enabled() || !(cos.requires_grad() || sin.requires_grad()),
        "applyRope: cos and sin must not require grad (they are constant tables; no gradient flows to "
        "them)");
}

// Rotates the (b, t) positions [begin, end) (flat index b T + t) of x by `sign` times the angle:
//   out1 = x1 cos - x2 sign sin,   out2 = x2 cos + x1 sign sin   (sign -1: the transpose, for the backward).
// x is addressed through its batch, time and head strides (unit stride inside a head); `out` is contiguous
// (B, T, H, D); the tables are contiguous (T, D/2) rows, offset by tableBatchStride per batch (0 when
// shared).
template <int B, typename T>
void rotatePositions(const T *x, int64_t strideB, int64_t strideT, int64_t strideH, int64_t steps, int64_t H,
                     int64_t D, const AccT<T> *cos, const AccT<T> *sin, int64_t tableBatchStride,
                     AccT<T> sign, T *out, int64_t begin, int64_t end)
{
    using A = AccT<T>;
    using V = Vec<A, B>;
    const int64_t half = D / 2;
    for (int64_t bt = begin; bt < end; ++bt) {
        const int64_t b = bt / steps, t = bt % steps;
        const A *c = cos + b * tableBatchStride + t * half, *s = sin + b * tableBatchStride + t * half;
        for (int64_t h = 0; h < H; ++h) {
            const T *xr = x + b * strideB + t * strideT + h * strideH;
            T *yr = out + (bt * H + h) * D;
            cpu::forEachVector<B, A>(half, [&](int64_t j, int64_t n) {
                const V x1 = loadN<B>(xr + j, n), x2 = loadN<B>(xr + half + j, n);
                const V cv = loadN<B>(c + j, n), sv = loadN<B>(s + j, n) * sign;
                storeN(yr + j, x1 * cv - x2 * sv, n);
                storeN(yr + half + j, x2 * cv + x1 * sv, n);
            });
        }
    }
}

// out = rotation of x by sign * angle (see rotatePositions) on the CPU; tables are contiguous in the
// accumulation type.
at::Tensor rotateCpu(const at::Tensor &xIn, const at::Tensor &cos, const at::Tensor &sin, double sign)
{
    const at::Tensor x = xIn.stride(3) == 1 ? xIn : xIn.contiguous();  // (B, T, H, D), unit stride in a head
    const int64_t B = x.size(0), T = x.size(1), H = x.size(2), D = x.size(3);
    at::Tensor out = at::empty(x.sizes(), x.options());  // (B, T, H, D)
    const int64_t tableBatchStride = cos.dim() == 3 ? T * (D / 2) : 0;
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "applyRope", [&] {
        using A = AccT<scalar_t>;
        const scalar_t *xp = x.data_ptr<scalar_t>();
        const A *cp = cos.data_ptr<A>(), *sp = sin.data_ptr<A>();
        scalar_t *op = out.data_ptr<scalar_t>();
        cpu::parallelRows(B * T, H * D, [&](auto bytes, int64_t begin, int64_t end) {
            rotatePositions<decltype(bytes)::value>(xp, x.stride(0), x.stride(1), x.stride(2), T, H, D, cp,
                                                    sp, tableBatchStride, static_cast<A>(sign), op, begin,
                                                    end);
        });
    });
    return out;
}

// The rotation on x's device: the CPU code above or the CUDA kernel (kernels/cuda/rope.cu).
at::Tensor rotate(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin, double sign)
{
#ifdef DANKA_WITH_CUDA
    if (x.is_cuda()) return cuda::ropeRotate(x, cos, sin, sign);
#endif
    return rotateCpu(x, cos, sin, sign);
}

// One autograd Function for every device: the tables are prepared and saved here, the rotation runs where x
// lives.
struct RopeFunction : public torch::autograd::Function<RopeFunction> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x, const at::Tensor &cos,
                              const at::Tensor &sin)
    {
        // The tables in the accumulation type: no copy for float32 tables and a float32/bf16/f16 x.
        const at::ScalarType acc = cpu::accScalarType(x.scalar_type());
        const at::Tensor c = cos.to(acc).contiguous(), s = sin.to(acc).contiguous();  // (T | B, T, D/2)
        ctx->save_for_backward({c, s});  // the backward needs only the tables, not x
        return rotate(x, c, s, 1.0);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        checkFirstOrderBackward(kOp);
        const variable_list saved = ctx->get_saved_variables();
        // d out / d x is the rotation matrix; its transpose is the rotation by -angle.
        at::Tensor dx = ctx->needs_input_grad(0) ? rotate(grads[0], saved[0], saved[1], -1.0) : at::Tensor();
        return {dx, at::Tensor(), at::Tensor()};
    }
};

}  // namespace

std::pair<at::Tensor, at::Tensor> ropeTables(const at::Tensor &positions, int64_t dim, double theta)
{
    checkDefined("ropeTables", "positions", positions);
    TORCH_CHECK(at::isIntegralType(positions.scalar_type(), /*includeBool=*/false) ||
                    at::isFloatingType(positions.scalar_type()),
                "ropeTables: positions must be an integer or floating tensor, got ", positions.scalar_type());
    TORCH_CHECK(dim > 0 && dim % 2 == 0, "ropeTables: dim must be even and > 0, got ", dim);
    TORCH_CHECK(std::isfinite(theta) && theta > 0, "ropeTables: theta must be finite and > 0, got ", theta);
    const auto f64 = positions.options().dtype(at::kDouble);
    const at::Tensor invFreq = at::pow(theta, at::arange(0, dim / 2, f64) * (-2.0 / dim));  // (dim/2)
    const at::Tensor angles = positions.to(at::kDouble).unsqueeze(-1) * invFreq;            // (..., dim/2)
    return {angles.cos().to(at::kFloat), angles.sin().to(at::kFloat)};
}

at::Tensor applyRope(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin)
{
    checkInputs(x, cos, sin);
    if (x.is_cpu()) return RopeFunction::apply(x, cos, sin);
#ifdef DANKA_WITH_CUDA
    // CUDA float32/float16/bfloat16: the fused kernel; float64 on CUDA, and GPUs the kernel has no image for
    // (older than sm_80 in the default build): the reference.
    if (x.is_cuda() && cuda::cudaKernelDtype(x.scalar_type()) && cuda::kernelsRunOn(x))
        return RopeFunction::apply(x, cos, sin);
#endif
    return applyRopeReference(x, cos, sin);  // float64 on CUDA, other devices, CPU-only builds
}

at::Tensor applyRopeReference(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin)
{
    const at::ScalarType acc = cpu::accScalarType(x.scalar_type());
    const int64_t half = x.size(-1) / 2;
    const at::Tensor xf = x.to(acc);
    const at::Tensor x1 = xf.narrow(-1, 0, half), x2 = xf.narrow(-1, half, half);  // (B, T, H, D/2)
    // (T, D/2) -> (1, T, 1, D/2); (B, T, D/2) -> (B, T, 1, D/2): broadcast over the heads.
    const auto heads = [&](const at::Tensor &table) {
        const at::Tensor t = table.to(acc);
        return t.dim() == 2 ? t.unsqueeze(0).unsqueeze(2) : t.unsqueeze(2);
    };
    const at::Tensor c = heads(cos), s = heads(sin);
    return at::cat({x1 * c - x2 * s, x2 * c + x1 * s}, -1).to(x.scalar_type());  // (B, T, H, D)
}

}  // namespace danka::kernels
