// Job runner of the studio (see job_runner.h).
#include "ui/common/job_runner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QTimer>
#include <cmath>

#include "core/util/text_util.h"
#include "ui/i18n.h"

namespace danka::ui {

struct JobRunner::Shared {
    std::mutex mutex;
    bool hasProgress = false;
    core::JobProgress progress;
    QVector<core::MetricPoint> metrics;
    QVector<JobEvent> events;
    QVector<core::JobState> states;
    bool finished = false;
    core::JobState finalState = core::JobState::Idle;
    std::string error;
};

JobRunner::JobRunner(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setInterval(kDrainIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &JobRunner::drain);
}

JobRunner::~JobRunner()
{
    const bool running = isRunning();
    m_job.reset();  // core::Job's destructor cancels and joins
    // Whoever tracks running jobs (the status bar) must not keep a pointer to this runner.
    if (running) Q_EMIT JobHub::instance()->jobFinished(this, static_cast<int>(core::JobState::Cancelled), QString());
}

bool JobRunner::start(const QString &name, core::Job::Body body, const Wrapper &wrap)
{
    if (isRunning()) return false;
    m_job.reset();
    m_shared = std::make_shared<Shared>();
    m_name = name;
    m_error.clear();
    m_progress = core::JobProgress();

    // The callbacks hold the shared buffer, not the runner: they may outlive neither, but never touch a
    // QObject from the worker.
    std::shared_ptr<Shared> s = m_shared;
    core::JobCallbacks cb;
    cb.progress = [s](const core::JobProgress &p) {
        std::lock_guard lock(s->mutex);
        s->progress = p;
        s->hasProgress = true;
    };
    cb.metric = [s](const core::MetricPoint &p) {
        std::lock_guard lock(s->mutex);
        s->metrics.push_back(p);
    };
    cb.event = [s](core::EventLevel level, const std::string &text) {
        std::lock_guard lock(s->mutex);
        s->events.push_back({level, QString::fromStdString(text)});
    };
    cb.stateChanged = [s](core::JobState state) {
        std::lock_guard lock(s->mutex);
        s->states.push_back(state);
    };
    cb.finished = [s](core::JobState state, const std::string &error) {
        std::lock_guard lock(s->mutex);
        s->finished = true;
        s->finalState = state;
        s->error = error;
    };
    m_job = std::make_unique<core::Job>(name.toStdString(), std::move(body), wrap ? wrap(cb) : cb);
    m_job->start();
    m_timer->start();
    Q_EMIT JobHub::instance()->jobStarted(this);
    return true;
}

bool JobRunner::isRunning() const
{
    return m_job && m_timer->isActive();
}

core::JobState JobRunner::state() const
{
    return m_job ? m_job->state() : core::JobState::Idle;
}

void JobRunner::pause()
{
    if (m_job) m_job->pause();
}

void JobRunner::resume()
{
    if (m_job) m_job->resume();
}

void JobRunner::cancel()
{
    if (m_job) m_job->cancel();
}

bool JobRunner::waitForFinished(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (isRunning()) {
        if (t.elapsed() > timeoutMs) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
        drain();
    }
    return true;
}

void JobRunner::drain()
{
    if (!m_shared) return;
    bool hasProgress = false, done = false;
    core::JobProgress progress;
    QVector<core::MetricPoint> metrics;
    QVector<JobEvent> events;
    QVector<core::JobState> states;
    core::JobState finalState = core::JobState::Idle;
    std::string error;
    {
        std::lock_guard lock(m_shared->mutex);
        hasProgress = m_shared->hasProgress;
        m_shared->hasProgress = false;
        progress = m_shared->progress;
        metrics.swap(m_shared->metrics);
        events.swap(m_shared->events);
        states.swap(m_shared->states);
        done = m_shared->finished;
        finalState = m_shared->finalState;
        error = m_shared->error;
    }
    if (hasProgress) {
        m_progress = progress;
        const QString message = storedText(progress.message);  // core writes it in English
        Q_EMIT progressChanged(progress.fraction, message, progress.etaSeconds);
        Q_EMIT JobHub::instance()->jobProgress(this, progress.fraction, message, progress.etaSeconds);
    }
    if (!metrics.isEmpty()) Q_EMIT metricsArrived(metrics);
    for (const JobEvent &e : events) Q_EMIT eventArrived(static_cast<int>(e.level), e.text);
    for (core::JobState s : states) Q_EMIT stateChanged(static_cast<int>(s));
    if (done) {
        m_timer->stop();
        m_job->wait();  // the worker is past its last callback: joining is immediate
        m_error = storedText(error);  // core's English, in the interface language
        Q_EMIT finished(static_cast<int>(finalState), m_error);
        Q_EMIT JobHub::instance()->jobFinished(this, static_cast<int>(finalState), m_error);
    }
}

JobHub *JobHub::instance()
{
    static JobHub *hub = [] {
        auto *h = new JobHub;
        h->setParent(QCoreApplication::instance());
        return h;
    }();
    return hub;
}

QString formatDuration(double seconds)
{
    return seconds < 0 ? QString() : QString::fromStdString(core::formatDuration(seconds));
}

QString progressText(const QString &message, double etaSeconds)
{
    const QString eta = formatDuration(etaSeconds);
    return eta.isEmpty() ? message : QCoreApplication::translate("danka::ui", "%1 (%2 left)").arg(message, eta);
}

}  // namespace danka::ui
