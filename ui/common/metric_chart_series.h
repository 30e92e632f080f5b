// MetricChart's state of one series (private to metric_chart*.cpp): the raw points as given, the kept and
// smoothed points with their thinning, the bounds of what is drawn and the Qt Charts lines that draw it.
#pragma once

#include <QColor>
#include <QLineSeries>
#include <QPointF>
#include <QString>
#include <QVector>

#include "ui/common/chart_series_math.h"
#include "ui/common/metric_chart.h"

namespace danka::ui {

struct MetricChart::Series {
    QString key;
    QString label;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QVector<QPointF> raw;                     // as given
    bool rawSorted = true;                    // x non-decreasing, so hover lookups can bisect
    QVector<QPointF> smoothed;                // EMA of the kept points (smoothing on only)
    chart::Thinner rawThin{kMaxDrawnPoints};  // kept points: finite, and positive on a log axis
    chart::Thinner smoothThin{kMaxDrawnPoints};
    chart::EmaState ema;
    chart::Bounds bounds;          // of what is drawn, as of the last flush
    QLineSeries *line = nullptr;   // smoothed (or raw when smoothing is off)
    QLineSeries *faint = nullptr;  // the raw curve under the smoothed one
    bool dirty = true;
};

}  // namespace danka::ui
