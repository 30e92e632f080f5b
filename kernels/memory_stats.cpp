// Counting CPU allocator (see memory_stats.h).
#include "kernels/memory_stats.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <unistd.h>

#ifdef DANKA_WITH_CUDA
#include <ATen/Context.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace danka::kernels {

namespace {

std::atomic<int64_t> g_current{0}, g_peak{0}, g_count{0};
std::atomic<int64_t> g_limit{0};  // 0 = no cap

// Each block carries its size in a header in front of the data, so that the DataPtr's context is its data
// pointer, as LibTorch's own CPU allocator does: oneDNN and other raw_allocate() users require that
// (a context object of our own made bf16 matmuls fall back to a slow path). 64 bytes keep the alignment.
constexpr size_t kHeader = 64;

void release(void *data)
{
    if (!data) return;
    char *base = static_cast<char *>(data) - kHeader;
    g_current.fetch_sub(static_cast<int64_t>(*reinterpret_cast<size_t *>(base)));
    c10::free_cpu(base);
}

class CountingAllocator final : public c10::Allocator {
public:
    c10::DataPtr allocate(size_t n) override
    {
        const int64_t limit = g_limit.load();
        if (limit > 0) {
            // Checked before allocating, as CUDA's caching allocator checks its memory fraction: the request
            // that would cross the cap fails, nothing already allocated is touched.
            const int64_t inUse = g_current.load();
            TORCH_CHECK_WITH(OutOfMemoryError, inUse + static_cast<int64_t>(n) <= limit,
                             "CPU out of memory (Danka's host memory cap): tried to allocate ", n, " bytes with ",
                             inUse, " of the ", limit, "-byte cap in use");
        }
        char *base = static_cast<char *>(c10::alloc_cpu(n + kHeader));  // throws on failure
        *reinterpret_cast<size_t *>(base) = n;
        void *data = base + kHeader;
        const int64_t now = g_current.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
        int64_t peak = g_peak.load();
        while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
        }
        g_count.fetch_add(1);
        return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
    }

    c10::DeleterFnPtr raw_deleter() const override { return &release; }

    void copy_data(void *dest, const void *src, std::size_t count) const override { default_copy_data(dest, src, count); }
};

std::once_flag g_once;
std::atomic<bool> g_enabled{false};

}  // namespace

void enableHostMemoryTracking()
{
    std::call_once(g_once, [] {
        static CountingAllocator allocator;
        c10::SetCPUAllocator(&allocator, /*priority=*/1);
        g_enabled = true;
    });
}

bool hostMemoryTrackingEnabled()
{
    return g_enabled;
}

HostMemoryStats hostMemoryStats()
{
    return {g_current.load(), g_peak.load(), g_count.load()};
}

void resetHostMemoryPeak()
{
    g_peak = g_current.load();
}

void setHostMemoryLimit(int64_t bytes)
{
    if (bytes > 0) enableHostMemoryTracking();
    g_limit = bytes > 0 ? bytes : 0;
}

int64_t hostMemoryLimit()
{
    return g_limit.load();
}

int64_t residentBytes()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

#ifdef DANKA_WITH_CUDA
namespace {

// LibTorch's CUDA caching allocator keeps its per-device state in a table that only the CUDA lazy
// initialisation fills (CUDAHooks::init, run by the first CUDA tensor or by torch.cuda.init() in Python).
// Before it, setMemoryFraction, getDeviceStats and resetPeakStats fail ("Allocator not initialized" / "did you
// call init?"), so a cap set at the very start of a process, before any tensor exists, never took.
bool cudaAllocatorInitialised()
{
    c10::cuda::CUDACachingAllocator::CUDAAllocator *allocator = c10::cuda::CUDACachingAllocator::get();
    return allocator && allocator->initialized();
}

// Whether `device` is a GPU whose allocator state exists: the allocator is initialised and sized for it.
bool allocatorCovers(int device)
{
    return cudaAllocatorInitialised() && device >= 0 && device < static_cast<int>(c10::cuda::device_count());
}

}  // namespace
#endif

DeviceMemoryStats cudaMemoryStats(int device)
{
    DeviceMemoryStats out;
#ifdef DANKA_WITH_CUDA
    // Before LibTorch's first use of the GPU nothing is allocated there: zeros, as promised, not the
    // allocator's "did you call init?" error.
    if (!allocatorCovers(device)) return out;
    using namespace c10::CachingAllocator;
    const c10::CachingDeviceAllocator::DeviceStats stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
    const auto aggregate = static_cast<size_t>(StatType::AGGREGATE);
    out.allocatedBytes = stats.allocated_bytes[aggregate].current;
    out.reservedBytes = stats.reserved_bytes[aggregate].current;
    out.peakAllocatedBytes = stats.allocated_bytes[aggregate].peak;
#else
    (void)device;
#endif
    return out;
}

bool ensureCudaAllocator()
{
#ifdef DANKA_WITH_CUDA
    if (c10::cuda::device_count() <= 0) return false;
    // What torch.cuda.init() does: LibTorch's CUDA lazy initialisation, which sizes the caching allocator for
    // every visible device (no CUDA context is created by it). Idempotent (call_once inside LibTorch).
    at::globalContext().lazyInitDevice(c10::DeviceType::CUDA);
    return cudaAllocatorInitialised();
#else
    return false;
#endif
}

bool capCudaMemory(int device, int64_t bytes, std::string *error)
{
#ifdef DANKA_WITH_CUDA
    if (device < 0 || device >= static_cast<int>(c10::cuda::device_count())) {
        if (error) *error = "no CUDA device " + std::to_string(device) + " is usable";
        return false;
    }
    size_t freeBytes = 0, totalBytes = 0;
    {
        c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
        const cudaError_t status = cudaMemGetInfo(&freeBytes, &totalBytes);
        if (status != cudaSuccess) {
            if (error) *error = std::string("cudaMemGetInfo: ") + cudaGetErrorString(status);
            cudaGetLastError();
            return false;
        }
    }
    const double fraction = bytes > 0 ? static_cast<double>(bytes) / static_cast<double>(totalBytes) : 1.0;
    if (fraction > 1.0) {
        if (error)
            *error = "the cap (" + std::to_string(bytes) + " bytes) is larger than the GPU's memory (" +
                     std::to_string(totalBytes) + " bytes)";
        return false;
    }
    // In a fresh process nothing has touched LibTorch's CUDA side yet: initialise its allocator first, or
    // setMemoryFraction fails with "Allocator not initialized for device 0".
    if (!ensureCudaAllocator()) {
        if (error) *error = "LibTorch's CUDA caching allocator could not be initialised";
        return false;
    }
    c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, static_cast<c10::DeviceIndex>(device));
    return true;
#else
    (void)device;
    (void)bytes;
    if (error) *error = "this build has no CUDA support";
    return false;
#endif
}

void releaseCachedCudaMemory()
{
#ifdef DANKA_WITH_CUDA
    if (cudaAllocatorInitialised() && c10::cuda::device_count() > 0) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

void resetCudaPeakMemory(int device)
{
#ifdef DANKA_WITH_CUDA
    if (!allocatorCovers(device)) return;  // nothing allocated yet: the peak is 0 already
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
#else
    (void)device;
#endif
}

}  // namespace danka::kernels
