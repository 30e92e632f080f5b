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

// Whether a module is one of the MLP projections (gate_proj, up_proj, down_proj) by its name.
bool isMlpProjection(const std::string &moduleName);

// Why PEFT could not load an adapter of these settings on the model `config` describes, "" when it can.
// peft 0.21 under transformers 5 treats gate_proj / up_proj / down_proj in target_modules of a deepseek_v3
// model (every MLA model Danka exports) as its mixture-of-experts weights (peft/utils/
// transformers_weight_conversion.py: _convert_peft_config_moe) and drops them, so Danka saves adapters on
// the dense MLP there as target_parameters ("mlp.gate_proj.weight"), which PEFT's ParamWrapper loads with
// the same keys and update but only with lora_dropout 0. The one case it cannot load: MLA, an MLP target,
// dropout > 0. The message names the modules.
std::string peftLoadProblem(const ModelConfig &config, const std::vector<std::string> &targets, double dropout);
// The MLP leaf names (gate_proj, up_proj, down_proj, sorted) behind peftLoadProblem, empty when PEFT can load.
std::vector<std::string> peftUnloadableTargets(const ModelConfig &config, const std::vector<std::string> &targets,
                                               double dropout);

}  // namespace danka::model
