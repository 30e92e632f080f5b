// Model FLOPs of training per token, stage by stage: what MFU and `danka-cli bench model` divide by. PaLM's
// "model FLOPs" (Chowdhery et al. 2022, appendix B): the matrix products the math of a step needs (2 FLOPs
// per multiply-add) and causal attention, not recomputation (activation checkpointing), norms,
// element-wise ops or softmax. Torch-free, like the memory estimator (estimate.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace danka::model {

// Average keys a query of a causal sequence of `tokens` positions sees: (tokens + 1) / 2.
double causalContext(double tokens);

// Parameters of every matrix product of one token's forward: each projection and the LM head (a tied head
// counts once, as the head; the embedding lookup is no product).
double matmulParameters(const ModelConfig &config);

// Forward FLOPs of one token whose causal attention sees `context` keys: 2 x matmulParameters, plus per
// layer and query head 2 Dqk (scores) + 2 Dv (weighted sum) per visible key.
double forwardFlopsPerToken(const ModelConfig &config, double context);
double attentionForwardFlopsPerToken(const ModelConfig &config, double context);

// LoRA adapters as the FLOPs count sees them: rank r on the projections `targets` matches
// (model/lora_targets.h), the base weights frozen.
struct LoraFlops {
    std::vector<std::string> targets;
    int64_t rank = 0;
};

// Forward and backward FLOPs of training one token (context as above).
// - Every weight trained (pretraining, SFT, distillation's student): forward, input gradients and weight
//   gradients of every product, attention backward at twice its forward: 3 x forwardFlopsPerToken.
// - With `lora` (stage.lora.enabled): the frozen base products run forward, and backward only for the input
//   gradient, and only where something below them trains (a projection whose input depends on no adapter,
//   e.g. layer 0's q/k/v, has no backward at all); attention's backward computes dQ, dK (and dP) and dV
//   only for what needs them; each adapter x A^T B^T costs 2 r (in + out) forward, as much for the
//   gradients of A and B, 2 r out for the gradient into A's output and 2 r in for the input gradient
//   where that is needed. This is what autograd runs (tests/model/tst_flops.cpp counts it).
double trainingFlopsPerToken(const ModelConfig &config, double context, const LoraFlops *lora = nullptr);

// White-box distillation (core/train/stages/distill_stage.h) on top of the student's training: the teacher's
// forward (no gradient) and the student's LM head run a second time for the KL term, forward and both
// gradients (3 x 2 d V). Without a teacher (reasoning distillation only) it is plain training.
double distillationFlopsPerToken(const ModelConfig &student, const ModelConfig *teacher, double context);

}  // namespace danka::model
