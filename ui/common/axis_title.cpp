// A y-axis title drawn by the chart (see axis_title.h).
#include "ui/common/axis_title.h"

#include <QChart>
#include <QFontMetricsF>
#include <QGraphicsSimpleTextItem>
#include <algorithm>

namespace danka::ui {

VerticalAxisTitle::VerticalAxisTitle(QChart *chart) : m_chart(chart), m_item(new QGraphicsSimpleTextItem(chart))
{
    m_item->setRotation(-90);
    QFont font = m_item->font();
    font.setBold(true);  // as Qt Charts draws axis titles
    m_item->setFont(font);
    m_item->hide();
}

void VerticalAxisTitle::setText(const QString &text)
{
    m_text = text;
    m_item->setText(text);
    m_item->setVisible(!text.isEmpty());
}

QString VerticalAxisTitle::shownText() const
{
    return m_item->isVisible() ? m_item->text() : QString();
}

void VerticalAxisTitle::setBrush(const QBrush &brush)
{
    m_item->setBrush(brush);
}

int VerticalAxisTitle::marginWidth() const
{
    return m_text.isEmpty() ? 0 : QFontMetrics(m_item->font()).height() + 4;
}

void VerticalAxisTitle::place(double leftMargin)
{
    if (m_text.isEmpty()) return;
    const QFontMetricsF metrics(m_item->font());
    const double chartHeight = m_chart->size().height();
    const double room = std::max(0.0, chartHeight - 2 * leftMargin);
    const QString text = metrics.horizontalAdvance(m_text) <= room
                             ? m_text
                             : metrics.elidedText(m_text, Qt::ElideRight, room);
    m_item->setText(text);
    const double width = metrics.horizontalAdvance(text);
    const double lowest = leftMargin + width / 2, highest = std::max(lowest, chartHeight - leftMargin - width / 2);
    const double centre = std::clamp(m_chart->plotArea().center().y(), lowest, highest);
    // Rotated by -90 degrees about its origin, the text runs upwards from its position.
    m_item->setPos(leftMargin, centre + width / 2);
}

QRectF VerticalAxisTitle::sceneRect() const
{
    return m_item->sceneBoundingRect();
}

}  // namespace danka::ui
