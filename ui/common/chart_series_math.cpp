// Series maths of MetricChart (see chart_series_math.h).
#include "ui/common/chart_series_math.h"

#include <algorithm>

namespace danka::ui::chart {

void Thinner::add(const QPointF &p)
{
    const qint64 index = m_count++;
    if (index == 0) m_first = p;
    m_last = p;
    if (m_buckets.isEmpty() || m_buckets.last().count == m_bucketSize) {
        while (m_buckets.size() >= bucketLimit())
            compact();
        if (m_buckets.isEmpty() || m_buckets.last().count == m_bucketSize) {
            m_buckets.append({p, p, index, index, 1});
            return;
        }
    }
    Bucket &b = m_buckets.last();
    if (p.y() < b.low.y()) {
        b.low = p;
        b.lowIndex = index;
    }
    if (p.y() > b.high.y()) {
        b.high = p;
        b.highIndex = index;
    }
    ++b.count;
}

QVector<QPointF> Thinner::points() const
{
    QVector<QPointF> out;
    if (m_count == 0) return out;
    out.reserve(2 * m_buckets.size() + 2);
    out.append(m_first);
    const qint64 lastIndex = m_count - 1;
    auto put = [&](const QPointF &p, qint64 index) {
        if (index != 0 && index != lastIndex) out.append(p);  // the ends are added apart
    };
    for (const Bucket &b : m_buckets) {
        if (b.lowIndex == b.highIndex) {
            put(b.low, b.lowIndex);
        } else if (b.lowIndex < b.highIndex) {
            put(b.low, b.lowIndex);
            put(b.high, b.highIndex);
        } else {
            put(b.high, b.highIndex);
            put(b.low, b.lowIndex);
        }
    }
    if (m_count > 1) out.append(m_last);
    return out;
}

// Buckets of one point draw one point each; larger ones up to two.
int Thinner::bucketLimit() const
{
    return m_bucketSize == 1 ? m_maxDrawnPoints : m_maxDrawnPoints / 2;
}

void Thinner::compact()
{
    m_bucketSize *= 2;
    QVector<Bucket> merged;
    merged.reserve(m_buckets.size() / 2 + 1);
    for (int i = 0; i < m_buckets.size(); i += 2) {
        Bucket b = m_buckets[i];
        if (i + 1 < m_buckets.size()) {
            const Bucket &n = m_buckets[i + 1];
            if (n.low.y() < b.low.y()) {
                b.low = n.low;
                b.lowIndex = n.lowIndex;
            }
            if (n.high.y() > b.high.y()) {
                b.high = n.high;
                b.highIndex = n.highIndex;
            }
            b.count += n.count;
        }
        merged.append(b);
    }
    m_buckets = std::move(merged);
}

void Bounds::add(const QVector<QPointF> &points)
{
    for (const QPointF &p : points) {
        if (!valid) {
            minX = maxX = p.x();
            minY = maxY = p.y();
            valid = true;
            continue;
        }
        minX = std::min(minX, p.x());
        maxX = std::max(maxX, p.x());
        minY = std::min(minY, p.y());
        maxY = std::max(maxY, p.y());
    }
}

void Bounds::add(const Bounds &o)
{
    if (!o.valid) return;
    if (!valid) {
        *this = o;
        return;
    }
    minX = std::min(minX, o.minX);
    maxX = std::max(maxX, o.maxX);
    minY = std::min(minY, o.minY);
    maxY = std::max(maxY, o.maxY);
}

int nearestIndex(const QVector<QPointF> &points, double x, bool sorted)
{
    int best = -1;
    double bestDistance = 0;
    auto consider = [&](int i) {
        if (i < 0 || i >= points.size() || !finitePoint(points[i])) return false;
        const double d = std::fabs(points[i].x() - x);
        if (best < 0 || d < bestDistance) {
            best = i;
            bestDistance = d;
        }
        return true;
    };
    if (!sorted) {
        for (int i = 0; i < points.size(); ++i)
            consider(i);
        return best;
    }
    const auto it = std::lower_bound(points.begin(), points.end(), x,
                                     [](const QPointF &p, double value) { return p.x() < value; });
    const int split = static_cast<int>(it - points.begin());
    for (int i = split; i < points.size() && !consider(i); ++i) {
    }
    for (int i = split - 1; i >= 0 && !consider(i); --i) {
    }
    return best;
}

}  // namespace danka::ui::chart
