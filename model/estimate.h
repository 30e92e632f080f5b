// Memory estimate of training (and of a KV cache) before any run: weights, gradients, AdamW states,
// activations per layer with and without activation checkpointing, logits, KV cache, framework overhead.
// The activation figures count exactly the tensors this implementation keeps for backward (see
// estimate.cpp), so they can be checked against measured allocations. Torch-free: the studio uses it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace danka::model {

enum class PlanPrecision { Fp32, Bf16, Fp16 };  // fp32, or autocast with fp32 master weights
const char *planPrecisionName(PlanPrecision p);

struct MemoryPlan {
    int64_t microBatch = 1;
    int64_t seqLen = 512;
    PlanPrecision precision = PlanPrecision::Fp32;
    int64_t checkpointEvery = 0;    // recompute every k-th block in backward; 0 = keep all activations
    bool optimizerOnCpu = false;    // AdamW moments offloaded to host memory
    bool gpu = true;                // overhead of a CUDA context and allocator, else of a CPU process
    double dropout = 0;             // keeps dropout masks when > 0
    int64_t trainableParameters = -1;  // parameters with gradients and AdamW moments (LoRA: the adapters, which
                                       // come on top of the model's); -1 = every parameter of the model
};

struct MemoryLine {
    std::string name;  // "weights", "gradients", ...
    double bytes = 0;
    std::string detail;
};

struct MemoryEstimate {
    int64_t parameters = 0;
    double activationsPerLayer = 0;  // bytes one block keeps for backward
    std::vector<MemoryLine> lines;   // the breakdown, in display order
    double total() const;            // device memory: everything but offloaded lines
    double hostBytes = 0;            // offloaded to CPU memory (AdamW moments with optimizerOnCpu)
};

// Training one micro-batch (the peak: forward activations kept, then backward gradients).
MemoryEstimate estimateTraining(const ModelConfig &config, const MemoryPlan &plan);

// Bytes a block keeps for backward for `tokens` tokens in elements of `bytesPerElement`.
double activationBytesPerLayer(const ModelConfig &config, int64_t tokens, double bytesPerElement, double dropout);

// KV cache bytes for `positions` cached positions of `batch` sequences in `bytesPerElement`.
double kvCacheBytes(const ModelConfig &config, int64_t batch, int64_t positions, double bytesPerElement);

// Candidate plans for a budget (micro-batch 1..8, checkpointing off/every 1/2/4 blocks, fp32 and bf16,
// with and without AdamW on the CPU), each with its estimate; `fits` tells whether it fits.
struct PlanOption {
    MemoryPlan plan;
    MemoryEstimate estimate;
    bool fits = false;
};
std::vector<PlanOption> enumeratePlans(const ModelConfig &config, int64_t seqLen, double budgetBytes, bool gpu,
                                       int64_t trainableParameters = -1);
// The plan to recommend among those that fit: no offloading if possible, then (on a GPU) bf16 over fp32,
// then the least recomputation, then the largest micro-batch, then bf16 over fp32. nullptr when none fits.
const PlanOption *recommendPlan(const std::vector<PlanOption> &options);

}  // namespace danka::model
