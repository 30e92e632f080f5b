// MetricChart's axes (see metric_chart.h): the x and y ranges of what is drawn, round ticks for them
// (chart_format.h) as the labels of Qt Charts category axes, and x values formatted as the axis shows them.
#include <QCategoryAxis>
#include <QChartView>
#include <QGraphicsSimpleTextItem>
#include <algorithm>
#include <cmath>

#include "core/util/text_util.h"
#include "ui/common/chart_format.h"
#include "ui/common/metric_chart.h"
#include "ui/common/metric_chart_series.h"

namespace danka::ui {

using namespace chart;

namespace {

// Replaces the categories of `axis` by one per tick, labelled; the axis spans [min, max]. Category labels
// must be unique: a zero-width space keeps an (unlikely) repeat apart.
void setTicks(QCategoryAxis *axis, const QVector<double> &ticks, const QStringList &labels, double min, double max)
{
    for (const QString &label : axis->categoriesLabels()) axis->remove(label);
    axis->setRange(min, max);
    axis->setStartValue(min);
    QStringList used;
    for (int i = 0; i < ticks.size(); ++i) {
        QString label = labels.value(i);
        while (used.contains(label)) label += QChar(0x200B);
        used << label;
        axis->append(label, ticks[i]);
    }
}

}  // namespace

void MetricChart::updateAxes()
{
    Bounds all;
    for (const auto &s : m_series) all.add(s->bounds);
    m_placeholder->setVisible(!all.valid && !m_placeholderText.isEmpty());

    double xMin = all.valid ? all.minX : 0, xMax = all.valid ? all.maxX : 1;
    if (xMax <= xMin) {
        xMin -= 0.5;
        xMax += 0.5;
    }
    updateXTicks(xMin, xMax);

    double lo = all.valid ? all.minY : (m_logY ? 1 : 0), hi = all.valid ? all.maxY : (m_logY ? 10 : 1);
    updateYTicks(lo, hi);
    updateMargins();
}

void MetricChart::updateYTicks(double lo, double hi)
{
    const int target = std::clamp(m_view->height() / 55, 2, 8);
    QVector<double> ticks;
    QStringList labels;
    double axisLo, axisHi;  // in drawn units
    if (m_logY) {
        // 5% of the decades on either side; a single value gets a factor of 1.2.
        double a = std::log10(lo), b = std::log10(hi);
        const double pad = b > a ? (b - a) * 0.05 : std::log10(1.2);
        a -= pad;
        b += pad;
        ticks = logTicks(std::pow(10.0, a), std::pow(10.0, b), target);
        labels = logTickLabels(ticks);
        axisLo = a;
        axisHi = b;
    } else {
        const double span = hi - lo;
        const double pad = span > 0 ? span * 0.05 : std::max(std::fabs(hi) * 0.05, 1e-3);
        axisLo = lo - pad;
        axisHi = hi + pad;
        double step = 1;
        ticks = niceTicks(axisLo, axisHi, target, 0, &step);
        labels = valueTickLabels(ticks, step);
    }
    if (ticks == m_yTicks && labels == m_yLabels && m_yAxis->count() == ticks.size()) {
        m_yAxis->setRange(axisLo, axisHi);
        m_yAxis->setStartValue(axisLo);
        return;
    }
    m_yTicks = ticks;
    m_yLabels = labels;
    QVector<double> positions = ticks;
    if (m_logY)
        for (double &p : positions) p = std::log10(p);
    setTicks(m_yAxis, positions, labels, axisLo, axisHi);
}

void MetricChart::updateXTicks(double min, double max)
{
    m_xMin = min;
    m_xMax = max;
    const int target = std::clamp(m_view->width() / 110, 2, 10);
    double step = 1;
    // Steps and tokens are whole numbers: a step of at least 1.
    const QVector<double> ticks = m_xKind == XKind::Seconds ? durationTicks(min, max, target, &step)
                                                            : niceTicks(min, max, target, 1, &step);
    m_xAxis->setRange(min, max);
    if (ticks == m_xTicks && m_xAxis->count() == ticks.size()) {
        m_xAxis->setStartValue(min);
        return;
    }
    m_xTicks = ticks;
    const double scale = std::max(std::fabs(min), std::fabs(max));
    m_xLabels.clear();
    for (double t : ticks)
        m_xLabels << (m_xKind == XKind::Seconds  ? durationLabel(t, step)
                      : m_xKind == XKind::Tokens ? countLabel(t, step, scale)
                                                 : QString::number(t, 'f', 0));
    setTicks(m_xAxis, ticks, m_xLabels, min, max);
}

QVector<double> MetricChart::xTicks() const
{
    return m_xTicks;
}

QStringList MetricChart::xTickLabels() const
{
    return m_xLabels;
}

QVector<double> MetricChart::yTicks() const
{
    return m_yTicks;
}

QStringList MetricChart::yTickLabels() const
{
    return m_yLabels;
}

QString MetricChart::formatX(double x) const
{
    switch (m_xKind) {
    case XKind::Step: return QString::number(std::llround(x));
    case XKind::Tokens: return QString::fromStdString(core::formatCount(x));
    case XKind::Seconds: return QString::fromStdString(core::formatDuration(x));
    }
    return {};
}

}  // namespace danka::ui
