// `danka-cli bench attention` and `bench kernels` (cli_bench.cpp): added to the `bench` group that
// cli_model.cpp creates (beside `bench model`).
#pragma once

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "lab/kernel_case.h"

namespace danka::cli {

void addBenchCommands(CLI::App &bench, const Options &options, Action &action);

// A case of the kernel lab's table as `bench kernels --list` and `check --kernels --list` print it in JSON.
nlohmann::json kernelCaseJson(const lab::KernelCase &c);
// "cpu", "cuda" or "cpu+cuda": where a case runs.
std::string kernelCaseDevices(const lab::KernelCase &c);

}  // namespace danka::cli
