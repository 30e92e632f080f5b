// `danka-cli bench model`: what a model config does on this machine. Training throughput (forward +
// backward, tokens per second), the peak memory of a training step, the model FLOPs utilisation (against the
// device's rated peak or a measured one, core/lab/peak_flops.h), decoding throughput with the KV cache at batch 1
// and 8, and the KV-cache bytes per token; on Danka's kernels, or on LibTorch's own ops as a LibTorch user
// writes the model (the baseline), or on the test oracles. Torch-free header.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_config.h"

namespace danka::core {

class JobContext;

struct ModelBenchOptions {
    model::ModelConfig config;
    int64_t batch = 8;          // training micro-batch
    int64_t seqLen = 512;       // training sequence length
    int steps = 3;              // timed training steps (after one warm-up step)
    int64_t decodeTokens = 64;  // tokens generated per sequence in the decode benchmark
    int64_t promptTokens = 32;
    // "danka": Danka's fused kernels, attention as kernels::attention dispatches it (LibTorch's SDPA where that
    // is faster, kernels/attention.h); "danka-flash": the same with Danka's own flash attention everywhere;
    // "aten": LibTorch's ops as a user writes the model (at::scaled_dot_product_attention, at::rms_norm,
    // silu(g) * u, rotate_half RoPE, at::cross_entropy_loss); "reference": the test oracles (attention with the
    // full score matrix and repeated K/V, float upcasts).
    std::string kernels = "danka";
    std::string device = "cpu";
    std::string dtype = "fp32";     // fp32 or bf16 (weights and activations)
};

struct ModelBenchResult {
    int64_t parameters = 0;
    double trainTokensPerSecond = 0;
    double trainFlopsPerToken = 0;  // model/flops.h trainingFlopsPerToken at the causal average context
    double achievedFlops = 0;       // per second
    double peakFlops = 0;           // the device's peak in the benchmark's dtype (core/lab/peak_flops.h)
    bool peakRated = false;         // a datasheet figure, else measured
    std::string peakBasis;          // which peak, in words
    double mfu = 0;                 // achievedFlops / peakFlops
    // Bytes alive at the peak of a training step (forward + loss + backward) above those alive before it (the
    // weights and inputs): activations, logits, gradients. LibTorch's host allocations on a CPU (kernels/
    // memory_stats), the CUDA caching allocator's peak on a GPU.
    int64_t trainPeakBytes = 0;
    double decodeTokensPerSecondB1 = 0;
    double decodeTokensPerSecondB8 = 0;
    int64_t kvCacheBytesPerToken = 0;  // per sequence position, all layers, in the benchmark's dtype
    double stepSeconds = 0;         // median over the timed steps
    double stepSecondsMin = 0, stepSecondsMax = 0;  // fastest and slowest timed step
};

ModelBenchResult benchModel(const ModelBenchOptions &options, JobContext &job);

}  // namespace danka::core
