// Run charts (see run_charts.h).
#include "ui/runs/run_charts.h"

#include <QGridLayout>
#include <QTimer>
#include <cmath>

#include "core/store/experiment_store.h"
#include "core/train/stage_catalog.h"
#include "core/util/translate.h"
#include "ui/common/metric_chart.h"

namespace danka::ui {

RunCharts::RunCharts(QWidget *parent) : QWidget(parent), m_flushTimer(new QTimer(this))
{
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(kLiveRepaintMs);
    connect(m_flushTimer, &QTimer::timeout, this, &RunCharts::flushPending);
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(kSpacing);
    const QString step = tr("step");
    struct Spec {
        QString title, yTitle;
        QList<std::tuple<QString, QString, double>> metrics;  // name, label, scale
    };
    const double mib = 1.0 / (1024.0 * 1024.0);
    const QList<Spec> specs = {
        {tr("Loss"), tr("loss"), {{QStringLiteral("train/loss"), tr("training"), 1.0}, {QStringLiteral("val/loss"), tr("validation"), 1.0}}},
        {tr("Learning rate"), tr("learning rate"), {{QStringLiteral("train/lr"), tr("learning rate"), 1.0}}},
        {tr("Gradient norm"), tr("norm"), {{QStringLiteral("train/grad_norm"), tr("gradient norm"), 1.0}}},
        {tr("Throughput"), tr("tokens/s"), {{QStringLiteral("train/tokens_per_s"), tr("tokens/s"), 1.0}}},
        {tr("Model FLOPs utilisation"), tr("MFU (%)"), {{QStringLiteral("train/mfu"), tr("MFU"), 100.0}}},
        {tr("Memory"), tr("MiB"),
         {{QStringLiteral("memory/rss_bytes"), tr("process (RSS)"), mib},
          {QStringLiteral("memory/cuda_allocated_bytes"), tr("CUDA allocated"), mib},
          {QStringLiteral("memory/cuda_reserved_bytes"), tr("CUDA reserved"), mib},
          {QStringLiteral("memory/cuda_peak_bytes"), tr("CUDA peak"), mib}}},
    };
    for (int i = 0; i < specs.size(); ++i) {
        MetricChart *chart = addChart(specs[i].title, specs[i].yTitle);
        chart->setAxisTitles(step, specs[i].yTitle);
        for (const auto &[name, label, scale] : specs[i].metrics) {
            m_metrics.insert(name, {i, scale});
            m_labels.insert(name, label);
            m_order << name;
        }
    }
    m_fixedCharts = int(m_charts.size());
    arrange(3);
    // As narrow as two charts a row (the runs list beside them keeps its columns at 1024 pixels); resizeEvent
    // reflows the grid.
    setMinimumSize(2 * kChartMinWidth + kSpacing, 3 * kChartMinHeight + 2 * kSpacing);
    clear();
}

void RunCharts::arrange(int columns)
{
    if (columns == m_columns) return;
    m_columns = columns;
    auto *grid = static_cast<QGridLayout *>(layout());
    for (MetricChart *chart : std::as_const(m_charts)) grid->removeWidget(chart);
    for (int i = 0; i < m_charts.size(); ++i) grid->addWidget(m_charts[i], i / columns, i % columns);
    for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, c < columns ? 1 : 0);
}

void RunCharts::resizeEvent(QResizeEvent *event)
{
    arrange(width() >= 3 * kChartMinWidth + 2 * kSpacing ? 3 : 2);
    QWidget::resizeEvent(event);
}

MetricChart *RunCharts::addChart(const QString &title, const QString &)
{
    auto *chart = new MetricChart(this);
    chart->setTitle(title);
    chart->setMinimumSize(kChartMinWidth, kChartMinHeight);
    m_charts.push_back(chart);
    return chart;
}

bool RunCharts::mapStageMetric(const QString &metric)
{
    if (m_metrics.contains(metric)) return true;
    const core::StageMetric *declared = core::findStageMetric(metric.toStdString());
    if (!declared) return false;
    const QString title = QString::fromStdString(core::translate("danka::core", declared->chart));
    int index = -1;
    for (int i = m_fixedCharts; i < m_charts.size(); ++i)
        if (m_charts[i]->objectName() == title) index = i;
    if (index < 0) {
        const QString axis = QString::fromStdString(core::translate("danka::core", declared->axis));
        MetricChart *chart = addChart(title, axis);
        chart->setObjectName(title);  // the group's chart, found by its title
        chart->setAxisTitles(tr("step"), axis);
        index = int(m_charts.size()) - 1;
        const int columns = m_columns;
        m_columns = 0;  // lay the grid out again with the new chart
        arrange(columns);
    }
    m_metrics.insert(metric, {index, declared->displayScale});
    m_labels.insert(metric, QString::fromStdString(core::translate("danka::core", declared->title)));
    m_order << metric;
    return true;
}

void RunCharts::removeStageCharts()
{
    if (m_charts.size() == m_fixedCharts) return;
    for (auto it = m_metrics.begin(); it != m_metrics.end();) {
        if (it->chart >= m_fixedCharts) {
            m_labels.remove(it.key());
            m_order.removeAll(it.key());
            it = m_metrics.erase(it);
        } else {
            ++it;
        }
    }
    while (m_charts.size() > m_fixedCharts) delete m_charts.takeLast();
    const int columns = m_columns;
    m_columns = 0;
    arrange(columns);
}

void RunCharts::clear()
{
    m_pending.clear();
    removeStageCharts();
    m_flushTimer->stop();
    for (MetricChart *chart : m_charts) chart->clear();
    // Every series exists from the start (empty), so that labels, colours and styles are fixed.
    for (const QString &metric : std::as_const(m_order)) {
        if (metric.startsWith(QStringLiteral("memory/cuda"))) continue;  // only when a GPU logs them
        m_charts[m_metrics.value(metric).chart]->setSeries(metric, m_labels.value(metric), {});
    }
    if (MetricChart *loss = chartOf(QStringLiteral("val/loss"))) loss->setSeriesStyle(QStringLiteral("val/loss"), Qt::DashLine);
}

MetricChart *RunCharts::chartOf(const QString &metric) const
{
    const auto it = m_metrics.constFind(metric);
    return it == m_metrics.cend() ? nullptr : m_charts[it->chart];
}

int RunCharts::pointCount(const QString &metric) const
{
    MetricChart *chart = chartOf(metric);
    return chart ? chart->points(metric).size() : 0;
}

void RunCharts::showStored(core::ExperimentStore &store, int64_t runId)
{
    clear();
    for (const std::string &name : store.metricNames(runId)) {
        const QString metric = QString::fromStdString(name);
        if (!mapStageMetric(metric)) continue;
        const auto it = m_metrics.constFind(metric);
        QVector<QPointF> points;
        for (const core::SeriesPoint &p : store.series(runId, name, kMaxPoints))
            if (std::isfinite(p.value)) points.push_back({p.step, p.value * it->scale});
        m_charts[it->chart]->setSeries(metric, m_labels.value(metric), points);
    }
    if (MetricChart *loss = chartOf(QStringLiteral("val/loss"))) loss->setSeriesStyle(QStringLiteral("val/loss"), Qt::DashLine);
}

void RunCharts::append(const QVector<core::MetricPoint> &points)
{
    m_pending += points;
    if (!m_flushTimer->isActive()) m_flushTimer->start();
}

void RunCharts::flushPending()
{
    QHash<QString, QVector<QPointF>> byMetric;
    for (const core::MetricPoint &p : std::as_const(m_pending)) {
        const QString metric = QString::fromStdString(p.name);
        if (!mapStageMetric(metric)) continue;
        const auto it = m_metrics.constFind(metric);
        if (!std::isfinite(p.value)) continue;
        byMetric[metric].push_back({static_cast<double>(p.step), p.value * it->scale});
    }
    m_pending.clear();
    for (auto it = byMetric.cbegin(); it != byMetric.cend(); ++it) {
        MetricChart *chart = chartOf(it.key());
        const bool existed = chart->seriesKeys().contains(it.key());
        if (!existed) chart->setSeries(it.key(), m_labels.value(it.key()), {});
        chart->appendPoints(it.key(), it.value());
    }
}

}  // namespace danka::ui
