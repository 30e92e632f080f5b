// Batches metric points and writes each batch to the store in one transaction: one commit per hundreds of
// points instead of one per point (a training loop logs several metrics every step).
#pragma once

#include <cstddef>
#include <vector>

#include "core/store/records.h"

namespace danka::core {

class ExperimentStore;

class MetricBuffer {
public:
    // Flushes when `batchSize` points are pending or the oldest pending point is `maxDelaySeconds` old.
    explicit MetricBuffer(ExperimentStore &store, size_t batchSize = 256, double maxDelaySeconds = 2.0);
    ~MetricBuffer();  // flushes what is pending (errors are swallowed: a destructor must not throw)
    MetricBuffer(const MetricBuffer &) = delete;
    MetricBuffer &operator=(const MetricBuffer &) = delete;

    void add(MetricPoint point);
    void flush();
    size_t pending() const { return m_pending.size(); }
    size_t flushedBatches() const { return m_batches; }

private:
    ExperimentStore &m_store;
    size_t m_batchSize;
    double m_maxDelaySeconds;
    double m_oldestPending = 0;
    size_t m_batches = 0;
    std::vector<MetricPoint> m_pending;
};

}  // namespace danka::core
