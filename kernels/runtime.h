// The compute runtime as Danka sees it: LibTorch version, threads, CUDA build and devices.
// Plain C++ types only, so core can expose it to the GUI and the CLI without torch headers.
#pragma once

#include <string>
#include <vector>

namespace danka::kernels {

struct GpuInfo {
    int index = 0;
    std::string name;
    int computeMajor = 0;
    int computeMinor = 0;
    int multiProcessors = 0;
    long long totalMemoryBytes = 0;
    long long freeMemoryBytes = 0;
};

struct RuntimeInfo {
    std::string torchVersion;        // "2.13.0"
    std::string torchCudaVersion;    // CUDA version LibTorch was built with, "" for a CPU build
    bool danKernelsCuda = false;     // Danka's own CUDA kernels compiled into this binary
    std::string danKernelsCudaArchs; // "8.0;8.9;9.0+PTX" when compiled
    bool cudaAvailable = false;      // a usable GPU and driver are present now
    std::string cudaUnavailableReason;
    std::vector<GpuInfo> gpus;
    int intraOpThreads = 0;          // LibTorch intra-op threads in use
    int hardwareThreads = 0;         // what the machine offers
};

// Sets LibTorch's intra-op thread count. `threads` <= 0 means every hardware thread. Returns the count set.
// LibTorch's own default depends on the build and the environment (it came up as 1 on some builds), so
// every Danka entry point calls this explicitly.
int setThreadCount(int threads);

// Hardware threads available to this process (affinity-aware).
int hardwareThreadCount();

// Measures dense matrix-multiply throughput (n x n times n x n) on `device` ("cpu", "cuda:0") in `dtype`
// ("fp32", "bf16", "fp16") for about `seconds`; returns FLOP/s of the fastest tenth of the calls (groups
// of 8 on a GPU), so that a busy machine still reports its peak. The measured peak is what model FLOPs
// utilisation is computed against. Throws c10::Error / std::runtime_error on a bad device or dtype.
double measureMatmulFlops(const std::string &device, const std::string &dtype, int n, double seconds);

// Runs Danka's own probe kernel on GPU `index` and returns the architecture its image was compiled for
// (e.g. 890); -1 with a reason in `error` when it cannot run (no GPU, no image for it, built without CUDA).
int probeDankaKernel(int index, std::string *error);

// Queries the runtime. Cheap except for the first CUDA query, which initialises the driver when present.
RuntimeInfo runtimeInfo();

}  // namespace danka::kernels
