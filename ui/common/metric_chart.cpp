// Metric chart widget (see metric_chart.h).
#include "ui/common/metric_chart.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QSaveFile>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/util/text_util.h"
#include "ui/common/axis_title.h"
#include "ui/common/chart_format.h"
#include "ui/common/chart_series_math.h"
#include "ui/common/metric_chart_series.h"

namespace danka::ui {

using namespace chart;  // the widget's own maths and formatting, split out by concept

namespace {

const QColor kPalette[] = {
    QColor(0x3b, 0x8b, 0xdb),  // blue
    QColor(0xe8, 0x68, 0x4a),  // vermilion
    QColor(0x2c, 0xa5, 0x8d),  // teal
    QColor(0xc4, 0x5c, 0xcf),  // purple
    QColor(0xe0, 0xa3, 0x0b),  // amber
    QColor(0xd6, 0x45, 0x7a),  // pink
    QColor(0x5a, 0x9e, 0x3a),  // green
    QColor(0x8c, 0x6b, 0xd6),  // violet
    QColor(0x1a, 0xa3, 0xb8),  // cyan
    QColor(0xa0, 0x78, 0x5a),  // brown
};

constexpr int kMargin = 4;  // around the chart, in pixels

}  // namespace

MetricChart::MetricChart(QWidget *parent)
    : QWidget(parent),
      m_view(new QChartView(this)),
      m_chart(new QChart),
      m_xAxis(new QCategoryAxis(this)),
      m_yAxis(new QCategoryAxis(this)),
      m_updateTimer(new QTimer(this))
{
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(kMargin, kMargin, kMargin, kMargin));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
    m_chart->setAnimationOptions(QChart::NoAnimation);  // live charts repaint 30 times a second

    // Labels sit on the tick values (the category boundaries), so each label is one tick.
    for (QCategoryAxis *axis : {m_xAxis, m_yAxis}) {
        axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        axis->setTruncateLabels(false);
    }
    m_yAxis->setTitleVisible(false);  // drawn by m_yTitleItem, which Qt Charts cannot elide
    m_chart->addAxis(m_xAxis, Qt::AlignBottom);
    m_chart->addAxis(m_yAxis, Qt::AlignLeft);

    m_guide = new QGraphicsLineItem(m_chart);
    m_guide->setZValue(1000);
    m_guide->hide();
    m_readout = new QGraphicsRectItem(m_chart);
    m_readout->setZValue(1001);
    m_readout->hide();
    m_readoutText = new QGraphicsSimpleTextItem(m_readout);
    m_yTitleItem = std::make_unique<VerticalAxisTitle>(m_chart);
    m_placeholder = new QGraphicsSimpleTextItem(m_chart);
    m_placeholder->setZValue(1000);
    m_placeholder->hide();
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &plot) {
        const QRectF text = m_placeholder->boundingRect();
        m_placeholder->setPos(plot.center() - QPointF(text.width() / 2, text.height() / 2));
        m_yTitleItem->place(kMargin);
    });

    m_view->setChart(m_chart);  // the view owns the chart
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    // Coalesces any number of appends in one pass of the event loop into one chart update.
    m_updateTimer->setSingleShot(true);
    m_updateTimer->setInterval(0);
    connect(m_updateTimer, &QTimer::timeout, this, &MetricChart::flush);

    applyPalette();
    updateAxes();
}

MetricChart::~MetricChart()
{
    // The view deletes the chart (and the axes attached to it) among this widget's children; nothing of
    // the chart may call back into this half-destroyed widget meanwhile.
    disconnect(m_chart, nullptr, this, nullptr);
    m_view->viewport()->removeEventFilter(this);
}

void MetricChart::setTitle(const QString &title)
{
    m_chart->setTitle(title);
}

void MetricChart::setAxisTitles(const QString &x, const QString &y)
{
    m_xTitle = x;
    m_xAxis->setTitleText(x);
    m_yTitleItem->setText(y);
    updateMargins();
    m_yTitleItem->place(kMargin);
}

// The left margin holds the y title; the right one half of the last x label, which sits on the plot's edge.
void MetricChart::updateMargins()
{
    const int left = kMargin + m_yTitleItem->marginWidth();
    const QFontMetrics labelMetrics(m_xAxis->labelsFont());
    const int right = std::max(kMargin, m_xLabels.isEmpty()
                                            ? kMargin
                                            : labelMetrics.horizontalAdvance(m_xLabels.last()) / 2 + 2);
    const QMargins margins(left, kMargin, right, kMargin);
    if (m_chart->margins() != margins) m_chart->setMargins(margins);
}

QString MetricChart::yTitle() const
{
    return m_yTitleItem->shownText();
}

QRectF MetricChart::yTitleRect() const
{
    const QRectF scene = m_yTitleItem->sceneRect();
    return QRectF(m_view->mapToParent(m_view->mapFromScene(scene.topLeft())),
                  m_view->mapToParent(m_view->mapFromScene(scene.bottomRight())));
}

void MetricChart::setXKind(XKind kind)
{
    if (kind == m_xKind) return;
    m_xKind = kind;
    m_xTicks.clear();  // same values, new labels
    updateAxes();
}

void MetricChart::setPlaceholderText(const QString &text)
{
    m_placeholderText = text;
    m_placeholder->setText(text);
    updateAxes();
}

MetricChart::Series *MetricChart::find(const QString &key) const
{
    for (const auto &s : m_series)
        if (s->key == key) return s.get();
    return nullptr;
}

MetricChart::Series *MetricChart::create(const QString &key, const QString &label, const QColor &color)
{
    auto s = std::make_unique<Series>();
    s->key = key;
    s->label = label;
    s->color = color.isValid() ? color : paletteColor(m_nextColor++);
    s->ema.weight = m_smoothing;
    s->faint = new QLineSeries;
    s->line = new QLineSeries;
    s->faint->setName(label);
    s->line->setName(label);
    for (QLineSeries *series : {s->faint, s->line}) {  // faint first: drawn below
        m_chart->addSeries(series);
        series->attachAxis(m_xAxis);
        series->attachAxis(m_yAxis);
    }
    s->faint->setVisible(m_smoothing > 0);
    applyPen(*s);
    m_series.push_back(std::move(s));
    return m_series.back().get();
}

void MetricChart::applyPen(Series &s)
{
    QPen pen(s.color, 2.0, s.style);
    pen.setCosmetic(true);
    s.line->setPen(pen);
    QColor faint = s.color;
    faint.setAlphaF(0.28f);
    QPen faintPen(faint, 1.0, s.style);
    faintPen.setCosmetic(true);
    s.faint->setPen(faintPen);
    // The faint copy is a backdrop, not a series of its own: keep it out of the legend.
    for (QLegendMarker *marker : m_chart->legend()->markers(s.faint))
        marker->setVisible(false);
}

void MetricChart::feed(Series &s, const QVector<QPointF> &points, int from)
{
    const bool smooth = m_smoothing > 0;
    for (int i = from; i < points.size(); ++i) {
        const QPointF &p = points[i];
        if (!finitePoint(p) || (m_logY && p.y() <= 0)) continue;
        s.rawThin.add(p);
        if (smooth) {
            const QPointF q(p.x(), s.ema.next(p.y()));
            s.smoothed.append(q);
            s.smoothThin.add(q);
        }
    }
    s.dirty = true;
}

void MetricChart::rebuild(Series &s)
{
    s.rawThin = Thinner(kMaxDrawnPoints);
    s.smoothThin = Thinner(kMaxDrawnPoints);
    s.smoothed.clear();
    s.ema = EmaState();
    s.ema.weight = m_smoothing;
    feed(s, s.raw, 0);
}

void MetricChart::setSeries(const QString &key, const QString &label, const QVector<QPointF> &points,
                            const QColor &color)
{
    Series *s = find(key);
    if (!s) {
        s = create(key, label, color);
    } else {
        s->label = label;
        s->line->setName(label);
        s->faint->setName(label);
        if (color.isValid() && color != s->color) {
            s->color = color;
            applyPen(*s);
        }
    }
    s->raw = points;
    s->rawSorted = std::is_sorted(points.begin(), points.end(),
                                  [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
    rebuild(*s);
    scheduleUpdate();
}

void MetricChart::appendPoints(const QString &key, const QVector<QPointF> &points)
{
    Series *s = find(key);
    if (!s) s = create(key, key, QColor());
    if (points.isEmpty()) return;
    const int from = s->raw.size();
    if (s->rawSorted) {
        const bool continues = s->raw.isEmpty() || !(points.first().x() < s->raw.last().x());
        s->rawSorted =
            continues && std::is_sorted(points.begin(), points.end(),
                                        [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
    }
    s->raw += points;
    feed(*s, s->raw, from);
    scheduleUpdate();
}

void MetricChart::setSeriesStyle(const QString &key, Qt::PenStyle style)
{
    Series *s = find(key);
    if (!s || s->style == style) return;
    s->style = style;
    applyPen(*s);
}

void MetricChart::removeSeries(const QString &key)
{
    const auto it =
        std::find_if(m_series.begin(), m_series.end(), [&](const auto &s) { return s->key == key; });
    if (it == m_series.end()) return;
    for (QLineSeries *series : {(*it)->faint, (*it)->line}) {
        m_chart->removeSeries(series);
        delete series;
    }
    m_series.erase(it);
    scheduleUpdate();
}

void MetricChart::clear()
{
    while (!m_series.empty())
        removeSeries(m_series.front()->key);
    m_nextColor = 0;
}

QStringList MetricChart::seriesKeys() const
{
    QStringList keys;
    for (const auto &s : m_series)
        keys << s->key;
    return keys;
}

QString MetricChart::seriesLabel(const QString &key) const
{
    const Series *s = find(key);
    return s ? s->label : QString();
}

QColor MetricChart::seriesColor(const QString &key) const
{
    const Series *s = find(key);
    return s ? s->color : QColor();
}

QVector<QPointF> MetricChart::points(const QString &key) const
{
    const Series *s = find(key);
    return s ? s->raw : QVector<QPointF>();
}

QVector<QPointF> MetricChart::displayedPoints(const QString &key) const
{
    const Series *s = find(key);
    if (!s) return {};
    return m_smoothing > 0 ? s->smoothThin.points() : s->rawThin.points();
}

void MetricChart::setSmoothing(double weight)
{
    weight = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.999);
    if (weight == m_smoothing) return;
    m_smoothing = weight;
    for (const auto &s : m_series) {
        rebuild(*s);
        s->faint->setVisible(m_smoothing > 0);
        applyPen(*s);  // re-hides the faint legend marker that showing the series brought back
    }
    scheduleUpdate();
}

double MetricChart::smoothing() const
{
    return m_smoothing;
}

void MetricChart::setLogY(bool on)
{
    if (on == m_logY) return;
    m_logY = on;
    for (const auto &s : m_series)
        rebuild(*s);
    scheduleUpdate();
}

bool MetricChart::logY() const
{
    return m_logY;
}

// A log axis is a linear axis over log10(y): the series are drawn in that space, the ticks labelled in data
// units.
QVector<QPointF> MetricChart::drawn(const QVector<QPointF> &points) const
{
    if (!m_logY) return points;
    QVector<QPointF> out;
    out.reserve(points.size());
    for (const QPointF &p : points)
        out.append(QPointF(p.x(), std::log10(p.y())));  // only positive values reach a log axis
    return out;
}

QVector<QPointF> MetricChart::ema(const QVector<QPointF> &points, double weight)
{
    EmaState state;
    state.weight = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.999);
    QVector<QPointF> out;
    out.reserve(points.size());
    for (const QPointF &p : points)
        if (finitePoint(p)) out.append(QPointF(p.x(), state.next(p.y())));
    return out;
}

QColor MetricChart::paletteColor(int index)
{
    const int n = paletteSize();
    return kPalette[((index % n) + n) % n];
}

int MetricChart::paletteSize()
{
    return static_cast<int>(std::size(kPalette));
}

void MetricChart::scheduleUpdate()
{
    if (!m_updateTimer->isActive()) m_updateTimer->start();
}

void MetricChart::flush()
{
    m_updateTimer->stop();
    for (const auto &s : m_series) {
        if (!s->dirty) continue;
        s->dirty = false;
        const QVector<QPointF> main = m_smoothing > 0 ? s->smoothThin.points() : s->rawThin.points();
        s->line->replace(drawn(main));
        s->bounds = Bounds();
        s->bounds.add(main);
        if (m_smoothing > 0) {
            const QVector<QPointF> raw = s->rawThin.points();
            s->faint->replace(drawn(raw));
            s->bounds.add(raw);  // the faint curve must fit too
        } else if (s->faint->count() > 0) {
            s->faint->clear();
        }
    }
    updateAxes();
}

void MetricChart::applyPalette()
{
    const QPalette pal = palette();
    const QColor background = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text, minorGrid = text, axisLine = text, guide = text, hint = text;
    grid.setAlpha(45);
    minorGrid.setAlpha(20);
    axisLine.setAlpha(120);
    guide.setAlpha(150);
    hint.setAlpha(150);

    m_chart->setBackgroundBrush(background);
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->setPlotAreaBackgroundVisible(false);
    m_chart->setTitleBrush(text);
    m_chart->legend()->setLabelColor(text);
    m_view->setBackgroundBrush(background);
    for (QCategoryAxis *axis : {m_xAxis, m_yAxis}) {
        axis->setLabelsBrush(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(minorGrid);
        axis->setLinePenColor(axisLine);
    }
    QPen guidePen(guide, 1, Qt::DashLine);
    guidePen.setCosmetic(true);
    m_guide->setPen(guidePen);
    QColor box = pal.color(QPalette::ToolTipBase);
    box.setAlpha(235);
    m_readout->setBrush(box);
    QPen boxPen(axisLine, 1);
    boxPen.setCosmetic(true);
    m_readout->setPen(boxPen);
    m_readoutText->setBrush(pal.color(QPalette::ToolTipText));
    m_yTitleItem->setBrush(text);
    m_placeholder->setBrush(hint);
}

void MetricChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) applyPalette();
    QWidget::changeEvent(event);
}

void MetricChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    scheduleUpdate();  // tick counts follow the size
}

}  // namespace danka::ui
