// Which projections LoRA targets, by module name, as PEFT decides it (peft.tuners.tuners_utils
// check_target_module_exists): a list entry matches a module whose full name equals it or ends with "." + it;
// a single entry "re:REGEX" matches the module names the regular expression matches whole (PEFT's string
// form of target_modules). Torch-free: the memory estimate counts adapter parameters with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace danka::model {

// Throws std::regex_error for an invalid "re:" expression.
bool matchesLoraTarget(const std::string &moduleName, const std::vector<std::string> &targets);

// Parameters of rank-`rank` adapters on the projections of `config` that `targets` match.
int64_t loraParameterCount(const ModelConfig &config, const std::vector<std::string> &targets, int64_t rank);

}  // namespace danka::model
