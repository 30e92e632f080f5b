// The live charts of one run: loss (training and validation), learning rate, gradient norm, throughput,
// MFU and memory, then a chart per group of the metrics the run's stage declares (its StageSpec), in a grid
// of MetricCharts. Fed either from the store (any run, finished or written by
// another process) or point by point from the studio's own training job.
#pragma once

#include <QHash>
#include <QVector>
#include <QWidget>

class QTimer;

#include "core/store/records.h"

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class MetricChart;

class RunCharts : public QWidget {
    Q_OBJECT
public:
    explicit RunCharts(QWidget *parent = nullptr);

    // Shows run `runId` from the store (every chart replaced; downsampled to at most kMaxPoints per series).
    void showStored(core::ExperimentStore &store, int64_t runId);
    // Adds points of the run being shown (the live feed). Points of metrics no chart shows are ignored.
    // They are drawn at most every kLiveRepaintMs: six charts repainted at the job runner's 30 Hz would
    // keep a 2-core machine's GUI thread busy for nothing.
    void append(const QVector<core::MetricPoint> &points);
    void clear();

    // The chart showing a metric ("train/loss"...) and the series key there; nullptr when none does.
    MetricChart *chartOf(const QString &metric) const;
    QList<MetricChart *> charts() const { return m_charts; }
    int pointCount(const QString &metric) const;

    static constexpr int kMaxPoints = 2000;
    static constexpr int kLiveRepaintMs = 100;
    static constexpr int kChartMinWidth = 220, kChartMinHeight = 160, kSpacing = 4;
    int columnCount() const { return m_columns; }  // charts per row: 3, or 2 when that is too narrow

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void arrange(int columns);
    struct Mapping {
        int chart;
        double scale;  // bytes -> MiB, fractions -> %
    };
    MetricChart *addChart(const QString &title, const QString &yTitle);
    // Maps a metric a stage declares (core/train/stage_catalog.h) to its chart, made on first sight; false
    // for a metric nobody declares.
    bool mapStageMetric(const QString &metric);
    void removeStageCharts();
    void flushPending();
    QHash<QString, Mapping> m_metrics;
    QHash<QString, QString> m_labels;
    QStringList m_order;  // metrics in display order: fixed legend order and colours
    QList<MetricChart *> m_charts;
    QVector<core::MetricPoint> m_pending;
    QTimer *m_flushTimer;
    int m_columns = 0;
    int m_fixedCharts = 0;  // the trainer's charts; those after them show stage metrics of the run shown
};

}  // namespace danka::ui
