// The open workspace of the studio, owned once: the core::Workspace, one ExperimentStore connection on the
// GUI thread and one poll timer. Every page is a view of it: the session reads the store's lists (runs, the
// checkpoints of every run, prepared datasets, tokenizers) when the store changed, and publishes each list
// with a signal emitted only when that list changed. Another process writing the store (danka-cli training,
// a worker of the studio with its own connection) is seen by the poll; a change the studio makes through this
// session's own connection (deleting a run) is published by refresh().
//
// Pages read what is not a list (a run's metrics, events, conversations) through store(), on the GUI thread.
#pragma once

#include <QObject>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/store/records.h"
#include "core/store/workspace.h"

class QTimer;

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class WorkspaceSession : public QObject {
    Q_OBJECT
public:
    static constexpr int kPollMs = 1000;

    explicit WorkspaceSession(QObject *parent = nullptr);
    ~WorkspaceSession() override;

    // Opens the store of `workspace` (nullopt: closes) and publishes its lists. Throws core::Error naming the
    // file when the store cannot be opened; the session is then closed (no workspace).
    void open(const std::optional<core::Workspace> &workspace);
    const std::optional<core::Workspace> &workspace() const { return m_workspace; }
    bool isOpen() const { return m_store != nullptr; }
    // The GUI thread's connection to the open workspace's store; null when none is open.
    core::ExperimentStore *store() const { return m_store.get(); }

    const std::vector<core::RunRecord> &runs() const { return m_runs; }           // newest first
    const core::RunRecord *run(int64_t runId) const;                              // null when absent
    const std::vector<core::CheckpointRecord> &checkpoints(int64_t runId) const;  // oldest first
    const std::map<int64_t, std::vector<core::CheckpointRecord>> &allCheckpoints() const { return m_checkpoints; }
    const std::vector<core::DatasetRecord> &datasets() const { return m_datasets; }  // newest first
    const std::vector<core::TokenizerRecord> &tokenizers() const { return m_tokenizers; }
    QString lastError() const { return m_error; }  // the last store error; "" after a good read
    int pollCount() const { return m_polls; }      // polls that found the store changed (tests)

    // Sets the poll interval (ms); 0 stops polling (tests that drive refresh() themselves).
    void setPollInterval(int ms);

public Q_SLOTS:
    // Reads the lists now and publishes what changed (after a change made through store()).
    void refresh();

Q_SIGNALS:
    // Before open() closes the store: drop what holds on to store() (a core::ConversationStore).
    void workspaceAboutToChange();
    void workspaceChanged();  // opened, closed or switched: every list is new (the change signals follow)
    void runsChanged();
    void checkpointsChanged();
    void datasetsChanged();
    void tokenizersChanged();
    void storeChanged();  // the store changed in any way (metrics, events...): after the list signals
    void ticked();        // every poll, changed or not (running runs' durations grow)
    void storeError(const QString &message);

private:
    void poll();
    void read(bool force);

    std::optional<core::Workspace> m_workspace;
    std::unique_ptr<core::ExperimentStore> m_store;
    int64_t m_dataVersion = -1;
    std::vector<core::RunRecord> m_runs;
    std::map<int64_t, std::vector<core::CheckpointRecord>> m_checkpoints;
    std::vector<core::DatasetRecord> m_datasets;
    std::vector<core::TokenizerRecord> m_tokenizers;
    QString m_error;
    int m_polls = 0;
    QTimer *m_timer;
};

}  // namespace danka::ui
