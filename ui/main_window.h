// The studio's main window: a sidebar of pages (Data, Tokenizer, Configure, Runs, Compare, Chat) over the
// open workspace, menus with shortcuts, the status bar with the running job, its progress and ETA, the
// recent workspaces, preferences and "Run the Demo". The open workspace is one WorkspaceSession
// (ui/common/workspace_session.h) that every page is a view of.
#pragma once

#include <QMainWindow>
#include <QSet>
#include <functional>
#include <optional>

#include "core/store/workspace.h"

class QAction;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QStackedWidget;

namespace danka::core {
class JobContext;
}

namespace danka::ui {

class ChatPage;
class ComparePage;
class ConfigPage;
class DataPage;
class JobRunner;
class RunsPage;
class TokenizerPage;
class WorkspaceSession;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Page { DataPageIndex, TokenizerPageIndex, ConfigurePageIndex, RunsPageIndex, ComparePageIndex, ChatPageIndex,
                PageCount };

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens (creating when missing) the workspace at `path`. On failure shows the error, keeps the current
    // workspace and returns false. `interactive` false: no message boxes (tests, start-up with a bad path
    // reports through the status bar and the returned error).
    bool openWorkspace(const QString &path, bool interactive = true);
    QString lastError() const { return m_lastError; }
    const std::optional<core::Workspace> &workspace() const;
    WorkspaceSession *session() const { return m_session; }

    void showPage(Page page);
    Page currentPage() const;
    DataPage *dataPage() const { return m_dataPage; }
    TokenizerPage *tokenizerPage() const { return m_tokenizerPage; }
    ConfigPage *configPage() const { return m_configPage; }
    RunsPage *runsPage() const { return m_runsPage; }
    ComparePage *comparePage() const { return m_comparePage; }
    ChatPage *chatPage() const { return m_chatPage; }
    QString jobStatusText() const;  // the status bar's job part (tests)

    // The language switch restarts Danka: this saves what a restart would lose (the open workspace and page,
    // the Configure page's config as edited, the Chat checkpoint, adapter, conversation, system prompt and
    // sampling, the Compare selection and metric, the selected run), starts the new process through the
    // launcher (QProcess::startDetached; tests replace it) and closes this window. False (nothing done)
    // while a job runs or when the new process does not start.
    using Launcher = std::function<bool(const QString &program, const QStringList &arguments)>;
    void setRestartLauncher(Launcher launcher) { m_launcher = std::move(launcher); }
    bool restartForNewLanguage();
    // Takes up what restartForNewLanguage() saved, when it was saved for this window's workspace (once).
    // openWorkspace() calls it. Returns whether there was something to restore.
    bool restoreSession();

public Q_SLOTS:
    // The demo pipeline: the demo tokenizer and data (a job with progress), then the demo run on the Runs
    // page with its live charts, then SFT of its model on the demo conversations; it ends on the Chat page
    // with that checkpoint loaded. `steps` / `sftSteps` > 0 shorten the runs.
    void runDemo(int steps = 0, int sftSteps = 0);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    // Runs `work` as a demo job; `then` gets called once, on the GUI thread, when it completed (a failure is
    // shown, a cancel ends the demo quietly).
    void runDemoJob(const QString &title, std::function<void(core::JobContext &)> work, std::function<void()> then);
    // Calls `then` with the final checkpoint once the run `runId` completed (once; other runs are ignored).
    void afterDemoRun(int64_t runId, std::function<void(const std::string &checkpoint)> then);
    // Shows the Chat page with the demo's SFT `checkpoint` loading, and says in the status bar when it is ready.
    void finishDemoInChat(const QString &checkpoint);

private:
    void createMenus();
    void chooseWorkspace();
    void rebuildRecentMenu();
    void showAbout();
    void showPreferences();
    void updateStatus(int runCount);
    void onJobProgress(JobRunner *runner, double fraction, const QString &message, double etaSeconds);
    void onJobFinished(JobRunner *runner, int state, const QString &error);

    WorkspaceSession *m_session;  // first: the pages are its views
    QString m_lastError;
    QListWidget *m_sidebar;
    QStackedWidget *m_pages;
    DataPage *m_dataPage;
    TokenizerPage *m_tokenizerPage;
    ConfigPage *m_configPage;
    RunsPage *m_runsPage;
    ComparePage *m_comparePage;
    ChatPage *m_chatPage;
    JobRunner *m_demoRunner;
    QLabel *m_workspaceLabel;
    QLabel *m_jobLabel;
    QProgressBar *m_jobProgress;
    QSet<JobRunner *> m_runningJobs;
    QMenu *m_recentMenu = nullptr;
    QAction *m_deleteRunAction = nullptr;
    QAction *m_demoAction = nullptr;
    Launcher m_launcher;
};

}  // namespace danka::ui
