// The studio's side of a core::Job. The job's callbacks fire on its worker thread; they only append to a
// buffer under a mutex. A GUI-thread timer drains that buffer at a steady rate (30 Hz, the pattern of OBS's
// VolumeMeter) and emits ordinary signals, so however fast a job logs, the window repaints at its own pace
// and never waits on the worker. Every runner also reports to JobHub, which feeds the status bar.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <functional>
#include <memory>
#include <mutex>

#include "core/run/job.h"

class QTimer;

namespace danka::ui {

struct JobEvent {
    core::EventLevel level = core::EventLevel::Info;
    QString text;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    // Wraps the callbacks the runner passes to the job (for example core::recordRun, which records into a
    // run and forwards to the runner).
    using Wrapper = std::function<core::JobCallbacks(core::JobCallbacks)>;

    explicit JobRunner(QObject *parent = nullptr);
    ~JobRunner() override;  // cancels a running job and waits for its worker

    // Starts `body` as a job. Returns false (and starts nothing) while a previous job is still running.
    bool start(const QString &name, core::Job::Body body, const Wrapper &wrap = {});
    bool isRunning() const;      // started and not finished (paused counts as running)
    core::JobState state() const;
    QString name() const { return m_name; }
    core::JobProgress progress() const { return m_progress; }  // as of the last drain
    QString lastError() const { return m_error; }

    void pause();
    void resume();
    void cancel();
    // Blocks the caller until the job finished and its last signals were emitted (tests, shutdown).
    // Returns false on timeout.
    bool waitForFinished(int timeoutMs);

    static constexpr int kDrainIntervalMs = 33;

Q_SIGNALS:
    void progressChanged(double fraction, const QString &message, double etaSeconds);
    void metricsArrived(const QVector<danka::core::MetricPoint> &points);
    void eventArrived(int level, const QString &text);  // level: core::EventLevel
    void stateChanged(int state);                        // core::JobState (Running, Paused, Running...)
    void finished(int state, const QString &error);     // Completed, Failed or Cancelled

private:
    void drain();

    struct Shared;  // what the worker writes and the timer reads
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<core::Job> m_job;
    QTimer *m_timer;
    QString m_name;
    QString m_error;
    core::JobProgress m_progress;
};

// Where the status bar learns about every job of the studio: the one running, its progress and ETA.
class JobHub : public QObject {
    Q_OBJECT
public:
    static JobHub *instance();

Q_SIGNALS:
    void jobStarted(danka::ui::JobRunner *runner);
    void jobProgress(danka::ui::JobRunner *runner, double fraction, const QString &message, double etaSeconds);
    void jobFinished(danka::ui::JobRunner *runner, int state, const QString &error);
};

// core::formatDuration ("42s", "3m05s", "2h04m"), and "" for a negative (unknown) duration.
QString formatDuration(double seconds);
// A job's progress line: "message (3m05s left)", or the message alone while the ETA is unknown.
QString progressText(const QString &message, double etaSeconds);

}  // namespace danka::ui

Q_DECLARE_METATYPE(danka::core::MetricPoint)
