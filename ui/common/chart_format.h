// Number and axis-label formatting of MetricChart, free of Qt Charts: tick steps, duration / count labels,
// tooltip values and the CSV export text.
#pragma once

#include <QByteArray>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

namespace danka::ui::chart {

double niceStep(double rough);          // 1, 2 or 5 times a power of ten, at least `rough`
double niceDurationStep(double rough);  // durations that read well on an axis: seconds, minutes, hours, days
int decimalsFor(double step);           // decimals that tell ticks `step` apart
QString durationLabel(double t, double step);                 // "1h05m", "30s", "0.25s"
QString countLabel(double value, double step, double scale);  // "1.5M"
QString valueText(double v);                                  // a tooltip value, 6 significant digits
QString csvNumber(double v);                                  // shortest round-trip; nan / inf / -inf
QString csvField(const QString &text);  // quoted when it holds a comma, quote or line break

// The body of MetricChart::csvText (see metric_chart.h for the layout).
QByteArray csvText(const QString &xTitle, const QStringList &labels, const QVector<QVector<QPointF>> &series);

}  // namespace danka::ui::chart
