// Named starting points for a run config: a tiny CPU demo, the minimind-sized 26M model and a 1.3B model
// planned for one 24 GB card.
#pragma once

#include <string>
#include <vector>

#include "core/config/run_config.h"

namespace danka::core {

struct Preset {
    std::string name;
    std::string description;  // English
    RunConfig config;
};

const std::vector<Preset> &presets();
const Preset *findPreset(const std::string &name);  // nullptr when unknown
// The description in the interface language (core/util/translate.h); Preset::description stays English.
std::string presetDescription(const Preset &preset);

}  // namespace danka::core
