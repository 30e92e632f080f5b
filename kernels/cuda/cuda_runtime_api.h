// Plain C++ entry points of Danka's CUDA code: no CUDA or torch types, so any layer can call them.
// Only declared when the CUDA kernels are compiled (DANKA_WITH_CUDA).
#pragma once

#include <string>

#include "kernels/runtime.h"

namespace danka::kernels::cuda {

// Number of CUDA devices, or 0 when there is no device or no driver (never throws).
int deviceCount(std::string *error = nullptr);

// Properties of device `index` without creating a CUDA context on it (freeMemoryBytes is left at -1); false
// with a message in `error` when it cannot be queried.
bool deviceProperties(int index, GpuInfo &out, std::string *error);

// Free memory of device `index` (cudaMemGetInfo): creates the device's primary context when it has none, so
// only called when asked. -1 with a message in `error` on failure.
long long freeMemory(int index, std::string *error);

// Compute capability of device `index` from the driver's device attributes (no context). False with a message
// in `error` when it cannot be read.
bool capability(int index, int *major, int *minor, std::string *error);

// Launches Danka's probe kernel on device `index` and returns the architecture its device code was compiled
// for (e.g. 890 for sm_89), proving that the binary carries a usable kernel image for this GPU.
// Returns -1 with a message in `error` when the launch fails (no image for this architecture, no driver...).
int probeKernelArch(int index, std::string *error);

}  // namespace danka::kernels::cuda
