// A one-thread kernel that reports the architecture its image was compiled for. `danka-cli check` uses it to
// prove that Danka's own kernels (not only LibTorch's) run on the present GPU.
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_runtime_api.h"

namespace danka::kernels::cuda {
namespace {

__global__ void probeArchKernel(int *out)
{
#ifdef __CUDA_ARCH__
    out[0] = __CUDA_ARCH__;
#endif
}

bool ok(cudaError_t status, std::string *error, const char *what)
{
    if (status == cudaSuccess) return true;
    if (error) *error = std::string(what) + ": " + cudaGetErrorString(status);
    cudaGetLastError();  // reset the last-error state so the next call starts clean
    return false;
}

}  // namespace

int deviceCount(std::string *error)
{
    int count = 0;
    if (!ok(cudaGetDeviceCount(&count), error, "cudaGetDeviceCount")) return 0;
    return count;
}

bool deviceProperties(int index, GpuInfo &out, std::string *error)
{
    cudaDeviceProp prop{};
    if (!ok(cudaGetDeviceProperties(&prop, index), error, "cudaGetDeviceProperties")) return false;
    out.index = index;
    out.name = prop.name;
    out.computeMajor = prop.major;
    out.computeMinor = prop.minor;
    out.multiProcessors = prop.multiProcessorCount;
    out.totalMemoryBytes = static_cast<long long>(prop.totalGlobalMem);
    size_t freeBytes = 0, totalBytes = 0;
    int previous = 0;
    if (ok(cudaGetDevice(&previous), error, "cudaGetDevice") &&
        ok(cudaSetDevice(index), error, "cudaSetDevice")) {
        if (ok(cudaMemGetInfo(&freeBytes, &totalBytes), error, "cudaMemGetInfo"))
            out.freeMemoryBytes = static_cast<long long>(freeBytes);
        cudaSetDevice(previous);
    }
    return true;
}

int probeKernelArch(int index, std::string *error)
{
    int previous = 0;
    if (!ok(cudaGetDevice(&previous), error, "cudaGetDevice")) return -1;
    if (!ok(cudaSetDevice(index), error, "cudaSetDevice")) return -1;
    int *deviceOut = nullptr;
    int arch = -1;
    if (ok(cudaMalloc(&deviceOut, sizeof(int)), error, "cudaMalloc")) {
        cudaMemset(deviceOut, 0xff, sizeof(int));
        probeArchKernel<<<1, 1>>>(deviceOut);
        if (ok(cudaGetLastError(), error, "probe kernel launch") &&
            ok(cudaMemcpy(&arch, deviceOut, sizeof(int), cudaMemcpyDeviceToHost), error, "cudaMemcpy")) {
            // arch now holds __CUDA_ARCH__ of the image the driver picked
        } else {
            arch = -1;
        }
        cudaFree(deviceOut);
    }
    cudaSetDevice(previous);
    return arch;
}

}  // namespace danka::kernels::cuda
