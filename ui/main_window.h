// The studio's main window: the open workspace, its runs, and the menus. Later pages (Data, Tokenizer,
// Configure, Compare, Chat) join as tabs.
#pragma once

#include <QMainWindow>
#include <optional>

#include "core/workspace.h"

class QAction;
class QLabel;
class QMenu;

namespace danka::ui {

class RunsPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

    // Opens (creating when missing) the workspace at `path`. On failure shows the error, keeps the current
    // workspace and returns false. `interactive` false: no message boxes (tests, start-up with a bad path
    // reports through the status bar and the returned error).
    bool openWorkspace(const QString &path, bool interactive = true);
    QString lastError() const { return m_lastError; }
    const std::optional<core::Workspace> &workspace() const { return m_workspace; }
    RunsPage *runsPage() const { return m_runsPage; }

private:
    void createMenus();
    void chooseWorkspace();
    void rebuildRecentMenu();
    void showAbout();
    void updateStatus(int runCount);

    std::optional<core::Workspace> m_workspace;
    QString m_lastError;
    RunsPage *m_runsPage;
    QLabel *m_workspaceLabel;
    QMenu *m_recentMenu = nullptr;
    QAction *m_deleteRunAction = nullptr;
    QAction *m_refreshAction = nullptr;
};

}  // namespace danka::ui
