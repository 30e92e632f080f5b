// Input checks shared by the fused ops. Each failure is a c10::Error whose message names the op and the
// argument, e.g. "rmsNorm: weight must have the dtype of x (Float), got BFloat16".
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace danka::kernels {

inline void checkDefined(const char *op, const char *name, const at::Tensor &t)
{
    TORCH_CHECK(t.defined(), op, ": ", name, " is an undefined tensor");
}

// The dtypes the fused ops accept: float64, float32, bfloat16, float16.
inline void checkFloating(const char *op, const char *name, const at::Tensor &t)
{
    checkDefined(op, name, t);
    const auto type = t.scalar_type();
    TORCH_CHECK(type == at::kDouble || type == at::kFloat || type == at::kBFloat16 || type == at::kHalf, op,
                ": ", name, " must be float64, float32, bfloat16 or float16, got ", type);
}

inline void checkSameDtype(const char *op, const char *name, const at::Tensor &t, const char *refName,
                           const at::Tensor &ref)
{
    TORCH_CHECK(t.scalar_type() == ref.scalar_type(), op, ": ", name, " must have the dtype of ", refName,
                " (", ref.scalar_type(), "), got ", t.scalar_type());
}

inline void checkSameDevice(const char *op, const char *name, const at::Tensor &t, const char *refName,
                            const at::Tensor &ref)
{
    TORCH_CHECK(t.device() == ref.device(), op, ": ", name, " must be on the device of ", refName, " (",
                ref.device(), "), got ", t.device());
}

// Called first in a fused backward: the hand-written backward is not itself differentiable, so a backward
// with create_graph (grad mode on) would silently give zero second derivatives; refuse it instead.
inline void checkFirstOrderBackward(const char *op)
{
    TORCH_CHECK(!at::GradMode::is_enabled(), op,
                ": the fused backward is first order only; double backward (create_graph) is not supported, "
                "use the reference op for it");
}

}  // namespace danka::kernels
