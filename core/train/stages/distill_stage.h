// Distillation on conversation data (the SFT stage's data and mask), two ways that combine:
// - R1-style reasoning distillation: SFT on replies with <think>...</think> reasoning, where the marker tokens
//   (stage.distill.markers) weigh marker_weight and the answer after </think> weighs answer_weight in the
//   weighted mean cross-entropy sum(w_i ce_i) / sum(w_i) (as minimind's train_distill_reason does);
// - white-box distillation from a teacher checkpoint with the same tokenizer: the loss becomes
//   (1 - kl_weight) * that hard-label loss + kl_weight * T^2 * KL(teacher_T || student_T), the KL of the
//   temperature-softened distributions averaged over the reply tokens (Hinton et al. 2015; T^2 keeps the
//   soft gradients' scale independent of T).
// Validation reports the plain SFT loss, so distilled and fine-tuned runs compare on one scale.
#pragma once

#include "core/train/stages/sft_stage.h"

namespace danka::core::train {

struct MarkerWeights {
    std::vector<int32_t> markers;  // token ids that weigh markerWeight
    int32_t thinkEnd = -1;         // </think>: the answer span starts after it (-1: no answer span)
    int32_t turnStart = -1;        // <|im_start|>: a new turn ends the answer span
    double markerWeight = 1;
    double answerWeight = 1;
};

class DistillStage final : public SftStage {
public:
    // Opens the data as SftStage and, with stage.distill.teacher_checkpoint, loads the teacher onto `device`.
    // Throws core::Error naming the field: a marker that is not one token of the tokenizer, a teacher with
    // another tokenizer or a shorter context than data.seq_len.
    DistillStage(const RunConfig &config, const tokenizer::Tokenizer &tokenizer, const at::Device &device);

    bool hasTeacher() const { return static_cast<bool>(m_teacher); }
    // The student's training, and with a teacher its forward and the student's LM head run again for the KL
    // term (model/flops.h distillationFlopsPerToken).
    double flopsPerToken(const model::TransformerImpl &model, double context) const override;
    const MarkerWeights &markerWeights() const { return m_weights; }

    // The loss weight of every target of `batch` ((B, L-1), row-major): 0 where the mask has no loss, else
    // markerWeight for a marker, answerWeight inside the answer span (after </think> up to and including the
    // reply's <|im_end|>), 1 elsewhere.
    static std::vector<float> weightsOf(const data::Batch &batch, const MarkerWeights &weights);
    // Mean over the rows of KL(softmax(teacher / T) || softmax(student / T)); logits (N, V). Float32 math.
    static at::Tensor softenedKl(const at::Tensor &student, const at::Tensor &teacher, double temperature);

protected:
    at::Tensor trainingLoss(model::TransformerImpl &model, const data::Batch &batch) override;

private:
    MarkerWeights m_weights;
    model::Transformer m_teacher{nullptr};
};

}  // namespace danka::core::train
