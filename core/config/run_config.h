// The typed configuration of a run: plain structs with defaults, one per section of the JSON file
// (model, data, optim, schedule, stage, runtime). JSON mapping and validation: config_io.h.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "model/model_config.h"

namespace danka::core {

enum class Device { Auto, Cpu, Cuda };
enum class Precision { Fp32, Bf16, Fp16 };
enum class LrDecay { Cosine, Linear, Constant };
enum class Overlong { Truncate, Drop };  // SFT conversations longer than data.seq_len + 1 tokens

struct DataConfig {
    std::string dataset;              // prepared dataset folder (danka-cli data prepare)
    std::string valDataset;           // optional separate validation dataset; empty = split from dataset
    double valFraction = 0.01;        // share of the dataset held out for validation when valDataset is empty
    int64_t seqLen = 512;             // tokens per training sequence
    int64_t microBatchSize = 8;       // sequences per forward/backward pass
    int64_t padToMultiple = 8;        // SFT: batch length padded to a multiple of this (kernel-friendly shapes)
    bool shuffle = true;              // shuffle sequence order (seeded by runtime.seed)
    Overlong overlong = Overlong::Truncate;  // SFT: conversations longer than seq_len + 1 tokens
};

struct OptimConfig {
    double learningRate = 5e-4;       // peak learning rate (after warmup)
    double beta1 = 0.9;               // AdamW first-moment decay
    double beta2 = 0.95;              // AdamW second-moment decay
    double eps = 1e-8;                // AdamW denominator epsilon
    double weightDecay = 0.1;         // decoupled weight decay on weight matrices
    bool decayNormsAndEmbeddings = false;  // also decay norms, biases and embeddings
    double gradClip = 1.0;            // global gradient-norm clip; 0 = off
    int64_t gradAccumSteps = 1;       // micro-batches accumulated per optimizer step
};

struct ScheduleConfig {
    int64_t maxSteps = 1000;          // optimizer steps of the run
    int64_t warmupSteps = 100;        // linear warmup from 0 to the peak learning rate
    LrDecay decay = LrDecay::Cosine;  // shape after warmup
    double minLrRatio = 0.1;          // final learning rate as a fraction of the peak
};

// LoRA (Hu et al. 2021): low-rank adapters on chosen projections; the base weights stay frozen. A setting of
// every fine-tuning stage (core/train/stage_catalog.h, StageSpec::fineTuning).
struct LoraConfig {
    bool enabled = false;             // train adapters on the frozen base instead of every weight
    int64_t rank = 8;                 // r: inner dimension of each adapter
    double alpha = 16;                // the update is scaled by alpha / r
    double dropout = 0.05;            // dropout on the adapter's input during training
    // Projections that get adapters, by module name as PEFT matches them: comma-separated names that a module
    // name equals or ends with ("q_proj,v_proj", "mlp.down_proj"), "all-linear" (every projection but the LM
    // head), or "re:" followed by a regular expression matching whole module names.
    std::string targetModules = "all-linear";
};

// Distillation: R1-style (SFT on reasoning data with extra weight on the markers and the answer) and, with a
// teacher checkpoint, white-box (KL on temperature-softened logits mixed with the hard-label loss).
struct DistillConfig {
    std::string markers = "<think>,</think>,<answer>,</answer>";  // tokens that get marker_weight
    double markerWeight = 10.0;       // loss weight of marker tokens (1 = plain SFT)
    double answerWeight = 1.0;        // loss weight of the reply after </think> (the answer span)
    std::string teacherCheckpoint;    // white-box: the teacher's checkpoint folder; empty = R1-style only
    double klWeight = 0.5;            // loss = (1 - kl_weight) * hard-label loss + kl_weight * T^2 * KL
    double temperature = 2.0;         // T: both distributions are softened by it
};

struct StageConfig {
    // The stage, by its name in the stage table (core/train/stage_catalog.h): "pretrain", "sft", "distill"...
    std::string kind = "pretrain";
    std::string baseCheckpoint;       // checkpoint folder to start from; empty = random initialisation
    double fimRate = 0.0;             // pretraining: share of documents turned into fill-in-the-middle
    bool documentMask = false;        // pretraining: attention does not cross document boundaries
    LoraConfig lora;                  // fine-tuning stages
    DistillConfig distill;            // stage "distill"
    // Settings a stage declares in its own file (StageSpec::params), as {"<stage>": {"<key>": value}}; only the
    // chosen stage's are kept. Read them with option().
    nlohmann::json options = nlohmann::json::object();

    // The value of the chosen stage's setting `key` (stage.<kind>.<key>): the config's, else the stage's
    // default. Throws core::Error when the stage declares no such setting.
    nlohmann::json option(const std::string &key) const;
};

struct RuntimeConfig {
    Device device = Device::Auto;     // auto = CUDA when available, else CPU
    Precision precision = Precision::Fp32;  // bf16 autocast (CPU, CUDA) or fp16 with loss scaling (CUDA)
    int64_t threads = 0;              // LibTorch intra-op threads; 0 = all cores
    int64_t seed = 1234;              // seeds weights, data order, dropout and sampling
    int64_t activationCheckpointing = 0;  // recompute every k-th block in backward; 0 = off
    int64_t logEvery = 10;            // steps between metric points
    int64_t evalEvery = 200;          // steps between validation passes; 0 = only at the end
    int64_t evalBatches = 20;         // micro-batches per validation pass
    int64_t checkpointEvery = 500;    // steps between checkpoints; 0 = only at the end
    int64_t keepCheckpoints = 3;      // most recent checkpoints kept (the best by validation loss is kept too)
    int64_t sampleEvery = 500;        // steps between sample generations; 0 = off
    std::string samplePrompt;         // prompt of the sample generations; empty = starts of validation documents
    int64_t sampleTokens = 48;        // tokens generated per sample
    double skipZScore = 6.0;          // skip an update whose loss or gradient norm is this many standard
                                      // deviations above the recent steps; 0 = only NaN/Inf are skipped
    int64_t maxSkippedSteps = 10;     // consecutive skipped updates that stop the run
    double memoryBudgetGib = 24.0;    // GPU memory the plan must fit (the estimator checks it)
    bool memoryCap = false;           // cap the allocator at memory_budget_gib: a bigger card behaves like
                                      // one of the budget (on the CPU: LibTorch's allocations)
    bool offloadOptimizer = false;    // AdamW moments in pinned host memory, streamed through the GPU per step
};

struct RunConfig {
    std::string name;                 // run name shown in the studio; empty = derived from stage and time
    model::ModelConfig model;
    DataConfig data;
    OptimConfig optim;
    ScheduleConfig schedule;
    StageConfig stage;
    RuntimeConfig runtime;
};

}  // namespace danka::core
