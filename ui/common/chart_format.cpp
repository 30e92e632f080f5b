// Number and axis-label formatting of MetricChart (see chart_format.h).
#include "ui/common/chart_format.h"

#include <QLocale>
#include <algorithm>
#include <cmath>
#include <vector>

namespace danka::ui::chart {

namespace {
// The ladder of niceDurationStep, in seconds.
const double kDurationSteps[] = {1,   2,    5,    10,   15,    30,    60,    120,   300,   600,
                                 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800};
}  // namespace

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
    for (double s : kDurationSteps)
        if (s >= rough) return s;
    return niceStep(rough / 86400) * 86400;
}

int decimalsFor(double step)
{
    return step >= 1 ? 0 : std::min(12, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

namespace {

// The 1-2-5 step below `step` (5 -> 2 -> 1 -> 0.5...).
double smallerNiceStep(double step)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double m = step / magnitude;
    if (m > 4.5) return 2 * magnitude;
    if (m > 1.5) return magnitude;
    return 0.5 * magnitude;
}

// The duration step below `step` on the ladder of niceDurationStep.
double smallerDurationStep(double step)
{
    if (step <= 1) return smallerNiceStep(step);
    double below = 0.5;
    for (double s : kDurationSteps)
        if (s < step * (1 - 1e-9)) below = s;
    return below;
}

// m x 10^e written so that decimal ticks come out exact (0.3, not 0.30000000000000004).
double scaled(double m, int e)
{
    return e >= 0 ? m * std::pow(10.0, e) : m / std::pow(10.0, -e);
}

constexpr int kMaxTicks = 200;

}  // namespace

QVector<double> ticksWithStep(double lo, double hi, double step)
{
    QVector<double> ticks;
    if (!(step > 0) || !std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return ticks;
    // step = m x 10^e with a whole m where it can be (1-2-5 steps and whole durations), for exact multiples.
    int e = static_cast<int>(std::floor(std::log10(step) + 1e-9));
    double m = std::round(step / std::pow(10.0, e) * 1000) / 1000;
    while (m != std::round(m) && e > -300) {
        m *= 10;
        --e;
    }
    const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
    if (last - first >= kMaxTicks) return ticks;
    for (double k = first; k <= last; ++k) {
        const double v = scaled(k * m, e);
        ticks.append(v == 0 ? 0.0 : v);  // no "-0"
    }
    return ticks;
}

QVector<double> niceTicks(double lo, double hi, int target, double minStep, double *stepOut)
{
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {};
    double step = std::max(niceStep((hi - lo) / std::max(target, 1)), minStep);
    QVector<double> ticks = ticksWithStep(lo, hi, step);
    for (int i = 0; ticks.size() < 2 && i < 60; ++i) {
        const double smaller = smallerNiceStep(step);
        if (minStep > 0 && smaller < minStep * (1 - 1e-9)) break;
        step = smaller;
        ticks = ticksWithStep(lo, hi, step);
    }
    if (stepOut) *stepOut = step;
    return ticks;
}

QVector<double> durationTicks(double lo, double hi, int target, double *stepOut)
{
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {};
    double step = niceDurationStep((hi - lo) / std::max(target, 1));
    QVector<double> ticks = ticksWithStep(lo, hi, step);
    for (int i = 0; ticks.size() < 2 && i < 60; ++i) {
        step = smallerDurationStep(step);
        ticks = ticksWithStep(lo, hi, step);
    }
    if (stepOut) *stepOut = step;
    return ticks;
}

QVector<double> logTicks(double lo, double hi, int target)
{
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return {};
    const int e0 = static_cast<int>(std::floor(std::log10(lo))) - 1;
    const int e1 = static_cast<int>(std::ceil(std::log10(hi))) + 1;
    auto inRange = [&](double v) { return v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12); };
    auto withMantissas = [&](std::initializer_list<int> mantissas) {
        QVector<double> ticks;
        for (int e = e0; e <= e1; ++e)
            for (int m : mantissas) {
                const double v = scaled(m, e);
                if (inRange(v)) ticks.append(v);
            }
        return ticks;
    };
    QVector<double> decades = withMantissas({1});
    if (decades.size() >= 2) {
        // Many decades: every k-th power of ten (the exponents divisible by k), still at least two.
        const int count = static_cast<int>(decades.size());
        for (int k = (count + std::max(target, 2) - 1) / std::max(target, 2); k > 1; --k) {
            QVector<double> every;
            for (double v : decades)
                if (static_cast<int>(std::lround(std::log10(v))) % k == 0) every.append(v);
            if (every.size() >= 2) return every;
        }
        return decades;
    }
    QVector<double> ticks = withMantissas({1, 2, 5});
    if (ticks.size() >= 2) return ticks;
    ticks = withMantissas({1, 2, 3, 4, 5, 6, 7, 8, 9});
    if (ticks.size() >= 2) return ticks;
    return niceTicks(lo, hi, target);
}

namespace {

// %g labels with the fewest significant digits (from `digits` on) that keep every label distinct.
QStringList distinctGeneralLabels(const QVector<double> &ticks, int digits)
{
    QStringList labels;
    for (int p = digits; p <= 17; ++p) {
        labels.clear();
        for (double v : ticks)
            labels << QString::number(v, 'g', p);
        QStringList unique = labels;
        if (unique.removeDuplicates() == 0) break;
    }
    return labels;
}

}  // namespace

QStringList valueTickLabels(const QVector<double> &ticks, double step)
{
    double magnitude = 0;
    for (double v : ticks)
        magnitude = std::max(magnitude, std::fabs(v));
    auto fixed = [&](int decimals) {
        QStringList labels;
        for (double v : ticks)
            labels << QString::number(v, 'f', decimals);
        return labels;
    };
    if (step >= 1e-4 && magnitude < 1e6) return fixed(decimalsFor(step));
    QStringList general;
    for (double v : ticks)
        general << QString::number(v, 'g', 3);
    QStringList unique = general;
    if (unique.removeDuplicates() == 0) return general;
    // Whole numbers that three digits cannot tell apart (1000000, 1000500...): written out.
    if (step >= 1 && magnitude < 1e12) return fixed(0);
    return distinctGeneralLabels(ticks, 4);
}

QStringList logTickLabels(const QVector<double> &ticks)
{
    // Plain decimals between 0.0001 and a million ("0.02", "5", "300"), exponents beyond ("1e-06", "2e+08").
    for (double v : ticks)
        if (std::fabs(v) < 1e-4 || std::fabs(v) >= 1e6) return distinctGeneralLabels(ticks, 1);
    QStringList labels;
    for (double v : ticks) {
        QString text = QString::number(v, 'f', 6);
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.'))) text.chop(1);
        labels << text;
    }
    return labels;
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
