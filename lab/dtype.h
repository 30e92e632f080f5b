// The dtypes of the kernel lab's cases by their command-line names (fp64, fp32, bf16, fp16). Torch-free.
#pragma once

#include <optional>
#include <string>

namespace danka::lab {

enum class Dtype { Fp64, Fp32, Bf16, Fp16 };

// "fp64", "fp32", "bf16", "fp16".
const char *dtypeName(Dtype dtype);

// The dtype of a name dtypeName gives, or nothing for any other text.
std::optional<Dtype> dtypeFromName(const std::string &name);

// Bytes of one element.
int dtypeBytes(Dtype dtype);

}  // namespace danka::lab
