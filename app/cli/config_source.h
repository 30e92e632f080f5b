// The run config a command works on: --config FILE or --preset NAME.
#pragma once

#include <optional>
#include <string>

#include "app/cli/output.h"
#include "core/config/run_config.h"

namespace CLI {
class App;
}

namespace danka::cli {

struct ConfigSource {
    std::string file, preset;
    bool given() const { return !file.empty() || !preset.empty(); }
};

// The run config of --config FILE or --preset NAME. Invalid configs print their problems and set exitCode
// to kExitInvalid (3); giving both or neither throws core::Error.
std::optional<core::RunConfig> loadConfig(const Options &options, const ConfigSource &source, int &exitCode);

void addConfigSource(CLI::App *cmd, ConfigSource &source);

}  // namespace danka::cli
