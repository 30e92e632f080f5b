// How the kernel lab's cases are made (engine-internal to lab/): what every section of the table shares
// (the case record, shape helpers, makeCase) and the sections themselves, one per op family:
// elementwise_cases.cpp (RMSNorm, SwiGLU, RoPE, cross-entropy) and attention_cases.cpp (attention and
// decoding). kernel_cases.cpp puts them together in the table's order.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "lab/case_program.h"
#include "lab/kernel_case.h"

namespace danka::lab::cases {

using detail::CaseInput;
using detail::CaseProgram;
using detail::OpFn;
using Shape = std::vector<int64_t>;
using View = std::function<at::Tensor(const at::Tensor &)>;

inline const char *const kCudaFloat64 =
    "float64 on CUDA runs the reference composition: nothing of Danka's to check there";
inline const char *const kCpuHalfAttention =
    "the CPU has no float16 attention kernel (float16 runs the reference composition): nothing of Danka's to "
    "check there";
inline const char *const kGpuSized =
    "GPU-sized: its float64 reference takes seconds on a small CPU; it runs on a CUDA device "
    "(packaging/gpu_check.sh)";

inline const std::vector<Dtype> kLowPrecision = {Dtype::Fp32, Dtype::Bf16, Dtype::Fp16};

struct Entry {
    KernelCase info;
    std::function<CaseProgram()> build;
};

int64_t product(const Shape &s);
std::string dims(const Shape &s);
at::Tensor randn(const Shape &shape, double scale = 1.0);
View identity();
// Every case is made here: the name from op, dtype and shape; the devices from the dtype (float64 runs the
// reference on CUDA, so it is a CPU case); the byte count from the tensors.
KernelCase makeCase(const std::string &op, Dtype dtype, const std::string &shape, std::vector<TensorSpec> inputs,
                    TensorSpec output, double flops, double tolerance, const std::string &basis, bool backward = true);
TensorSpec grad(const std::string &name, int64_t elements, Dtype dtype);
TensorSpec constant(const std::string &name, int64_t elements, int bytes);
TensorSpec index(const std::string &name, int64_t elements, int bytes);
std::string fusedBasis(Dtype dtype);

// The sections, each appending its op's cases.
void addRmsNormCases(std::vector<Entry> &table);
void addSwigluCases(std::vector<Entry> &table);
void addRopeCases(std::vector<Entry> &table);
void addCrossEntropyCases(std::vector<Entry> &table);
void addAttentionCases(std::vector<Entry> &table);
void addDecodeCases(std::vector<Entry> &table);

}  // namespace danka::lab::cases
