// MetricChart's hover readout (see metric_chart.h): under the pointer, a vertical guide and a box with each
// series' value nearest that x (smoothed and raw); and the chart's exports, PNG and CSV.
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QSaveFile>
#include <algorithm>

#include "ui/common/chart_format.h"
#include "ui/common/chart_series_math.h"
#include "ui/common/metric_chart.h"
#include "ui/common/metric_chart_series.h"

namespace danka::ui {

using namespace chart;

QString MetricChart::hoverText(double x) const
{
    QStringList lines;
    for (const auto &s : m_series) {
        const int i = nearestIndex(s->raw, x, s->rawSorted);
        if (i < 0) continue;
        const double raw = s->raw[i].y();
        const int j = m_smoothing > 0 ? nearestIndex(s->smoothed, x, s->rawSorted) : -1;
        lines << (j >= 0 ? tr("%1: %2 (raw %3)").arg(s->label, valueText(s->smoothed[j].y()), valueText(raw))
                         : tr("%1: %2").arg(s->label, valueText(raw)));
    }
    if (lines.isEmpty()) return {};
    const QString where = m_xTitle.isEmpty() ? formatX(x) : tr("%1: %2").arg(m_xTitle, formatX(x));
    lines.prepend(where);
    return lines.join(QLatin1Char('\n'));
}

bool MetricChart::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport()) {
        if (event->type() == QEvent::MouseMove)
            showHover(static_cast<QMouseEvent *>(event)->position().toPoint());
        else if (event->type() == QEvent::Leave)
            hideHover();
    }
    return QWidget::eventFilter(watched, event);
}

void MetricChart::showHover(const QPoint &viewportPos)
{
    const QPointF at = m_chart->mapFromScene(m_view->mapToScene(viewportPos));
    const QRectF plot = m_chart->plotArea();
    if (!plot.contains(at) || plot.width() <= 0) {
        hideHover();
        return;
    }
    const double x = m_xMin + (at.x() - plot.left()) / plot.width() * (m_xMax - m_xMin);
    const QString text = hoverText(x);
    if (text.isEmpty()) {
        hideHover();
        return;
    }
    m_guide->setLine(at.x(), plot.top(), at.x(), plot.bottom());
    m_guide->show();
    // The readout is part of the chart, not a tooltip: it stays as long as the guide does, and follows the
    // pointer on the side of the guide where it fits.
    m_readoutText->setText(text);
    const QRectF textRect = m_readoutText->boundingRect();
    constexpr double kPad = 4, kOffset = 12;
    const QSizeF box(textRect.width() + 2 * kPad, textRect.height() + 2 * kPad);
    m_readout->setRect(QRectF(QPointF(0, 0), box));
    m_readoutText->setPos(kPad, kPad);
    double left = at.x() + kOffset;
    if (left + box.width() > plot.right()) left = at.x() - kOffset - box.width();
    double top = at.y() + kOffset;
    if (top + box.height() > plot.bottom()) top = at.y() - kOffset - box.height();
    m_readout->setPos(std::max(left, 0.0), std::max(top, 0.0));
    m_readout->show();
}

void MetricChart::hideHover()
{
    m_guide->hide();
    m_readout->hide();
}

QString MetricChart::hoverReadout() const
{
    return m_readout->isVisible() ? m_readoutText->text() : QString();
}

bool MetricChart::hoverGuideVisible() const
{
    return m_guide->isVisible();
}

QByteArray MetricChart::csvText(const QString &xTitle, const QStringList &labels,
                                const QVector<QVector<QPointF>> &series)
{
    return chart::csvText(xTitle, labels, series);
}

bool MetricChart::writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool MetricChart::exportCsv(const QString &path, QString *error) const
{
    QStringList labels;
    QVector<QVector<QPointF>> series;
    for (const auto &s : m_series) {
        labels << s->label;
        series << s->raw;
    }
    static const char *const kXNames[] = {"step", "tokens", "seconds"};
    const QString xTitle = m_xTitle.isEmpty() ? QString::fromLatin1(kXNames[static_cast<int>(m_xKind)]) : m_xTitle;
    return writeFile(path, csvText(xTitle, labels, series), error);
}

bool MetricChart::exportPng(const QString &path, QString *error)
{
    flush();
    hideHover();
    QImage image(size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(palette().color(QPalette::Base));
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        render(&painter);
    }
    if (!image.save(path, "PNG")) {
        if (error) *error = tr("Cannot write the image %1.").arg(path);
        return false;
    }
    return true;
}

}  // namespace danka::ui
