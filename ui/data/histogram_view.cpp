// Length histogram chart (see histogram_view.h).
#include "ui/data/histogram_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QEvent>
#include <QFontMetrics>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "ui/common/axis_title.h"
#include "ui/common/chart_format.h"

namespace danka::ui {

namespace {
constexpr int kMargin = 4;
}

HistogramView::HistogramView(QWidget *parent)
    : QChartView(parent), m_countTitle(std::make_unique<VerticalAxisTitle>(chart()))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    chart()->legend()->hide();
    chart()->setMargins(QMargins(kMargin, kMargin, kMargin, kMargin));
    applyTheme();
    clear();
    connect(chart(), &QChart::plotAreaChanged, this, [this] {
        fitLabels();
        m_countTitle->place(kMargin);
    });
}

HistogramView::~HistogramView() = default;

void HistogramView::applyTheme()
{
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setBackgroundBrush(palette().color(QPalette::Base));
    chart()->setTitleBrush(palette().color(QPalette::Text));
    chart()->legend()->hide();
    m_countTitle->setBrush(palette().color(QPalette::Text));
}

void HistogramView::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyTheme();
}

void HistogramView::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    fitLabels();
}

void HistogramView::clear(const QString &title)
{
    chart()->removeAllSeries();
    for (QAbstractAxis *axis : chart()->axes()) {
        chart()->removeAxis(axis);
        delete axis;
    }
    m_set = nullptr;
    m_x = nullptr;
    m_y = nullptr;
    m_categories.clear();
    m_edges.clear();
    m_barLabels.clear();
    m_countTicks.clear();
    m_countTitle->setText(QString());
    chart()->setMargins(QMargins(kMargin, kMargin, kMargin, kMargin));
    chart()->setTitle(title);
}

QString HistogramView::edgeLabel(int64_t edge)
{
    // Bucket edges are powers of two: 1024 reads as 1K, as in "4K context".
    if (edge >= 1024 && edge % 1024 == 0) return QString::number(edge / 1024) + QLatin1Char('K');
    return QString::number(edge);
}

QStringList HistogramView::barLabelsFor(const std::vector<int64_t> &edges, int every)
{
    QStringList labels;
    const size_t bars = edges.empty() ? 0 : edges.size() - 1;
    for (size_t i = 0; i < bars; ++i) {
        // Bar categories must be distinct: the hidden ones are zero-width spaces of different lengths.
        labels << (i % static_cast<size_t>(std::max(every, 1)) == 0 ? edgeLabel(edges[i])
                                                                     : QString(int(i) + 1, QChar(0x200B)));
    }
    return labels;
}

void HistogramView::setHistogram(const LengthHistogram &histogram, const QString &title,
                                 const QString &lengthUnit, const QString &countUnit)
{
    clear(title);
    m_lengthUnit = lengthUnit;
    m_countUnit = countUnit;
    auto *series = new QBarSeries;
    m_set = new QBarSet(countUnit);
    qint64 highest = 0;
    for (size_t i = 0; i < histogram.counts.size(); ++i) {
        *m_set << static_cast<qreal>(histogram.counts[i]);
        highest = std::max<qint64>(highest, histogram.counts[i]);
        m_categories << QStringLiteral("%1-%2").arg(histogram.edges[i]).arg(histogram.edges[i + 1] - 1);
    }
    m_edges = histogram.edges;
    m_set->setColor(palette().color(QPalette::Highlight));
    series->append(m_set);
    series->setBarWidth(0.9);
    chart()->addSeries(series);
    connect(m_set, &QBarSet::hovered, this, [this](bool on, int index) {
        if (!on || index < 0 || index >= m_categories.size()) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(), tr("%1 %2: %3 %4")
                                               .arg(m_categories[index], m_lengthUnit)
                                               .arg(static_cast<qint64>(m_set->at(index)))
                                               .arg(m_countUnit),
                           this);
    });

    m_x = new QBarCategoryAxis;
    m_barLabels = barLabelsFor(m_edges, 1);
    m_x->append(m_barLabels);
    m_x->setTitleText(lengthUnit);
    m_x->setTruncateLabels(false);
    // Whole counts from 0 in 1-2-5 steps; the top of the axis is the first tick above the highest bar.
    m_y = new QValueAxis;
    double step = 1;
    const int target = std::clamp(height() / 60, 2, 6);
    chart::niceTicks(0, std::max<double>(1, static_cast<double>(highest) * 1.05), target, 1, &step);
    const double top = step * std::ceil(std::max<double>(1, static_cast<double>(highest) * 1.05) / step);
    m_y->setTickType(QValueAxis::TicksDynamic);
    m_y->setTickAnchor(0);
    m_y->setTickInterval(step);
    m_y->setRange(0, top);
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_countTitle->setText(countUnit);  // drawn by the view: Qt Charts would elide it
    chart()->setMargins(QMargins(kMargin + m_countTitle->marginWidth(), kMargin, kMargin, kMargin));
    m_countTicks = chart::ticksWithStep(0, top, step);
    chart()->addAxis(m_x, Qt::AlignBottom);
    chart()->addAxis(m_y, Qt::AlignLeft);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    applyTheme();
    m_set->setColor(palette().color(QPalette::Highlight));  // the theme recolours series
    fitLabels();
}

void HistogramView::fitLabels()
{
    if (!m_x || m_edges.size() < 2) return;
    const int bars = static_cast<int>(m_edges.size()) - 1;
    const QFontMetrics metrics(m_x->labelsFont());
    int widest = 0;
    for (int64_t edge : m_edges)
        widest = std::max(widest, metrics.horizontalAdvance(edgeLabel(edge)));
    const double plotWidth = chart()->plotArea().width() > 0 ? chart()->plotArea().width() : width() * 0.8;
    const double perBar = plotWidth / bars;
    int every = 1;
    while (every < bars && perBar * every < widest + metrics.horizontalAdvance(QLatin1Char('0')))
        ++every;
    QStringList labels = barLabelsFor(m_edges, every);
    // Qt Charts hides a label that reaches past the plot: the last bar keeps its label only when it fits.
    if (bars > 1 && metrics.horizontalAdvance(labels.last()) > perBar)
        labels.last() = QString(bars, QChar(0x200B));
    if (labels == m_barLabels) return;
    m_barLabels = labels;
    m_x->setCategories(labels);
}

QStringList HistogramView::barLabels() const
{
    QStringList shown;
    for (const QString &label : m_barLabels)
        shown << (label.startsWith(QChar(0x200B)) ? QString() : label);
    return shown;
}

QVector<double> HistogramView::countTicks() const
{
    return m_countTicks;
}

QString HistogramView::countTitle() const
{
    return m_countTitle->shownText();
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
