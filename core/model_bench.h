// `danka-cli bench model`: what a model config does on this machine. Training throughput (forward +
// backward, tokens per second) and its model FLOPs utilisation against a measured matmul peak, decoding
// throughput with the KV cache at batch 1 and 8, and the KV-cache bytes per token. Torch-free header.
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
    bool referenceKernels = false;  // the plain-LibTorch composition instead of Danka's kernels
    std::string device = "cpu";
    std::string dtype = "fp32";     // fp32 or bf16 (weights and activations)
};

struct ModelBenchResult {
    int64_t parameters = 0;
    double trainTokensPerSecond = 0;
    double trainFlopsPerToken = 0;  // 6 N_matmul + attention (causal average)
    double achievedFlops = 0;       // per second
    double peakFlops = 0;           // measured matmul peak of the device, same dtype
    double mfu = 0;                 // achievedFlops / peakFlops
    double decodeTokensPerSecondB1 = 0;
    double decodeTokensPerSecondB8 = 0;
    int64_t kvCacheBytesPerToken = 0;  // per sequence position, all layers, in the benchmark's dtype
    double stepSeconds = 0;         // median over the timed steps
};

// Model FLOPs of training on one token of a sequence of `seqLen` (forward and backward).
double trainingFlopsPerToken(const model::ModelConfig &config, int64_t seqLen);

ModelBenchResult benchModel(const ModelBenchOptions &options, JobContext &job);

}  // namespace danka::core
