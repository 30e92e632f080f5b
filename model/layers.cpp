// RMSNorm and SwiGLU modules (see layers.h).
#include "model/layers.h"

#include "kernels/rmsnorm.h"
#include "kernels/swiglu.h"

namespace danka::model {

torch::nn::Linear linear(int64_t in, int64_t out)
{
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

RMSNormImpl::RMSNormImpl(int64_t dim, double eps, KernelMode mode) : m_eps(eps), m_mode(mode)
{
    weight = register_parameter("weight", torch::ones({dim}));
}

at::Tensor RMSNormImpl::forward(const at::Tensor &x)
{
    return m_mode == KernelMode::Fused ? kernels::rmsNorm(x, weight, m_eps) : kernels::rmsNormReference(x, weight, m_eps);
}

MlpImpl::MlpImpl(int64_t hidden, int64_t ffnHidden, KernelMode mode) : m_mode(mode)
{
    gate_proj = register_module("gate_proj", linear(hidden, ffnHidden));
    up_proj = register_module("up_proj", linear(hidden, ffnHidden));
    down_proj = register_module("down_proj", linear(ffnHidden, hidden));
}

at::Tensor MlpImpl::forward(const at::Tensor &x)
{
    const at::Tensor g = gate_proj(x), u = up_proj(x);  // (B, T, ffn)
    return down_proj(m_mode == KernelMode::Fused ? kernels::swiglu(g, u) : kernels::swigluReference(g, u));
}

}  // namespace danka::model
