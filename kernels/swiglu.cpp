// SwiGLU: input checks, the fused CPU forward and backward (one pass each, rows in parallel), the autograd
// Function shared with the CUDA kernels, the device dispatch and the reference (see swiglu.h).
#include "kernels/swiglu.h"

#include <torch/autograd.h>

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
using cpu::storeN;
using cpu::Vec;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr const char *kOp = "swiglu";

void checkInputs(const at::Tensor &gate, const at::Tensor &up)
{
    checkFloating(kOp, "gate", gate);
    checkDefined(kOp, "up", up);
    TORCH_CHECK(gate.sizes() == up.sizes(), "swiglu: up must have the shape of gate ", gate.sizes(), ", got ",
                up.sizes());
    checkSameDtype(kOp, "up", up, "gate", gate);
    checkSameDevice(kOp, "up", up, "gate", gate);
}

// y = g sigmoid(g) u on rows [begin, end) of C elements, with vectors of B bytes.
template <int B, typename T>
void forwardRows(const T *gate, int64_t gateStride, const T *up, int64_t upStride, int64_t C, T *y,
                 int64_t begin, int64_t end)
{
    using V = Vec<AccT<T>, B>;
    for (int64_t row = begin; row < end; ++row) {
        const T *gr = gate + row * gateStride, *ur = up + row * upStride;
        T *yr = y + row * C;
        cpu::forEachVector<B, AccT<T>>(C, [&](int64_t j, int64_t n) {
            const V g = loadN<B>(gr + j, n);
            storeN(yr + j, g * cpu::sigmoidVec(g) * loadN<B>(ur + j, n), n);
        });
    }
}

// With s = sigmoid(g): d silu(g) / dg = s + g s (1 - s) = s (1 + g (1 - s)), so
//   dgate = dy u s (1 + g (1 - s)),   dup = dy g s.
// dgate or dup may be null when that gradient is not needed.
template <int B, typename T>
void backwardRows(const T *gate, int64_t gateStride, const T *up, int64_t upStride, const T *dy,
                  int64_t dyStride, int64_t C, T *dgate, T *dup, int64_t begin, int64_t end)
{
    using V = Vec<AccT<T>, B>;
    for (int64_t row = begin; row < end; ++row) {
        const T *gr = gate + row * gateStride, *ur = up + row * upStride, *dyr = dy + row * dyStride;
        T *dgr = dgate ? dgate + row * C : nullptr, *dur = dup ? dup + row * C : nullptr;
        cpu::forEachVector<B, AccT<T>>(C, [&](int64_t j, int64_t n) {
            const V g = loadN<B>(gr + j, n), d = loadN<B>(dyr + j, n);
            const V s = cpu::sigmoidVec(g);
            if (dgr) storeN(dgr + j, d * loadN<B>(ur + j, n) * s * (1 + g * (1 - s)), n);
            if (dur) storeN(dur + j, d * g * s, n);
        });
    }
}

// The CPU forward: y of gate's shape from the rows of gate and up.
at::Tensor forwardCpu(const cpu::Rows &g, const cpu::Rows &u)
{
    at::Tensor y = at::empty(g.t.sizes(), g.t.options());  // gate's shape
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, g.t.scalar_type(), "swiglu", [&] {
        const scalar_t *gp = g.t.data_ptr<scalar_t>(), *upp = u.t.data_ptr<scalar_t>();
        scalar_t *yp = y.data_ptr<scalar_t>();
        cpu::parallelRows(g.rows, g.cols, [&](auto bytes, int64_t begin, int64_t end) {
            forwardRows<decltype(bytes)::value>(gp, g.rowStride, upp, u.rowStride, g.cols, yp, begin, end);
        });
    });
    return y;
}

// The CPU backward: dgate and dup of gate's shape, each undefined when not needed.
std::pair<at::Tensor, at::Tensor> backwardCpu(const at::Tensor &gate, int64_t gateStride,
                                              const at::Tensor &up, int64_t upStride, const cpu::Rows &dy,
                                              bool needGate, bool needUp)
{
    at::Tensor dgate = needGate ? at::empty(gate.sizes(), gate.options()) : at::Tensor();
    at::Tensor dup = needUp ? at::empty(gate.sizes(), gate.options()) : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, gate.scalar_type(), "swigluBackward", [&] {
        const scalar_t *gp = gate.data_ptr<scalar_t>(), *upp = up.data_ptr<scalar_t>();
        const scalar_t *dyp = dy.t.data_ptr<scalar_t>();
        scalar_t *dgp = needGate ? dgate.data_ptr<scalar_t>() : nullptr;
        scalar_t *dup_ = needUp ? dup.data_ptr<scalar_t>() : nullptr;
        cpu::parallelRows(dy.rows, dy.cols, [&](auto bytes, int64_t begin, int64_t end) {
            backwardRows<decltype(bytes)::value>(gp, gateStride, upp, upStride, dyp, dy.rowStride, dy.cols,
                                                 dgp, dup_, begin, end);
        });
    });
    return {dgate, dup};
}

// One autograd Function for every device: the checks and the saved tensors are shared, forward and backward
// run the CPU code below or the CUDA kernels (kernels/cuda/swiglu.cu) by the device of gate.
struct SwigluFunction : public torch::autograd::Function<SwigluFunction> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &gate, const at::Tensor &up)
    {
        const cpu::Rows g = cpu::rowsOf(gate), u = cpu::rowsOf(up);  // (N, C) rows of each
        at::Tensor y;                                                // gate's shape
#ifdef DANKA_WITH_CUDA
        if (gate.is_cuda())
            y = cuda::swigluForward(g.t, g.rowStride, u.t, u.rowStride, g.rows, g.cols);
        else
#endif
            y = forwardCpu(g, u);
        // The inputs only (no copies unless their rows were not evenly strided): the backward recomputes
        // sigmoid(gate) rather than keeping silu(gate).
        ctx->save_for_backward({g.t, u.t});
        ctx->saved_data["gateRowStride"] = g.rowStride;
        ctx->saved_data["upRowStride"] = u.rowStride;
        return y;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        checkFirstOrderBackward(kOp);
        const variable_list saved = ctx->get_saved_variables();
        const at::Tensor &gate = saved[0], &up = saved[1];
        const int64_t gateStride = ctx->saved_data["gateRowStride"].toInt();
        const int64_t upStride = ctx->saved_data["upRowStride"].toInt();
        const bool needGate = ctx->needs_input_grad(0), needUp = ctx->needs_input_grad(1);
        const cpu::Rows dy = cpu::rowsOf(grads[0]);  // (N, C)
        at::Tensor dgate, dup;                       // gate's shape
#ifdef DANKA_WITH_CUDA
        if (gate.is_cuda())
            std::tie(dgate, dup) = cuda::swigluBackward(gate, gateStride, up, upStride, dy.t, dy.rowStride,
                                                        dy.rows, dy.cols, needGate, needUp);
        else
#endif
            std::tie(dgate, dup) = backwardCpu(gate, gateStride, up, upStride, dy, needGate, needUp);
        return {dgate, dup};
    }
};

}  // namespace

at::Tensor swiglu(const at::Tensor &gate, const at::Tensor &up)
{
    checkInputs(gate, up);
    if (gate.is_cpu()) return SwigluFunction::apply(gate, up);
#ifdef DANKA_WITH_CUDA
    // CUDA float32/float16/bfloat16: the fused kernels; float64 on CUDA, and GPUs the kernels have no image
    // for (older than sm_80 in the default build): the reference.
    if (gate.is_cuda() && cuda::cudaKernelDtype(gate.scalar_type()) && cuda::kernelsRunOn(gate))
        return SwigluFunction::apply(gate, up);
#endif
    return swigluReference(gate, up);  // float64 on CUDA, other devices, CPU-only builds
}

at::Tensor swigluReference(const at::Tensor &gate, const at::Tensor &up)
{
    const at::ScalarType acc = cpu::accScalarType(gate.scalar_type());
    return (at::silu(gate.to(acc)) * up.to(acc)).to(gate.scalar_type());
}

}  // namespace danka::kernels
