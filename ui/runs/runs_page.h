// The Runs page: the workspace's runs in a sortable, filterable table and the selected run's details
// (status, timing, lineage, latest metrics, checkpoints, events, config). Polls the store once a second
// and refreshes when another process (a danka-cli training) has written to it.
#pragma once

#include <QWidget>
#include <memory>
#include <optional>

#include "core/workspace.h"

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class RunsModel;

class RunsPage : public QWidget {
    Q_OBJECT
public:
    explicit RunsPage(QWidget *parent = nullptr);
    ~RunsPage() override;

    // Shows the runs of `workspace` (nullopt: no workspace open). Throws core::Error when its store fails.
    void setWorkspace(const std::optional<core::Workspace> &workspace);
    std::optional<int64_t> selectedRunId() const;
    bool selectRun(int64_t runId);
    RunsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString detailsText() const;  // the details pane as plain text (tests, copy)

public Q_SLOTS:
    void refresh();
    void deleteSelectedRun();  // asks for confirmation first

Q_SIGNALS:
    void runCountChanged(int count);
    void selectedRunChanged(bool hasRun);
    void storeError(const QString &message);

private:
    void poll();
    void showDetails();

    std::optional<core::Workspace> m_workspace;
    std::unique_ptr<core::ExperimentStore> m_store;
    int64_t m_lastDataVersion = -1;
    RunsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTableView *m_view;
    QTextBrowser *m_details;
    QStackedWidget *m_stack;
    QLabel *m_emptyLabel;
    QTimer *m_pollTimer;
};

}  // namespace danka::ui
