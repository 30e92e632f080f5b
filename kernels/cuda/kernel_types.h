// Types shared by the raw-pointer entry points of Danka's CUDA kernels (kernels/cuda/*.h) and their LibTorch
// glue: plain C++ only, so the glue (compiled by the C++ compiler) needs no CUDA headers beyond the stream.
#pragma once

#include <cstdint>

// cudaStream_t without <cuda_runtime.h>: the same opaque pointer type.
struct CUstream_st;

namespace danka::kernels::cuda {

using Stream = CUstream_st *;

// Element type of a kernel's floating inputs and outputs; accumulation is always float.
enum class DType { F32, F16, BF16 };

}  // namespace danka::kernels::cuda
