// The Runs page's right side: the selected run in tabs: its overview (status, timing, lineage, latest
// metrics, checkpoints, config), events, samples and checkpoints ("Chat with This", "Resume from This").
// The charts tab belongs to the page (it feeds the live run); the pane reads the run from the workspace
// session (its records and checkpoint lists) and the session's store (metrics, events).
#pragma once

#include <QTabWidget>
#include <cstdint>
#include <optional>

class QPushButton;
class QTableWidget;
class QTextBrowser;

namespace danka::ui {

class WorkspaceSession;

class RunDetailsPane : public QTabWidget {
    Q_OBJECT
public:
    explicit RunDetailsPane(WorkspaceSession *session, QWidget *parent = nullptr);

    // Shows run `runId` (nullopt: none selected) in every tab; called again whenever the store changed.
    void showRun(std::optional<int64_t> runId);
    void showEvents();  // the events tab again (the live run's events arrive between polls)
    // Whether the studio trains now: a checkpoint cannot be resumed from while it does.
    void setTraining(bool training);

    QString selectedCheckpoint() const;  // the checkpoint table's selected folder; "" when none
    QString detailsText() const;
    QString eventsText() const;
    QString samplesText() const;
    QTableWidget *checkpointTable() const { return m_checkpoints; }

Q_SIGNALS:
    void chatRequested(const QString &checkpointDir);
    void resumeRequested(int64_t runId, const QString &checkpointDir);
    void storeError(const QString &message);

private:
    void showDetails();
    void showSamples();
    void showCheckpoints();
    void updateButtons();

    WorkspaceSession *m_session;
    std::optional<int64_t> m_runId;
    bool m_training = false;
    QTextBrowser *m_details;
    QTextBrowser *m_events;
    QTextBrowser *m_samples;
    QTableWidget *m_checkpoints;
    QPushButton *m_chatButton;
    QPushButton *m_resumeFromButton;
};

}  // namespace danka::ui
