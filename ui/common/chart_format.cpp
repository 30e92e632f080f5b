// Number and axis-label formatting of MetricChart (see chart_format.h).
#include "ui/common/chart_format.h"

#include <QLocale>
#include <algorithm>
#include <cmath>
#include <vector>

namespace danka::ui::chart {

// 1, 2 or 5 times a power of ten, at least `rough`.
double niceStep(double rough)
{
    if (!(rough > 0)) return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= rough * (1 - 1e-9)) return m * magnitude;
    return 10 * magnitude;
}

// Durations that read well on an axis: seconds, minutes, hours, days.
double niceDurationStep(double rough)
{
    if (rough < 1) return niceStep(rough);
    static const double steps[] = {1,   2,    5,    10,   15,    30,    60,    120,   300,   600,
                                   900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800};
    for (double s : steps)
        if (s >= rough) return s;
    return niceStep(rough / 86400) * 86400;
}

int decimalsFor(double step)
{
    return step >= 1 ? 0 : std::min(12, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

QString durationLabel(double t, double step)
{
    if (step < 1) return QStringLiteral("%1s").arg(t, 0, 'f', decimalsFor(step));
    const qint64 total = std::llround(t);
    const qint64 sign = total < 0 ? -1 : 1;
    const qint64 a = total * sign;
    const qint64 h = a / 3600, m = (a % 3600) / 60, s = a % 60;
    QString text;
    if (h > 0)
        text = s != 0 ? QString::asprintf("%lldh%02lldm%02llds", h, m, s)
                      : (m != 0 ? QString::asprintf("%lldh%02lldm", h, m) : QString::asprintf("%lldh", h));
    else if (m > 0)
        text = s != 0 ? QString::asprintf("%lldm%02llds", m, s) : QString::asprintf("%lldm", m);
    else
        text = QString::asprintf("%llds", s);
    return sign < 0 ? QString(QLatin1Char('-') + text) : text;
}

// "1.5M" with as many decimals as the tick step needs to tell neighbours apart.
QString countLabel(double value, double step, double scale)
{
    double unit = 1;
    QString suffix;
    if (scale >= 1e9) {
        unit = 1e9;
        suffix = QStringLiteral("B");
    } else if (scale >= 1e6) {
        unit = 1e6;
        suffix = QStringLiteral("M");
    } else if (scale >= 1e3) {
        unit = 1e3;
        suffix = QStringLiteral("K");
    }
    return QString::number(value / unit, 'f', decimalsFor(step / unit)) + suffix;
}

QString valueText(double v)
{
    return QString::number(v, 'g', 6);
}

QString csvNumber(double v)
{
    if (std::isnan(v)) return QStringLiteral("nan");
    if (std::isinf(v)) return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString csvField(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QByteArray csvText(const QString &xTitle, const QStringList &labels, const QVector<QVector<QPointF>> &series)
{
    QString text = csvField(xTitle);
    for (const QString &label : labels)
        text += QLatin1Char(',') + csvField(label);
    text += QLatin1Char('\n');

    // Each series ordered by x (stable, so repeated x keep their order), walked in step over the distinct xs.
    QVector<QVector<QPointF>> sorted;
    std::vector<double> xs;
    for (const QVector<QPointF> &points : series) {
        QVector<QPointF> s;
        for (const QPointF &p : points)
            if (std::isfinite(p.x())) s.append(p);
        std::stable_sort(s.begin(), s.end(),
                         [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
        for (const QPointF &p : s)
            xs.push_back(p.x());
        sorted.append(s);
    }
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    QVector<int> next(sorted.size(), 0);
    for (double x : xs) {
        QVector<QVector<double>> at(sorted.size());
        int rows = 0;
        for (int c = 0; c < sorted.size(); ++c) {
            while (next[c] < sorted[c].size() && sorted[c][next[c]].x() == x)
                at[c].append(sorted[c][next[c]++].y());
            rows = std::max(rows, static_cast<int>(at[c].size()));
        }
        for (int r = 0; r < rows; ++r) {
            text += csvNumber(x);
            for (int c = 0; c < sorted.size(); ++c) {
                text += QLatin1Char(',');
                if (r < at[c].size()) text += csvNumber(at[c][r]);
            }
            text += QLatin1Char('\n');
        }
    }
    return text.toUtf8();
}

}  // namespace danka::ui::chart
