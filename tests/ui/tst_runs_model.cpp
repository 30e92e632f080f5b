// RunsModel under QAbstractItemModelTester through resets and in-place updates.
#include <QAbstractItemModelTester>
#include <QtTest>

#include "ui/runs/runs_model.h"

using namespace danka;

namespace {
core::RunRecord makeRun(int64_t id, const std::string &name, core::RunStatus status = core::RunStatus::Completed)
{
    core::RunRecord r;
    r.id = id;
    r.name = name;
    r.stage = "pretrain";
    r.status = status;
    r.createdAt = 1.7e9 + id;
    r.updatedAt = r.createdAt;
    return r;
}
}  // namespace

class TestRunsModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelIsConsistentThroughChanges()
    {
        ui::RunsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        model.setRuns({makeRun(3, "c"), makeRun(2, "b"), makeRun(1, "a")});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(ui::RunsModel::ColumnCount));
        QCOMPARE(model.index(0, ui::RunsModel::NameColumn).data().toString(), QStringLiteral("c"));
        QCOMPARE(model.index(2, ui::RunsModel::IdColumn).data(ui::RunsModel::RunIdRole).toLongLong(), 1);

        // Same runs, one changed: updated in place (no reset), announced with dataChanged.
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        auto running = makeRun(2, "b renamed", core::RunStatus::Running);
        running.startedAt = running.createdAt;
        running.updatedAt += 5;
        model.setRuns({makeRun(3, "c"), running, makeRun(1, "a")});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(changes.count(), 1);
        QCOMPARE(changes[0][0].toModelIndex().row(), 1);
        QCOMPARE(model.index(1, ui::RunsModel::NameColumn).data().toString(), QStringLiteral("b renamed"));
        QCOMPARE(model.index(1, ui::RunsModel::StatusColumn).data().toString(), QStringLiteral("running"));
        QVERIFY(!model.index(1, ui::RunsModel::DurationColumn).data().toString().isEmpty());

        model.tickDurations();  // only the running row's duration cell
        QCOMPARE(changes.count(), 2);
        QCOMPARE(changes[1][0].toModelIndex(), model.index(1, ui::RunsModel::DurationColumn));

        // A new run: reset.
        model.setRuns({makeRun(4, "d"), makeRun(3, "c"), running, makeRun(1, "a")});
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowOfRun(4), 0);
        QCOMPARE(model.rowOfRun(99), -1);
        model.setRuns({});
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.runAt(0));
    }

    void failedRunsCarryTheirErrorAsTooltip()
    {
        ui::RunsModel model;
        auto failed = makeRun(1, "x", core::RunStatus::Failed);
        failed.error = "out of memory";
        model.setRuns({failed});
        QCOMPARE(model.index(0, ui::RunsModel::NameColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("out of memory"));
        QVERIFY(model.index(0, ui::RunsModel::StatusColumn).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.headerData(ui::RunsModel::StageColumn, Qt::Horizontal).toString(), QStringLiteral("Stage"));
    }
};

QTEST_MAIN(TestRunsModel)
#include "tst_runs_model.moc"
