// Runtime queries and the thread-count policy (see runtime.h).
#include "kernels/runtime.h"

#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <sched.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#ifdef DANKA_WITH_CUDA
#include "kernels/cuda/cuda_runtime_api.h"
#endif

#ifndef DANKA_CUDA_ARCHS
#define DANKA_CUDA_ARCHS ""
#endif

namespace danka::kernels {

int hardwareThreadCount()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? static_cast<int>(n) : 1;
}

int setThreadCount(int threads)
{
    const int n = threads > 0 ? threads : hardwareThreadCount();
    at::set_num_threads(n);
    return at::get_num_threads();
}

namespace {

// The NVIDIA driver's user-space library; cudart loads it lazily, so its absence is not an error until now.
bool driverLibraryPresent()
{
    void *handle = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!handle) return false;
    dlclose(handle);
    return true;
}

}  // namespace

RuntimeInfo runtimeInfo()
{
    RuntimeInfo info;
    info.torchVersion = TORCH_VERSION;
    try {
        // The CUDA runtime version LibTorch's CUDA library was built with; needs no driver.
        if (at::detail::getCUDAHooks().hasCUDART()) {
            const long v = at::detail::getCUDAHooks().versionCUDART();  // e.g. 13000
            info.torchCudaVersion = std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
        }
    } catch (const std::exception &) {
        // a CPU-only LibTorch: torchCudaVersion stays empty
    }
    info.intraOpThreads = at::get_num_threads();
    info.hardwareThreads = hardwareThreadCount();
#ifdef DANKA_WITH_CUDA
    info.danKernelsCuda = true;
    info.danKernelsCudaArchs = DANKA_CUDA_ARCHS;
    std::string error;
    const bool driver = driverLibraryPresent();
    const int count = driver ? cuda::deviceCount(&error) : 0;
    if (!driver) error = "no NVIDIA driver (libcuda.so.1 not found)";
    for (int i = 0; i < count; ++i) {
        GpuInfo gpu;
        if (cuda::deviceProperties(i, gpu, &error)) info.gpus.push_back(gpu);
    }
    info.cudaAvailable = count > 0 && torch::cuda::is_available();
    if (!info.cudaAvailable)
        info.cudaUnavailableReason = error.empty() ? "no CUDA device found" : error;
#else
    info.cudaAvailable = torch::cuda::is_available();
    if (!info.cudaAvailable)
        info.cudaUnavailableReason = info.torchCudaVersion.empty() ? "LibTorch was built without CUDA"
                                     : driverLibraryPresent()      ? "no CUDA device found"
                                                                   : "no NVIDIA driver (libcuda.so.1 not found)";
#endif
    return info;
}

int probeDankaKernel(int index, std::string *error)
{
#ifdef DANKA_WITH_CUDA
    return cuda::probeKernelArch(index, error);
#else
    (void)index;
    if (error) *error = "this build has no Danka CUDA kernels (configured with DANKA_CUDA=OFF or a CPU LibTorch)";
    return -1;
#endif
}

double measureMatmulFlops(const std::string &device, const std::string &dtype, int n, double seconds)
{
    torch::ScalarType type;
    if (dtype == "fp32")
        type = torch::kFloat32;
    else if (dtype == "bf16")
        type = torch::kBFloat16;
    else if (dtype == "fp16")
        type = torch::kFloat16;
    else
        throw std::runtime_error("unknown dtype \"" + dtype + "\" (expected fp32, bf16 or fp16)");
    torch::NoGradGuard noGrad;
    const torch::Device dev(device);
    const auto options = torch::TensorOptions().dtype(type).device(dev);
    const torch::Tensor a = torch::randn({n, n}, options);   // (n, n)
    const torch::Tensor b = torch::randn({n, n}, options);   // (n, n)
    torch::Tensor c = torch::mm(a, b);                        // warm-up: kernels, caches, thread pool
    auto sync = [&] {
        if (dev.is_cuda()) torch::cuda::synchronize(dev.index());
    };
    sync();
    // A peak is what the machine can do, so time groups of calls (8 on a GPU, where calls are queued) and
    // rate the fastest tenth of them: a shared or throttled machine then still reports its peak, not an
    // average that another process pulled down.
    using clock = std::chrono::steady_clock;
    const int group = dev.is_cuda() ? 8 : 1;
    std::vector<double> groupSeconds;
    const auto start = clock::now();
    do {
        const auto t0 = clock::now();
        for (int i = 0; i < group; ++i) c = torch::mm(a, b);
        sync();
        groupSeconds.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    } while (groupSeconds.size() < 3 || std::chrono::duration<double>(clock::now() - start).count() < seconds);
    std::sort(groupSeconds.begin(), groupSeconds.end());
    const double fast = groupSeconds[groupSeconds.size() / 10];
    return 2.0 * n * static_cast<double>(n) * n * group / fast;
}

}  // namespace danka::kernels
