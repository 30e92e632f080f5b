// Memory estimate of training (and of a KV cache) before any run: the peak of a training step (forward,
// backward, optimizer step) and what is alive at that moment: weights, 16-bit weight copies, gradients,
// AdamW states, activations with and without activation checkpointing, logits, a distillation teacher,
// framework overhead. It counts the tensors this implementation keeps for backward and walks backward block
// by block (gradients appear as activations are freed; see estimate.cpp), so it is checked against measured
// allocations (tests/model/tst_estimate.cpp). Torch-free: the studio uses it too.
#pragma once

#include <cstdint>
#include <optional>
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
    // LoRA (stage.lora.enabled): the adapters' targets (lora_targets.h) and rank on a frozen base. With targets, the
    // walk counts what frozen projections do not keep, and trainableParameters defaults to the adapters'.
    std::vector<std::string> loraTargets;
    int64_t loraRank = 0;
    double loraDropout = 0;  // dropout on each adapter's input (keeps its noise and output)
    // Attention on LibTorch's fused SDPA (the CPU rule of kernels/attention.h: float32/bfloat16, no segment
    // masks, MHA/GQA), whose output needs no contiguous copy before o_proj; else Danka's kernels.
    bool sdpaAttention = false;
    // White-box distillation (stage "distill" with a teacher checkpoint): the teacher's fp32 weights, its
    // no-grad forward and the KL term's (tokens, vocab) tensors.
    std::optional<ModelConfig> teacher;
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

// Training one micro-batch: the peak of forward, backward and the optimizer step, and what is alive then.
MemoryEstimate estimateTraining(const ModelConfig &config, const MemoryPlan &plan);

// Bytes one block keeps for backward for `tokens` tokens when every weight trains: bytesPerElement 4 is fp32,
// 2 is 16-bit autocast (the residual stream stays fp32, and each product that reads it keeps its own 16-bit
// copy of its input; the 16-bit weight copies are not included).
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
// The same around `base` (its LoRA, attention path and teacher kept; precision, offloading, checkpointing and
// micro-batch varied).
std::vector<PlanOption> enumeratePlans(const ModelConfig &config, const MemoryPlan &base, double budgetBytes);
// The plan to recommend among those that fit: no offloading if possible, then (on a GPU) bf16 over fp32,
// then the least recomputation, then the largest micro-batch, then bf16 over fp32. nullptr when none fits.
const PlanOption *recommendPlan(const std::vector<PlanOption> &options);

}  // namespace danka::model
