// danka-cli's command groups. Each adds its subcommands to the app; the chosen one stores its work in
// `action`, which main runs after parsing (so parse errors and command errors are reported apart).
#pragma once

#include <functional>

#include "app/cli/output.h"

namespace CLI {
class App;
}

namespace danka::cli {

using Action = std::function<int()>;

void addRunsCommands(CLI::App &app, const Options &options, Action &action);
void addConfigCommands(CLI::App &app, const Options &options, Action &action);
void addCheckCommand(CLI::App &app, const Options &options, Action &action);
void addTokenizerCommands(CLI::App &app, const Options &options, Action &action);
void addDataCommands(CLI::App &app, const Options &options, Action &action);
void addModelCommands(CLI::App &app, const Options &options, Action &action);  // model, generate, bench, estimate
void addTrainCommands(CLI::App &app, const Options &options, Action &action);  // train, demo

}  // namespace danka::cli
