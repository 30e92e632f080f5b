// A training process for tst_trainer to kill: trains the run config given on the command line in a
// workspace and, when the N-th checkpoint is fully written but not yet published, prints "STAGED <folder>"
// and waits to be killed.
//
//   train_crash_helper WORKSPACE CONFIG.json N
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/config/config_io.h"
#include "core/run/job.h"
#include "core/run/run_recorder.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"

using namespace danka::core;

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::cerr << "usage: train_crash_helper WORKSPACE CONFIG N\n";
        return 2;
    }
    const Workspace ws = Workspace::open(argv[1]);
    const ConfigLoadResult config = loadConfigFile(argv[2]);
    if (!config.ok()) {
        std::cerr << config.problems[0].toString() << "\n";
        return 3;
    }
    const int n = std::atoi(argv[3]);
    train::TrainRequest request;
    request.config = config.config;
    const train::PreparedTraining p = train::prepareTraining(ws, request);
    train::TrainingHooks hooks;
    hooks.peakFlops = 1e11;
    int staged = 0;
    hooks.onCheckpointStaged = [&](const std::string &folder) {
        if (++staged < n) return;
        std::printf("STAGED %s\n", folder.c_str());
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::seconds(120));
    };
    Job job("train", [&](JobContext &ctx) { train::runTraining(ws, p, ctx, hooks); }, recordRun(ws.databasePath(), p.runId));
    job.start();
    job.wait();
    std::cerr << job.error() << "\n";
    return 1;  // only reached when the test did not kill us
}
