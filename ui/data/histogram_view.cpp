// Length histogram chart (see histogram_view.h).
#include "ui/data/histogram_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QEvent>
#include <QValueAxis>

namespace danka::ui {

HistogramView::HistogramView(QWidget *parent) : QChartView(parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    chart()->legend()->hide();
    chart()->setMargins(QMargins(4, 4, 4, 4));
    applyTheme();
    clear();
}

void HistogramView::applyTheme()
{
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setBackgroundBrush(palette().color(QPalette::Base));
    chart()->setTitleBrush(palette().color(QPalette::Text));
    chart()->legend()->hide();
}

void HistogramView::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyTheme();
}

void HistogramView::clear(const QString &title)
{
    chart()->removeAllSeries();
    for (QAbstractAxis *axis : chart()->axes()) {
        chart()->removeAxis(axis);
        delete axis;
    }
    m_set = nullptr;
    m_categories.clear();
    chart()->setTitle(title);
}

void HistogramView::setHistogram(const LengthHistogram &histogram, const QString &title,
                                 const QString &lengthUnit, const QString &countUnit)
{
    clear(title);
    auto *series = new QBarSeries;
    m_set = new QBarSet(countUnit);
    qint64 highest = 0;
    for (size_t i = 0; i < histogram.counts.size(); ++i) {
        *m_set << static_cast<qreal>(histogram.counts[i]);
        highest = std::max<qint64>(highest, histogram.counts[i]);
        m_categories << QStringLiteral("%1-%2").arg(histogram.edges[i]).arg(histogram.edges[i + 1] - 1);
    }
    m_set->setColor(palette().color(QPalette::Highlight));
    series->append(m_set);
    series->setBarWidth(0.9);
    chart()->addSeries(series);

    auto *x = new QBarCategoryAxis;
    x->append(m_categories);
    x->setTitleText(lengthUnit);
    x->setLabelsAngle(m_categories.size() > 8 ? -45 : 0);
    auto *y = new QValueAxis;
    y->setRange(0, std::max<qreal>(1, static_cast<qreal>(highest) * 1.08));
    y->setLabelFormat(QStringLiteral("%.0f"));
    y->setTitleText(countUnit);
    chart()->addAxis(x, Qt::AlignBottom);
    chart()->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    applyTheme();
    m_set->setColor(palette().color(QPalette::Highlight));  // the theme recolours series
}

QVector<qint64> HistogramView::counts() const
{
    QVector<qint64> out;
    if (!m_set) return out;
    for (int i = 0; i < m_set->count(); ++i)
        out << static_cast<qint64>(m_set->at(i));
    return out;
}

qint64 HistogramView::total() const
{
    qint64 n = 0;
    for (qint64 c : counts())
        n += c;
    return n;
}

}  // namespace danka::ui
