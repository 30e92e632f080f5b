// Timing for the lab's benchmarks (`danka-cli bench kernels`, `bench attention`): median milliseconds of a
// call with the device synchronised around each one (launch overheads included), and the bytes alive at the
// peak of one call. Engine-internal (torch types).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>

namespace danka::lab {

struct Timer {
    c10::Device device = c10::Device(c10::kCPU);
    double seconds = 0.5;        // time budget of one median
    std::function<void()> poll;  // called before each measurement (a job's cancellation point); may be empty

    void sync() const;
    // Median milliseconds of `call`: two warm-up calls (kernel selection, allocator growth), then at least 3
    // and at most 200 timed calls within `seconds`.
    double medianMs(const std::function<void()> &call) const;
    // Bytes alive at the peak of one `call` above those alive before it: LibTorch's host allocations on a CPU
    // (kernels/memory_stats, with tracking enabled before the inputs were made), the CUDA caching
    // allocator's peak on a GPU.
    int64_t peakBytes(const std::function<void()> &call) const;
};

}  // namespace danka::lab
