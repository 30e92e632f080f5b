// The Runs page: the workspace's runs in a sortable, filterable table and the selected run in tabs:
// overview (status, timing, lineage, latest metrics, config), live charts, events, samples and checkpoints
// ("Chat with this", "Resume from this"; run_details_pane.h). Starts training runs on a worker (JobRunner)
// with pause, resume and stop; the charts of the studio's own run are fed from the job's buffer at the
// runner's steady rate. A view of the workspace session (workspace_session.h): it refreshes when the session
// sees the store change (another process, a danka-cli training, has written).
#pragma once

#include <QHash>
#include <QVector>
#include <QWidget>
#include <memory>
#include <optional>

#include "core/store/records.h"
#include "core/train/training_run.h"
#include "core/store/workspace.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTableWidget;
class QToolButton;

namespace danka::ui {

class JobRunner;
class RunCharts;
class RunDetailsPane;
class RunsModel;
class WorkspaceSession;

class RunsPage : public QWidget {
    Q_OBJECT
public:
    explicit RunsPage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page).
    RunsPage(WorkspaceSession *session, QWidget *parent);
    ~RunsPage() override;

    // Opens `workspace` in the page's session (nullopt: no workspace open). Throws core::Error when its store
    // fails. Refused (false) while a training job of the studio is running.
    bool setWorkspace(const std::optional<core::Workspace> &workspace);
    WorkspaceSession *session() const { return m_session; }
    std::optional<int64_t> selectedRunId() const;
    bool selectRun(int64_t runId);
    RunsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString detailsText() const;  // the overview pane as plain text (tests, copy)
    QString eventsText() const;
    QString samplesText() const;
    RunCharts *charts() const { return m_charts; }
    QTabWidget *tabs() const;
    JobRunner *trainingJob() const { return m_runner; }
    std::optional<int64_t> trainingRunId() const { return m_liveRunId; }  // the studio's running run
    QTableWidget *checkpointTable() const;
    // Tests: hooks passed to every training this page starts (skip the MFU peak measurement...).
    void setTrainingHooks(const core::train::TrainingHooks &hooks) { m_hooks = hooks; }

public Q_SLOTS:
    void refresh();            // reads the store now (the session publishes, the page follows)
    void deleteSelectedRun();  // asks for confirmation first
    // Starts a new run from `config` (recorded in the store, trained on a worker). Returns false with the
    // reason in `error` (and in a message box when interactive) when it cannot start.
    bool startRun(const danka::core::RunConfig &config, QString *error = nullptr);
    // Continues a run from `checkpoint` (one of its folders; empty = its newest).
    bool resumeRun(int64_t runId, const QString &checkpoint = QString(), QString *error = nullptr);
    void startRunFromFile();    // asks for a config file
    void pauseTraining();
    void resumeTraining();
    void stopTraining();        // writes a resumable checkpoint, then stops

Q_SIGNALS:
    void runCountChanged(int count);
    void selectedRunChanged(bool hasRun);
    void storeError(const QString &message);
    void chatRequested(const QString &checkpointDir);
    void trainingStateChanged(bool running);
    void trainingFinished(int64_t runId, int state, const QString &error);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // The runs list shows ID, name, stage and status whatever its width; duration, creation time and parent
    // follow, in that order, while they fit beside a readable name (the overview has them all).
    void fitColumns();
    bool startPrepared(const core::train::TrainRequest &request, QString *error);
    void showRuns();          // the session's runs in the list, then the selected run
    void showSelected();      // everything of the selected run
    void updateControls();
    void onMetrics(const QVector<core::MetricPoint> &points);
    void onEvent(int level, const QString &text);
    void onProgress(double fraction, const QString &message, double etaSeconds);
    void onFinished(int state, const QString &error);
    bool selectedIsLive() const;

    WorkspaceSession *m_session;
    std::optional<int64_t> m_shownRun;  // the run whose charts are shown
    RunsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTableView *m_view;
    RunDetailsPane *m_detailsPane;
    RunCharts *m_charts;
    QStackedWidget *m_stack;
    QLabel *m_emptyLabel;

    // The studio's own training.
    JobRunner *m_runner;
    std::optional<int64_t> m_liveRunId;
    core::train::TrainingHooks m_hooks;
    QToolButton *m_newRunButton;
    QPushButton *m_pauseButton;
    QPushButton *m_resumeButton;
    QPushButton *m_stopButton;
    QProgressBar *m_progress;
    QLabel *m_progressLabel;
};

}  // namespace danka::ui
