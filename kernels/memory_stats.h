// Host memory as Danka measures it: LibTorch's CPU allocations (counted by a thin wrapper around the
// default allocator, once enabled) and the process's resident set. The trainer charts them on the CPU;
// the estimator's tests check their activation figures against them.
#pragma once

#include <cstdint>
#include <string>

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
// A cap on LibTorch's CPU allocations (installs the counting allocator): an allocation that would take the
// alive bytes above `bytes` throws c10::OutOfMemoryError instead, as CUDA's allocator does past its memory
// fraction, so that out-of-memory handling and small-card plans can be exercised on any machine. 0 removes
// the cap. Allocations made before tracking was enabled are not counted.
void setHostMemoryLimit(int64_t bytes);
int64_t hostMemoryLimit();  // 0 = none
// Resident set size of this process (Linux /proc/self/statm); 0 when unavailable.
int64_t residentBytes();

// LibTorch's CUDA caching allocator on one GPU: what tensors hold, what the allocator has reserved from the
// driver, and the peak of the former since the last reset. All zero in a build without CUDA support, on a
// machine without that GPU, or before LibTorch first used the GPU (its allocator is then not initialised:
// nothing is allocated, and nothing throws).
struct DeviceMemoryStats {
    int64_t allocatedBytes = 0;
    int64_t reservedBytes = 0;
    int64_t peakAllocatedBytes = 0;
};
DeviceMemoryStats cudaMemoryStats(int device);
void resetCudaPeakMemory(int device);  // does nothing where cudaMemoryStats reports zeros
// Initialises LibTorch's CUDA caching allocator for every visible GPU, as torch.cuda.init() does (creates no
// CUDA context). True when it is ready; false without a GPU or CUDA support. Idempotent.
bool ensureCudaAllocator();
// Caps LibTorch's CUDA caching allocator on `device` at `bytes` (setMemoryFraction of the card's total), so a
// bigger card behaves like a smaller one: allocations beyond it raise c10::OutOfMemoryError. bytes <= 0
// lifts the cap. Works in a fresh process (the allocator is initialised first). False with a reason in
// `error` when the card is smaller than the cap or there is no CUDA.
bool capCudaMemory(int device, int64_t bytes, std::string *error);
// Returns the CUDA allocator's cached, unused blocks to the driver (after an out-of-memory error).
void releaseCachedCudaMemory();

}  // namespace danka::kernels
