// Cross-entropy: input checks, the fused CPU forward (max and sum of exponentials per row, keeping only the
// logsumexp) and backward (softmax recomputed from logits and logsumexp), the autograd Function shared with
// the CUDA kernels, the device dispatch and the reference (see cross_entropy.h).
#include "kernels/cross_entropy.h"

#include <torch/autograd.h>

#include <limits>
#include <optional>
#include <tuple>
#include <vector>

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

constexpr const char *kOp = "crossEntropy";

// The first target outside [0, V) that is not ignoreIndex is an error that names it.
void checkTargetValues(const at::Tensor &targets, int64_t V, int64_t ignoreIndex)
{
    int64_t bad = -1, value = 0;
    if (targets.is_cpu()) {
        const at::Tensor t = targets.contiguous();
        const int64_t *p = t.data_ptr<int64_t>();
        for (int64_t i = 0; i < t.numel() && bad < 0; ++i) {
            if (p[i] != ignoreIndex && (p[i] < 0 || p[i] >= V)) {
                bad = i;
                value = p[i];
            }
        }
    } else if (targets.numel() > 0) {
        // On a device: one min/max reduction and one 2-value copy to the host per call (the kernels trust
        // the targets they index with); the first bad entry is looked up only when there is one.
        const at::Tensor kept = targets.masked_fill(targets == ignoreIndex, 0);  // ignored entries count as 0
        const auto [lo, hi] = at::aminmax(kept);
        const at::Tensor range = at::stack({lo, hi}).cpu();  // (2)
        const int64_t *r = range.data_ptr<int64_t>();
        if (r[0] < 0 || r[1] >= V) {
            const at::Tensor outside = (targets != ignoreIndex) & ((targets < 0) | (targets >= V));
            bad = outside.nonzero()[0][0].item<int64_t>();
            value = targets[bad].item<int64_t>();
        }
    }
    TORCH_CHECK(bad < 0, "crossEntropy: targets[", bad, "] = ", value, " is outside [0, ", V,
                ") and is not ignoreIndex (", ignoreIndex, ")");
}

void checkInputs(const at::Tensor &logits, const at::Tensor &targets, const at::Tensor &weights,
                 int64_t ignoreIndex)
{
    checkFloating(kOp, "logits", logits);
    checkDefined(kOp, "targets", targets);
    TORCH_CHECK(logits.dim() == 2, "crossEntropy: logits must have shape (N, V), got ", logits.sizes());
    const int64_t N = logits.size(0), V = logits.size(1);
    TORCH_CHECK(V > 0, "crossEntropy: logits must have a non-empty vocabulary dim V, got shape ",
                logits.sizes());
    TORCH_CHECK(targets.scalar_type() == at::kLong, "crossEntropy: targets must be int64, got ",
                targets.scalar_type());
    TORCH_CHECK(targets.dim() == 1 && targets.size(0) == N, "crossEntropy: targets must have shape (N) = (",
                N, "), got ", targets.sizes());
    checkSameDevice(kOp, "targets", targets, "logits", logits);
    if (weights.defined()) {
        TORCH_CHECK(at::isFloatingType(weights.scalar_type()), "crossEntropy: weights must be floating, got ",
                    weights.scalar_type());
        TORCH_CHECK(weights.dim() == 1 && weights.size(0) == N,
                    "crossEntropy: weights must have shape (N) = (", N, "), got ", weights.sizes());
        checkSameDevice(kOp, "weights", weights, "logits", logits);
    }
    checkTargetValues(targets, V, ignoreIndex);
}

// lse_i = m + log sum_j exp(x_ij - m) with m = max_j x_ij, for rows [begin, end) that are not ignored
// (ignored rows get lse 0, never read), with vectors of B bytes. A NaN in a row gives a NaN lse, as in
// log_softmax: the max skips it but exp(NaN - m) does not.
template <int B, typename T>
void logSumExpRows(const T *logits, int64_t stride, int64_t V, const int64_t *targets, int64_t ignoreIndex,
                   AccT<T> *lse, int64_t begin, int64_t end)
{
    using A = AccT<T>;
    using Vc = Vec<A, B>;
    constexpr int64_t L = cpu::kLanes<A, B>;
    const A negInf = -std::numeric_limits<A>::infinity();
    for (int64_t row = begin; row < end; ++row) {
        if (targets[row] == ignoreIndex) {
            lse[row] = 0;
            continue;
        }
        const T *x = logits + row * stride;
        Vc m0 = Vc{} + negInf, m1 = m0;  // two chains each for the max and the sum
        int64_t j = 0;
        for (; j + 2 * L <= V; j += 2 * L) {
            m0 = cpu::maxVec(m0, loadVec<B>(x + j));
            m1 = cpu::maxVec(m1, loadVec<B>(x + j + L));
        }
        for (; j < V; j += L)
            m0 = cpu::maxVec(m0, loadN<B>(x + j, V - j, negInf));
        const A m = cpu::reduceMax(cpu::maxVec(m0, m1));
        // x - m <= 0 (or NaN), and the padding lanes give exp(-inf) = 0.
        Vc s0 = Vc{}, s1 = Vc{};
        for (j = 0; j + 2 * L <= V; j += 2 * L) {
            s0 += cpu::expVec<true>(loadVec<B>(x + j) - m);
            s1 += cpu::expVec<true>(loadVec<B>(x + j + L) - m);
        }
        for (; j < V; j += L)
            s0 += cpu::expVec<true>(loadN<B>(x + j, V - j, negInf) - m);
        lse[row] = m + std::log(cpu::reduceSum(s0 + s1));
    }
}

// dlogits_ij = (exp(x_ij - lse_i) - [j == t_i]) scale_i with scale_i = w_i dloss / sum w, for rows
// [begin, end); ignored rows and rows with scale 0 are zeros. x - lse <= 0 since lse >= max x.
template <int B, typename T>
void gradientRows(const T *logits, int64_t stride, int64_t V, const int64_t *targets, int64_t ignoreIndex,
                  const AccT<T> *lse, const AccT<T> *scale, T *grad, int64_t begin, int64_t end)
{
    using A = AccT<T>;
    for (int64_t row = begin; row < end; ++row) {
        T *g = grad + row * V;
        const int64_t t = targets[row];
        const A k = scale[row];
        if (t == ignoreIndex || k == 0) {
            cpu::forEachVector<B, A>(V, [&](int64_t j, int64_t n) { storeN(g + j, Vec<A, B>{}, n); });
            continue;
        }
        const T *x = logits + row * stride;
        const A l = lse[row];
        cpu::forEachVector<B, A>(V, [&](int64_t j, int64_t n) {
            storeN(g + j, cpu::expVec<true>(loadN<B>(x + j, n) - l) * k, n);
        });
        // The target's entry from the unrounded probability (p - 1 is exact in A, not in a bfloat16 g).
        const A p = cpu::expVec<true>(Vec<A, B>{} + (cpu::toAcc(x[t]) - l))[0];
        g[t] = cpu::fromAcc<T>((p - 1) * k);
    }
}

// The CPU forward: the loss (0-d, the accumulation type), lse per row and the denominator (0-d float64).
// weights is float64 contiguous or undefined.
std::tuple<at::Tensor, at::Tensor, at::Tensor> forwardCpu(const cpu::Rows &x, const at::Tensor &targets,
                                                          const at::Tensor &weights, int64_t ignoreIndex)
{
    const int64_t N = x.rows, V = x.cols;
    const at::ScalarType acc = cpu::accScalarType(x.t.scalar_type());
    at::Tensor lse = at::empty({N}, x.t.options().dtype(acc));  // (N): all the forward keeps
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.t.scalar_type(), "crossEntropy", [&] {
        using A = AccT<scalar_t>;
        const scalar_t *xp = x.t.data_ptr<scalar_t>();
        const int64_t *tp = targets.data_ptr<int64_t>();
        A *lp = lse.data_ptr<A>();
        cpu::parallelRows(N, V, [&](auto bytes, int64_t begin, int64_t end) {
            logSumExpRows<decltype(bytes)::value>(xp, x.rowStride, V, tp, ignoreIndex, lp, begin, end);
        });
    });

    // The weighted mean in float64 with the weights unrounded, summed in row order (deterministic).
    const at::Tensor lse64 = lse.to(at::kDouble);  // (N)
    double total = 0, weightSum = 0;
    {
        const double *wp = weights.defined() ? weights.data_ptr<double>() : nullptr;
        const int64_t *tp = targets.data_ptr<int64_t>();
        const double *lp = lse64.data_ptr<double>();
        AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.t.scalar_type(), "crossEntropySum", [&] {
            const scalar_t *xp = x.t.data_ptr<scalar_t>();
            for (int64_t i = 0; i < N; ++i) {
                if (tp[i] == ignoreIndex) continue;
                const double w = wp ? wp[i] : 1.0;
                total += w * (lp[i] - static_cast<double>(cpu::toAcc(xp[i * x.rowStride + tp[i]])));
                weightSum += w;
            }
        });
    }
    const double denominator = weightSum != 0 ? weightSum : 1.0;  // loss 0 when no weight at all
    return {at::scalar_tensor(total / denominator, x.t.options().dtype(acc)), lse,
            at::scalar_tensor(denominator, x.t.options().dtype(at::kDouble))};
}

// The CPU backward: dlogits (N, V) of the logits' dtype.
at::Tensor backwardCpu(const at::Tensor &logits, int64_t stride, const at::Tensor &targets,
                       const at::Tensor &weights, int64_t ignoreIndex, const at::Tensor &lse,
                       double denominator, double dloss)
{
    const int64_t N = logits.size(0), V = logits.size(1);
    at::Tensor grad = at::empty({N, V}, logits.options());  // (N, V): the only (N, V) allocation
    AT_DISPATCH_FLOATING_TYPES_AND2(
        at::kBFloat16, at::kHalf, logits.scalar_type(), "crossEntropyBackward", [&] {
            using A = AccT<scalar_t>;
            // scale_i = w_i dloss / sum w, in float64 before the one rounding to A.
            std::vector<A> scale(static_cast<size_t>(N));
            const double *wp = weights.defined() ? weights.data_ptr<double>() : nullptr;
            for (int64_t i = 0; i < N; ++i)
                scale[i] = static_cast<A>((wp ? wp[i] : 1.0) * dloss / denominator);
            const scalar_t *xp = logits.data_ptr<scalar_t>();
            const int64_t *tp = targets.data_ptr<int64_t>();
            const A *lp = lse.data_ptr<A>();
            scalar_t *gp = grad.data_ptr<scalar_t>();
            cpu::parallelRows(N, V, [&](auto bytes, int64_t begin, int64_t end) {
                gradientRows<decltype(bytes)::value>(xp, stride, V, tp, ignoreIndex, lp, scale.data(), gp,
                                                     begin, end);
            });
        });
    return grad;
}

// One autograd Function for every device: the checks and the saved tensors are shared, forward and backward
// run the CPU code above or the CUDA kernels (kernels/cuda/cross_entropy.cu) by the device of the logits.
struct CrossEntropyFunction : public torch::autograd::Function<CrossEntropyFunction> {
    // weights travel as an optional: autograd cannot take an undefined tensor as an input.
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &logits, const at::Tensor &targetsIn,
                              const std::optional<at::Tensor> &weightsIn, int64_t ignoreIndex)
    {
        const cpu::Rows x =
            cpu::rowsOf(logits);  // (N, V), read in place when the vocabulary dim is unit-stride
        const at::Tensor targets = targetsIn.contiguous();                                              // (N)
        const at::Tensor weights = weightsIn ? weightsIn->to(at::kDouble).contiguous() : at::Tensor();  // (N)
        at::Tensor loss, lse, denominator;  // (), (N), () float64
#ifdef DANKA_WITH_CUDA
        if (logits.is_cuda()) {
            cuda::CrossEntropyForward r =
                cuda::crossEntropyForward(x.t, x.rowStride, targets, weights, ignoreIndex);
            loss = r.loss;
            lse = r.lse;
            denominator = r.denominator;  // stays on the device: the backward reads it there
        } else
#endif
        {
            std::tie(loss, lse, denominator) = forwardCpu(x, targets, weights, ignoreIndex);
        }
        ctx->save_for_backward({x.t, targets, weights, lse, denominator});
        ctx->saved_data["rowStride"] = x.rowStride;
        ctx->saved_data["ignoreIndex"] = ignoreIndex;
        return loss;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        checkFirstOrderBackward(kOp);
        if (!ctx->needs_input_grad(0)) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
        const variable_list saved = ctx->get_saved_variables();
        const at::Tensor &logits = saved[0], &targets = saved[1], &weights = saved[2], &lse = saved[3];
        const at::Tensor &denominator = saved[4];
        const int64_t stride = ctx->saved_data["rowStride"].toInt();
        const int64_t ignoreIndex = ctx->saved_data["ignoreIndex"].toInt();
        at::Tensor grad;  // (N, V)
#ifdef DANKA_WITH_CUDA
        if (logits.is_cuda())
            grad = cuda::crossEntropyBackward(logits, stride, targets, weights, ignoreIndex, lse, denominator,
                                              grads[0]);
        else
#endif
            grad = backwardCpu(logits, stride, targets, weights, ignoreIndex, lse, denominator.item<double>(),
                               grads[0].item<double>());
        return {grad, at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

at::Tensor crossEntropy(const at::Tensor &logits, const at::Tensor &targets, const at::Tensor &weights,
                        int64_t ignoreIndex)
{
    checkInputs(logits, targets, weights, ignoreIndex);
    const auto fused = [&] {
        return CrossEntropyFunction::apply(
            logits, targets, weights.defined() ? std::optional<at::Tensor>(weights) : std::nullopt,
            ignoreIndex);
    };
    if (logits.is_cpu()) return fused();
#ifdef DANKA_WITH_CUDA
    // CUDA float32/float16/bfloat16: the fused kernels; float64 on CUDA, and GPUs the kernels have no image
    // for (older than sm_80 in the default build): the reference.
    if (logits.is_cuda() && cuda::cudaKernelDtype(logits.scalar_type()) && cuda::kernelsRunOn(logits))
        return fused();
#endif
    return crossEntropyReference(logits, targets, weights, ignoreIndex);  // float64 on CUDA, other devices
}

at::Tensor crossEntropyReference(const at::Tensor &logits, const at::Tensor &targets,
                                 const at::Tensor &weights, int64_t ignoreIndex)
{
    const at::ScalarType acc = cpu::accScalarType(logits.scalar_type());
    const at::Tensor logProbs = at::log_softmax(logits.to(acc), 1);  // (N, V)
    const at::Tensor valid = targets != ignoreIndex;                 // (N)
    const at::Tensor picked = targets.masked_fill(valid.logical_not(), 0).unsqueeze(1);
    const at::Tensor nll = -logProbs.gather(1, picked).squeeze(1);  // (N)
    const at::Tensor w =
        (weights.defined() ? weights.to(acc) : at::ones_like(nll)).masked_fill(valid.logical_not(), 0);
    const at::Tensor weightSum = w.sum();
    return (w * nll).sum() / at::where(weightSum != 0, weightSum, at::ones_like(weightSum));
}

}  // namespace danka::kernels
