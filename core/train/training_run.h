// Training as the CLI and the studio start it (torch-free): pick or create the run in the workspace's store,
// then run it as a job. `danka-cli train --config F [--resume latest|RUN_ID]`.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/config/run_config.h"
#include "core/run/job.h"
#include "core/store/workspace.h"
#include "core/train/stage_catalog.h"

namespace danka::core::train {

using core::stageIsTrainable;  // (stage_catalog.h)

struct TrainRequest {
    std::optional<RunConfig> config;  // required for a new run; with `resume`, must match the run's model, data,
                                      // optimizer and stage (runtime and schedule may change: more steps...)
    std::string resume;               // "" = a new run; "latest" = the newest unfinished run with a checkpoint;
                                      // or a run id
    std::string checkpoint;           // with `resume`: continue from this checkpoint folder of the run (the
                                      // studio's "Resume from this") instead of its newest one
};

struct PreparedTraining {
    int64_t runId = 0;
    std::string runName;
    std::string runDir;
    RunConfig config;
    std::string resumeFrom;  // the checkpoint folder resumed from ("" for a new run)
    int64_t resumeStep = 0;
};

// Creates the run record (status "created") or finds the run and checkpoint to resume. Throws core::Error
// with what is wrong (no such run, nothing to resume, config mismatch).
PreparedTraining prepareTraining(const Workspace &workspace, const TrainRequest &request);

struct TrainerResult {
    int64_t steps = 0;              // optimizer steps completed (skipped ones included)
    int64_t skippedSteps = 0;
    double lastLoss = NAN;          // mean training loss of the last logged window
    std::optional<double> lastValLoss;
    std::optional<double> bestValLoss;
    std::string lastCheckpoint;
    std::string bestCheckpoint;
    int64_t tokens = 0;             // training tokens processed
};

struct TrainingSummary : TrainerResult {
    std::string device;
    double seconds = 0;
};

struct TrainingHooks {
    // Tests: called with a checkpoint's staging folder before it is published.
    std::function<void(const std::string &)> onCheckpointStaged;
    double peakFlops = 0;  // skip the MFU peak measurement when > 0
};

// Runs the prepared training in `job` (the caller records the job into the run: run_recorder.h). Throws
// core::Error on bad data, configs or devices; JobCancelled after writing a resumable checkpoint.
TrainingSummary runTraining(const Workspace &workspace, const PreparedTraining &prepared, JobContext &job,
                            const TrainingHooks &hooks = {});

}  // namespace danka::core::train
