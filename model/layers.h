// Building blocks shared by every attention variant: RMSNorm and the SwiGLU feed-forward network, on
// Danka's fused kernels or on their plain LibTorch references (KernelMode::Reference: the oracle of the
// model tests and the "plain LibTorch" baseline of the benchmarks).
#pragma once

#include <torch/torch.h>

namespace danka::model {

enum class KernelMode { Fused, Reference };

// RMSNorm (Zhang & Sennrich 2019): x / rms(x) * weight.
class RMSNormImpl : public torch::nn::Module {
public:
    RMSNormImpl(int64_t dim, double eps, KernelMode mode);
    at::Tensor forward(const at::Tensor &x);  // (..., dim)
    at::Tensor weight;                        // (dim), initialised to ones

private:
    double m_eps;
    KernelMode m_mode;
};
TORCH_MODULE(RMSNorm);

// SwiGLU FFN (Shazeer 2020): down_proj(silu(gate_proj(x)) * up_proj(x)), no biases.
class MlpImpl : public torch::nn::Module {
public:
    MlpImpl(int64_t hidden, int64_t ffnHidden, KernelMode mode);
    at::Tensor forward(const at::Tensor &x);  // (B, T, hidden) -> (B, T, hidden)
    torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

private:
    KernelMode m_mode;
};
TORCH_MODULE(Mlp);

// A bias-free linear layer (every projection of the model).
torch::nn::Linear linear(int64_t in, int64_t out);

}  // namespace danka::model
