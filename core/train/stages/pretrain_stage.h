// Pretraining: next-token prediction on the packed token windows of a prepared pretraining dataset, with
// optional fill-in-the-middle (fim.h) and document masking (attention stays within each document).
// Validation uses the dataset's "val" split, else the val_dataset's, else the last data.val_fraction of the
// training windows, which are then held out of training.
#pragma once

#include <memory>

#include "core/config/run_config.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/fim.h"
#include "core/train/stage.h"

namespace danka::core::train {

class PretrainStage final : public TrainingStage {
public:
    // Opens the datasets of `config.data` (their tokenizer must be `tokenizer`); throws core::Error naming
    // the dataset and the problem. `device` receives the batches.
    PretrainStage(const RunConfig &config, const tokenizer::Tokenizer &tokenizer, const at::Device &device);

    std::string name() const override { return "pretrain"; }
    MicroBatchLoss trainLoss(model::TransformerImpl &model) override;
    std::optional<ValidationResult> validate(model::TransformerImpl &model, int64_t batches) override;
    std::vector<std::pair<std::string, std::vector<int32_t>>> samplePrompts() const override;
    int64_t sequenceLength() const override { return m_seqLen; }
    // Every weight trains (model/flops.h trainingFlopsPerToken). Causal attention over the whole window, as
    // the kernel computes it, also with document masking.
    double flopsPerToken(const model::TransformerImpl &model, double context) const override;
    nlohmann::json state() const override;
    void setState(const nlohmann::json &state) override;

    int64_t trainWindows() const { return m_train->windowsPerEpoch(); }
    int64_t heldOutWindows() const { return m_heldOut; }
    std::string validationSource() const override { return m_valSource; }

private:
    // Loss of one batch from the loader; `fimSeed` 0 = no fill-in-the-middle.
    at::Tensor batchLoss(model::TransformerImpl &model, data::Batch batch, uint64_t fimSeed, int64_t *targets);

    RunConfig m_config;
    const tokenizer::Tokenizer &m_tokenizer;
    at::Device m_device;
    int64_t m_seqLen;
    FimMarkers m_fim;
    std::unique_ptr<data::Dataset> m_dataset, m_valDataset;
    const data::DatasetSplit *m_valSplit = nullptr;
    std::unique_ptr<data::PretrainLoader> m_train;
    int64_t m_heldOut = 0;  // windows at the end of the training split held out for validation
    std::string m_valSource;
};

}  // namespace danka::core::train
