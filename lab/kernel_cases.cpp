// The kernel lab's table (see kernel_case.h): every case with its inputs, Danka's op and the reference.
//
// Where the cases come from: the float64 cases and the small, odd and strided shapes are the kernel tests'
// (tests/kernels before issue 17); the training-sized cases, the element-wise (unaligned) paths, RMSNorm beyond
// D = 10240, head dims that are not multiples of 16 and decoding over a KV cache are the run-time checks'
// (core/kernel_checks.cpp); the CUDA shapes are the tests' former CUDA-only comparisons. Every low-precision
// case runs in float32, bfloat16 and float16. Attention cases run Danka's own kernels (cpuSdpa off: the CPU
// default takes LibTorch's SDPA where that is faster, which tests/kernels/tst_attention_dispatch.cpp checks).
//
// Where to add a kernel: a section in lab/cases/ that appends its cases with their inputs, Danka's op and the
// reference (kernels/<op>.h), and a `labCases` data-driven test in tests/kernels/tst_<op>.cpp
// (tests/app/tst_lab_lists.cpp fails until the test executable lists the new op's cases).
#include "lab/kernel_case.h"

#include "lab/cases/case_builders.h"

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>

#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "lab/case_program.h"
#include "lab/tolerances.h"
#include "model/flops.h"
#include "model/model_config.h"

namespace danka::lab {

const char *dtypeName(Dtype dtype)
{
    switch (dtype) {
    case Dtype::Fp64: return "fp64";
    case Dtype::Fp32: return "fp32";
    case Dtype::Bf16: return "bf16";
    case Dtype::Fp16: return "fp16";
    }
    return "?";
}

std::optional<Dtype> dtypeFromName(const std::string &name)
{
    for (const Dtype d : {Dtype::Fp64, Dtype::Fp32, Dtype::Bf16, Dtype::Fp16})
        if (name == dtypeName(d)) return d;
    return std::nullopt;
}

int dtypeBytes(Dtype dtype)
{
    switch (dtype) {
    case Dtype::Fp64: return 8;
    case Dtype::Fp32: return 4;
    case Dtype::Bf16:
    case Dtype::Fp16: return 2;
    }
    return 0;
}

namespace {

using namespace cases;

std::vector<Entry> makeTable()
{
    std::vector<Entry> table;
    addRmsNormCases(table);
    addSwigluCases(table);
    addRopeCases(table);
    addCrossEntropyCases(table);
    addAttentionCases(table);
    addDecodeCases(table);
    std::set<std::string> names;
    for (const Entry &e : table)
        if (!names.insert(e.info.name).second)
            throw std::logic_error("kernel lab: two cases named \"" + e.info.name + "\"");
    return table;
}

const std::vector<Entry> &table()
{
    static const std::vector<Entry> entries = makeTable();
    return entries;
}

}  // namespace

const std::vector<KernelCase> &kernelCases()
{
    static const std::vector<KernelCase> cases = [] {
        std::vector<KernelCase> out;
        for (const Entry &e : table()) out.push_back(e.info);
        return out;
    }();
    return cases;
}

const KernelCase *findKernelCase(const std::string &name)
{
    for (const KernelCase &c : kernelCases())
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> kernelCaseOps()
{
    std::vector<std::string> ops;
    for (const KernelCase &c : kernelCases())
        if (ops.empty() || ops.back() != c.op) ops.push_back(c.op);
    return ops;
}

const char *flopsConvention()
{
    return "FLOPs per call, forward + backward (decode: forward), a multiply-add counted as 2: RMSNorm 12 per "
           "element (forward 4, backward 8), SwiGLU 13 (5 + 8), RoPE 6 (3 + 3), cross-entropy 7 per logit (4 + 3), "
           "attention model/flops.h's 2 (Dqk + Dv) per query head and visible query-key pair forward, backward "
           "twice that. Bytes: every input read and the output written by the forward; every input and the "
           "output's gradient read and each input gradient written by the backward (the least traffic)";
}

namespace detail {

CaseProgram buildCase(size_t index)
{
    return table().at(index).build();
}

}  // namespace detail

}  // namespace danka::lab
