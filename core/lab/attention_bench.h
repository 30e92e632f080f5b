// `danka-cli bench attention`: Danka's attention kernel (kernels::attention) against LibTorch's own
// at::scaled_dot_product_attention on the same causal shapes: forward and forward+backward milliseconds
// (median), TFLOP/s and the peak memory of forward+backward, head dims 64 (MHA), 128 (GQA 16/4) and MLA
// 192/128, T = 512..4096. Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace danka::core {

class JobContext;

struct AttentionBenchOptions {
    std::string device = "auto";     // "auto" (cuda:0 when usable, else cpu), "cpu", "cuda", "cuda:N"
    std::string dtype = "bf16";      // fp32, bf16 or fp16
    double secondsPerMeasure = 0.5;  // time budget of each median (at least 3 timed calls after 2 warm-ups)
    bool quick = false;              // tiny shapes (T = 64, 128; B = 1, H = 4): a CPU smoke run
    std::vector<int64_t> lengths;    // sequence lengths to run; empty = 512, 1024, 2048, 4096 (quick: 64, 128)
};

// One timed implementation on one shape. Milliseconds are medians; 0 when it did not run.
struct AttentionTiming {
    bool ran = false;
    std::string note;  // why it did not run (the error), or how it ran (SDPA backend, repeated K/V)
    double forwardMs = 0;
    double forwardBackwardMs = 0;
    // Bytes alive at the peak of one forward+backward above q, k, v and the upstream gradient: LibTorch's host
    // allocations on a CPU (kernels/memory_stats), the CUDA caching allocator's peak on a GPU.
    int64_t forwardBackwardPeakBytes = 0;
};

struct AttentionBenchRow {
    std::string shape;  // "d64 mha", "d128 gqa", "mla 192/128"
    int64_t batch = 0, heads = 0, kvHeads = 0, length = 0, dqk = 0, dv = 0;
    double forwardFlops = 0;          // causal: 2 B H (Dqk + Dv) T^2 / 2 (FlashAttention's convention)
    double forwardBackwardFlops = 0;  // 3.5 x forward (backward = 2.5 x forward: five matmuls to two)
    AttentionTiming danka, sdpa;      // Danka's own kernel (cpuSdpa off), at::scaled_dot_product_attention
    std::string defaultPath;          // what kernels::attention runs for these inputs by default (training)
};

struct AttentionBenchResult {
    std::string device;      // "cuda:0", "cpu"
    std::string deviceName;  // the GPU's name, or "CPU (N threads)"
    std::string dtype;
    std::string flopsFormula;
    std::vector<AttentionBenchRow> rows;
};

// TFLOP/s of `flops` done in `ms` milliseconds (0 when ms is 0).
double teraflopsPerSecond(double flops, double ms);

// Runs every shape as a step of `job`. Throws core::Error for a bad device or dtype, or "cuda" without a GPU.
AttentionBenchResult benchAttention(const AttentionBenchOptions &options, JobContext &job);

}  // namespace danka::core
