// Inside the kernel lab: what a case of the table runs (its inputs, Danka's op and the reference), built by
// lab/kernel_cases.cpp and run by lab/case_runner.cpp. Not for use outside lab/.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "lab/kernel_case.h"

namespace danka::lab::detail {

// An input on the CPU. Grad: float64 values, rounded to the case's dtype (Danka's op gets them on the device,
// the float64 reference the same rounded values). Const: a float tensor the op gets as it is (the reference
// in float64). Index: an integer tensor.
struct CaseInput {
    std::string name;
    at::Tensor value;
    TensorRole role = TensorRole::Grad;
};

using OpFn = std::function<at::Tensor(const std::vector<at::Tensor> &)>;

struct CaseProgram {
    std::vector<CaseInput> inputs;
    OpFn danka;                     // Danka's fused op
    OpFn reference;                 // the plain-LibTorch composition (kernels/<op>.h's reference)
    bool outputInInputType = true;  // the op's contract: the output has the inputs' dtype
};

// Draws the inputs of table case `index` (the caller seeds the CPU generator) and returns the program.
CaseProgram buildCase(size_t index);

}  // namespace danka::lab::detail
