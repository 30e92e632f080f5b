// Helpers for kernel tests beyond the kernel lab's cases (tests/kernels/lab_cases.h runs those): a
// low-precision run against the float64 reference (the attention dispatch test), finite-difference gradient
// checks (in float64, so the oracle is independent of autograd), the CPU instruction sets, and expected error
// messages.
#pragma once

#include <torch/torch.h>

#include <QtTest>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "kernels/cpu_simd.h"

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

// Central finite differences of sum(f(x) * w) for a fixed random w, against autograd, in float64.
inline void expectGradientMatchesFiniteDifferences(const TensorFn &f,
                                                   const std::vector<torch::Tensor> &inputs, double tolerance,
                                                   const std::string &what, double eps = 1e-6)
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

// Runs `fused` on the inputs rounded to `type` and `reference` on the same rounded values in float64, with
// one random upstream gradient (also rounded to `type`), and checks the output and every input gradient
// within `tolerance` relative to the largest reference value: what is measured is the low-precision kernel's
// own error, not the rounding of its inputs.
inline void expectCloseToFloat64Reference(const TensorFn &fused, const TensorFn &reference,
                                          const std::vector<torch::Tensor> &inputs, torch::ScalarType type,
                                          double tolerance, const std::string &what)
{
    std::vector<torch::Tensor> low, high;
    for (const auto &t : inputs) {
        if (t.is_floating_point()) {
            const torch::Tensor rounded = t.detach().to(type);
            low.push_back(rounded.clone().requires_grad_(true));
            high.push_back(rounded.to(torch::kFloat64).clone().requires_grad_(true));
        } else {
            low.push_back(t);
            high.push_back(t);
        }
    }
    const torch::Tensor outLow = fused(low), outHigh = reference(high);
    QVERIFY2(outLow.sizes() == outHigh.sizes(), (what + ": output shapes differ").c_str());
    const double forward = relativeError(outLow, outHigh);
    QVERIFY2(forward <= tolerance, (what + ": forward error " + std::to_string(forward)).c_str());
    const torch::Tensor upstream = torch::randn_like(outHigh).to(outLow.scalar_type());
    outLow.backward(upstream);
    outHigh.backward(upstream.to(torch::kFloat64));
    for (size_t i = 0; i < low.size(); ++i) {
        if (!low[i].is_floating_point()) continue;
        QVERIFY2(low[i].grad().defined() && high[i].grad().defined(),
                 (what + ": no gradient for input " + std::to_string(i)).c_str());
        QVERIFY2(low[i].grad().scalar_type() == type,
                 (what + ": gradient dtype differs from the input's").c_str());
        const double backward = relativeError(low[i].grad(), high[i].grad());
        QVERIFY2(backward <= tolerance,
                 (what + ": gradient error " + std::to_string(backward) + " for input " + std::to_string(i))
                     .c_str());
    }
}

// Runs `body` once for each instruction set the fused CPU kernels can use on this machine (AVX-512 and AVX2
// where the CPU has them, and always the baseline), passing its name for messages; restores the default.
inline void forEachCpuIsa(const std::function<void(const std::string &)> &body)
{
    namespace cpu = danka::kernels::cpu;
    for (const cpu::CpuIsa isa : {cpu::CpuIsa::Avx512, cpu::CpuIsa::Avx2, cpu::CpuIsa::Baseline}) {
        cpu::setCpuIsaForTesting(isa);
        if (cpu::cpuIsa() != isa) continue;  // not on this CPU
        body(cpu::cpuIsaName(isa));
        if (QTest::currentTestFailed()) break;
    }
    cpu::resetCpuIsaForTesting();
}

// Expects `f` to throw an exception whose message contains `fragment`.
inline void expectThrowsWithMessage(const std::function<void()> &f, const std::string &fragment)
{
    std::string message;
    try {
        f();
    } catch (const c10::Error &e) {
        message = e.what_without_backtrace();
    } catch (const std::exception &e) {
        message = e.what();
    }
    QVERIFY2(!message.empty(), ("no exception; expected one with \"" + fragment + "\"").c_str());
    QVERIFY2(message.find(fragment) != std::string::npos,
             ("expected \"" + fragment + "\" in the message \"" + message + "\"").c_str());
}

}  // namespace danka::test
