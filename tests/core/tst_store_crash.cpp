// A writer killed with SIGKILL in the middle of batched metric inserts leaves a database that passes
// PRAGMA integrity_check and holds every committed batch, whole (no partial batch).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/store/experiment_store.h"

using namespace danka::core;

class TestStoreCrash : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedWriterLosesNothingCommitted_data()
    {
        QTest::addColumn<int>("batchSize");
        QTest::addColumn<int>("killAfter");  // committed batches seen before the kill
        QTest::newRow("small batches") << 50 << 40;
        QTest::newRow("large batches") << 5000 << 5;
        QTest::newRow("at once") << 2000 << 0;
    }
    void killedWriterLosesNothingCommitted()
    {
        QFETCH(int, batchSize);
        QFETCH(int, killAfter);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("danka.sqlite")).toStdString();
        int64_t runId;
        {
            ExperimentStore store(path);
            runId = store.createRun("crash", "pretrain");
        }

        QProcess writer;
        writer.start(QStringLiteral(DANKA_WRITER_HELPER),
                     {QString::fromStdString(path), QString::number(runId), QString::number(batchSize)});
        QVERIFY(writer.waitForStarted());
        int lastCommitted = -1;
        QByteArray pending;
        while (lastCommitted < killAfter - 1) {
            QVERIFY2(writer.waitForReadyRead(20000), "the writer printed nothing");
            pending += writer.readAllStandardOutput();
            while (pending.contains('\n')) {
                const int nl = pending.indexOf('\n');
                const QByteArray line = pending.left(nl);
                pending.remove(0, nl + 1);
                QVERIFY(line.startsWith("committed "));
                lastCommitted = line.mid(10).toInt();
            }
        }
        if (killAfter == 0) QTest::qWait(30);  // somewhere inside the first transactions
        writer.kill();  // SIGKILL: no destructor, no rollback, no flush
        QVERIFY(writer.waitForFinished());
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        // Lines printed after our last read still name committed batches.
        pending += writer.readAllStandardOutput();
        for (const QByteArray &line : pending.split('\n'))
            if (line.startsWith("committed ")) lastCommitted = line.mid(10).toInt();

        ExperimentStore store(path);  // recovers the WAL
        QCOMPARE(store.database().queryText("PRAGMA integrity_check"), std::string("ok"));
        const int64_t count = store.metricCount(runId);
        QVERIFY2(count >= int64_t(lastCommitted + 1) * batchSize,
                 qPrintable(QStringLiteral("%1 points stored, %2 batches reported committed").arg(count).arg(lastCommitted + 1)));
        QCOMPARE(count % batchSize, int64_t(0));  // whole batches only
        const auto series = store.series(runId, "loss");
        QCOMPARE(int64_t(series.size()), count);
        for (size_t i = 0; i < series.size(); ++i) QCOMPARE(series[i].step, double(i));  // contiguous from 0
    }
};

QTEST_GUILESS_MAIN(TestStoreCrash)
#include "tst_store_crash.moc"
