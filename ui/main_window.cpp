// Main window (see main_window.h).
#include "ui/main_window.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>

#include "core/error.h"
#include "core/system_info.h"
#include "core/text_util.h"
#include "ui/runs/runs_model.h"
#include "ui/runs/runs_page.h"

namespace danka::ui {

namespace {
constexpr int kMaxRecent = 8;
const char *kRecentKey = "workspaces/recent";
}  // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_runsPage(new RunsPage(this)), m_workspaceLabel(new QLabel(this))
{
    setWindowTitle(tr("Danka"));
    setWindowIcon(QIcon(QStringLiteral(":/danka/icons/danka.png")));
    auto *tabs = new QTabWidget(this);
    tabs->setDocumentMode(true);
    tabs->addTab(m_runsPage, tr("Runs"));
    setCentralWidget(tabs);
    statusBar()->addPermanentWidget(m_workspaceLabel);
    createMenus();

    connect(m_runsPage, &RunsPage::runCountChanged, this, &MainWindow::updateStatus);
    connect(m_runsPage, &RunsPage::selectedRunChanged, m_deleteRunAction, &QAction::setEnabled);
    connect(m_runsPage, &RunsPage::storeError, this,
            [this](const QString &message) { statusBar()->showMessage(message, 10000); });
    updateStatus(0);
    resize(1100, 680);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Workspace..."), this, &MainWindow::chooseWorkspace);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *runs = menuBar()->addMenu(tr("&Runs"));
    m_refreshAction = runs->addAction(tr("&Refresh"), m_runsPage, &RunsPage::refresh);
    m_refreshAction->setShortcut(QKeySequence::Refresh);
    m_deleteRunAction = runs->addAction(tr("&Delete Run..."), m_runsPage, &RunsPage::deleteSelectedRun);
    m_deleteRunAction->setShortcut(QKeySequence::Delete);
    m_deleteRunAction->setEnabled(false);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Danka"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
    QAction *aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setMenuRole(QAction::AboutQtRole);
}

bool MainWindow::openWorkspace(const QString &path, bool interactive)
{
    try {
        core::Workspace ws = core::Workspace::open(path.toStdString());
        m_runsPage->setWorkspace(ws);
        m_workspace = ws;
    } catch (const core::Error &e) {
        m_lastError = QString::fromStdString(e.what());
        if (interactive)
            QMessageBox::critical(this, tr("Open Workspace"), tr("Cannot open the workspace:\n%1").arg(m_lastError));
        statusBar()->showMessage(m_lastError, 15000);
        // A store that failed to open leaves the page empty; show the previous workspace again if there was one.
        try {
            m_runsPage->setWorkspace(m_workspace);
        } catch (const core::Error &) {
            m_workspace.reset();
            m_runsPage->setWorkspace(std::nullopt);
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
               "<tr><td>SQLite</td><td>%6</td></tr>"
               "<tr><td>Threads</td><td>%7 of %8</td></tr>"
               "</table>")
                .arg(QString::fromStdString(info.dankaVersion), QString::fromLatin1(qVersion()),
                     QString::fromStdString(rt.torchVersion +
                                            (rt.torchCudaVersion.empty() ? "" : " (CUDA " + rt.torchCudaVersion + ")")),
                     cuda,
                     rt.danKernelsCuda ? QString::fromStdString(rt.danKernelsCudaArchs) : tr("not built"),
                     QString::fromStdString(info.sqliteVersion))
                .arg(rt.intraOpThreads)
                .arg(rt.hardwareThreads);
        QMessageBox::about(this, tr("About Danka"), text);
    });
    watcher->setFuture(QtConcurrent::run([] { return core::systemInfo(); }));
}

}  // namespace danka::ui
