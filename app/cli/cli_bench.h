// `danka-cli bench attention` (cli_bench.cpp): added to the `bench` group that cli_model.cpp creates.
#pragma once

#include "app/cli/commands.h"

namespace danka::cli {

void addAttentionBenchCommand(CLI::App &bench, const Options &options, Action &action);

}  // namespace danka::cli
