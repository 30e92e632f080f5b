// Records a job as a run of the experiment store: status transitions (running, paused, completed, failed
// with its message, cancelled), metrics in batched transactions, and events. The recorder opens its own
// store connection on the job's worker thread (SQLite connections are per thread).
#pragma once

#include <cstdint>
#include <string>

#include "core/run/job.h"

namespace danka::core {

// Returns callbacks that record into run `runId` of the store at `databasePath` and then forward to
// `downstream` (for example the CLI's progress bar or the studio's chart buffer).
JobCallbacks recordRun(const std::string &databasePath, int64_t runId, JobCallbacks downstream = {});

}  // namespace danka::core
