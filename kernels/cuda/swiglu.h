// Raw-pointer entry points of the CUDA SwiGLU kernels (kernels/cuda/swiglu.cu): plain C++ types only.
#pragma once

#include <cstdint>

#include "kernels/cuda/kernel_types.h"

namespace danka::kernels::cuda {

// y = gate sigmoid(gate) up, elementwise in float, rounded once to `type`.
// gate and up: `rows` rows of `cols` elements, row r at gate + r gateStride (up + r upStride), unit stride
// inside a row (slices of one fused gate/up projection are read in place); y (rows, cols) contiguous.
// Returns the cudaError_t of the launch (0 on success).
int launchSwigluForward(DType type, const void *gate, int64_t gateStride, const void *up, int64_t upStride,
                        int64_t rows, int64_t cols, void *y, Stream stream);

// With s = sigmoid(gate): dgate = dy up s (1 + gate (1 - s)), dup = dy gate s. dy rows are dyStride apart;
// dgate and dup (rows, cols) contiguous, either null when not needed.
int launchSwigluBackward(DType type, const void *gate, int64_t gateStride, const void *up, int64_t upStride,
                         const void *dy, int64_t dyStride, int64_t rows, int64_t cols, void *dgate, void *dup,
                         Stream stream);

}  // namespace danka::kernels::cuda
