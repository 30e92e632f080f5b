// Timing for the lab's benchmarks (see timing.h).
#include "lab/timing.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "kernels/memory_stats.h"

namespace danka::lab {

void Timer::sync() const
{
    if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double Timer::medianMs(const std::function<void()> &call) const
{
    using Clock = std::chrono::steady_clock;
    if (poll) poll();
    call();
    call();
    sync();
    std::vector<double> times;
    const auto start = Clock::now();
    while (times.size() < 3 ||
           (times.size() < 200 && std::chrono::duration<double>(Clock::now() - start).count() < seconds)) {
        const auto t0 = Clock::now();
        call();
        sync();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const size_t mid = times.size() / 2;
    return times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

int64_t Timer::peakBytes(const std::function<void()> &call) const
{
    if (device.is_cuda()) {
        sync();
        const int64_t before = kernels::cudaMemoryStats(device.index()).allocatedBytes;
        kernels::resetCudaPeakMemory(device.index());
        call();
        sync();
        return kernels::cudaMemoryStats(device.index()).peakAllocatedBytes - before;
    }
    const int64_t before = kernels::hostMemoryStats().currentBytes;
    kernels::resetHostMemoryPeak();
    call();
    return kernels::hostMemoryStats().peakBytes - before;
}

}  // namespace danka::lab
