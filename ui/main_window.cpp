// Main window (see main_window.h).
#include "ui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <memory>

#include "core/demo/demo.h"
#include "core/util/error.h"
#include "core/checkpoint/model_init.h"
#include "core/store/conversations.h"
#include "core/util/system_info.h"
#include "core/util/text_util.h"
#include "ui/chat/chat_page.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/compare/compare_page.h"
#include "ui/configure/config_page.h"
#include "ui/data/data_page.h"
#include "ui/runs/runs_model.h"
#include "ui/runs/runs_page.h"
#include "ui/settings_dialog.h"
#include "ui/tokenizer/tokenizer_page.h"

namespace danka::ui {

namespace {
constexpr int kMaxRecent = 8;
const char *kRecentKey = "workspaces/recent";
const char *kGeometryKey = "window/geometry";
const char *kPageKey = "window/page";
}  // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_session(new WorkspaceSession(this)),
      m_sidebar(new QListWidget(this)),
      m_pages(new QStackedWidget(this)),
      m_dataPage(new DataPage(m_session, this)),
      m_tokenizerPage(new TokenizerPage(m_session, this)),
      m_configPage(new ConfigPage(m_session, this)),
      m_runsPage(new RunsPage(m_session, this)),
      m_comparePage(new ComparePage(m_session, this)),
      m_chatPage(new ChatPage(m_session, this)),
      m_demoRunner(new JobRunner(this)),
      m_workspaceLabel(new QLabel(this)),
      m_jobLabel(new QLabel(this)),
      m_jobProgress(new QProgressBar(this))
{
    setWindowTitle(tr("Danka"));
    setWindowIcon(QIcon(QStringLiteral(":/danka/icons/danka.png")));

    // The sidebar follows the order of the work: data, tokenizer, config, runs, comparison, chat.
    const struct {
        QWidget *page;
        QString name;
        QStyle::StandardPixmap icon;
        QString tip;
    } pages[] = {
        {m_dataPage, tr("Data"), QStyle::SP_FileDialogDetailedView, tr("Browse raw files and prepared datasets; prepare data")},
        {m_tokenizerPage, tr("Tokenizer"), QStyle::SP_FileDialogContentsView, tr("Train tokenizers and try them")},
        {m_configPage, tr("Configure"), QStyle::SP_FileDialogInfoView, tr("Edit a run config and check its memory plan")},
        {m_runsPage, tr("Runs"), QStyle::SP_MediaPlay, tr("Start, watch and control training runs")},
        {m_comparePage, tr("Compare"), QStyle::SP_FileDialogListView, tr("Overlay the metrics of runs and diff their configs")},
        {m_chatPage, tr("Chat"), QStyle::SP_MessageBoxQuestion, tr("Talk to a checkpoint")},
    };
    for (const auto &p : pages) {
        auto *item = new QListWidgetItem(style()->standardIcon(p.icon), p.name, m_sidebar);
        item->setToolTip(p.tip);
        m_pages->addWidget(p.page);
    }
    m_sidebar->setIconSize(QSize(20, 20));
    m_sidebar->setSpacing(2);
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setFixedWidth(m_sidebar->sizeHintForColumn(0) + 28);
    m_sidebar->setAutoFillBackground(true);
    m_sidebar->setBackgroundRole(QPalette::Window);
    connect(m_sidebar, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_sidebar);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    m_jobProgress->setRange(0, 1000);
    m_jobProgress->setMaximumWidth(180);
    m_jobProgress->setTextVisible(false);
    m_jobProgress->hide();
    statusBar()->addWidget(m_jobLabel);
    statusBar()->addWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_workspaceLabel);
    createMenus();

    // Pages talk to each other through the window: Configure starts runs, Runs opens checkpoints in Chat.
    connect(m_configPage, &ConfigPage::startRunRequested, this, [this](const core::RunConfig &config) {
        if (m_runsPage->startRun(config)) showPage(RunsPageIndex);
    });
    connect(m_runsPage, &RunsPage::chatRequested, this, [this](const QString &dir) {
        m_chatPage->openCheckpoint(dir);
        showPage(ChatPageIndex);
    });
    connect(m_runsPage, &RunsPage::runCountChanged, this, &MainWindow::updateStatus);
    connect(m_runsPage, &RunsPage::selectedRunChanged, m_deleteRunAction, &QAction::setEnabled);
    connect(m_runsPage, &RunsPage::storeError, this,
            [this](const QString &message) { statusBar()->showMessage(message, 10000); });
    connect(m_comparePage, &ComparePage::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 15000); });

    JobHub *hub = JobHub::instance();
    connect(hub, &JobHub::jobStarted, this, [this](JobRunner *runner) {
        m_runningJobs.insert(runner);
        onJobProgress(runner, 0, tr("starting"), -1);
    });
    connect(hub, &JobHub::jobProgress, this, &MainWindow::onJobProgress);
    connect(hub, &JobHub::jobFinished, this, &MainWindow::onJobFinished);

    updateStatus(0);
    resize(1280, 800);
    const QSettings settings;
    restoreGeometry(settings.value(QLatin1String(kGeometryKey)).toByteArray());
    showPage(static_cast<Page>(std::clamp(settings.value(QLatin1String(kPageKey), int(RunsPageIndex)).toInt(), 0, PageCount - 1)));
}

MainWindow::~MainWindow() = default;

const std::optional<core::Workspace> &MainWindow::workspace() const
{
    return m_session->workspace();
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Workspace..."), this, &MainWindow::chooseWorkspace);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction *prefs = file->addAction(tr("&Preferences..."), this, &MainWindow::showPreferences);
    prefs->setShortcut(QKeySequence::Preferences);
    if (prefs->shortcut().isEmpty()) prefs->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    prefs->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < PageCount; ++i) {
        QAction *a = view->addAction(m_sidebar->item(i)->text(), this, [this, i] { showPage(static_cast<Page>(i)); });
        a->setShortcut(QKeySequence(Qt::CTRL | (Qt::Key_1 + i)));
    }

    QMenu *runs = menuBar()->addMenu(tr("&Runs"));
    QAction *newRun = runs->addAction(tr("&New Run from a Config File..."), m_runsPage, &RunsPage::startRunFromFile);
    newRun->setShortcut(QKeySequence::New);
    QAction *pause = runs->addAction(tr("&Pause Training"), m_runsPage, &RunsPage::pauseTraining);
    QAction *resume = runs->addAction(tr("Res&ume Training"), m_runsPage, &RunsPage::resumeTraining);
    QAction *stop = runs->addAction(tr("&Stop Training"), m_runsPage, &RunsPage::stopTraining);
    stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    for (QAction *a : {pause, resume, stop}) a->setEnabled(false);
    connect(m_runsPage->trainingJob(), &JobRunner::stateChanged, this, [pause, resume](int state) {
        pause->setEnabled(state == int(core::JobState::Running));
        resume->setEnabled(state == int(core::JobState::Paused));
    });
    connect(m_runsPage, &RunsPage::trainingStateChanged, this, [pause, resume, stop](bool running) {
        pause->setEnabled(running);
        resume->setEnabled(false);
        stop->setEnabled(running);
    });
    runs->addSeparator();
    QAction *refresh = runs->addAction(tr("&Refresh"), m_runsPage, &RunsPage::refresh);
    refresh->setShortcut(QKeySequence::Refresh);
    m_deleteRunAction = runs->addAction(tr("&Delete Run..."), m_runsPage, &RunsPage::deleteSelectedRun);
    m_deleteRunAction->setShortcut(QKeySequence::Delete);
    m_deleteRunAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_runsPage->addAction(m_deleteRunAction);  // Delete only acts on the Runs page
    m_deleteRunAction->setEnabled(false);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    m_demoAction = help->addAction(tr("Run the &Demo"), this, [this] { runDemo(); });
    m_demoAction->setToolTip(tr("Train the demo tokenizer and model on the shipped corpus, with live charts"));
    help->addSeparator();
    QAction *about = help->addAction(tr("&About Danka"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
    QAction *aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::showPage(Page page)
{
    m_sidebar->setCurrentRow(page);
    QSettings().setValue(QLatin1String(kPageKey), int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return static_cast<Page>(m_pages->currentIndex());
}

bool MainWindow::openWorkspace(const QString &path, bool interactive)
{
    if (!m_runningJobs.isEmpty()) {
        m_lastError = tr("A job is running in this workspace; stop it before opening another workspace.");
        if (interactive) QMessageBox::warning(this, tr("Open Workspace"), m_lastError);
        return false;
    }
    // The store opens here, once for every page (they follow the session): throws when it is unusable.
    auto setAll = [this](const std::optional<core::Workspace> &ws) { m_session->open(ws); };
    const std::optional<core::Workspace> previous = m_session->workspace();
    try {
        core::Workspace ws = core::Workspace::open(path.toStdString());
        setAll(ws);
    } catch (const core::Error &e) {
        m_lastError = QString::fromStdString(e.what());
        if (interactive)
            QMessageBox::critical(this, tr("Open Workspace"), tr("Cannot open the workspace:\n%1").arg(m_lastError));
        statusBar()->showMessage(m_lastError, 15000);
        // A store that failed to open leaves the pages empty; show the previous workspace again if there was one.
        try {
            setAll(previous);
        } catch (const core::Error &) {
            setAll(std::nullopt);
        }
        return false;
    }
    const QString absolute = QString::fromStdString(workspace()->path());
    QSettings settings;
    QStringList recent = settings.value(QString::fromLatin1(kRecentKey)).toStringList();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(QString::fromLatin1(kRecentKey), recent);
    rebuildRecentMenu();
    setWindowTitle(tr("Danka - %1").arg(QFileInfo(absolute).fileName()));
    updateStatus(m_runsPage->model()->rowCount());
    restoreSession();  // after a restart for a new language: the state it carried over
    return true;
}

void MainWindow::chooseWorkspace()
{
    const QString start = workspace() ? QString::fromStdString(workspace()->path()) : QDir::homePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Workspace"), start);
    if (!dir.isEmpty()) openWorkspace(dir);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QString::fromLatin1(kRecentKey)).toStringList();
    for (const QString &path : recent) {
        QAction *action = m_recentMenu->addAction(path);
        connect(action, &QAction::triggered, this, [this, path] { openWorkspace(path); });
    }
    if (!recent.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("&Clear Menu"), this, [this] {
            QSettings().remove(QString::fromLatin1(kRecentKey));
            rebuildRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updateStatus(int runCount)
{
    if (!workspace()) {
        m_workspaceLabel->setText(tr("No workspace"));
        return;
    }
    m_workspaceLabel->setText(
        tr("Workspace %1 | runs: %2").arg(QString::fromStdString(workspace()->path())).arg(runCount));
}

QString MainWindow::jobStatusText() const
{
    return m_jobLabel->text();
}

void MainWindow::onJobProgress(JobRunner *runner, double fraction, const QString &message, double etaSeconds)
{
    const QString eta = formatDuration(etaSeconds);
    QString text = runner->name();
    if (!message.isEmpty()) text += QStringLiteral(": ") + message;
    if (runner->state() == core::JobState::Paused)
        text += QStringLiteral(" (") + tr("paused") + QLatin1Char(')');
    else if (!eta.isEmpty())
        text += QStringLiteral(" | ") + tr("%1 left").arg(eta);
    if (m_runningJobs.size() > 1) text += QStringLiteral(" | ") + tr("%n more job(s)", nullptr, int(m_runningJobs.size() - 1));
    m_jobLabel->setText(text);
    m_jobProgress->setValue(static_cast<int>(fraction * 1000));
    m_jobProgress->show();
}

void MainWindow::onJobFinished(JobRunner *runner, int state, const QString &error)
{
    m_runningJobs.remove(runner);
    QString outcome;
    switch (static_cast<core::JobState>(state)) {
    case core::JobState::Completed: outcome = tr("%1: done").arg(runner->name()); break;
    case core::JobState::Cancelled: outcome = tr("%1: stopped").arg(runner->name()); break;
    default: outcome = tr("%1 failed: %2").arg(runner->name(), error); break;
    }
    if (m_runningJobs.isEmpty()) {
        m_jobProgress->hide();
        m_jobLabel->clear();
        statusBar()->showMessage(outcome, 15000);
    } else {
        JobRunner *next = *m_runningJobs.begin();
        onJobProgress(next, next->progress().fraction, QString::fromStdString(next->progress().message),
                      next->progress().etaSeconds);
    }
}

void MainWindow::showPreferences()
{
    SettingsDialog dialog(this);
    connect(&dialog, &SettingsDialog::restartRequested, this, [this] {
        if (!m_runningJobs.isEmpty()) {
            QMessageBox::information(this, tr("Preferences"), tr("A job is running; restart Danka when it has finished."));
            return;
        }
        if (!restartForNewLanguage())
            QMessageBox::warning(this, tr("Preferences"), tr("Danka could not be started again; restart it yourself."));
    });
    dialog.exec();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_runningJobs.isEmpty()) {
        const auto answer = QMessageBox::question(
            this, tr("Quit Danka"),
            tr("A job is running. Stop it and quit? A training writes a checkpoint first and can be resumed."),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        for (JobRunner *runner : std::as_const(m_runningJobs)) runner->cancel();
        for (JobRunner *runner : QSet<JobRunner *>(m_runningJobs)) runner->waitForFinished(120000);
    }
    QSettings().setValue(QLatin1String(kGeometryKey), saveGeometry());
    event->accept();
}

void MainWindow::showAbout()
{
    // Querying CUDA initialises the driver (up to a second or two): do it off the GUI thread.
    auto *watcher = new QFutureWatcher<core::SystemInfo>(this);
    connect(watcher, &QFutureWatcher<core::SystemInfo>::finished, this, [this, watcher] {
        const core::SystemInfo info = watcher->result();
        watcher->deleteLater();
        const auto &rt = info.runtime;
        QString gpus;
        for (const auto &g : rt.gpus)
            gpus += QStringLiteral("<br>%1 (%2)").arg(QString::fromStdString(g.name).toHtmlEscaped(),
                                                      QString::fromStdString(core::formatBytes(
                                                          static_cast<double>(g.totalMemoryBytes))));
        const QString cuda = rt.cudaAvailable
                                 ? tr("available") + gpus
                                 : tr("not available (%1)").arg(QString::fromStdString(rt.cudaUnavailableReason));
        const QString text =
            tr("<h3>Danka %1</h3>"
               "<p>Train and align a language model on one card.</p>"
               "<table cellspacing=3>"
               "<tr><td>Qt</td><td>%2</td></tr>"
               "<tr><td>LibTorch</td><td>%3</td></tr>"
               "<tr><td>CUDA</td><td>%4</td></tr>"
               "<tr><td>Danka CUDA kernels</td><td>%5</td></tr>"
               "<tr><td>SentencePiece</td><td>%6</td></tr>"
               "<tr><td>SQLite</td><td>%7</td></tr>"
               "<tr><td>Threads</td><td>%8 of %9</td></tr>"
               "</table>")
                .arg(QString::fromStdString(info.dankaVersion), QString::fromLatin1(qVersion()),
                     QString::fromStdString(rt.torchVersion +
                                            (rt.torchCudaVersion.empty() ? "" : " (CUDA " + rt.torchCudaVersion + ")")),
                     cuda,
                     rt.danKernelsCuda ? QString::fromStdString(rt.danKernelsCudaArchs) : tr("not built"),
                     QString::fromStdString(info.sentencepieceVersion), QString::fromStdString(info.sqliteVersion))
                .arg(rt.intraOpThreads)
                .arg(rt.hardwareThreads);
        QMessageBox::about(this, tr("About Danka"), text);
    });
    watcher->setFuture(QtConcurrent::run([] { return core::systemInfo(); }));
}

}  // namespace danka::ui
