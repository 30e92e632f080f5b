// What the kernel lab's sections share (see case_builders.h).
#include "lab/cases/case_builders.h"

#include <numeric>

namespace danka::lab::cases {

int64_t product(const Shape &s)
{
    return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<int64_t>());
}

std::string dims(const Shape &s)
{
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

at::Tensor randn(const Shape &shape, double scale)
{
    return at::randn(shape, at::kDouble) * scale;
}

View identity()
{
    return [](const at::Tensor &t) { return t; };
}

KernelCase makeCase(const std::string &op, Dtype dtype, const std::string &shape, std::vector<TensorSpec> inputs,
                    TensorSpec output, double flops, double tolerance, const std::string &basis, bool backward)
{
    KernelCase c;
    c.name = op + " " + dtypeName(dtype) + " " + shape;
    c.op = op;
    c.group = backward ? "op" : "decode";
    c.shape = shape;
    c.dtype = dtype;
    if (dtype == Dtype::Fp64) {
        c.onCuda = false;
        c.notOnCuda = kCudaFloat64;
    }
    c.inputs = std::move(inputs);
    c.output = std::move(output);
    c.tolerance = tolerance;
    c.toleranceBasis = basis;
    c.flops = flops;
    double read = 0, gradients = 0;
    for (const TensorSpec &t : c.inputs) {
        read += static_cast<double>(t.elements) * t.elementBytes;
        if (t.role == TensorRole::Grad) gradients += static_cast<double>(t.elements) * t.elementBytes;
    }
    const double out = static_cast<double>(c.output.elements) * c.output.elementBytes;
    c.bytes = read + out + (backward ? read + out + gradients : 0);
    return c;
}

TensorSpec grad(const std::string &name, int64_t elements, Dtype dtype)
{
    return {name, elements, dtypeBytes(dtype), TensorRole::Grad};
}

TensorSpec constant(const std::string &name, int64_t elements, int bytes)
{
    return {name, elements, bytes, TensorRole::Const};
}

TensorSpec index(const std::string &name, int64_t elements, int bytes)
{
    return {name, elements, bytes, TensorRole::Index};
}

std::string fusedBasis(Dtype dtype)
{
    return std::string("fused op, ") + dtypeName(dtype);
}

}  // namespace danka::lab::cases
