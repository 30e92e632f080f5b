// MetricBuffer (see metric_buffer.h).
#include "core/store/metric_buffer.h"

#include "core/store/experiment_store.h"

namespace danka::core {

MetricBuffer::MetricBuffer(ExperimentStore &store, size_t batchSize, double maxDelaySeconds)
    : m_store(store), m_batchSize(batchSize > 0 ? batchSize : 1), m_maxDelaySeconds(maxDelaySeconds)
{
    m_pending.reserve(m_batchSize);
}

MetricBuffer::~MetricBuffer()
{
    try {
        flush();
    } catch (...) {
        // the store is gone or broken; the caller had its chance to flush() and see the error
    }
}

void MetricBuffer::add(MetricPoint point)
{
    const double now = nowSeconds();
    if (point.wallTime <= 0) point.wallTime = now;
    if (m_pending.empty()) m_oldestPending = now;
    m_pending.push_back(std::move(point));
    if (m_pending.size() >= m_batchSize || now - m_oldestPending >= m_maxDelaySeconds) flush();
}

void MetricBuffer::flush()
{
    if (m_pending.empty()) return;
    m_store.appendMetrics(m_pending);
    m_pending.clear();
    ++m_batches;
}

}  // namespace danka::core
