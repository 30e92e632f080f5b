// The chart widget of every page that plots metrics (live run charts, Compare): named line series with EMA
// smoothing drawn over the faint raw curve, log-y, step / tokens / duration x axes, min/max thinning so that
// 100k-point series stay smooth without hiding a spike, a hover readout with a vertical guide, PNG and CSV
// export. Both axes carry round ticks computed here (chart_format.h: 1-2-5 steps, decades with 2/5 sub-ticks
// on a log axis, at least two per axis) on Qt Charts category axes, whose labels are exactly those ticks; the
// y title is drawn by the widget, so that no axis title is ever elided. Colours come from the widget
// palette, so the chart reads well in light and dark themes. Implemented in metric_chart.cpp (series, smoothing,
// palette), metric_chart_axes.cpp (ranges and ticks) and metric_chart_readout.cpp (hover readout, exports).
#pragma once

#include <QColor>
#include <QPointF>
#include <QRectF>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <memory>
#include <vector>

class QTimer;

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QCategoryAxis;
class QGraphicsLineItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
QT_END_NAMESPACE

namespace danka::ui {

class VerticalAxisTitle;

class MetricChart : public QWidget {
    Q_OBJECT
public:
    enum class XKind { Step, Tokens, Seconds };  // Seconds: axis labels formatted as durations

    // At most this many points are drawn per line; longer series are thinned by bucket min/max.
    static constexpr int kMaxDrawnPoints = 2000;

    explicit MetricChart(QWidget *parent = nullptr);
    ~MetricChart() override;

    void setTitle(const QString &title);
    void setAxisTitles(const QString &x, const QString &y);
    void setXKind(XKind kind);
    XKind xKind() const { return m_xKind; }
    // Shown in the middle of an empty chart ("Check runs to compare").
    void setPlaceholderText(const QString &text);

    // A series is identified by `key`; `label` is shown in the legend; an invalid colour picks the next of a
    // palette readable on light and dark backgrounds. Replaces the points of an existing series.
    void setSeries(const QString &key, const QString &label, const QVector<QPointF> &points,
                   const QColor &color = QColor());
    // Appends (creates the series with label = key when missing). Cheap: O(new points) amortised, repaint
    // coalesced; live charts call it 30 times a second.
    void appendPoints(const QString &key, const QVector<QPointF> &points);
    void setSeriesStyle(const QString &key, Qt::PenStyle style);  // e.g. dashed validation loss
    void removeSeries(const QString &key);
    void clear();
    QStringList seriesKeys() const;  // in the order the series were created
    QString seriesLabel(const QString &key) const;
    QColor seriesColor(const QString &key) const;
    QVector<QPointF> points(const QString &key) const;           // the raw points as given
    QVector<QPointF> displayedPoints(const QString &key) const;  // after smoothing / log filtering / thinning
    void setSmoothing(
        double weight);  // EMA weight in [0, 1): 0 = raw; smoothed line drawn over the faint raw one
    double smoothing() const;
    void setLogY(bool on);  // non-positive values are left out on a log axis
    bool logY() const;
    bool exportPng(const QString &path, QString *error = nullptr);
    bool exportCsv(const QString &path,
                   QString *error = nullptr) const;  // x, then one column per series (raw values)
    QString hoverText(double x) const;  // what the hover readout shows at x: each series' value nearest x
    // The readout shown now, with its guide line (empty when the pointer is not over the plot). It stays
    // until the pointer leaves the plot.
    QString hoverReadout() const;
    bool hoverGuideVisible() const;

    // The axes as shown (after the pending repaint): tick values in data units (on a log axis too) and their
    // labels; the y title and where it is drawn (widget coordinates).
    QVector<double> xTicks() const;
    QStringList xTickLabels() const;
    QVector<double> yTicks() const;
    QStringList yTickLabels() const;
    QString yTitle() const;
    QRectF yTitleRect() const;
    static QVector<QPointF> ema(const QVector<QPointF> &points,
                                double weight);  // TensorBoard-style, debiased

    // The i-th colour of the palette used for series without an explicit colour (wraps around).
    static QColor paletteColor(int index);
    static int paletteSize();
    // The CSV layout of exportCsv for any set of series: a header "x,<label>..." and one row per distinct x
    // (ascending; a series with several points at one x gets several rows); empty cells where a series has
    // no point; non-finite values written as nan / inf / -inf. Shared with pages that export full-resolution
    // data the chart only shows thinned.
    static QByteArray csvText(const QString &xTitle, const QStringList &labels,
                              const QVector<QVector<QPointF>> &series);
    static bool writeFile(const QString &path, const QByteArray &data, QString *error);
    QString formatX(double x) const;  // as on the x axis: "1200", "25.8M", "3m05s"

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Series;

    Series *find(const QString &key) const;
    Series *create(const QString &key, const QString &label, const QColor &color);
    void rebuild(Series &s);  // re-runs filtering, smoothing and thinning over all raw points
    void feed(Series &s, const QVector<QPointF> &points, int from);
    void scheduleUpdate();
    void flush();  // pushes pending points to the chart and re-ranges the axes
    void updateAxes();
    void updateXTicks(double min, double max);
    void updateYTicks(double lo, double hi);  // data units; log10 of them on a log axis
    void updateMargins();
    void applyPen(Series &s);
    void applyPalette();
    QVector<QPointF> drawn(const QVector<QPointF> &points) const;  // log10(y) on a log axis
    void showHover(const QPoint &viewportPos);
    void hideHover();

    QChartView *m_view;
    QChart *m_chart;
    QCategoryAxis *m_xAxis;
    QCategoryAxis *m_yAxis;
    QGraphicsLineItem *m_guide;
    QGraphicsRectItem *m_readout;  // the hover readout: a box with the text
    QGraphicsSimpleTextItem *m_readoutText;
    std::unique_ptr<VerticalAxisTitle> m_yTitleItem;
    QGraphicsSimpleTextItem *m_placeholder;
    QTimer *m_updateTimer;
    std::vector<std::unique_ptr<Series>> m_series;
    XKind m_xKind = XKind::Step;
    double m_smoothing = 0;
    bool m_logY = false;
    int m_nextColor = 0;
    QString m_xTitle;
    QString m_placeholderText;
    QVector<double> m_xTicks;       // the ticks the x axis shows now (re-ticked only when they change)
    QStringList m_xLabels;
    QVector<double> m_yTicks;       // data units
    QStringList m_yLabels;
    double m_xMin = 0, m_xMax = 1;  // current x range
};

}  // namespace danka::ui
