// Counting CPU allocator (see memory_stats.h).
#include "kernels/memory_stats.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <unistd.h>

#ifdef DANKA_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <atomic>
#include <cstdio>
#include <mutex>

namespace danka::kernels {

namespace {

std::atomic<int64_t> g_current{0}, g_peak{0}, g_count{0};

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

int64_t residentBytes()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

DeviceMemoryStats cudaMemoryStats(int device)
{
    DeviceMemoryStats out;
#ifdef DANKA_WITH_CUDA
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

void resetCudaPeakMemory(int device)
{
#ifdef DANKA_WITH_CUDA
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
#else
    (void)device;
#endif
}

}  // namespace danka::kernels
