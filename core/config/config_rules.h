// Engine-internal part of config validation (config_io.h's validate()): the rules that involve several fields
// or the base checkpoint's model. Users call validate(); this header exists so config_io.cpp stays the field
// table and its readers and writers.
#pragma once

#include <vector>

#include "core/config/config_io.h"

namespace danka::core {

// Appends a problem for every broken cross-field rule of `config` (data.seq_len against the model it trains,
// rope scaling, fp16 on the CPU, checkpointing depth, LoRA targets, stages that need a base checkpoint or are
// not available yet...).
void checkCrossFields(const RunConfig &config, std::vector<ConfigProblem> &problems);

}  // namespace danka::core
