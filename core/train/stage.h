// What a training stage gives the trainer: the loss of the next micro-batch, a validation loss, prompts for
// sample generations, and its data position for checkpoints. The trainer owns everything else (optimizer,
// schedule, precision, skipping, checkpoints, metrics), so pretraining, SFT, distillation, reward models
// and preference optimisation share one loop. Engine-internal (torch types).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "model/transformer.h"

namespace danka::core::train {

struct MicroBatchLoss {
    at::Tensor loss;      // scalar, mean over the targets that count; graph attached
    int64_t tokens = 0;   // real input positions processed, padding excluded (tokens/s)
    double flops = 0;     // model FLOPs of training on them (sequenceFlops of each sequence): MFU's numerator
    // The stage's own metrics on this micro-batch, by the keys its StageSpec declares (stage_catalog.h): the
    // trainer logs each one's mean over the logging window's micro-batches.
    std::vector<std::pair<std::string, double>> metrics;
};

struct ValidationResult {
    double loss = 0;      // mean over every counted target of the validation batches
    int64_t targets = 0;
};

class TrainingStage {
public:
    virtual ~TrainingStage() = default;
    virtual std::string name() const = 0;
    // Draws the next micro-batch and returns its loss (the model is in training mode, autocast as set).
    virtual MicroBatchLoss trainLoss(model::TransformerImpl &model) = 0;
    // Loss over `batches` fixed validation micro-batches (the same ones every time), the model in eval mode
    // under no_grad; nullopt when the stage has no validation data.
    virtual std::optional<ValidationResult> validate(model::TransformerImpl &model, int64_t batches) = 0;
    // Prompts (token ids) for sample generations, with their text for the record.
    virtual std::vector<std::pair<std::string, std::vector<int32_t>>> samplePrompts() const = 0;
    // Sequence length of training batches.
    virtual int64_t sequenceLength() const = 0;
    // Model FLOPs (model/flops.h: forward and backward matmuls and causal attention, no recomputation) of
    // training `model` on one token whose attention sees `context` keys, as this stage trains it: all weights,
    // LoRA adapters on a frozen base, a student beside its teacher.
    virtual double flopsPerToken(const model::TransformerImpl &model, double context) const = 0;
    // Data position and any other state an exact resume needs (saved in training_state.json's stage_state).
    virtual nlohmann::json state() const = 0;
    virtual void setState(const nlohmann::json &state) = 0;

    // --- What stages beyond plain next-token training need; the defaults do nothing. ---
    // Called before each optimizer step's micro-batches (`step` 0-based), the model in training mode: work
    // that is not a micro-batch, such as PPO/GRPO generating their rollouts (under no_grad, batched, with the
    // KV cache) for the micro-batches of the step to consume.
    virtual void beforeStep(model::TransformerImpl &model, int64_t step) {}
    // Trainable tensors of the stage's own beyond the model's parameters (a value head), by unique names: the
    // trainer's AdamW trains them, and checkpoints keep their values and moments for an exact resume.
    virtual std::vector<std::pair<std::string, at::Tensor>> extraParameters() { return {}; }
    // Where the validation data comes from, for the run's log ("" = the stage has none).
    virtual std::string validationSource() const { return {}; }
    // Token ids that end a sample generation early (chat stages: <|im_end|>).
    virtual std::vector<int32_t> sampleStopTokens() const { return {}; }
};

// Model FLOPs of training `stage` on one causal sequence of `tokens` real tokens (its queries see
// (tokens + 1) / 2 keys on average).
double sequenceFlops(const TrainingStage &stage, const model::TransformerImpl &model, int64_t tokens);

// Opens the dataset a stage trains on: it must be of `kind` and tokenized by the tokenizer with `checksum`.
// Throws core::Error "<field>: <dir> is a <kind> dataset; <need>" otherwise.
std::unique_ptr<data::Dataset> openStageDataset(const std::string &dir, const std::string &checksum,
                                                data::DatasetKind kind, const char *field, const char *need);

}  // namespace danka::core::train
