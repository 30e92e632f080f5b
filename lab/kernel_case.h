// The kernel lab's one table of cases: each fused op of kernels/ (RMSNorm, SwiGLU, RoPE, cross-entropy,
// attention, attention decoding) on a shape, a layout and a dtype, with the devices it runs on, its
// reference (the op's plain-LibTorch composition, evaluated in float64 by the checks and in the case's dtype
// as the benchmark's baseline), the stated tolerance (lab/tolerances.h) and its FLOP and byte counts. Three
// modes run this table and nothing else: the kernel tests (tests/kernels, one data row per case), the
// run-time check (`danka-cli check --kernels`) and the benchmark (`danka-cli bench kernels`); each lists the
// same cases (tests/app/tst_lab_lists.cpp compares the three lists). Torch-free header; the torch side is
// lab/case_runner.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lab/dtype.h"

namespace danka::lab {

// How a case's tensor enters the op: a differentiable float input (drawn in float64, rounded to the case's
// dtype; its gradient is checked), a constant float input passed as it is (RoPE tables, loss weights), or an
// integer input (targets, segment ids).
enum class TensorRole { Grad, Const, Index };

// One tensor as the op sees it (a view counts its own elements, not those of the tensor it is a view of).
struct TensorSpec {
    std::string name;
    int64_t elements = 0;
    int elementBytes = 0;
    TensorRole role = TensorRole::Grad;
};

struct KernelCase {
    std::string name;   // unique and stable: "rmsnorm fp32 [256, 1024] rows 1031 apart at 3 (unaligned)"
    std::string op;     // "rmsnorm", "swiglu", "rope", "cross-entropy", "attention", "attention-decode"
    std::string group;  // "op": output and every input gradient; "decode": the forward only, without autograd
    std::string shape;  // the inputs in words (the part of the name after op and dtype)
    Dtype dtype = Dtype::Fp32;
    bool onCpu = true;  // Danka has a kernel of its own for it there
    bool onCuda = true;
    std::string notOnCpu;      // why not, when !onCpu ("the CPU has no float16 attention kernel ...")
    std::string notOnCuda;     // why not, when !onCuda
    bool cpuIsaPaths = false;  // the CPU kernel has AVX-512 / AVX2 / baseline paths (the tests run each)
    std::vector<TensorSpec> inputs;
    TensorSpec output;
    double tolerance = 0;        // largest relativeError of the output and of every gradient
    std::string toleranceBasis;  // which entry of lab/tolerances.h, in words
    // FLOPs of one call (forward, plus backward for group "op"), the arithmetic the math needs (a multiply-add
    // is 2), per op below; attention's from model/flops.h.
    double flops = 0;
    // Bytes one call must move at least: the forward reads every input and writes the output; the backward
    // reads every input and the output's gradient and writes each Grad input's gradient.
    double bytes = 0;
};

// The table, in a fixed order (op by op: rmsnorm, swiglu, rope, cross-entropy, attention, attention-decode).
const std::vector<KernelCase> &kernelCases();

// The case of that name, or nullptr.
const KernelCase *findKernelCase(const std::string &name);

// The ops of the table, in table order.
std::vector<std::string> kernelCaseOps();

// The FLOP convention of each op, in words (for the benchmark's legend).
const char *flopsConvention();

}  // namespace danka::lab
