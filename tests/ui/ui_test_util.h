// Helpers shared by the studio tests: waiting on the event loop, measuring how long the GUI thread is kept
// waiting, and small real assets (datasets and checkpoints made with the engine, never mocked).
#pragma once

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <functional>
#include <string>

#include "core/config/run_config.h"
#include "core/data/prepare.h"
#include "core/checkpoint/model_init.h"
#include "core/store/workspace.h"
#include "tests/support/test_support.h"

namespace danka::test {

// Runs the event loop until `done` returns true or `timeoutMs` passes; returns done().
inline bool waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return done();
}

// A 5 ms timer on the GUI thread that records the longest gap between its ticks beyond the interval: how
// long the event loop was blocked.
class LatencyProbe : public QObject {
public:
    explicit LatencyProbe(QObject *parent = nullptr) : QObject(parent)
    {
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.elapsed();
            if (m_last >= 0 && now - m_last > m_worst) {
                m_worst = now - m_last;
                m_worstAt = m_last;
            }
            m_last = now;
            ++m_ticks;
        });
    }
    void start()
    {
        m_clock.start();
        m_last = -1;
        m_worst = 0;
        m_ticks = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    qint64 worstGapMs() const { return m_worst; }
    qint64 worstGapStartMs() const { return m_worstAt; }  // when the longest wait began, since start()
    qint64 elapsedMs() const { return m_clock.elapsed(); }
    int ticks() const { return m_ticks; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    qint64 m_worst = 0;
    qint64 m_worstAt = 0;
    int m_ticks = 0;
};

// A tiny model config (about 50k parameters) with the 2000-piece demo tokenizer's vocabulary.
inline core::RunConfig tinyRunConfig()
{
    core::RunConfig c;
    c.name = "tiny";
    c.model.vocabSize = 2000;
    c.model.hiddenSize = 32;
    c.model.nLayers = 2;
    c.model.nHeads = 4;
    c.model.ffnHiddenSize = 64;
    c.model.maxSeqLen = 64;
    c.data.seqLen = 32;
    c.data.microBatchSize = 4;
    c.schedule.maxSteps = 30;
    c.schedule.warmupSteps = 3;
    c.runtime.device = core::Device::Cpu;
    c.runtime.threads = 1;
    c.runtime.logEvery = 1;
    c.runtime.evalEvery = 10;
    c.runtime.evalBatches = 2;
    c.runtime.checkpointEvery = 0;
    c.runtime.sampleEvery = 0;
    return c;
}

// The demo pretraining corpus prepared with the demo tokenizer into `outDir` (dataset folder).
inline core::data::PrepareResult prepareDemoPretrain(const std::string &outDir)
{
    core::data::PrepareResult result;
    std::string error;
    const auto state = runJob(
        [&](core::JobContext &job) {
            core::data::PrepareOptions o;
            o.inputs = {demoFile("pretrain.jsonl")};
            o.tokenizerDir = demoTokenizerDir();
            o.outDir = outDir;
            o.valFraction = 0.05;
            o.threads = 1;
            result = core::data::prepareDataset(o, job);
        },
        &error);
    if (state != core::JobState::Completed) throw std::runtime_error("preparing the demo data failed: " + error);
    return result;
}

// A randomly initialised tiny checkpoint folder (model + demo tokenizer) in the workspace.
inline std::string makeTinyCheckpoint(const core::Workspace &ws, const std::string &outDir)
{
    core::ModelInitOptions o;
    o.config = tinyRunConfig();
    o.tokenizerDir = demoTokenizerDir();
    o.outDir = outDir;
    std::string error, dir;
    if (runJob([&](core::JobContext &job) { dir = core::initModel(ws, o, job).dir; }, &error) !=
        core::JobState::Completed)
        throw std::runtime_error("initialising the tiny model failed: " + error);
    return dir;
}

}  // namespace danka::test
