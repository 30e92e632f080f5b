// Building blocks shared by every attention variant: RMSNorm and the SwiGLU feed-forward network, on
// Danka's fused kernels, on their plain references (KernelMode::Reference: the oracle of the model tests), or
// on LibTorch's own ops as a LibTorch user writes the model (KernelMode::Aten: the benchmarks' baseline).
#pragma once

#include <torch/torch.h>

namespace danka::model {

// Fused: Danka's kernels (kernels/). Reference: their plain compositions (the test oracles: scores, mask,
// softmax, matmul with repeated K/V; float upcasts). Aten: what a LibTorch user writes: at::scaled_dot_product_
// attention (its fused CPU/CUDA paths, enable_gqa), at::rms_norm, silu(g) * u, rotate_half RoPE with tables in
// the activation dtype, at::cross_entropy_loss.
enum class KernelMode { Fused, Reference, Aten };

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

// A bias-free projection y = x W^T: every projection of the model. It registers "weight" (out, in) as
// torch::nn::Linear without bias does (same name, same kaiming_uniform(a = sqrt(5)) initialisation), so
// checkpoint keys stay the Hugging Face ones. It may carry one LoRA adapter (Hu et al. 2021,
// arXiv:2106.09685, eq. 3): y = x W^T + (alpha / r) dropout(x) A^T B^T, with A (r, in) and B (out, r) the
// weights of the submodules "lora_A" and "lora_B", the names PEFT gives them (model/lora.h manages adapters).
class ProjectionImpl : public torch::nn::Module {
public:
    ProjectionImpl(int64_t in, int64_t out);
    at::Tensor forward(const at::Tensor &x);  // (..., in) -> (..., out)

    // The one matrix forward applies: W + (alpha / r) B A with an adapter, W without. Differentiable; the
    // low-rank product is formed in float32 (float64 for float64 weights) and rounded once to W's dtype.
    // MLA's absorbed attention reads kv_b_proj through this, as it never calls forward.
    at::Tensor effectiveWeight() const;

    // Adds an adapter of rank `rank`: A ~ kaiming_uniform(a = sqrt(5)) (nn.Linear's default, as PEFT), B = 0,
    // so the output is unchanged until B is trained; both on W's device and dtype. Dropout (probability
    // `dropout`) acts on the adapter's input in training mode only. Requires no adapter attached.
    void attachAdapter(int64_t rank, double alpha, double dropout);
    // W = effectiveWeight() (without tracking gradients), then removes the adapter.
    void mergeAdapter();
    bool hasAdapter() const { return !lora_A.is_empty(); }
    double scaling() const { return m_scaling; }  // alpha / r; 0 without an adapter
    // Switches the adapter off (the projection computes x W^T, its base) or on again; it stays attached.
    void setAdapterActive(bool active) { m_adapterActive = active; }
    bool adapterActive() const { return hasAdapter() && m_adapterActive; }

    at::Tensor weight;  // (out, in)
    // The adapter's factors: weights A (r, in) and B (out, r); null without an adapter.
    torch::nn::Linear lora_A{nullptr}, lora_B{nullptr};

private:
    double m_scaling = 0, m_dropout = 0;
    bool m_adapterActive = true;
};
TORCH_MODULE(Projection);

// SwiGLU FFN (Shazeer 2020): down_proj(silu(gate_proj(x)) * up_proj(x)), no biases.
class MlpImpl : public torch::nn::Module {
public:
    MlpImpl(int64_t hidden, int64_t ffnHidden, KernelMode mode);
    at::Tensor forward(const at::Tensor &x);  // (B, T, hidden) -> (B, T, hidden)
    Projection gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

private:
    KernelMode m_mode;
};
TORCH_MODULE(Mlp);

// A bias-free linear layer (every projection of the model).
Projection linear(int64_t in, int64_t out);

}  // namespace danka::model
