// Jobs: long work (training, data preparation, tokenizer training...) run on a worker thread with
// callbacks for progress (fraction, message, ETA), metrics and events; pause and cancel take effect at the
// next step boundary. Any exception thrown by the job ends it as failed with its message: exceptions never
// cross threads. The CLI prints progress bars from these callbacks; the studio subscribes to the same ones
// (they fire on the worker thread, so a GUI must hop to its own thread before touching widgets).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/store/records.h"

namespace danka::core {

enum class JobState { Idle, Running, Paused, Completed, Failed, Cancelled };
const char *jobStateName(JobState state);

struct JobProgress {
    double fraction = 0;         // [0, 1]
    std::string message;         // "step 120/600"
    double elapsedSeconds = 0;   // running time, pauses excluded
    double etaSeconds = -1;      // remaining time estimate; -1 while unknown
};

struct JobCallbacks {
    std::function<void(const JobProgress &)> progress;
    std::function<void(const MetricPoint &)> metric;  // runId is filled by the recorder, not the job
    std::function<void(EventLevel, const std::string &)> event;
    // Makes every metric reported so far durable (the run recorder commits its buffer): a job calls it
    // through JobContext::flushMetrics before it publishes a checkpoint.
    std::function<void()> flushMetrics;
    std::function<void(JobState)> stateChanged;       // Running, Paused, Running again...
    // Last call of a job: Completed, Failed (with the error message) or Cancelled.
    std::function<void(JobState, const std::string &error)> finished;
};

// Thrown by JobContext::checkpoint() when the job was cancelled; the runner turns it into Cancelled.
class JobCancelled : public std::exception {
public:
    const char *what() const noexcept override { return "cancelled"; }
};

class Job;

// What a running job sees of its runner. All calls are made from the worker thread.
class JobContext {
public:
    void setProgress(double fraction, const std::string &message);
    void metric(const std::string &name, int64_t step, double value);
    void event(EventLevel level, const std::string &text);
    // Every metric reported so far is stored when this returns (a checkpoint's metrics are durable no later
    // than the checkpoint itself). Throws what the store throws.
    void flushMetrics();
    bool cancelRequested() const;
    // A step boundary: blocks while the job is paused, throws JobCancelled when cancel was requested.
    void checkpoint();

private:
    friend class Job;
    explicit JobContext(Job &job) : m_job(job) {}
    Job &m_job;
};

class Job {
public:
    using Body = std::function<void(JobContext &)>;

    Job(std::string name, Body body, JobCallbacks callbacks = {});
    ~Job();  // requests cancel and waits for the worker: a Job never outlives its thread
    Job(const Job &) = delete;
    Job &operator=(const Job &) = delete;

    void start();   // once
    void pause();   // takes effect at the job's next checkpoint()
    void resume();
    void cancel();  // takes effect at the job's next checkpoint(); also ends a pause
    JobState wait();                       // until finished
    bool waitFor(double seconds);          // true when finished within the time

    const std::string &name() const { return m_name; }
    JobState state() const { return m_state.load(); }
    bool isFinished() const;
    std::string error() const;
    JobProgress lastProgress() const;

private:
    friend class JobContext;
    void run();
    void setState(JobState state);
    double activeSeconds() const;  // elapsed minus paused time

    std::string m_name;
    Body m_body;
    JobCallbacks m_callbacks;
    std::thread m_thread;
    std::atomic<JobState> m_state{JobState::Idle};
    std::atomic<bool> m_cancel{false};
    std::atomic<bool> m_pause{false};

    mutable std::mutex m_mutex;  // guards everything below
    std::condition_variable m_cv;
    bool m_finished = false;
    std::string m_error;
    JobProgress m_progress;
    double m_startTime = 0;
    double m_pausedSeconds = 0;
};

}  // namespace danka::core
