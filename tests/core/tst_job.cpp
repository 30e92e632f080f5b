// The job runner: progress, metrics, events, failure, cancel, pause/resume, and the run recorder that
// mirrors all of it into the experiment store.
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/util/error.h"
#include "core/run/job.h"
#include "core/run/run_recorder.h"
#include "core/store/experiment_store.h"

using namespace danka::core;

namespace {

// Collects callbacks from the worker thread.
struct Recorded {
    std::mutex mutex;
    std::vector<JobProgress> progress;
    std::vector<MetricPoint> metrics;
    std::vector<std::string> events;
    std::vector<JobState> states;
    JobState finalState = JobState::Idle;
    std::string finalError;
    std::thread::id callbackThread;

    JobCallbacks callbacks()
    {
        JobCallbacks cb;
        cb.progress = [this](const JobProgress &p) {
            std::lock_guard lock(mutex);
            progress.push_back(p);
            callbackThread = std::this_thread::get_id();
        };
        cb.metric = [this](const MetricPoint &p) {
            std::lock_guard lock(mutex);
            metrics.push_back(p);
        };
        cb.event = [this](EventLevel, const std::string &text) {
            std::lock_guard lock(mutex);
            events.push_back(text);
        };
        cb.stateChanged = [this](JobState s) {
            std::lock_guard lock(mutex);
            states.push_back(s);
        };
        cb.finished = [this](JobState s, const std::string &error) {
            std::lock_guard lock(mutex);
            finalState = s;
            finalError = error;
        };
        return cb;
    }
};

void sleepMs(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Polls `condition` for up to five seconds.
template <typename F>
bool eventually(F condition)
{
    for (int i = 0; i < 500; ++i) {
        if (condition()) return true;
        sleepMs(10);
    }
    return condition();
}

}  // namespace

class TestJob : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void progressMetricsEventsAndCompletion()
    {
        Recorded rec;
        Job job("count", [](JobContext &ctx) {
            for (int step = 1; step <= 10; ++step) {
                ctx.checkpoint();
                ctx.metric("loss", step, 10.0 / step);
                ctx.setProgress(step / 10.0, "step " + std::to_string(step) + "/10");
            }
            ctx.event(EventLevel::Info, "all done");
        }, rec.callbacks());
        QCOMPARE(job.state(), JobState::Idle);
        job.start();
        QCOMPARE(job.wait(), JobState::Completed);
        QCOMPARE(rec.finalState, JobState::Completed);
        QVERIFY(rec.finalError.empty());
        QCOMPARE(rec.progress.size(), size_t(10));
        QCOMPARE(rec.progress[4].fraction, 0.5);
        QCOMPARE(rec.progress[4].message, std::string("step 5/10"));
        QVERIFY(rec.progress[4].etaSeconds >= 0);  // known once there is progress
        QCOMPARE(rec.progress.back().etaSeconds, 0.0);
        QVERIFY(rec.callbackThread != std::this_thread::get_id());  // callbacks fire on the worker
        QCOMPARE(rec.metrics.size(), size_t(10));
        QCOMPARE(rec.metrics[3].step, int64_t(4));
        QCOMPARE(rec.metrics[3].value, 2.5);
        QCOMPARE(rec.events, std::vector<std::string>{"all done"});
        QCOMPARE(rec.states, std::vector<JobState>{JobState::Running});
        QCOMPARE(job.lastProgress().fraction, 1.0);
    }

    void exceptionEndsTheJobAsFailedWithItsMessage()
    {
        Recorded rec;
        Job job("fails", [](JobContext &ctx) {
            ctx.setProgress(0.3, "step 3");
            throw Error("data.bin: truncated shard at byte 1024");
        }, rec.callbacks());
        job.start();
        QCOMPARE(job.wait(), JobState::Failed);
        QCOMPARE(job.error(), std::string("data.bin: truncated shard at byte 1024"));
        QCOMPARE(rec.finalError, job.error());

        Job odd("throws an int", [](JobContext &) { throw 42; });
        odd.start();
        QCOMPARE(odd.wait(), JobState::Failed);
        QVERIFY(odd.error().find("unknown error") == 0);

        // A job that succeeded but whose finish handler throws something that is not a std::exception:
        // failed, and the message says why (it was empty).
        JobCallbacks throwing;
        throwing.finished = [](JobState, const std::string &) { throw 7; };
        Job finishing("finish handler throws", [](JobContext &) {}, throwing);
        finishing.start();
        QCOMPARE(finishing.wait(), JobState::Failed);
        QCOMPARE(finishing.error(), std::string("while finishing: unknown error (a non-standard exception)"));
    }

    void flushMetricsReachesTheRecorder()
    {
        // Metrics flushed by the job are in the store before the job ends: the trainer does this before it
        // publishes a checkpoint. The buffer would otherwise hold them (fewer than its batch, younger than 2 s).
        QTemporaryDir dir;
        const std::string db = dir.filePath(QStringLiteral("danka.sqlite")).toStdString();
        int64_t run = 0;
        {
            ExperimentStore store(db);
            run = store.createRun("flush", "pretrain", "{}");
        }
        std::atomic<int> seen{-1};
        Job job("flush", [&](JobContext &ctx) {
            for (int step = 1; step <= 5; ++step) ctx.metric("train/loss", step, 1.0 / step);
            ctx.flushMetrics();
            ExperimentStore reader(db);
            seen = static_cast<int>(reader.series(run, "train/loss").size());
        }, recordRun(db, run));
        job.start();
        QCOMPARE(job.wait(), JobState::Completed);
        QCOMPARE(seen.load(), 5);
    }

    void cancelStopsAtTheNextCheckpoint()
    {
        Recorded rec;
        std::atomic<int> steps{0};
        Job job("long", [&steps](JobContext &ctx) {
            for (;;) {
                ctx.checkpoint();
                ++steps;
                sleepMs(2);
            }
        }, rec.callbacks());
        job.start();
        QVERIFY(eventually([&] { return steps > 5; }));
        job.cancel();
        QCOMPARE(job.wait(), JobState::Cancelled);
        const int stopped = steps;
        sleepMs(30);
        QCOMPARE(steps.load(), stopped);
        QCOMPARE(rec.finalState, JobState::Cancelled);
        QVERIFY(job.error().empty());
    }

    void aJobThatSeesTheRequestAndReturnsIsCancelled()
    {
        Job job("polite", [](JobContext &ctx) {
            while (!ctx.cancelRequested()) sleepMs(1);
            // a trainer would write a resumable checkpoint here, then return
        });
        job.start();
        sleepMs(10);
        job.cancel();
        QCOMPARE(job.wait(), JobState::Cancelled);
    }

    void pauseHoldsAtTheNextCheckpointAndResumeContinues()
    {
        Recorded rec;
        std::atomic<int> steps{0};
        Job job("pausable", [&steps](JobContext &ctx) {
            for (;;) {
                ctx.checkpoint();
                ++steps;
                sleepMs(1);
            }
        }, rec.callbacks());
        job.start();
        QVERIFY(eventually([&] { return steps > 3; }));
        job.pause();
        QVERIFY(eventually([&] { return job.state() == JobState::Paused; }));
        const int held = steps;
        sleepMs(50);
        QCOMPARE(steps.load(), held);  // no step while paused
        job.resume();
        QVERIFY(eventually([&] { return steps > held + 3; }));
        QCOMPARE(job.state(), JobState::Running);
        job.pause();
        QVERIFY(eventually([&] { return job.state() == JobState::Paused; }));
        job.cancel();  // cancel also ends a pause
        QCOMPARE(job.wait(), JobState::Cancelled);
        std::lock_guard lock(rec.mutex);
        QCOMPARE(rec.states, (std::vector<JobState>{JobState::Running, JobState::Paused, JobState::Running,
                                                    JobState::Paused}));
    }

    void destroyingARunningJobCancelsAndJoins()
    {
        std::atomic<bool> sawCancel{false};
        {
            Job job("abandoned", [&sawCancel](JobContext &ctx) {
                try {
                    for (;;) {
                        ctx.checkpoint();
                        sleepMs(1);
                    }
                } catch (const JobCancelled &) {
                    sawCancel = true;
                    throw;
                }
            });
            job.start();
            sleepMs(10);
        }
        QVERIFY(sawCancel);
    }

    void recorderMirrorsTheJobIntoTheStore()
    {
        QTemporaryDir dir;
        const std::string db = dir.filePath(QStringLiteral("danka.sqlite")).toStdString();
        ExperimentStore store(db);
        const int64_t runId = store.createRun("recorded", "pretrain");
        Recorded downstream;
        std::atomic<bool> release{false};
        Job job("recorded", [&release](JobContext &ctx) {
            for (int step = 0; step < 600; ++step) ctx.metric("loss", step, 1.0 / (step + 1));
            ctx.event(EventLevel::Warning, "loss spike at step 7 skipped");
            while (!release) {
                ctx.checkpoint();
                sleepMs(1);
            }
        }, recordRun(db, runId, downstream.callbacks()));
        job.start();
        QVERIFY(eventually([&] { return store.run(runId)->status == RunStatus::Running; }));
        job.pause();
        QVERIFY(eventually([&] { return store.run(runId)->status == RunStatus::Paused; }));
        QCOMPARE(store.metricCount(runId), int64_t(600));  // flushed when paused
        job.resume();
        release = true;
        QCOMPARE(job.wait(), JobState::Completed);

        const auto run = store.run(runId);
        QCOMPARE(run->status, RunStatus::Completed);
        QVERIFY(run->startedAt && run->finishedAt);
        QCOMPARE(store.metricCount(runId), int64_t(600));
        QCOMPARE(store.series(runId, "loss")[9].value, 0.1);
        QCOMPARE(store.events(runId).back().text, std::string("loss spike at step 7 skipped"));
        QCOMPARE(downstream.metrics.size(), size_t(600));  // forwarded too, with the run id filled in
        QCOMPARE(downstream.metrics[0].runId, runId);
    }

    void recorderStoresTheFailure()
    {
        QTemporaryDir dir;
        const std::string db = dir.filePath(QStringLiteral("danka.sqlite")).toStdString();
        ExperimentStore store(db);
        const int64_t failing = store.createRun("failing", "pretrain");
        Job job("failing", [](JobContext &ctx) {
            ctx.metric("loss", 1, 5.0);
            throw Error("out of memory: try a smaller micro_batch_size");
        }, recordRun(db, failing));
        job.start();
        QCOMPARE(job.wait(), JobState::Failed);
        const auto run = store.run(failing);
        QCOMPARE(run->status, RunStatus::Failed);
        QCOMPARE(run->error, std::string("out of memory: try a smaller micro_batch_size"));
        QCOMPARE(store.metricCount(failing), int64_t(1));  // what was logged before the failure is kept
        QCOMPARE(store.events(failing).back().level, EventLevel::Error);

        const int64_t cancelled = store.createRun("cancelled", "pretrain");
        Job stop("cancelled", [](JobContext &ctx) {
            for (;;) {
                ctx.checkpoint();
                sleepMs(1);
            }
        }, recordRun(db, cancelled));
        stop.start();
        sleepMs(10);
        stop.cancel();
        QCOMPARE(stop.wait(), JobState::Cancelled);
        QCOMPARE(store.run(cancelled)->status, RunStatus::Cancelled);
    }

    void recorderWithABrokenStoreFailsTheJobInsteadOfCrashing()
    {
        Job job("no store", [](JobContext &ctx) { ctx.metric("loss", 1, 1.0); },
                recordRun("/nonexistent/dir/danka.sqlite", 1));
        job.start();
        QCOMPARE(job.wait(), JobState::Failed);
        QVERIFY2(job.error().find("/nonexistent/dir/danka.sqlite") != std::string::npos, job.error().c_str());
    }
};

QTEST_GUILESS_MAIN(TestJob)
#include "tst_job.moc"
