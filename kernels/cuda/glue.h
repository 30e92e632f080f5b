// LibTorch side of Danka's CUDA kernels (C++ glue files only, never the .cu files): the current stream, the
// kernel element type of a tensor, and launch errors as c10::Error naming the op.
#pragma once

#include <ATen/ATen.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "kernels/cuda/kernel_types.h"
#include "kernels/runtime.h"

namespace danka::kernels::cuda {

inline Stream currentStream(const at::Tensor &onDevice)
{
    return c10::cuda::getCurrentCUDAStream(onDevice.device().index()).stream();
}

// The kernel element type of t: float32, float16 or bfloat16 (anything else is the caller's bug: the
// dispatch sends other dtypes to the reference ops).
inline DType dtypeOf(const at::Tensor &t)
{
    switch (t.scalar_type()) {
    case at::kFloat: return DType::F32;
    case at::kHalf: return DType::F16;
    case at::kBFloat16: return DType::BF16;
    default: TORCH_CHECK(false, "Danka CUDA kernels: unsupported dtype ", t.scalar_type());
    }
}

// Whether Danka's CUDA kernels handle a tensor of this dtype (float64 goes to the reference ops).
inline bool cudaKernelDtype(at::ScalarType type)
{
    return type == at::kFloat || type == at::kHalf || type == at::kBFloat16;
}

// Whether Danka's kernels have an image for t's GPU (capability checked once per device, see
// dankaCudaKernelsRunOn). The dispatchers send everything else to the reference ops: on a T4 or V100 (sm_75,
// sm_70) the fused ops would otherwise all fail with "no kernel image is available".
inline bool kernelsRunOn(const at::Tensor &t)
{
    return dankaCudaKernelsRunOn(t.get_device());
}

// Throws a c10::Error naming `op` when a launch (or the kernel before it) failed.
inline void checkLaunch(cudaError_t status, const char *op)
{
    if (status == cudaSuccess) status = cudaGetLastError();
    else cudaGetLastError();  // clear the sticky-free error state before throwing
    TORCH_CHECK(status == cudaSuccess, op, ": CUDA kernel launch failed: ", cudaGetErrorString(status));
}

}  // namespace danka::kernels::cuda
