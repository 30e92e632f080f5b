// Runtime queries and the thread-count policy (see runtime.h).
#include "kernels/runtime.h"

#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <sched.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
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
        if (!cuda::deviceProperties(i, gpu, &error)) continue;
        gpu.dankaKernels = cudaArchListRuns(DANKA_CUDA_ARCHS, gpu.computeMajor, gpu.computeMinor);
        info.gpus.push_back(gpu);
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

long long gpuFreeMemory(int index, std::string *error)
{
#ifdef DANKA_WITH_CUDA
    return cuda::freeMemory(index, error);
#else
    (void)index;
    if (error) *error = "this build has no CUDA support";
    return -1;
#endif
}

bool cudaArchListRuns(const std::string &archs, int major, int minor)
{
    std::string list = archs;
    std::replace(list.begin(), list.end(), ';', ' ');
    std::istringstream entries(list);
    std::string entry;
    const int device = 10 * major + minor;
    bool runs = false;
    while (entries >> entry) {
        bool ptx = false;
        const auto plus = entry.find("+PTX");
        if (plus != std::string::npos) {
            ptx = true;
            entry.resize(plus);
        }
        // "X.Y" with an optional suffix letter: 'a' (arch-specific), 'f' (family: same major, as plain).
        // Anything else (an architecture name such as "Ampere") makes the list unreadable: trusted.
        const auto dot = entry.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 >= entry.size()) return true;
        char *end = nullptr;
        const long x = std::strtol(entry.c_str(), &end, 10);
        if (end != entry.c_str() + dot) return true;
        const char *minorText = entry.c_str() + dot + 1;
        const long y = std::strtol(minorText, &end, 10);
        if (end == minorText) return true;
        const std::string suffix(end);
        if (!(suffix.empty() || suffix == "a" || suffix == "f") || x <= 0 || y < 0) return true;
        const int built = static_cast<int>(10 * x + y);
        if (suffix == "a") runs = runs || device == built;  // arch-specific code (SASS and PTX): that GPU only
        else if (major == x && minor >= y) runs = true;     // SASS: binary compatible within a major version
        else if (ptx && device >= built) runs = true;       // PTX: compiled by the driver for newer GPUs
    }
    return runs || list.find_first_not_of(' ') == std::string::npos;  // an empty list is trusted too
}

bool dankaCudaKernelsRunOn(int index, std::string *why)
{
#ifdef DANKA_WITH_CUDA
    // Per device: 0 unknown, 1 runs, 2 falls back. Checked on every fused op call, so lock-free after the first.
    static std::array<std::atomic<int>, 64> known{};
    static std::mutex mutex;
    const bool cacheable = index >= 0 && index < static_cast<int>(known.size());
    auto explain = [index](int major, int minor) {
        return "GPU " + std::to_string(index) + " has compute capability " + std::to_string(major) + "." +
               std::to_string(minor) + ", and Danka's CUDA kernels were compiled for " + DANKA_CUDA_ARCHS +
               ", none of which runs on it: the fused ops (attention, RMSNorm, SwiGLU, RoPE, cross-entropy) fall "
               "back to LibTorch reference compositions on it, which are slower and take more memory";
    };
    if (cacheable) {
        const int state = known[index].load(std::memory_order_acquire);
        if (state == 1) return true;
        if (state == 2 && !why) return false;
    }
    std::lock_guard<std::mutex> lock(mutex);
    int major = 0, minor = 0;
    std::string error;
    // A capability that cannot be read (no such device) is not a reason to fall back: the op's own checks
    // and launches report the real problem.
    const bool runs =
        !cuda::capability(index, &major, &minor, &error) || cudaArchListRuns(DANKA_CUDA_ARCHS, major, minor);
    if (!runs && why) *why = explain(major, minor);
    if (cacheable) {
        const int previous = known[index].exchange(runs ? 1 : 2);
        if (!runs && previous != 2) std::fprintf(stderr, "danka: %s\n", explain(major, minor).c_str());
    }
    return runs;
#else
    (void)index;
    if (why) *why = "this build has no Danka CUDA kernels";
    return false;
#endif
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
