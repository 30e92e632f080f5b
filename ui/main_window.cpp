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
#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "core/checkpoint/model_init.h"
#include "core/store/conversations.h"
#include "core/util/system_info.h"
#include "core/util/text_util.h"
#include "ui/chat/chat_page.h"
#include "ui/common/job_runner.h"
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
      m_sidebar(new QListWidget(this)),
      m_pages(new QStackedWidget(this)),
      m_dataPage(new DataPage(this)),
      m_tokenizerPage(new TokenizerPage(this)),
      m_configPage(new ConfigPage(this)),
      m_runsPage(new RunsPage(this)),
      m_comparePage(new ComparePage(this)),
      m_chatPage(new ChatPage(this)),
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
    auto setAll = [this](const std::optional<core::Workspace> &ws) {
        m_runsPage->setWorkspace(ws);  // the store opens here: throws when it is unusable
        m_dataPage->setWorkspace(ws);
        m_tokenizerPage->setWorkspace(ws);
        m_configPage->setWorkspace(ws);
        m_comparePage->setWorkspace(ws);
        m_chatPage->setWorkspace(ws);
    };
    try {
        core::Workspace ws = core::Workspace::open(path.toStdString());
        setAll(ws);
        m_workspace = ws;
    } catch (const core::Error &e) {
        m_lastError = QString::fromStdString(e.what());
        if (interactive)
            QMessageBox::critical(this, tr("Open Workspace"), tr("Cannot open the workspace:\n%1").arg(m_lastError));
        statusBar()->showMessage(m_lastError, 15000);
        // A store that failed to open leaves the pages empty; show the previous workspace again if there was one.
        try {
            setAll(m_workspace);
        } catch (const core::Error &) {
            m_workspace.reset();
            setAll(std::nullopt);
        }
        return false;
    }
    const QString absolute = QString::fromStdString(m_workspace->path());
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
    const QString start = m_workspace ? QString::fromStdString(m_workspace->path()) : QDir::homePath();
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
    if (!m_workspace) {
        m_workspaceLabel->setText(tr("No workspace"));
        return;
    }
    m_workspaceLabel->setText(tr("Workspace %1 | runs: %2").arg(QString::fromStdString(m_workspace->path())).arg(runCount));
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

void MainWindow::runDemo(int steps, int sftSteps)
{
    if (!m_workspace) {
        QMessageBox::information(this, tr("Run the Demo"), tr("Open a workspace first (File > Open Workspace)."));
        return;
    }
    if (m_demoRunner->isRunning() || m_runsPage->trainingRunId()) {
        statusBar()->showMessage(tr("The demo needs the training slot: a job is already running."), 10000);
        return;
    }
    const core::Workspace ws = *m_workspace;
    auto config = std::make_shared<core::RunConfig>(core::demoRunConfig(steps));
    auto tokenizerDir = std::make_shared<std::string>();
    auto datasets = std::make_shared<core::DemoDatasets>();
    const int vocab = static_cast<int>(config->model.vocabSize);
    m_demoAction->setEnabled(false);
    showPage(RunsPageIndex);
    // 1. Tokenizer and pretraining data; 2. pretraining; 3. SFT data; 4. SFT; 5. the SFT model in the Chat page.
    runDemoJob(
        tr("Demo data"),
        [ws, vocab, tokenizerDir, datasets](core::JobContext &job) {
            *tokenizerDir = core::ensureDemoTokenizer(ws, vocab, job);
            *datasets = core::prepareDemoDatasets(ws, *tokenizerDir, job);
        },
        [this, ws, config, datasets, tokenizerDir, sftSteps] {
            core::useDemoDatasets(*config, *datasets);
            m_dataPage->setWorkspace(m_workspace);  // the new datasets and tokenizer
            m_tokenizerPage->setWorkspace(m_workspace);
            if (!m_runsPage->startRun(*config)) return;
            const std::optional<int64_t> pretraining = m_runsPage->trainingRunId();
            if (!pretraining) return;
            m_demoAction->setEnabled(false);
            afterDemoRun(*pretraining, [this, ws, tokenizerDir, sftSteps](const std::string &checkpoint) {
                auto sft = std::make_shared<core::DemoDatasets>();
                runDemoJob(
                    tr("Demo conversations"),
                    [ws, tokenizerDir, sft](core::JobContext &job) {
                        *sft = core::prepareDemoSftDatasets(ws, *tokenizerDir, job);
                    },
                    [this, checkpoint, sft, sftSteps] {
                        m_dataPage->setWorkspace(m_workspace);
                        if (!m_runsPage->startRun(core::demoSftConfig(checkpoint, *sft, sftSteps))) return;
                        const std::optional<int64_t> run = m_runsPage->trainingRunId();
                        if (!run) return;
                        m_demoAction->setEnabled(false);
                        afterDemoRun(*run, [this](const std::string &sftCheckpoint) {
                            finishDemoInChat(QString::fromStdString(sftCheckpoint));
                        });
                    });
            });
        });
}

void MainWindow::finishDemoInChat(const QString &checkpoint)
{
    // The demo ends where README says: in Chat, its SFT model loaded, and the status bar says when it is ready.
    showPage(ChatPageIndex);
    statusBar()->showMessage(tr("The demo is done: loading its model in Chat..."));
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_chatPage, &ChatPage::stateChanged, this, [this, checkpoint, connection](ChatPage::State state) {
        if (state == ChatPage::State::Loading || state == ChatPage::State::Generating) return;
        disconnect(*connection);
        if (state == ChatPage::State::Ready && m_chatPage->loadedCheckpoint() == checkpoint) {
            QStringList questions;
            for (const std::string &q : core::demoChatQuestions()) questions << QString::fromStdString(q);
            const QString ready = tr("The demo's model is ready: ask it %1").arg(questions.join(tr(" or ")));
            // After the load job's own "done" in the status bar (reported right after this signal).
            QTimer::singleShot(0, this, [this, ready] { statusBar()->showMessage(ready, 60000); });
        } else {
            statusBar()->clearMessage();  // the Chat page shows why it did not load
        }
    });
    m_chatPage->openCheckpoint(checkpoint);
}

void MainWindow::runDemoJob(const QString &title, std::function<void(core::JobContext &)> work,
                            std::function<void()> then)
{
    m_demoAction->setEnabled(false);
    m_demoRunner->start(title, std::move(work));
    // One-shot: the connection is dropped once the job finished.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_demoRunner, &JobRunner::finished, this,
                          [this, then = std::move(then), connection](int state, const QString &error) {
                              disconnect(*connection);
                              m_demoAction->setEnabled(true);
                              if (state == int(core::JobState::Completed)) then();
                              else if (state == int(core::JobState::Failed))
                                  QMessageBox::warning(this, tr("Run the Demo"), error);
                          });
}

void MainWindow::afterDemoRun(int64_t runId, std::function<void(const std::string &)> then)
{
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_runsPage, &RunsPage::trainingFinished, this,
                          [this, runId, then = std::move(then), connection](int64_t finished, int state, const QString &) {
                              if (finished != runId) return;
                              disconnect(*connection);
                              m_demoAction->setEnabled(true);
                              if (state != int(core::JobState::Completed) || !m_workspace) return;
                              try {
                                  const auto checkpoints =
                                      core::ExperimentStore(m_workspace->databasePath()).checkpoints(runId);
                                  if (!checkpoints.empty()) then(checkpoints.back().path);
                              } catch (const core::Error &e) {
                                  statusBar()->showMessage(QString::fromStdString(e.what()), 15000);
                              }
                          });
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

// --- restarting with the state of the session ---------------------------------------------------------------

namespace {
const char *kSessionGroup = "restart";  // QSettings group of the state a restart carries over
}  // namespace

bool MainWindow::restartForNewLanguage()
{
    if (!m_runningJobs.isEmpty()) return false;
    QStringList args = QApplication::arguments().mid(1);
    // The new language comes from the settings: drop an explicit --lang of this session; the workspace is
    // this window's (also when it was opened from the menu), and the demo does not run again.
    for (const QString &option : {QStringLiteral("--lang"), QStringLiteral("--workspace")}) {
        const int i = args.indexOf(option);
        if (i >= 0) args.remove(i, std::min<qsizetype>(2, args.size() - i));
    }
    args.removeAll(QStringLiteral("--demo"));
    if (m_workspace) args << QStringLiteral("--workspace") << QString::fromStdString(m_workspace->path());

    QSettings settings;
    settings.remove(QLatin1String(kSessionGroup));
    if (m_workspace) {
        settings.beginGroup(QLatin1String(kSessionGroup));
        settings.setValue(QStringLiteral("workspace"), QString::fromStdString(m_workspace->path()));
        settings.setValue(QStringLiteral("page"), int(currentPage()));
        settings.setValue(QStringLiteral("config"), m_configPage->jsonText());
        const QString checkpoint = !m_chatPage->loadedAdapter().isEmpty() ? m_chatPage->loadedAdapter()
                                                                           : m_chatPage->loadedCheckpoint();
        settings.setValue(QStringLiteral("chatCheckpoint"), checkpoint);
        if (const auto id = m_chatPage->conversationId()) settings.setValue(QStringLiteral("chatConversation"), qlonglong(*id));
        settings.setValue(QStringLiteral("chatSystemPrompt"), m_chatPage->systemPrompt());
        settings.setValue(QStringLiteral("chatSampling"),
                          QString::fromStdString(core::samplingSettingsJson(m_chatPage->samplingSettings())));
        QVariantList compared;
        for (const int64_t id : m_comparePage->checkedRuns()) compared << qlonglong(id);
        settings.setValue(QStringLiteral("compareRuns"), compared);
        settings.setValue(QStringLiteral("compareMetric"), m_comparePage->metric());
        if (const auto run = m_runsPage->selectedRunId()) settings.setValue(QStringLiteral("selectedRun"), qlonglong(*run));
        settings.endGroup();
    }
    settings.sync();
    const Launcher launch = m_launcher ? m_launcher : [](const QString &program, const QStringList &arguments) {
        return QProcess::startDetached(program, arguments);
    };
    if (!launch(QApplication::applicationFilePath(), args)) {
        settings.remove(QLatin1String(kSessionGroup));
        return false;
    }
    close();
    return true;
}

bool MainWindow::restoreSession()
{
    QSettings settings;
    settings.beginGroup(QLatin1String(kSessionGroup));
    const QString workspace = settings.value(QStringLiteral("workspace")).toString();
    if (workspace.isEmpty() || !m_workspace || workspace != QString::fromStdString(m_workspace->path())) return false;
    const int page = settings.value(QStringLiteral("page"), int(currentPage())).toInt();
    const QString config = settings.value(QStringLiteral("config")).toString();
    const QString checkpoint = settings.value(QStringLiteral("chatCheckpoint")).toString();
    const QVariant conversation = settings.value(QStringLiteral("chatConversation"));
    const QString systemPrompt = settings.value(QStringLiteral("chatSystemPrompt")).toString();
    const std::string sampling = settings.value(QStringLiteral("chatSampling")).toString().toStdString();
    QList<int64_t> compared;
    for (const QVariant &id : settings.value(QStringLiteral("compareRuns")).toList()) compared << id.toLongLong();
    const QString metric = settings.value(QStringLiteral("compareMetric")).toString();
    const QVariant selectedRun = settings.value(QStringLiteral("selectedRun"));
    settings.endGroup();
    settings.remove(QLatin1String(kSessionGroup));  // once

    if (!config.isEmpty()) m_configPage->setJsonText(config);
    if (selectedRun.isValid()) m_runsPage->selectRun(selectedRun.toLongLong());
    m_comparePage->setCheckedRuns(compared);
    if (!metric.isEmpty()) m_comparePage->setMetric(metric);
    bool reopened = false;
    if (conversation.isValid()) reopened = m_chatPage->openConversation(conversation.toLongLong());
    if (!checkpoint.isEmpty() && !reopened) m_chatPage->openCheckpoint(checkpoint);
    m_chatPage->setSystemPrompt(systemPrompt);
    // The sampling settings as they were, once the model has loaded (a tiny model's default does not win).
    auto applySampling = [this, sampling] {
        core::GenerateRequest request = m_chatPage->samplingSettings();
        core::applySamplingSettings(sampling, request);
        m_chatPage->setSamplingSettings(request);
    };
    if (m_chatPage->state() == ChatPage::State::Loading) {
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_chatPage, &ChatPage::stateChanged, this, [connection, applySampling](ChatPage::State s) {
            if (s == ChatPage::State::Loading) return;
            disconnect(*connection);
            applySampling();
        });
    } else {
        applySampling();
    }
    showPage(static_cast<Page>(std::clamp(page, 0, PageCount - 1)));
    return true;
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
