// Supervised fine-tuning: one conversation per row of a prepared SFT dataset (rendered with the shared chat
// template by `data prepare`), the loss on the assistant replies only (every assistant turn with its
// <|im_end|>; system and user turns and padding carry no loss). Conversations longer than data.seq_len + 1
// tokens are cut there or left out (data.overlong). Validation uses the dataset's "val" split, else
// data.val_dataset. The LoRA and distillation stages train on the same data (lora_stage.h, distill_stage.h).
#pragma once

#include <memory>

#include "core/config/run_config.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/tokenizer/tokenizer.h"
#include "core/run/job.h"
#include "core/train/stage.h"

namespace danka::core::train {

class SftStage : public TrainingStage {
public:
    // Opens the datasets of `config.data` (SFT datasets tokenized by `tokenizer`); throws core::Error naming
    // the dataset and the problem.
    SftStage(const RunConfig &config, const tokenizer::Tokenizer &tokenizer, const at::Device &device);

    std::string name() const override { return m_config.stage.kind; }
    MicroBatchLoss trainLoss(model::TransformerImpl &model) override;
    std::optional<ValidationResult> validate(model::TransformerImpl &model, int64_t batches) override;
    // The prompt part (everything before the first assistant reply) of three validation conversations, or
    // runtime.sample_prompt as a user turn.
    std::vector<std::pair<std::string, std::vector<int32_t>>> samplePrompts() const override;
    int64_t sequenceLength() const override { return m_seqLen; }
    // Every weight trains, or (stage.lora.enabled) the adapters the model carries on its frozen base (model/flops.h).
    double flopsPerToken(const model::TransformerImpl &model, double context) const override;
    // The real (non-padding) input positions of `batch` and the model FLOPs of training on them: each row is
    // a causal sequence of its own length (trainLoss's tokens and flops).
    std::pair<int64_t, double> batchWork(const model::TransformerImpl &model, const data::Batch &batch) const;
    nlohmann::json state() const override;
    void setState(const nlohmann::json &state) override;

    std::string validationSource() const override { return m_valSource; }
    // <|im_end|>: a sample generation stops at the end of the assistant's turn.
    std::vector<int32_t> sampleStopTokens() const override;
    int64_t trainRecords() const { return m_train->records(); }
    // Training conversations longer than data.seq_len + 1 tokens: with data.overlong "truncate" the loader
    // cuts them, so their last reply loses its end (and its <|im_end|>); with "drop" it leaves them out
    // (droppedRecords()). The run reports either rather than acting silently.
    int64_t truncatedRecords() const { return m_truncated; }
    int64_t droppedRecords() const { return m_train->dropped(); }
    // The (B, L-1) targets of a batch: the next token where the mask counts, else -100 (tests).
    static std::vector<int64_t> targetsOf(const data::Batch &batch);

protected:
    // The loss a training micro-batch optimises; plain SFT: batchLoss. Stages that shape the loss override it
    // (validation always reports batchLoss, so stages stay comparable).
    virtual at::Tensor trainingLoss(model::TransformerImpl &model, const data::Batch &batch);
    // Mean cross-entropy over the batch's targets (their count in `targets` when given).
    at::Tensor batchLoss(model::TransformerImpl &model, const data::Batch &batch, int64_t *targets);
    // The (B, L-1) inputs and targets of a batch on the stage's device.
    std::pair<at::Tensor, at::Tensor> tensorsOf(const data::Batch &batch) const;
    const RunConfig &config() const { return m_config; }
    const tokenizer::Tokenizer &tokenizer() const { return m_tokenizer; }
    const at::Device &device() const { return m_device; }

private:

    RunConfig m_config;
    const tokenizer::Tokenizer &m_tokenizer;
    at::Device m_device;
    int64_t m_seqLen;
    std::unique_ptr<data::Dataset> m_dataset, m_valDataset;
    const data::DatasetSplit *m_valSplit = nullptr;
    std::unique_ptr<data::SftLoader> m_train;
    std::string m_valSource;
    int64_t m_truncated = 0;
};

// Reports what the stage found in its data to the run: conversations cut at data.seq_len or left out.
void reportConversationFit(const SftStage &stage, const RunConfig &config, JobContext &job);

}  // namespace danka::core::train
