// The Compare page: check any runs of the workspace (running or finished long ago) and overlay one metric of
// them, with EMA smoothing, a log y axis, x as step / tokens / wall time, hover values and PNG / CSV export;
// below, the diff of their configs. A view of the workspace session (workspace_session.h): when the session
// sees the store change, running runs' curves grow and new runs appear; finished runs are read once and
// cached.
#pragma once

#include <QWidget>
#include <map>
#include <memory>
#include <optional>

#include "core/store/records.h"
#include "core/store/workspace.h"
#include "ui/common/metric_chart.h"

class QAbstractItemModel;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class ConfigDiffPane;
class RunCheckModel;
class RunsModel;
class WorkspaceSession;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    // Store reads are downsampled to this many buckets per run and metric (the chart thins further).
    static constexpr int kStoreMaxPoints = 5000;

    explicit ComparePage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page).
    ComparePage(WorkspaceSession *session, QWidget *parent);
    ~ComparePage() override;

    // Opens `ws` in the page's session and compares its runs (nullopt: no workspace; the page is disabled with
    // a hint). A store that cannot be opened is reported on the page and through storeError, never thrown.
    void setWorkspace(const std::optional<core::Workspace> &ws);
    void setCheckedRuns(const QList<int64_t> &ids);
    QList<int64_t> checkedRuns() const;  // ascending ids
    void setMetric(const QString &name);
    QString metric() const { return m_metric; }
    QStringList metricNames() const;  // what the metric box offers: the checked runs' metrics
    void setXKind(MetricChart::XKind kind);
    void setSmoothing(double weight);  // moves the slider (0..0.99)
    void setLogY(bool on);
    void setShowAllKeys(bool on);

    MetricChart *chart() const { return m_chart; }
    QAbstractItemModel *runsModel() const;  // the checkable runs list (before filtering)
    QAbstractItemModel *diffModel() const;
    QStringList differingKeys() const;
    QString noteText() const;  // why some checked runs are not drawn, or the last store error

    bool exportPng(const QString &path, QString *error = nullptr);
    // The checked runs' stored points at full resolution (not the chart's downsampled copy), x as chosen.
    bool exportCsv(const QString &path, QString *error = nullptr);
    // Either export, then says where it went (statusMessage) or why it failed (a message box). What the
    // Export buttons run after their file dialog.
    bool exportTo(const QString &path, bool png);

public Q_SLOTS:
    void refresh();  // re-reads everything

Q_SIGNALS:
    void storeError(const QString &message);
    void statusMessage(const QString &message);  // for the window's status bar ("Exported ... to ...")

private:
    struct Curve {
        QVector<QPointF> points;
        QString problem;  // why the run has no curve ("#3 sft has no train/loss values"); empty when it has
        bool shown = false;  // already handed to the chart
    };
    // What has been read of a checked run. Finished runs are read once; running ones again on every change.
    struct Cached {
        core::RunStatus status;  // when read
        std::optional<QStringList> metricNames;
        std::optional<Curve> curve;  // of m_metric against m_xKind
    };

    void onWorkspaceChanged();  // another workspace: nothing read or checked before means anything
    void onStoreChanged();      // the session's runs, then what changed of the checked ones
    void showContent();         // the runs and chart, or the hint why there are none
    core::ExperimentStore *store() const;
    void onCheckedRunsChanged();
    void updateMetricBox();
    void updateDiff();
    void updateChart();
    void invalidateActiveRuns();
    Cached &cached(int64_t runId);
    void reportError(const QString &message);
    QString runTitle(int64_t runId) const;
    // The run's points of the current metric with x mapped as chosen; maxPoints as for
    // ExperimentStore::series.
    Curve load(int64_t runId, int maxPoints) const;
    void exportWithDialog(bool png);

    WorkspaceSession *m_session;
    QString m_metric;
    MetricChart::XKind m_xKind = MetricChart::XKind::Step;
    std::map<int64_t, Cached> m_cache;  // per checked run
    QString m_error;

    RunsModel *m_runsModel;
    RunCheckModel *m_checkModel;
    QSortFilterProxyModel *m_proxy;
    ConfigDiffPane *m_diffPane;  // the config differences below the chart
    QStackedWidget *m_stack;
    QLabel *m_hint;
    QLineEdit *m_filter;
    QTableView *m_runsView;
    QComboBox *m_metricBox;
    QComboBox *m_xBox;
    QSlider *m_smoothing;
    QLabel *m_smoothingValue;
    QCheckBox *m_logY;
    QPushButton *m_exportPng;
    QPushButton *m_exportCsv;
    MetricChart *m_chart;
    QLabel *m_note;
};

}  // namespace danka::ui
