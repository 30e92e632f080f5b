// Host memory as Danka measures it: LibTorch's CPU allocations (counted by a thin wrapper around the
// default allocator, once enabled) and the process's resident set. The trainer charts them on the CPU;
// the estimator's tests check their activation figures against them.
#pragma once

#include <cstdint>

namespace danka::kernels {

struct HostMemoryStats {
    int64_t currentBytes = 0;  // alive LibTorch CPU allocations made since tracking was enabled
    int64_t peakBytes = 0;     // the most alive at once since the last reset
    int64_t allocations = 0;   // allocations made since tracking was enabled
};

// Installs the counting allocator (idempotent). Allocations made before are not counted.
void enableHostMemoryTracking();
bool hostMemoryTrackingEnabled();
HostMemoryStats hostMemoryStats();
void resetHostMemoryPeak();  // peak := current
// Resident set size of this process (Linux /proc/self/statm); 0 when unavailable.
int64_t residentBytes();

// LibTorch's CUDA caching allocator on one GPU: what tensors hold, what the allocator has reserved from the
// driver, and the peak of the former since the last reset. All zero in a build without CUDA support or
// before the GPU was used.
struct DeviceMemoryStats {
    int64_t allocatedBytes = 0;
    int64_t reservedBytes = 0;
    int64_t peakAllocatedBytes = 0;
};
DeviceMemoryStats cudaMemoryStats(int device);
void resetCudaPeakMemory(int device);

}  // namespace danka::kernels
