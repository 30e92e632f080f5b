// Job runner (see job.h).
#include "core/run/job.h"

#include <algorithm>
#include <chrono>

#include "core/util/translate.h"

namespace danka::core {

const char *jobStateName(JobState state)
{
    switch (state) {
    case JobState::Idle: return "idle";
    case JobState::Running: return "running";
    case JobState::Paused: return "paused";
    case JobState::Completed: return "completed";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
    }
    return "?";
}

namespace {

// What a stopped job leaves behind is marked "cancelled" (JobCancelled::what(), a checkpoint's reason, a
// run's status): registered so that the studio shows it translated.
const StoredMessage kCancelled = storedMessage("danka::core", "cancelled");

double monotonicSeconds()
{
    using namespace std::chrono;
    return duration_cast<duration<double>>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

// --- JobContext --------------------------------------------------------------------------------------------

void JobContext::setProgress(double fraction, const std::string &message)
{
    JobProgress p;
    p.fraction = std::clamp(fraction, 0.0, 1.0);
    p.message = message;
    p.elapsedSeconds = m_job.activeSeconds();
    // Remaining = elapsed x (1 - f) / f: a constant-rate estimate over the whole (unpaused) run so far.
    if (p.fraction > 0 && p.fraction < 1) p.etaSeconds = p.elapsedSeconds * (1 - p.fraction) / p.fraction;
    if (p.fraction >= 1) p.etaSeconds = 0;
    {
        std::lock_guard lock(m_job.m_mutex);
        m_job.m_progress = p;
    }
    if (m_job.m_callbacks.progress) m_job.m_callbacks.progress(p);
}

void JobContext::metric(const std::string &name, int64_t step, double value)
{
    if (m_job.m_callbacks.metric) m_job.m_callbacks.metric(MetricPoint{0, name, step, value, nowSeconds()});
}

void JobContext::event(EventLevel level, const std::string &text)
{
    if (m_job.m_callbacks.event) m_job.m_callbacks.event(level, text);
}

void JobContext::flushMetrics()
{
    if (m_job.m_callbacks.flushMetrics) m_job.m_callbacks.flushMetrics();
}

bool JobContext::cancelRequested() const
{
    return m_job.m_cancel.load();
}

void JobContext::checkpoint()
{
    if (m_job.m_cancel) throw JobCancelled();
    if (!m_job.m_pause) return;
    const double pausedAt = monotonicSeconds();
    m_job.setState(JobState::Paused);
    {
        std::unique_lock lock(m_job.m_mutex);
        m_job.m_cv.wait(lock, [this] { return !m_job.m_pause || m_job.m_cancel; });
        m_job.m_pausedSeconds += monotonicSeconds() - pausedAt;
    }
    if (m_job.m_cancel) throw JobCancelled();
    m_job.setState(JobState::Running);
}

// --- Job ---------------------------------------------------------------------------------------------------

Job::Job(std::string name, Body body, JobCallbacks callbacks)
    : m_name(std::move(name)), m_body(std::move(body)), m_callbacks(std::move(callbacks))
{
}

Job::~Job()
{
    if (m_thread.joinable()) {
        cancel();
        m_thread.join();
    }
}

void Job::start()
{
    if (m_thread.joinable() || m_state != JobState::Idle) return;
    m_state = JobState::Running;
    m_thread = std::thread([this] { run(); });
}

void Job::pause()
{
    m_pause = true;
}

void Job::resume()
{
    {
        std::lock_guard lock(m_mutex);
        m_pause = false;
    }
    m_cv.notify_all();
}

void Job::cancel()
{
    {
        std::lock_guard lock(m_mutex);
        m_cancel = true;
    }
    m_cv.notify_all();
}

JobState Job::wait()
{
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_finished || m_state == JobState::Idle; });
    return m_state;
}

bool Job::waitFor(double seconds)
{
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return m_finished; });
}

bool Job::isFinished() const
{
    std::lock_guard lock(m_mutex);
    return m_finished;
}

std::string Job::error() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

JobProgress Job::lastProgress() const
{
    std::lock_guard lock(m_mutex);
    return m_progress;
}

double Job::activeSeconds() const
{
    std::lock_guard lock(m_mutex);
    return monotonicSeconds() - m_startTime - m_pausedSeconds;
}

void Job::setState(JobState state)
{
    m_state = state;
    if (m_callbacks.stateChanged) m_callbacks.stateChanged(state);
}

void Job::run()
{
    {
        std::lock_guard lock(m_mutex);
        m_startTime = monotonicSeconds();
    }
    JobContext context(*this);
    JobState final = JobState::Completed;
    std::string error;
    try {
        setState(JobState::Running);
        m_body(context);
        if (m_cancel) final = JobState::Cancelled;  // the job saw the request and stopped by itself
    } catch (const JobCancelled &) {
        final = JobState::Cancelled;
    } catch (const std::exception &e) {
        final = JobState::Failed;
        error = *e.what() ? e.what() : "unknown error";
    } catch (...) {
        final = JobState::Failed;
        error = "unknown error (a non-standard exception)";
    }
    m_state = final;
    if (m_callbacks.finished) {
        try {
            m_callbacks.finished(final, error);
        } catch (const std::exception &e) {
            // The job itself is over; a failing finish handler (say, the store) must still be visible.
            if (error.empty()) error = std::string("while finishing: ") + e.what();
            m_state = final = JobState::Failed;
        } catch (...) {
            if (error.empty()) error = "while finishing: unknown error (a non-standard exception)";
            m_state = final = JobState::Failed;
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_error = error;
        m_finished = true;
    }
    m_cv.notify_all();
}

}  // namespace danka::core
