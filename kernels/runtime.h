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
    // -1 = not queried: reading it (gpuFreeMemory) creates a CUDA context on the GPU, which runtimeInfo()
    // must not do on every visible GPU at each start.
    long long freeMemoryBytes = -1;
    // Danka's CUDA kernels carry an image that runs on this GPU (cudaArchListRuns); when false, the fused ops
    // fall back to the reference compositions on it.
    bool dankaKernels = false;
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
// Creates no CUDA context (device properties come from the driver's device attributes).
RuntimeInfo runtimeInfo();

// Free memory of GPU `index` (cudaMemGetInfo). Creates a CUDA context on that GPU when it has none, so it is
// only called when asked (danka-cli check). -1 with a reason in `error` when it cannot be read.
long long gpuFreeMemory(int index, std::string *error);

// Whether a binary whose CUDA kernels were compiled for `archs` (TORCH_CUDA_ARCH_LIST's form, entries
// separated by ';' or spaces: "8.0;8.9;9.0+PTX") carries an image that runs on a GPU of compute capability
// major.minor. An entry "X.Y" is device code (SASS) for sm_XY: it runs on X.z for every z >= Y (same major);
// "X.Y+PTX" adds PTX for compute_XY, which the driver compiles for any GPU of capability >= X.Y; "X.Ya" is
// arch-specific and runs on X.Y only. A list it cannot read entirely (architecture names such as "Ampere"),
// or an empty one, is trusted (true): the kernels' own launches then report what does not run.
bool cudaArchListRuns(const std::string &archs, int major, int minor);

// Whether Danka's CUDA kernels run on CUDA device `index`: its compute capability (read once per device from
// the driver, no context, then cached) against the architectures they were compiled for. False in a build
// without them. The first time a device says no, one line on stderr explains that the fused ops (attention,
// RMSNorm, SwiGLU, RoPE, cross-entropy) fall back to the reference compositions there. `why` receives that
// explanation when false.
bool dankaCudaKernelsRunOn(int index, std::string *why = nullptr);

}  // namespace danka::kernels
