// The studio's one workspace session (ui/common/workspace_session.h): a run and a checkpoint written by another
// connection (in real life danka-cli training in another process) are found by one poll and published once
// (each list's signal exactly once, nothing for the lists that did not change), every page that views the
// session shows them, a change made through the session's own connection is published by refresh(), opening
// a workspace publishes every list, and the main window's pages share one session.
#include <QComboBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "core/store/experiment_store.h"
#include "ui/chat/chat_page.h"
#include "ui/common/workspace_session.h"
#include "ui/compare/compare_page.h"
#include "ui/main_window.h"
#include "ui/runs/runs_page.h"

using namespace danka;
using ui::WorkspaceSession;

namespace {

struct Spies {
    explicit Spies(WorkspaceSession &s)
        : runs(&s, &WorkspaceSession::runsChanged),
          checkpoints(&s, &WorkspaceSession::checkpointsChanged),
          datasets(&s, &WorkspaceSession::datasetsChanged),
          tokenizers(&s, &WorkspaceSession::tokenizersChanged),
          workspace(&s, &WorkspaceSession::workspaceChanged)
    {}
    void clear()
    {
        for (QSignalSpy *spy : {&runs, &checkpoints, &datasets, &tokenizers, &workspace}) spy->clear();
    }
    QSignalSpy runs, checkpoints, datasets, tokenizers, workspace;
};

// Whether `box` offers an item with `text`.
bool offers(const QComboBox *box, const QString &text)
{
    return box->findText(text) >= 0;
}

}  // namespace

class TestWorkspaceSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("danka-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_workspace_session"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void openingPublishesEveryListOnce()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        core::ExperimentStore(ws.databasePath()).createRun("first", "pretrain");
        WorkspaceSession session;
        Spies spies(session);
        session.open(ws);
        QCOMPARE(spies.workspace.count(), 1);
        QCOMPARE(spies.runs.count(), 1);
        QCOMPARE(spies.checkpoints.count(), 1);
        QCOMPARE(spies.datasets.count(), 1);
        QCOMPARE(spies.tokenizers.count(), 1);
        QCOMPARE(session.runs().size(), size_t(1));
        QCOMPARE(session.runs()[0].name, std::string("first"));

        spies.clear();
        session.open(std::nullopt);  // closed: every list is empty again, and says so
        QVERIFY(!session.isOpen() && !session.store());
        QCOMPARE(spies.workspace.count(), 1);
        QCOMPARE(spies.runs.count(), 1);
        QVERIFY(session.runs().empty());
    }

    void anotherWritersRunIsPublishedOnceToEveryPage()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        core::ExperimentStore(ws.databasePath()).createRun("mine", "pretrain");
        WorkspaceSession session;
        ui::RunsPage runsPage(&session, nullptr);
        ui::ComparePage comparePage(&session, nullptr);
        ui::ChatPage chatPage(&session, nullptr);
        session.open(ws);
        QCOMPARE(runsPage.view()->model()->rowCount(), 1);
        QCOMPARE(comparePage.runsModel()->rowCount(), 1);
        Spies spies(session);
        const int pollsBefore = session.pollCount();

        // Another connection writes a run with a checkpoint in one go.
        const QString checkpointDir = dir.filePath(QStringLiteral("ws/runs/outside/step-7"));
        {
            core::ExperimentStore other(ws.databasePath());
            const int64_t id = other.createRun("outside", "sft");
            other.addCheckpoint(id, 7, checkpointDir.toStdString());
        }
        QTRY_COMPARE_WITH_TIMEOUT(spies.runs.count(), 1, 5000);
        QCOMPARE(spies.checkpoints.count(), 1);
        QCOMPARE(session.pollCount(), pollsBefore + 1);  // one poll found the change
        // Two more polls find nothing new: no signal is repeated.
        QTest::qWait(2 * WorkspaceSession::kPollMs + 300);
        QCOMPARE(spies.runs.count(), 1);
        QCOMPARE(spies.checkpoints.count(), 1);
        QCOMPARE(spies.datasets.count(), 0);
        QCOMPARE(spies.tokenizers.count(), 0);
        QCOMPARE(spies.workspace.count(), 0);
        QCOMPARE(session.pollCount(), pollsBefore + 1);

        // Every view shows it: the Runs list, Compare's runs and Chat's checkpoint list (labelled by run).
        QCOMPARE(runsPage.view()->model()->rowCount(), 2);
        QCOMPARE(comparePage.runsModel()->rowCount(), 2);
        QVERIFY(offers(chatPage.checkpointBox(), QStringLiteral("outside · step 7")));
        QCOMPARE(session.checkpoints(session.runs()[0].id).size(), size_t(1));
        QCOMPARE(session.checkpoints(session.runs()[0].id)[0].step, int64_t(7));
    }

    void ownChangesArePublishedByRefresh()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        WorkspaceSession session;
        session.setPollInterval(0);  // only refresh() reads
        session.open(ws);
        Spies spies(session);
        session.store()->createRun("through the session", "pretrain");
        QCOMPARE(spies.runs.count(), 0);
        session.refresh();
        QCOMPARE(spies.runs.count(), 1);
        QCOMPARE(spies.checkpoints.count(), 0);
        QCOMPARE(session.runs().size(), size_t(1));
        session.refresh();  // nothing new: nothing published
        QCOMPARE(spies.runs.count(), 1);
    }

    void theWindowsPagesShareOneSession()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(ws.path()), false));
        const auto sessions = window.findChildren<WorkspaceSession *>();
        QCOMPARE(sessions.size(), qsizetype(1));
        QCOMPARE(sessions[0], window.session());
        QCOMPARE(window.runsPage()->session(), window.session());
        QCOMPARE(QString::fromStdString(window.session()->workspace()->path()), QString::fromStdString(ws.path()));
    }
};

QTEST_MAIN(TestWorkspaceSession)
#include "tst_workspace_session.moc"
