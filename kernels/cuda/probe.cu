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
    // cudaGetDeviceProperties reads device attributes from the driver and needs no context. What it must
    // not be followed by is cudaSetDevice + cudaMemGetInfo: since CUDA 12 cudaSetDevice initialises the
    // device's primary context (300-500 MiB of GPU memory and ~0.1-1 s each), which runtimeInfo() did on every
    // visible GPU at each start. Free memory is only read when asked (freeMemory below).
    cudaDeviceProp prop{};
    if (!ok(cudaGetDeviceProperties(&prop, index), error, "cudaGetDeviceProperties")) return false;
    out.index = index;
    out.name = prop.name;
    out.computeMajor = prop.major;
    out.computeMinor = prop.minor;
    out.multiProcessors = prop.multiProcessorCount;
    out.totalMemoryBytes = static_cast<long long>(prop.totalGlobalMem);
    out.freeMemoryBytes = -1;  // not queried
    return true;
}

long long freeMemory(int index, std::string *error)
{
    int previous = 0;
    if (!ok(cudaGetDevice(&previous), error, "cudaGetDevice")) return -1;
    if (!ok(cudaSetDevice(index), error, "cudaSetDevice")) return -1;
    size_t freeBytes = 0, totalBytes = 0;
    const bool got = ok(cudaMemGetInfo(&freeBytes, &totalBytes), error, "cudaMemGetInfo");
    cudaSetDevice(previous);
    return got ? static_cast<long long>(freeBytes) : -1;
}

bool capability(int index, int *major, int *minor, std::string *error)
{
    // Device attributes: answered by the driver without a context.
    return ok(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, index), error,
              "cudaDeviceGetAttribute") &&
           ok(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, index), error,
              "cudaDeviceGetAttribute");
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
