// The denominator of model FLOPs utilisation: a GPU's rated dense peak per dtype where Danka knows the card
// (a table of datasheet figures), else the throughput of a large matrix product measured on the device (the
// CPU, or an unknown GPU). A small measured matmul does not fill a large GPU, so it understates the peak
// and overstates MFU. Torch-free header.
#pragma once

#include <string>

namespace danka::core {

// One card's datasheet peaks in FLOP/s, dense (no 2:4 sparsity), with FP32 accumulation for the 16-bit
// tensor-core figures (what LibTorch's matmuls use); fp32 is the CUDA cores' rate, since LibTorch keeps
// TF32 off for float32 matmuls by default.
struct RatedPeak {
    const char *card;    // "NVIDIA H100 SXM"
    double fp32, bf16, fp16;
    const char *source;  // where the figures come from
};

// The table's entry for a GPU by the name CUDA reports ("NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3",
// "NVIDIA A100-SXM4-80GB"...), or nullptr when the card is not in it (variants with other clocks, such as
// the RTX 4090 D, are not matched by their relatives' entries).
const RatedPeak *ratedPeak(const std::string &gpuName);

// `peak`'s figure for dtype "fp32", "bf16" or "fp16"; 0 for another dtype.
double ratedPeakFlops(const RatedPeak &peak, const std::string &dtype);

struct PeakFlops {
    double flops = 0;    // FLOP/s
    bool rated = false;  // a datasheet figure (true) or measured on this machine (false)
    std::string basis;   // what it is, for the MFU metric's description
};

// Side of the square matmul measured where no rated peak is known: 2048 on a CPU (fills its cores and
// caches), 4096 on a GPU (as `danka-cli check` measures).
int measuredPeakMatmulSize(const std::string &device);

// The MFU denominator for training in `dtype` ("fp32", "bf16", "fp16") on `device` ("cpu", "cuda:N"): the
// rated peak of a known GPU, else the measured peak (kernels::measureMatmulFlops over about `seconds`).
// Throws what the measurement throws for a bad device or dtype.
PeakFlops mfuPeakFlops(const std::string &device, const std::string &dtype, double seconds);

// A peak the caller gives (tests, or a figure measured once for several runs).
PeakFlops givenPeakFlops(double flops);

}  // namespace danka::core
