// The studio's first window on a real workspace: runs from the store, details, live refresh when another
// connection writes, deleting, and a bad workspace that must not take the window down.
#include <QAbstractButton>
#include <QApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "core/store/experiment_store.h"
#include "core/demo/demo.h"
#include "core/store/workspace.h"
#include "ui/i18n.h"
#include "ui/chat/chat_page.h"
#include "ui/main_window.h"
#include "ui_test_util.h"
#include "ui/runs/runs_model.h"
#include "ui/runs/runs_page.h"
#include "ui/common/job_runner.h"
#include "ui/settings_dialog.h"
#include "ui/theme.h"
#include <QComboBox>
#include <QListWidget>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QHeaderView>
#include <QStatusBar>
#include <filesystem>
#include <thread>
#include "core/store/conversations.h"
#include "core/util/text_util.h"
#include "ui/compare/compare_page.h"
#include "ui/configure/config_page.h"

using namespace danka;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("danka-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void showsTheRunsOfTheWorkspace()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        int64_t failed;
        {
            core::ExperimentStore store(ws.databasePath());
            store.createRun("first", "pretrain");
            failed = store.createRun("second", "sft", R"({"optim": {"learning_rate": 0.0003}})");
            store.appendMetrics({{failed, "train/loss", 5, 1.75, 0}});
            store.setRunStatus(failed, core::RunStatus::Failed, "CUDA out of memory");
        }
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
        window.show();
        ui::RunsPage *page = window.runsPage();
        QCOMPARE(page->view()->model()->rowCount(), 2);
        QVERIFY(window.windowTitle().contains(QStringLiteral("ws")));

        QVERIFY(page->selectRun(failed));
        const QString details = page->detailsText();
        QVERIFY2(details.contains(QStringLiteral("second")), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("CUDA out of memory")), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("train/loss")) && details.contains(QStringLiteral("1.75")),
                 qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("0.0003")), qPrintable(details));

        // Another connection (in real life: danka-cli training in another process) adds a run: the page
        // picks it up from its poll without any action.
        core::ExperimentStore other(ws.databasePath());
        other.createRun("third, from outside", "pretrain");
        QTRY_COMPARE_WITH_TIMEOUT(page->view()->model()->rowCount(), 3, 5000);
        QCOMPARE(page->selectedRunId(), std::optional<int64_t>(failed));  // the selection survived
    }

    void deletingAskesFirstThenRemovesRowAndFolder()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        int64_t id;
        {
            core::ExperimentStore store(ws.databasePath());
            id = store.createRun("doomed", "pretrain");
        }
        QVERIFY(QDir().mkpath(QString::fromStdString(ws.runDir(id))));
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
        ui::RunsPage *page = window.runsPage();
        QVERIFY(page->selectRun(id));

        auto answer = [](QMessageBox::StandardButton button) {
            QTimer::singleShot(50, [button] {
                auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                if (box) box->button(button)->click();
            });
        };
        answer(QMessageBox::Cancel);
        page->deleteSelectedRun();
        QCOMPARE(page->view()->model()->rowCount(), 1);  // cancelled: nothing happened

        answer(QMessageBox::Yes);
        page->deleteSelectedRun();
        QCOMPARE(page->view()->model()->rowCount(), 0);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(ws.runDir(id))));
        QVERIFY(!core::ExperimentStore(ws.databasePath()).run(id).has_value());
    }

    void aBadWorkspaceKeepsTheCurrentOne()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("good")).toStdString());
        core::ExperimentStore(ws.databasePath()).createRun("kept", "pretrain");
        QFile stray(dir.filePath(QStringLiteral("stray.txt")));
        QVERIFY(stray.open(QIODevice::WriteOnly));
        stray.close();

        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
        QVERIFY(!window.openWorkspace(dir.path(), false));  // non-empty, no danka.sqlite
        QVERIFY(window.lastError().contains(QStringLiteral("not empty")));
        QCOMPARE(QString::fromStdString(window.workspace()->path()), QString::fromStdString(ws.path()));
        QCOMPARE(window.runsPage()->view()->model()->rowCount(), 1);

        ui::MainWindow empty;
        QVERIFY(!empty.openWorkspace(dir.filePath(QStringLiteral("stray.txt")), false));
        QVERIFY(!empty.workspace().has_value());
        QCOMPARE(empty.runsPage()->view()->model()->rowCount(), 0);
    }

    void pagesShortcutsAndTheRunningJobInTheStatusBar()
    {
        ui::MainWindow window;
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto *stack = window.findChild<QStackedWidget *>();
        QVERIFY(stack);
        QCOMPARE(stack->count(), int(ui::MainWindow::PageCount));
        // Ctrl+1..6 switch pages (the View menu's shortcuts).
        for (int i = 0; i < ui::MainWindow::PageCount; ++i) {
            QTest::keyClick(&window, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(int(window.currentPage()), i);
            QCOMPARE(stack->currentIndex(), i);
        }
        // The page is remembered for the next start.
        QCOMPARE(QSettings().value(QStringLiteral("window/page")).toInt(), int(ui::MainWindow::ChatPageIndex));

        // Any job of the studio shows its name, progress message and ETA in the status bar.
        ui::JobRunner runner;
        std::atomic<bool> release{false};
        runner.start(QStringLiteral("probe job"), [&](core::JobContext &job) {
            job.setProgress(0.25, "quarter");
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        });
        QVERIFY(test::waitUntil([&] { return window.jobStatusText().contains(QStringLiteral("quarter")); }, 5000));
        QVERIFY(window.jobStatusText().contains(QStringLiteral("probe job")));
        QVERIFY2(window.jobStatusText().contains(QStringLiteral("left")), qPrintable(window.jobStatusText()));
        release = true;
        QVERIFY(runner.waitForFinished(5000));
        QVERIFY(window.jobStatusText().isEmpty());
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("probe job: done")));
    }

    void themesAndPreferences()
    {
        ui::applyTheme(QStringLiteral("dark"));
        QVERIFY(ui::isDarkPalette());
        ui::applyTheme(QStringLiteral("light"));
        QVERIFY(!ui::isDarkPalette());
        QCOMPARE(ui::applyTheme(QStringLiteral("system")), QStringLiteral("system"));

        ui::SettingsDialog dialog;
        dialog.languageBox()->setCurrentIndex(dialog.languageBox()->findData(QStringLiteral("zh_CN")));
        dialog.themeBox()->setCurrentIndex(dialog.themeBox()->findData(QStringLiteral("dark")));
        QVERIFY(dialog.save());  // the language changed: a restart applies it
        QCOMPARE(QSettings().value(QLatin1String(ui::settings::kLanguage)).toString(), QStringLiteral("zh_CN"));
        QCOMPARE(QSettings().value(QLatin1String(ui::settings::kTheme)).toString(), QStringLiteral("dark"));
        QVERIFY(ui::isDarkPalette());
        QVERIFY(!dialog.save());  // nothing changed
        ui::applyTheme(QStringLiteral("system"));
        QSettings().remove(QLatin1String(ui::settings::kLanguage));
        QSettings().remove(QLatin1String(ui::settings::kTheme));
    }

    void theDemoRunsFromTheWindow()
    {
        QTemporaryDir dir;
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(dir.filePath(QStringLiteral("ws")), false));
        window.runsPage()->setTrainingHooks({{}, 1e9});
        window.show();
        QSignalSpy finished(window.runsPage(), &ui::RunsPage::trainingFinished);
        window.runDemo(4, 3);
        QCOMPARE(window.currentPage(), ui::MainWindow::RunsPageIndex);
        QVERIFY(finished.wait(240000));
        QCOMPARE(finished.first().at(1).toInt(), int(core::JobState::Completed));
        const int64_t runId = finished.first().at(0).toLongLong();
        // Then SFT from the pretraining run's checkpoint, whose checkpoint the Chat page loads.
        QVERIFY(finished.size() > 1 || finished.wait(240000));
        QCOMPARE(finished.at(1).at(1).toInt(), int(core::JobState::Completed));
        const int64_t sftId = finished.at(1).at(0).toLongLong();
        // The oracle: the store holds the demo's datasets, tokenizer, runs, metrics and final checkpoints.
        core::ExperimentStore store(window.workspace()->databasePath());
        QCOMPARE(store.datasets().size(), size_t(4));
        QCOMPARE(store.tokenizers().size(), size_t(1));
        QCOMPARE(store.run(runId)->status, core::RunStatus::Completed);
        QCOMPARE(store.run(runId)->name, std::string("demo"));
        QCOMPARE(store.checkpoints(runId).size(), size_t(1));
        QVERIFY(!store.series(runId, "train/loss").empty());
        QCOMPARE(store.run(sftId)->name, std::string("demo-sft"));
        QCOMPARE(store.run(sftId)->stage, std::string("sft"));
        QCOMPARE(store.run(sftId)->parentRunId, std::optional<int64_t>(runId));
        QCOMPARE(window.runsPage()->selectedRunId(), std::optional<int64_t>(sftId));
        const std::string sftCheckpoint = store.checkpoints(sftId).back().path;
        // It ends in Chat, as README says, with the SFT model loaded, and the status bar says it is ready.
        QCOMPARE(window.currentPage(), ui::MainWindow::ChatPageIndex);
        QTRY_COMPARE_WITH_TIMEOUT(window.chatPage()->loadedCheckpoint(), QString::fromStdString(sftCheckpoint), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(window.statusBar()->currentMessage().contains(QStringLiteral("ready")), 10000);
        QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("你是谁？")),
                 qPrintable(window.statusBar()->currentMessage()));
        // A tiny model (the oracle: its parameter count from its config, under the stated threshold) gets
        // greedy decoding by default and one line on what to expect of it.
        const int64_t parameters = core::demoRunConfig().model.parameterCount();
        QVERIFY(parameters < ui::ChatPage::kTinyModelParameters);
        QVERIFY(window.chatPage()->samplingSettings().greedy);
        const QString note = window.chatPage()->modelNote();
        QVERIFY2(note.contains(QString::fromStdString(core::formatCount(double(parameters)))) &&
                     note.contains(QStringLiteral("tiny")),
                 qPrintable(note));
    }

    void theRunsListShowsStageAndStatusAtCommonSizes_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x700") << QSize(1024, 700);
        QTest::newRow("1440x900") << QSize(1440, 900);
    }
    void theRunsListShowsStageAndStatusAtCommonSizes()
    {
        QFETCH(QSize, size);
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        {
            core::ExperimentStore store(ws.databasePath());
            const int64_t parent = store.createRun("demo", "pretrain");
            store.setRunStatus(parent, core::RunStatus::Completed);
            const int64_t child = store.createRun("demo-sft", "distill", "{}", parent);
            store.setRunStatus(child, core::RunStatus::Cancelled);
        }
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
        window.showPage(ui::MainWindow::RunsPageIndex);
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::qWait(50);
        QCOMPARE(window.size(), size);  // no page makes the window wider than the screen size
        QTableView *view = window.runsPage()->view();
        QHeaderView *header = view->horizontalHeader();
        for (const int column : {int(ui::RunsModel::IdColumn), int(ui::RunsModel::NameColumn),
                                 int(ui::RunsModel::StageColumn), int(ui::RunsModel::StatusColumn)}) {
            QVERIFY2(!header->isSectionHidden(column), qPrintable(QString::number(column)));
            const int right = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(header->sectionViewportPosition(column) >= 0 && right <= view->viewport()->width(),
                     qPrintable(QStringLiteral("column %1 ends at %2 of %3").arg(column).arg(right).arg(view->viewport()->width())));
            // The whole text fits: no eliding of "cancelled" or "distill".
            for (int row = 0; row < view->model()->rowCount(); ++row) {
                const QString text = view->model()->index(row, column).data().toString();
                if (column != int(ui::RunsModel::NameColumn))
                    QVERIFY2(view->fontMetrics().horizontalAdvance(text) < header->sectionSize(column), qPrintable(text));
            }
        }
        QVERIFY(header->sectionSize(ui::RunsModel::NameColumn) >= view->fontMetrics().averageCharWidth() * 10);
        // Whatever else is shown is whole: its title fits and it ends inside the list.
        for (int column = 0; column < ui::RunsModel::ColumnCount; ++column) {
            if (header->isSectionHidden(column)) continue;
            const QString title = view->model()->headerData(column, Qt::Horizontal).toString();
            QVERIFY2(header->fontMetrics().horizontalAdvance(title) < header->sectionSize(column), qPrintable(title));
            QVERIFY2(header->sectionViewportPosition(column) + header->sectionSize(column) <= view->viewport()->width(),
                     qPrintable(title));
        }
    }

    void aMovedWorkspaceOpensAndChatsInTheStudio()
    {
        // The window on a workspace copied elsewhere, the original deleted: its runs and checkpoints are the
        // copy's, and the chat loads the copy's checkpoint (tst_moved_workspace trains there).
        QTemporaryDir dir;
        const std::string original = dir.filePath(QStringLiteral("original")).toStdString();
        const std::string copy = dir.filePath(QStringLiteral("moved/copy")).toStdString();
        {
            const auto ws = core::Workspace::open(original);
            const std::string checkpoint =
                test::makeTinyCheckpoint(ws, ws.runDir(1) + "/checkpoints/step-00000030");
            core::ExperimentStore store(ws.databasePath());
            store.addCheckpoint(store.createRun("tiny", "pretrain"), 30, checkpoint);
        }
        std::filesystem::create_directories(std::filesystem::path(copy).parent_path());
        std::filesystem::copy(original, copy, std::filesystem::copy_options::recursive);
        std::filesystem::remove_all(original);

        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(copy), false));
        QCOMPARE(window.runsPage()->model()->rowCount(), 1);
        const QString expected = QString::fromStdString(copy + "/runs/1/checkpoints/step-00000030");
        const QComboBox *picker = window.chatPage()->checkpointBox();
        bool offered = false;
        for (int i = 0; i < picker->count(); ++i) offered |= picker->itemData(i).toString() == expected || picker->itemText(i) == expected;
        QVERIFY2(offered, "the chat offers the copy's checkpoint");
        window.chatPage()->openCheckpoint(expected);
        QTRY_COMPARE_WITH_TIMEOUT(window.chatPage()->state(), ui::ChatPage::State::Ready, 30000);
        QCOMPARE(window.chatPage()->loadedCheckpoint(), expected);
    }

    void theLanguageSwitchKeepsTheState()
    {
        // Set state, switch the language (the restart: the launcher is the test's), and the new window has it
        // back: the Configure page's unsaved config, the Chat checkpoint and sampling, the Compare selection,
        // the selected run and the page.
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        const std::string checkpoint = test::makeTinyCheckpoint(ws, dir.filePath(QStringLiteral("tiny")).toStdString());
        int64_t a, b, c;
        {
            core::ExperimentStore store(ws.databasePath());
            a = store.createRun("a", "pretrain");
            b = store.createRun("b", "pretrain");
            c = store.createRun("c", "pretrain");
            store.appendMetrics({{a, "train/loss", 1, 2.0, 0}, {b, "train/loss", 1, 1.5, 0}, {c, "train/loss", 1, 1.0, 0}});
        }
        const QString edited = QStringLiteral("{\n  \"preset\": \"demo\",\n  \"optim\": {\"learning_rate\": 0.00042}\n}\n");
        QStringList launched;
        {
            ui::MainWindow window;
            QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
            window.show();
            window.configPage()->setJsonText(edited);
            window.comparePage()->setCheckedRuns({a, c});
            QVERIFY(window.runsPage()->selectRun(b));
            window.chatPage()->openCheckpoint(QString::fromStdString(checkpoint));
            QTRY_COMPARE_WITH_TIMEOUT(window.chatPage()->state(), ui::ChatPage::State::Ready, 30000);
            core::GenerateRequest sampling = window.chatPage()->samplingSettings();
            sampling.greedy = false;  // the user's choice beats the tiny-model default
            sampling.temperature = 0.55;
            window.chatPage()->setSamplingSettings(sampling);
            window.chatPage()->setSystemPrompt(QStringLiteral("Be brief."));
            window.showPage(ui::MainWindow::ComparePageIndex);

            window.setRestartLauncher([&](const QString &, const QStringList &args) {
                launched = args;
                return true;
            });
            QVERIFY(window.restartForNewLanguage());
            QVERIFY(!window.isVisible());  // this window closed
        }
        const int at = launched.indexOf(QStringLiteral("--workspace"));
        QVERIFY(at >= 0 && at + 1 < launched.size());
        QCOMPARE(launched[at + 1], QString::fromStdString(ws.path()));
        QVERIFY(!launched.contains(QStringLiteral("--lang")));

        QCOMPARE(ui::installTranslations(*qApp, QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(launched[at + 1], false));
        QCOMPARE(window.configPage()->jsonText(), edited);
        QCOMPARE(window.configPage()->config().optim.learningRate, 0.00042);
        QCOMPARE(window.comparePage()->checkedRuns(), (QList<int64_t>{a, c}));
        QCOMPARE(window.runsPage()->selectedRunId(), std::optional<int64_t>(b));
        QCOMPARE(window.currentPage(), ui::MainWindow::ComparePageIndex);
        QCOMPARE(window.chatPage()->systemPrompt(), QStringLiteral("Be brief."));
        QTRY_COMPARE_WITH_TIMEOUT(window.chatPage()->loadedCheckpoint(), QDir::cleanPath(QString::fromStdString(checkpoint)), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(window.chatPage()->samplingSettings().temperature, 0.55, 5000);
        QVERIFY(!window.chatPage()->samplingSettings().greedy);
        // Once: a later start does not restore it again.
        ui::MainWindow later;
        QVERIFY(later.openWorkspace(launched[at + 1], false));
        QVERIFY(later.chatPage()->loadedCheckpoint().isEmpty() && later.chatPage()->state() == ui::ChatPage::State::NoModel);
    }

    // Last: it installs translators for the rest of the process.
    void chineseInterfaceLoads()
    {
        QCOMPARE(ui::installTranslations(*qApp, QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        ui::MainWindow window;
        const auto menus = window.menuBar()->actions();
        QVERIFY(!menus.isEmpty());
        QCOMPARE(menus.first()->text(), QStringLiteral("文件(&F)"));
        QCOMPARE(window.runsPage()->model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("名称"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
