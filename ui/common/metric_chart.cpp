// Metric chart widget (see metric_chart.h).
#include "ui/common/metric_chart.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QPainter>
#include <QSaveFile>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "core/text_util.h"
#include "ui/common/chart_format.h"
#include "ui/common/chart_series_math.h"

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

}  // namespace

struct MetricChart::Series {
    QString key;
    QString label;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QVector<QPointF> raw;              // as given
    bool rawSorted = true;             // x non-decreasing, so hover lookups can bisect
    QVector<QPointF> smoothed;         // EMA of the kept points (smoothing on only)
    Thinner rawThin{kMaxDrawnPoints};  // kept points: finite, and positive on a log axis
    Thinner smoothThin{kMaxDrawnPoints};
    EmaState ema;
    Bounds bounds;                 // of what is drawn, as of the last flush
    QLineSeries *line = nullptr;   // smoothed (or raw when smoothing is off)
    QLineSeries *faint = nullptr;  // the raw curve under the smoothed one
    bool dirty = true;
};

MetricChart::MetricChart(QWidget *parent)
    : QWidget(parent),
      m_view(new QChartView(this)),
      m_chart(new QChart),
      m_xAxis(new QCategoryAxis(this)),
      m_yLinear(new QValueAxis(this)),
      m_yLog(new QLogValueAxis(this)),
      m_updateTimer(new QTimer(this))
{
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
    m_chart->setAnimationOptions(QChart::NoAnimation);  // live charts repaint 30 times a second

    m_xAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_yLinear->setTickType(QValueAxis::TicksDynamic);
    m_yLog->setLabelFormat(QStringLiteral("%g"));
    m_chart->addAxis(m_xAxis, Qt::AlignBottom);
    m_chart->addAxis(m_yLinear, Qt::AlignLeft);

    m_guide = new QGraphicsLineItem(m_chart);
    m_guide->setZValue(1000);
    m_guide->hide();
    m_placeholder = new QGraphicsSimpleTextItem(m_chart);
    m_placeholder->setZValue(1000);
    m_placeholder->hide();
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &plot) {
        const QRectF text = m_placeholder->boundingRect();
        m_placeholder->setPos(plot.center() - QPointF(text.width() / 2, text.height() / 2));
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
    m_yLinear->setTitleText(y);
    m_yLog->setTitleText(y);
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
    QAbstractAxis *y = m_logY ? static_cast<QAbstractAxis *>(m_yLog) : m_yLinear;
    for (QLineSeries *series : {s->faint, s->line}) {  // faint first: drawn below
        m_chart->addSeries(series);
        series->attachAxis(m_xAxis);
        series->attachAxis(y);
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
    attachYAxis();
    for (const auto &s : m_series)
        rebuild(*s);
    scheduleUpdate();
}

bool MetricChart::logY() const
{
    return m_logY;
}

void MetricChart::attachYAxis()
{
    QAbstractAxis *from = m_logY ? static_cast<QAbstractAxis *>(m_yLinear) : m_yLog;
    QAbstractAxis *to = m_logY ? static_cast<QAbstractAxis *>(m_yLog) : m_yLinear;
    for (const auto &s : m_series) {
        s->line->detachAxis(from);
        s->faint->detachAxis(from);
    }
    m_chart->removeAxis(from);
    from->setParent(this);  // removeAxis hands ownership back
    m_chart->addAxis(to, Qt::AlignLeft);
    for (const auto &s : m_series) {
        s->line->attachAxis(to);
        s->faint->attachAxis(to);
    }
    applyPalette();
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
        s->line->replace(main);
        s->bounds = Bounds();
        s->bounds.add(main);
        if (m_smoothing > 0) {
            const QVector<QPointF> raw = s->rawThin.points();
            s->faint->replace(raw);
            s->bounds.add(raw);  // the faint curve must fit too
        } else if (s->faint->count() > 0) {
            s->faint->clear();
        }
    }
    updateAxes();
}

void MetricChart::updateAxes()
{
    Bounds all;
    for (const auto &s : m_series)
        all.add(s->bounds);
    m_placeholder->setVisible(!all.valid && !m_placeholderText.isEmpty());

    double xMin = all.valid ? all.minX : 0, xMax = all.valid ? all.maxX : 1;
    if (xMax <= xMin) {
        xMin -= 0.5;
        xMax += 0.5;
    }
    updateXTicks(xMin, xMax);

    if (m_logY) {
        double lo = all.valid ? all.minY : 1, hi = all.valid ? all.maxY : 10;
        const double pad = std::max(1.05, std::pow(hi / lo, 0.05));
        lo /= pad;
        hi *= pad;
        // Labels sit only on powers of the base: base 10 for wide ranges, else base 2; either way the range
        // is widened to hold at least two labelled ticks.
        const double base = hi / lo >= 100 ? 10.0 : 2.0;
        const double kLo = std::floor(std::log(lo) / std::log(base) + 1e-9);
        const double kHi = std::ceil(std::log(hi) / std::log(base) - 1e-9);
        if (kHi - kLo < 2) {
            lo = std::min(lo, std::pow(base, kLo));
            hi = std::max(hi, std::pow(base, kHi));
        }
        m_yLog->setBase(base);
        m_yLog->setMinorTickCount(base == 10 ? 8 : 0);
        m_yLog->setRange(lo, hi);
    } else {
        double lo = all.valid ? all.minY : 0, hi = all.valid ? all.maxY : 1;
        const double span = hi - lo;
        const double pad = span > 0 ? span * 0.05 : std::max(std::fabs(hi) * 0.05, 1e-3);
        lo -= pad;
        hi += pad;
        const int targetTicks = std::clamp(m_view->height() / 60, 3, 10);
        const double step = niceStep((hi - lo) / targetTicks);
        // Qt Charts lays out (max - min) / interval ticks after each of these calls: change them in the order
        // that never asks for more than the final count (a learning rate growing 1000x during warmup would
        // otherwise make it create millions of tick items with the old interval).
        const double anchor = std::floor(lo / step) * step;
        if (step > m_yLinear->tickInterval()) {
            m_yLinear->setTickInterval(step);
            m_yLinear->setTickAnchor(anchor);
            m_yLinear->setRange(lo, hi);
        } else {
            m_yLinear->setRange(lo, hi);
            m_yLinear->setTickAnchor(anchor);
            m_yLinear->setTickInterval(step);
        }
        const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
        m_yLinear->setLabelFormat(step >= 1e-4 && magnitude < 1e6
                                      ? QStringLiteral("%.%1f").arg(decimalsFor(step))
                                      : QStringLiteral("%.3g"));
    }
}

void MetricChart::updateXTicks(double min, double max)
{
    m_xMin = min;
    m_xMax = max;
    const int targetTicks = std::clamp(m_view->width() / 110, 2, 10);
    const double rough = (max - min) / targetTicks;
    double step = m_xKind == XKind::Seconds ? niceDurationStep(rough) : niceStep(rough);
    if (m_xKind != XKind::Seconds) step = std::max(step, 1.0);  // steps and tokens are whole numbers
    QVector<double> ticks;
    for (double k = std::ceil(min / step - 1e-9); k * step <= max + step * 1e-9 && ticks.size() < 50; ++k)
        ticks.append(k * step);

    m_xAxis->setRange(min, max);
    if (ticks == m_xTicks && m_xAxis->count() > 0) {
        m_xAxis->setStartValue(min);
        return;
    }
    m_xTicks = ticks;
    for (const QString &label : m_xAxis->categoriesLabels())
        m_xAxis->remove(label);
    m_xAxis->setStartValue(min);
    const double scale = std::max(std::fabs(min), std::fabs(max));
    QStringList used;
    for (double t : ticks) {
        QString label = m_xKind == XKind::Seconds  ? durationLabel(t, step)
                        : m_xKind == XKind::Tokens ? countLabel(t, step, scale)
                                                   : QString::number(t, 'f', 0);
        // Category labels must be unique; a zero-width space keeps an (unlikely) repeat apart.
        while (used.contains(label))
            label += QChar(0x200B);
        used << label;
        m_xAxis->append(label, t);
    }
}

QString MetricChart::formatX(double x) const
{
    switch (m_xKind) {
        case XKind::Step:
            return QString::number(std::llround(x));
        case XKind::Tokens:
            return QString::fromStdString(core::formatCount(x));
        case XKind::Seconds:
            return QString::fromStdString(core::formatDuration(x));
    }
    return {};
}

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
    const QString xTitle =
        m_xTitle.isEmpty() ? QString::fromLatin1(kXNames[static_cast<int>(m_xKind)]) : m_xTitle;
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
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_xAxis), static_cast<QAbstractAxis *>(m_yLinear),
          static_cast<QAbstractAxis *>(m_yLog)}) {
        axis->setLabelsBrush(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(minorGrid);
        axis->setLinePenColor(axisLine);
    }
    QPen guidePen(guide, 1, Qt::DashLine);
    guidePen.setCosmetic(true);
    m_guide->setPen(guidePen);
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
    QToolTip::showText(m_view->viewport()->mapToGlobal(viewportPos) + QPoint(16, 16), text,
                       m_view->viewport());
}

void MetricChart::hideHover()
{
    m_guide->hide();
    QToolTip::hideText();
}

}  // namespace danka::ui
