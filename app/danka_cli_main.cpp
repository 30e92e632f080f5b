// danka-cli: the headless Danka. Same engine as the studio, for GPU servers and scripts.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli/commands.h"
#include "core/util/error.h"
#include "core/util/system_info.h"

int main(int argc, char **argv)
{
    using namespace danka;
    cli::Options options;
    cli::Action action;

    CLI::App app{"danka-cli: train and align a language model on one card (headless)", "danka-cli"};
    app.set_version_flag("--version", "danka-cli " + core::versionLine());
    app.add_option("--workspace", options.workspace,
                   "Workspace folder (default: $DANKA_WORKSPACE, else $XDG_DATA_HOME/danka/workspace)");
    app.add_flag("--json", options.json, "Machine-readable JSON on stdout");
    app.add_option("--threads", options.threads, "LibTorch intra-op threads (default: $DANKA_THREADS, else all cores)")
        ->check(CLI::NonNegativeNumber);
    app.require_subcommand(1);
    // Global options are accepted after the subcommand too: `danka-cli runs list --json`.
    app.fallthrough();

    cli::addRunsCommands(app, options, action);
    cli::addConfigCommands(app, options, action);
    cli::addTokenizerCommands(app, options, action);
    cli::addDataCommands(app, options, action);
    cli::addModelCommands(app, options, action);
    cli::addTrainCommands(app, options, action);
    cli::addCheckCommand(app, options, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int code = app.exit(e);  // prints help, version or the parse error
        return code == 0 ? cli::kExitOk : cli::kExitUsage;
    }

    try {
        core::initComputeThreads(options.threads);
        return action ? action() : cli::kExitUsage;
    } catch (const std::exception &e) {
        cli::printError(options, e.what());
        return cli::kExitError;
    }
}
