// Number and axis-label formatting of the charts, free of Qt Charts: round ticks ("nice numbers": 1-2-5
// steps, decades on a log axis), duration / count labels, tooltip values and the CSV export text.
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

// The multiples of `step` in [lo, hi] (exact multiples: k * step, -0 written as 0).
QVector<double> ticksWithStep(double lo, double hi, double step);
// Round ticks over [lo, hi]: the multiples of a 1-2-5 step inside the range, about `target` of them. The
// step is niceStep((hi - lo) / target), made smaller (5 -> 2 -> 1 -> 0.5...) while fewer than two ticks
// fall inside, but never below `minStep` (1 for steps and token counts; 0: no bound). `stepOut` gets it.
QVector<double> niceTicks(double lo, double hi, int target, double minStep = 0, double *stepOut = nullptr);
// The same with duration steps (niceDurationStep: 1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m...).
QVector<double> durationTicks(double lo, double hi, int target, double *stepOut = nullptr);
// Ticks of a logarithmic axis over [lo, hi] (0 < lo < hi): the powers of ten inside (every k-th when there
// are more than `target`); while fewer than two, 2 and 5 times each power of ten join them, then every
// integer multiple of each power of ten; a range narrower still gets round linear ticks (niceTicks).
QVector<double> logTicks(double lo, double hi, int target);
// Labels of value ticks: fixed decimals enough to tell neighbours `step` apart ("0.0015", "2.5", "400"), or
// %g for tiny or huge values ("2e+07"), with more digits (or written out when whole) where three digits
// would not tell neighbours apart.
QStringList valueTickLabels(const QVector<double> &ticks, double step);
// Labels of log-axis ticks: plain decimals from 0.0001 to a million ("0.001", "20", "5"), %g beyond
// ("1e-06", "2e+08").
QStringList logTickLabels(const QVector<double> &ticks);
QString durationLabel(double t, double step);                 // "1h05m", "30s", "0.25s"
QString countLabel(double value, double step, double scale);  // "1.5M"
QString valueText(double v);                                  // a tooltip value, 6 significant digits
QString csvNumber(double v);                                  // shortest round-trip; nan / inf / -inf
QString csvField(const QString &text);  // quoted when it holds a comma, quote or line break

// The body of MetricChart::csvText (see metric_chart.h for the layout).
QByteArray csvText(const QString &xTitle, const QStringList &labels, const QVector<QVector<QPointF>> &series);

}  // namespace danka::ui::chart
