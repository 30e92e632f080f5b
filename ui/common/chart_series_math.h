// Series maths of MetricChart, free of Qt Charts: finite-point filtering, debiased EMA, min/max thinning,
// bounds and nearest-point lookup.
#pragma once

#include <QPointF>
#include <QVector>
#include <cmath>

namespace danka::ui::chart {

inline bool finitePoint(const QPointF &p)
{
    return std::isfinite(p.x()) && std::isfinite(p.y());
}

// One step of TensorBoard's debiased EMA: the running average starts at 0 and is divided by the weight all
// the zero-initialisation still carries (1 - w^n), so the first points are not pulled towards 0.
struct EmaState {
    double weight = 0;
    double last = 0;
    double power = 1;  // weight^n
    double next(double y)
    {
        last = last * weight + (1 - weight) * y;
        power *= weight;
        return last / (1 - power);
    }
};

// Streaming min/max thinning: consecutive points go into buckets of `m_bucketSize`; each bucket keeps its
// lowest and highest point, drawn in their original order, so a one-step spike survives any amount of
// thinning. When the buckets would draw more than `maxDrawnPoints` points the bucket size doubles and
// neighbours merge, which keeps appending O(1) amortised. The first and last points are always drawn so the
// line spans the whole x range.
class Thinner {
public:
    // The limit is the chart's (MetricChart::kMaxDrawnPoints), passed in so this stays free of the widget.
    explicit Thinner(int maxDrawnPoints) : m_maxDrawnPoints(maxDrawnPoints) {}

    void add(const QPointF &p);
    QVector<QPointF> points() const;

private:
    struct Bucket {
        QPointF low, high;
        qint64 lowIndex, highIndex;
        qint64 count;
    };

    int bucketLimit() const;
    void compact();

    int m_maxDrawnPoints;
    QVector<Bucket> m_buckets;
    qint64 m_bucketSize = 1;
    qint64 m_count = 0;
    QPointF m_first, m_last;
};

struct Bounds {
    double minX = 0, maxX = 0, minY = 0, maxY = 0;
    bool valid = false;
    void add(const QVector<QPointF> &points);
    void add(const Bounds &o);
};

// Index of the point nearest to x among those with a finite value (-1 when none). Bisects sorted series and
// walks outwards past non-finite values; scans unsorted ones.
int nearestIndex(const QVector<QPointF> &points, double x, bool sorted);

}  // namespace danka::ui::chart
