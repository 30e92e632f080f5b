// Workspace resolution, layout and refusal of folders that are not workspaces.
#include <QTemporaryDir>
#include <QtTest>

#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace.h"

using namespace danka::core;

class TestWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultFollowsXdgThenHome()
    {
        const QByteArray oldXdg = qgetenv("XDG_DATA_HOME"), oldHome = qgetenv("HOME");
        qputenv("XDG_DATA_HOME", "/data/xdg");
        QCOMPARE(Workspace::defaultPath(), std::string("/data/xdg/danka/workspace"));
        qunsetenv("XDG_DATA_HOME");
        qputenv("HOME", "/home/someone");
        QCOMPARE(Workspace::defaultPath(), std::string("/home/someone/.local/share/danka/workspace"));
        qputenv("XDG_DATA_HOME", oldXdg);
        qputenv("HOME", oldHome);
    }

    void explicitBeatsEnvironmentBeatsDefault()
    {
        const QByteArray old = qgetenv("DANKA_WORKSPACE");
        qputenv("DANKA_WORKSPACE", "/from/env");
        QCOMPARE(Workspace::resolvePath("/from/flag"), std::string("/from/flag"));
        QCOMPARE(Workspace::resolvePath(""), std::string("/from/env"));
        qunsetenv("DANKA_WORKSPACE");
        QCOMPARE(Workspace::resolvePath(""), Workspace::defaultPath());
        if (!old.isEmpty()) qputenv("DANKA_WORKSPACE", old);
    }

    void openCreatesTheLayout()
    {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("new/ws")).toStdString();
        const Workspace ws = Workspace::open(path);
        QCOMPARE(ws.path(), path);
        for (const std::string &d : {ws.runsDir(), ws.datasetsDir(), ws.tokenizersDir()})
            QVERIFY2(QFileInfo(QString::fromStdString(d)).isDir(), d.c_str());
        QVERIFY(QFileInfo::exists(QString::fromStdString(ws.databasePath())));
        QCOMPARE(ws.runDir(12), path + "/runs/12");
        // Reopening an existing workspace works and keeps its content.
        ExperimentStore(ws.databasePath()).createRun("kept", "pretrain");
        const Workspace again = Workspace::open(path + "/");
        QCOMPARE(again.path(), path);
        QCOMPARE(ExperimentStore(again.databasePath()).runs().size(), size_t(1));
    }

    void refusesFoldersThatAreNotWorkspaces()
    {
        QTemporaryDir tmp;
        QFile other(tmp.filePath(QStringLiteral("notes.txt")));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.close();
        try {
            Workspace::open(tmp.path().toStdString());
            QFAIL("opened a non-empty folder without danka.sqlite");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find(tmp.path().toStdString()) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("not empty") != std::string::npos, e.what());
        }
        QVERIFY(!QFileInfo::exists(tmp.filePath(QStringLiteral("danka.sqlite"))));  // nothing was written
        QVERIFY_THROWS_EXCEPTION(Error, Workspace::open(tmp.filePath(QStringLiteral("notes.txt")).toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, Workspace::open(""));
    }

    void removeRunFilesDeletesOnlyThatRun()
    {
        QTemporaryDir tmp;
        const Workspace ws = Workspace::open(tmp.path().toStdString());
        QVERIFY(QDir().mkpath(QString::fromStdString(ws.runDir(1) + "/step-100")));
        QVERIFY(QDir().mkpath(QString::fromStdString(ws.runDir(2))));
        QVERIFY(ws.removeRunFiles(1));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(ws.runDir(1))));
        QVERIFY(QFileInfo::exists(QString::fromStdString(ws.runDir(2))));
        QVERIFY(!ws.removeRunFiles(1));
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
