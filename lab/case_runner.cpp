// Running a case of the kernel table (see case_runner.h). Every input is drawn on the CPU from the case's
// seed; the check runs Danka's op on the device in the case's dtype and the reference in float64 on the CPU on
// the same (rounded) values, so what is measured is the kernel's own error, not the rounding of its inputs.
#include "lab/case_runner.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "kernels/runtime.h"
#include "lab/case_program.h"

namespace danka::lab {

const char *const kNoCudaDeviceMessage =
    "no CUDA device: the GPU kernel checks need a GPU (packaging/gpu_check.sh on a GPU machine)";

double relativeError(const at::Tensor &x, const at::Tensor &ref)
{
    TORCH_CHECK(x.sizes() == ref.sizes(), "relativeError: shapes differ: ", x.sizes(), " vs ", ref.sizes());
    if (ref.numel() == 0) return 0;
    const at::Tensor a = x.detach().to(at::kCPU).to(at::kDouble);
    const at::Tensor b = ref.detach().to(at::kCPU).to(at::kDouble);
    const double diff = (a - b).abs().max().item<double>();
    const double scale = b.abs().max().item<double>();
    if (std::isnan(diff)) return diff;
    if (scale == 0) return diff == 0 ? 0 : std::numeric_limits<double>::infinity();
    return diff / scale;
}

namespace {

using detail::CaseInput;
using detail::CaseProgram;

std::string sci(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

at::ScalarType scalarType(Dtype dtype)
{
    switch (dtype) {
    case Dtype::Fp64: return at::kDouble;
    case Dtype::Fp32: return at::kFloat;
    case Dtype::Bf16: return at::kBFloat16;
    case Dtype::Fp16: return at::kHalf;
    }
    return at::kFloat;
}

size_t indexOf(const KernelCase &c)
{
    const std::vector<KernelCase> &cases = kernelCases();
    for (size_t i = 0; i < cases.size(); ++i)
        if (cases[i].name == c.name) return i;
    throw std::invalid_argument("kernel lab: no case named \"" + c.name + "\"");
}

// The case's program from its seed, checked against what the table says of its tensors.
CaseProgram build(const KernelCase &c, uint64_t seed, std::string *problem)
{
    torch::manual_seed(caseSeed(c, seed));
    CaseProgram p = detail::buildCase(indexOf(c));
    bool rolesMatch = p.inputs.size() == c.inputs.size();
    for (size_t i = 0; rolesMatch && i < p.inputs.size(); ++i)
        rolesMatch = p.inputs[i].role == c.inputs[i].role && p.inputs[i].name == c.inputs[i].name;
    if (!rolesMatch) *problem = "the table's input list differs from the case's inputs";
    return p;
}

struct Measurement : CaseMeasurement {
    void add(const std::string &what, double e)
    {
        parts += (parts.empty() ? "" : ", ") + what + " " + sci(e);
        if (std::isnan(error)) return;
        if (std::isnan(e) || e > error) error = e;
    }
};

}  // namespace

Availability availability(const KernelCase &c, const at::Device &device)
{
    if (device.is_cpu()) {
        if (!c.onCpu) return {SkipReason::NotForDevice, c.notOnCpu};
        return {};
    }
    if (device.is_cuda()) {
        if (!c.onCuda) return {SkipReason::NotForDevice, c.notOnCuda};
        const int index = device.has_index() ? device.index() : 0;
        if (!torch::cuda::is_available() || index >= static_cast<int>(torch::cuda::device_count()))
            return {SkipReason::NoDevice, kNoCudaDeviceMessage};
        // A GPU Danka's kernels have no image for (sm_75 against the default build): the ops fall back to the
        // reference compositions there, so comparing them with the reference would prove nothing.
        std::string why;
        if (!kernels::dankaCudaKernelsRunOn(index, &why))
            return {SkipReason::NoDevice, "nothing of Danka's to check: " + why};
        return {};
    }
    return {SkipReason::NotForDevice, "Danka's kernels run on the CPU and on CUDA, not on " + device.str()};
}

uint64_t caseSeed(const KernelCase &c, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the name: a stable per-case offset
    for (unsigned char ch : c.name) h = (h ^ ch) * 1099511628211ull;
    return seed + h;
}

bool CaseMeasurement::passed(double tolerance) const
{
    return problem.empty() && std::isfinite(error) && error <= tolerance;
}

CaseMeasurement checkCase(const KernelCase &c, const at::Device &device, uint64_t seed, double perturbation)
{
    Measurement m;
    const CaseProgram p = build(c, seed, &m.problem);
    const at::ScalarType type = scalarType(c.dtype);
    const bool backward = c.group == "op";
    std::optional<torch::NoGradGuard> noGrad;
    if (!backward) noGrad.emplace();

    std::vector<at::Tensor> low, high;
    for (const CaseInput &in : p.inputs) {
        switch (in.role) {
        case TensorRole::Grad: {
            const at::Tensor rounded = in.value.to(type);
            low.push_back(rounded.to(device).detach().requires_grad_(backward));
            high.push_back(rounded.to(at::kDouble).detach().requires_grad_(backward));
            break;
        }
        case TensorRole::Const:
            low.push_back(in.value.to(device));
            high.push_back(in.value.to(at::kDouble));
            break;
        case TensorRole::Index:
            low.push_back(in.value.to(device));
            high.push_back(in.value);
            break;
        }
    }
    at::Tensor outLow = p.danka(low);
    if (perturbation != 0) outLow = outLow * (1 + perturbation);
    const at::Tensor outHigh = p.reference(high);
    if (p.outputInInputType && outLow.scalar_type() != type)
        m.problem = std::string("output dtype is ") + c10::toString(outLow.scalar_type());
    if (outHigh.numel() != c.output.elements)
        m.problem = "the output has " + std::to_string(outHigh.numel()) + " elements, the table says " +
                    std::to_string(c.output.elements);
    m.add("out", relativeError(outLow, outHigh));
    if (!backward) return m;

    const at::Tensor upstream = at::randn(outHigh.sizes(), at::kDouble).to(outLow.scalar_type());
    outLow.backward(upstream.to(device));
    outHigh.backward(upstream.to(at::kDouble));
    for (size_t i = 0; i < p.inputs.size(); ++i) {
        if (p.inputs[i].role != TensorRole::Grad) continue;
        const at::Tensor &g = low[i].grad();
        if (!g.defined()) {
            m.add("d" + p.inputs[i].name, std::numeric_limits<double>::infinity());
            m.problem = "no gradient for " + p.inputs[i].name;
            continue;
        }
        if (g.scalar_type() != type) m.problem = "d" + p.inputs[i].name + " dtype is " + c10::toString(g.scalar_type());
        m.add("d" + p.inputs[i].name, relativeError(g, high[i].grad()));
    }
    return m;
}

namespace {

std::string firstLine(std::string text)
{
    const auto newline = text.find('\n');  // c10 errors append a backtrace
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

}  // namespace

CaseBench benchCase(const KernelCase &c, const at::Device &device, const Timer &timer, uint64_t seed)
{
    std::string problem;
    const CaseProgram p = build(c, seed, &problem);
    const at::ScalarType type = scalarType(c.dtype);
    const bool backward = c.group == "op";
    std::vector<at::Tensor> inputs, differentiable;
    for (const CaseInput &in : p.inputs) {
        at::Tensor t = in.role == TensorRole::Grad ? in.value.to(type).to(device) : in.value.to(device);
        if (in.role == TensorRole::Grad && backward) {
            t.requires_grad_(true);
            differentiable.push_back(t);
        }
        inputs.push_back(t);
    }
    Timer quiet = timer;  // polled here, outside the try: a cancellation must get through
    quiet.poll = nullptr;

    auto time = [&](const detail::OpFn &op) {
        CaseTiming t;
        if (timer.poll) timer.poll();
        try {
            if (!problem.empty()) throw std::runtime_error(problem);
            std::function<void()> call;
            at::Tensor upstream;
            if (backward) {
                {
                    torch::NoGradGuard noGrad;
                    upstream = at::randn_like(op(inputs));
                }
                call = [&] { torch::autograd::grad({op(inputs)}, differentiable, {upstream}, false, false, true); };
            } else {
                call = [&] { op(inputs); };
            }
            std::optional<torch::NoGradGuard> noGrad;
            if (!backward) noGrad.emplace();
            t.ms = quiet.medianMs(call);
            t.ran = true;
            t.gflops = t.ms > 0 ? c.flops / (t.ms * 1e-3) / 1e9 : 0;
            t.gbytes = t.ms > 0 ? c.bytes / (t.ms * 1e-3) / 1e9 : 0;
        } catch (const c10::Error &e) {
            t = CaseTiming{};
            t.note = firstLine(e.what_without_backtrace());
        } catch (const std::exception &e) {
            t = CaseTiming{};
            t.note = firstLine(e.what());
        }
        return t;
    };
    CaseBench result;
    result.danka = time(p.danka);
    result.reference = time(p.reference);
    return result;
}

}  // namespace danka::lab
