// Counting CPU allocator (see memory_stats.h).
#include "kernels/memory_stats.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace danka::kernels {

namespace {

std::atomic<int64_t> g_current{0}, g_peak{0}, g_count{0};

struct Allocation {
    c10::DataPtr inner;  // what the default allocator gave
    size_t bytes;
};

void release(void *context)
{
    auto *a = static_cast<Allocation *>(context);
    g_current.fetch_sub(static_cast<int64_t>(a->bytes));
    delete a;  // frees the memory through the inner DataPtr's deleter
}

class CountingAllocator final : public c10::Allocator {
public:
    explicit CountingAllocator(c10::Allocator *inner) : m_inner(inner) {}

    c10::DataPtr allocate(size_t n) override
    {
        c10::DataPtr inner = m_inner->allocate(n);
        void *data = inner.get();
        const c10::Device device = inner.device();
        auto *context = new Allocation{std::move(inner), n};
        const int64_t now = g_current.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
        int64_t peak = g_peak.load();
        while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
        }
        g_count.fetch_add(1);
        return {data, context, &release, device};
    }

    void copy_data(void *dest, const void *src, std::size_t count) const override { default_copy_data(dest, src, count); }

private:
    c10::Allocator *m_inner;
};

std::once_flag g_once;
std::atomic<bool> g_enabled{false};

}  // namespace

void enableHostMemoryTracking()
{
    std::call_once(g_once, [] {
        static CountingAllocator allocator(c10::GetDefaultCPUAllocator());
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

}  // namespace danka::kernels
