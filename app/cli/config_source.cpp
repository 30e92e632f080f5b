// --config / --preset (see config_source.h).
#include "app/cli/config_source.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "core/config/config_io.h"
#include "core/config/presets.h"
#include "core/util/error.h"

namespace danka::cli {

std::optional<core::RunConfig> loadConfig(const Options &options, const ConfigSource &source, int &exitCode)
{
    if (source.file.empty() == source.preset.empty()) throw core::Error("give either --config FILE or --preset NAME");
    if (!source.preset.empty()) {
        const core::Preset *p = core::findPreset(source.preset);
        if (!p) throw core::Error("unknown preset \"" + source.preset + "\" (danka-cli config presets lists them)");
        return p->config;
    }
    const core::ConfigLoadResult r = core::loadConfigFile(source.file);
    if (!options.json)
        for (const std::string &note : r.notes) std::cerr << source.file << ": " << note << "\n";
    if (r.ok()) return r.config;
    if (options.json) {
        nlohmann::json problems = nlohmann::json::array();
        for (const auto &p : r.problems) problems.push_back({{"path", p.path}, {"message", p.message}});
        printJson({{"file", source.file}, {"valid", false}, {"problems", problems}});
    } else {
        for (const auto &p : r.problems) std::cerr << source.file << ": " << p.toString() << "\n";
    }
    exitCode = kExitInvalid;
    return std::nullopt;
}

void addConfigSource(CLI::App *cmd, ConfigSource &s)
{
    cmd->add_option("--config", s.file, "Run config file")->check(CLI::ExistingFile);
    cmd->add_option("--preset", s.preset, "Preset name (danka-cli config presets)");
}

}  // namespace danka::cli
