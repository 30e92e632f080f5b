// Projections (with their optional LoRA adapter), RMSNorm and SwiGLU modules (see layers.h).
#include "model/layers.h"

#include <cmath>

#include "kernels/rmsnorm.h"
#include "kernels/swiglu.h"

namespace danka::model {

ProjectionImpl::ProjectionImpl(int64_t in, int64_t out)
{
    // torch::nn::Linear's reset_parameters: a seed gives the weights it gave when projections were Linear.
    weight = register_parameter("weight", torch::empty({out, in}));
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
}

at::Tensor ProjectionImpl::forward(const at::Tensor &x)
{
    const at::Tensor y = at::linear(x, weight);  // (..., out)
    if (!adapterActive()) return y;
    const at::Tensor in = m_dropout > 0 && is_training() ? torch::dropout(x, m_dropout, true) : x;
    // Two thin products (r << in, out) instead of materialising B A: that is what makes LoRA cheap to train.
    return y + m_scaling * lora_B(lora_A(in));
}

at::Tensor ProjectionImpl::effectiveWeight() const
{
    if (!adapterActive()) return weight;
    const at::ScalarType wide = at::promote_types(weight.scalar_type(), at::kFloat);
    const at::Tensor delta = at::matmul(lora_B->weight.to(wide), lora_A->weight.to(wide));  // (out, in)
    return (weight.to(wide) + m_scaling * delta).to(weight.scalar_type());
}

void ProjectionImpl::attachAdapter(int64_t rank, double alpha, double dropout)
{
    TORCH_CHECK(!hasAdapter(), "projection: an adapter is already attached");
    TORCH_CHECK(rank >= 1 && alpha > 0 && dropout >= 0 && dropout < 1, "projection: invalid adapter (rank ",
                rank, ", alpha ", alpha, ", dropout ", dropout, ")");
    const int64_t out = weight.size(0), in = weight.size(1);
    // nn.Linear initialises its weight with kaiming_uniform(a = sqrt(5)): PEFT's default for A.
    lora_A = register_module("lora_A", torch::nn::Linear(torch::nn::LinearOptions(in, rank).bias(false)));
    lora_B = register_module("lora_B", torch::nn::Linear(torch::nn::LinearOptions(rank, out).bias(false)));
    torch::NoGradGuard noGrad;
    lora_B->weight.zero_();
    lora_A->to(weight.device(), weight.scalar_type());
    lora_B->to(weight.device(), weight.scalar_type());
    m_scaling = alpha / static_cast<double>(rank);
    m_dropout = dropout;
}

void ProjectionImpl::mergeAdapter()
{
    TORCH_CHECK(hasAdapter(), "projection: no adapter to merge");
    {
        torch::NoGradGuard noGrad;
        m_adapterActive = true;  // the adapter is merged even while switched off
        weight.copy_(effectiveWeight());
    }
    unregister_module("lora_A");
    unregister_module("lora_B");
    lora_A = nullptr;
    lora_B = nullptr;
    m_scaling = m_dropout = 0;
}

Projection linear(int64_t in, int64_t out)
{
    return Projection(in, out);
}

RMSNormImpl::RMSNormImpl(int64_t dim, double eps, KernelMode mode) : m_eps(eps), m_mode(mode)
{
    weight = register_parameter("weight", torch::ones({dim}));
}

at::Tensor RMSNormImpl::forward(const at::Tensor &x)
{
    // Under autocast a projection's output (the input of q_norm, k_norm and MLA's latent norms) is 16-bit
    // while the gain stays fp32; the norm works in x's dtype (the cast is differentiable, so the fp32 gain
    // still gets its gradient).
    const at::Tensor w = weight.scalar_type() == x.scalar_type() ? weight : weight.to(x.scalar_type());
    switch (m_mode) {
        case KernelMode::Fused: return kernels::rmsNorm(x, w, m_eps);
        case KernelMode::Reference: return kernels::rmsNormReference(x, w, m_eps);
        case KernelMode::Aten: break;
    }
    return at::rms_norm(x, {x.size(-1)}, w, m_eps);
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
    switch (m_mode) {
        case KernelMode::Fused: return down_proj(kernels::swiglu(g, u));
        case KernelMode::Reference: return down_proj(kernels::swigluReference(g, u));
        case KernelMode::Aten: break;
    }
    return down_proj(at::silu(g) * u);
}

}  // namespace danka::model
