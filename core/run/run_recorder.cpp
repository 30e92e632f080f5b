// Run recorder (see run_recorder.h).
#include "core/run/run_recorder.h"

#include <memory>
#include <optional>

#include "core/store/experiment_store.h"
#include "core/store/metric_buffer.h"

namespace danka::core {

namespace {

// Everything below is touched only from the job's worker thread.
struct Recorder {
    std::string databasePath;
    int64_t runId = 0;
    std::optional<ExperimentStore> store;
    std::optional<MetricBuffer> metrics;

    ExperimentStore &db()
    {
        if (!store) {
            store.emplace(databasePath);
            metrics.emplace(*store);
        }
        return *store;
    }
};

RunStatus toRunStatus(JobState state)
{
    switch (state) {
    case JobState::Running: return RunStatus::Running;
    case JobState::Paused: return RunStatus::Paused;
    case JobState::Completed: return RunStatus::Completed;
    case JobState::Failed: return RunStatus::Failed;
    case JobState::Cancelled: return RunStatus::Cancelled;
    case JobState::Idle: break;
    }
    return RunStatus::Created;
}

}  // namespace

JobCallbacks recordRun(const std::string &databasePath, int64_t runId, JobCallbacks downstream)
{
    auto rec = std::make_shared<Recorder>();
    rec->databasePath = databasePath;
    rec->runId = runId;

    JobCallbacks cb;
    cb.progress = downstream.progress;
    cb.metric = [rec, next = downstream.metric](const MetricPoint &point) {
        MetricPoint p = point;
        p.runId = rec->runId;
        rec->db();
        rec->metrics->add(p);
        if (next) next(p);
    };
    cb.event = [rec, next = downstream.event](EventLevel level, const std::string &text) {
        rec->db().addEvent(rec->runId, level, text);
        if (next) next(level, text);
    };
    cb.flushMetrics = [rec, next = downstream.flushMetrics] {
        rec->db();
        rec->metrics->flush();
        if (next) next();
    };
    cb.stateChanged = [rec, next = downstream.stateChanged](JobState state) {
        ExperimentStore &store = rec->db();
        if (state == JobState::Paused) rec->metrics->flush();  // the charts show everything up to the pause
        store.setRunStatus(rec->runId, toRunStatus(state));
        if (next) next(state);
    };
    cb.finished = [rec, next = downstream.finished](JobState state, const std::string &error) {
        // Metrics first: a run marked completed has all its points. A failure to flush is reported as the
        // run's error rather than lost.
        std::string message = error;
        try {
            rec->db();
            rec->metrics->flush();
        } catch (const std::exception &e) {
            if (message.empty()) message = std::string("could not store the last metrics: ") + e.what();
            state = JobState::Failed;
        }
        rec->db().setRunStatus(rec->runId, toRunStatus(state), message);
        if (!message.empty()) rec->db().addEvent(rec->runId, EventLevel::Error, message);
        rec->metrics.reset();
        rec->store.reset();  // close the connection on the thread that opened it
        if (next) next(state, message);
    };
    return cb;
}

}  // namespace danka::core
