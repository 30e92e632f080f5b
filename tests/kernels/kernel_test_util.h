// Helpers for kernel tests: compare a fused op with its reference, forward and backward, and a finite-
// difference gradient check of the reference itself (in float64, so the oracle is independent of autograd).
#pragma once

#include <torch/torch.h>

#include <QtTest>
#include <functional>
#include <string>
#include <vector>

namespace danka::test {

using TensorFn = std::function<torch::Tensor(const std::vector<torch::Tensor> &)>;

// Largest |a - b| relative to max(|b|, floor).
inline double relativeError(const torch::Tensor &a, const torch::Tensor &b, double floor = 1e-6)
{
    const auto diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
    const auto scale = std::max(b.to(torch::kFloat64).abs().max().item<double>(), floor);
    return diff / scale;
}

// Copies of `inputs` that require grad (floating tensors only), in dtype `type`.
inline std::vector<torch::Tensor> leaves(const std::vector<torch::Tensor> &inputs, torch::ScalarType type)
{
    std::vector<torch::Tensor> out;
    for (const auto &t : inputs) {
        if (t.is_floating_point())
            out.push_back(t.detach().to(type).clone().requires_grad_(true));
        else
            out.push_back(t);
    }
    return out;
}

// Runs `fused` and `reference` on the same inputs (in `type`), a random upstream gradient, and checks
// outputs and every input gradient within `tolerance` (relative to the largest reference value).
inline void expectSameForwardBackward(const TensorFn &fused, const TensorFn &reference,
                                      const std::vector<torch::Tensor> &inputs, torch::ScalarType type,
                                      double tolerance, const std::string &what)
{
    const auto a = leaves(inputs, type), b = leaves(inputs, type);
    const torch::Tensor outA = fused(a), outB = reference(b);
    QVERIFY2(outA.sizes() == outB.sizes(), (what + ": output shapes differ").c_str());
    const double forward = relativeError(outA, outB);
    QVERIFY2(forward <= tolerance, (what + ": forward error " + std::to_string(forward)).c_str());
    const torch::Tensor upstream = torch::randn_like(outB.to(torch::kFloat64)).to(outB.scalar_type());
    outA.backward(upstream);
    outB.backward(upstream);
    for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_floating_point()) continue;
        QVERIFY2(a[i].grad().defined() && b[i].grad().defined(),
                 (what + ": no gradient for input " + std::to_string(i)).c_str());
        const double backward = relativeError(a[i].grad(), b[i].grad());
        QVERIFY2(backward <= tolerance,
                 (what + ": gradient error " + std::to_string(backward) + " for input " + std::to_string(i)).c_str());
    }
}

// Central finite differences of sum(f(x) * w) for a fixed random w, against autograd, in float64.
inline void expectGradientMatchesFiniteDifferences(const TensorFn &f, const std::vector<torch::Tensor> &inputs,
                                                   double tolerance, const std::string &what, double eps = 1e-6)
{
    auto x = leaves(inputs, torch::kFloat64);
    const torch::Tensor out = f(x);
    const torch::Tensor w = torch::randn_like(out);
    (out * w).sum().backward();
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!x[i].is_floating_point()) continue;
        auto flat = x[i].detach().view(-1);
        const auto grad = x[i].grad().view(-1);
        const int64_t n = flat.numel();
        for (int64_t k = 0; k < n; k += std::max<int64_t>(1, n / 25)) {  // a spread of coordinates
            const double saved = flat[k].item<double>();
            flat[k] = saved + eps;
            const double plus = (f(x) * w).sum().item<double>();
            flat[k] = saved - eps;
            const double minus = (f(x) * w).sum().item<double>();
            flat[k] = saved;
            const double numeric = (plus - minus) / (2 * eps);
            const double analytic = grad[k].item<double>();
            QVERIFY2(std::abs(numeric - analytic) <= tolerance * std::max(1.0, std::abs(numeric)),
                     (what + ": d/dx" + std::to_string(i) + "[" + std::to_string(k) + "] numeric " +
                      std::to_string(numeric) + " vs autograd " + std::to_string(analytic))
                         .c_str());
        }
    }
}

}  // namespace danka::test
