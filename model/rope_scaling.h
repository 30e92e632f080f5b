// RoPE frequencies of a model config, with its rope scaling (model_config.h, RopeScaling): the inverse
// frequencies and the factor on cos and sin, exactly as transformers' ROPE_INIT_FUNCTIONS compute them for
// rope_type "default", "linear" and "yarn" (static NTK is "default" at the scaled base), in float64.
#pragma once

#include <ATen/ATen.h>

#include <utility>

#include "model/model_config.h"

namespace danka::model {

struct RopeFrequencies {
    at::Tensor invFreq;            // (rotary dims / 2) float64: angle per position of each rotated pair
    double attentionFactor = 1.0;  // cos and sin are multiplied by it (YaRN's mscale; 1 otherwise)
};

// Throws std::invalid_argument with config.ropeScalingProblem() when the scaling is invalid.
RopeFrequencies ropeFrequencies(const ModelConfig &config);

// cos and sin tables of `positions` (integer tensor of any shape): float32 tensors of shape positions.shape +
// (rotary dims / 2), angles in float64 rounded once, times the attention factor.
std::pair<at::Tensor, at::Tensor> ropeTables(const ModelConfig &config, const at::Tensor &positions);

}  // namespace danka::model
