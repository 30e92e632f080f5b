// A real tiny training started from the Runs page: the live loss chart fills from the job's buffer while
// the run trains, the GUI thread keeps running (never blocked for a whole second: a functional bound; how
// long it really waits is measured by bench/bench_gui_latency, docs/benchmarks.md), the run finishes and the charts
// equal the store's series (the oracle: what the trainer recorded). Pause, resume, stop (with its resumable
// checkpoint), "Resume from this" and "Chat with this".
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/store/experiment_store.h"
#include "core/store/workspace.h"
#include "ui/common/job_runner.h"
#include "ui/common/metric_chart.h"
#include "ui/runs/run_charts.h"
#include "ui/runs/runs_page.h"
#include "ui_test_util.h"

using namespace danka;

class TestRunTraining : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::optional<core::Workspace> m_ws;
    std::string m_dataset;

    core::RunConfig config(int64_t steps) const
    {
        core::RunConfig c = test::tinyRunConfig();
        c.data.dataset = m_dataset;
        c.schedule.maxSteps = steps;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("danka-tests"));
        QStandardPaths::setTestModeEnabled(true);
        m_ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        m_dataset = test::prepareDemoPretrain(m_ws->datasetsDir() + "/demo").dir;
    }

    void liveChartsWhileTheWindowStaysResponsive()
    {
        ui::RunsPage page;
        page.resize(1200, 800);
        QVERIFY(page.setWorkspace(m_ws));
        page.setTrainingHooks({{}, 1e9});  // no MFU peak measurement
        page.show();

        test::LatencyProbe probe;
        probe.start();
        QString error;
        QSignalSpy finished(&page, &ui::RunsPage::trainingFinished);
        QVERIFY2(page.startRun(config(300), &error), qPrintable(error));
        const qint64 startedAt = probe.elapsedMs();
        QVERIFY(page.trainingRunId().has_value());
        const int64_t runId = *page.trainingRunId();
        QCOMPARE(page.selectedRunId(), std::optional<int64_t>(runId));

        // Points reach the chart while the job is still running: fed live, not read back at the end.
        ui::MetricChart *lossChart = page.charts()->chartOf(QStringLiteral("train/loss"));
        int liveUpdates = 0;
        QVector<QPointF> live;
        connect(page.trainingJob(), &ui::JobRunner::metricsArrived, this, [&] {
            if (!page.trainingJob()->isRunning()) return;
            const QVector<QPointF> shownNow = lossChart->points(QStringLiteral("train/loss"));
            if (shownNow.size() > live.size()) ++liveUpdates;  // the chart grew while the job runs
            live = shownNow;
        });
        QVERIFY(finished.wait(180000));
        const qint64 finishedAt = probe.elapsedMs();
        test::waitUntil([] { return false; }, 300);  // what finishing does on the GUI thread counts too
        probe.stop();
        QCOMPARE(finished.first().at(1).toInt(), int(core::JobState::Completed));
        // Functional, not a timing: a GUI thread that waited on the training would freeze for the whole run.
        QVERIFY2(probe.worstGapMs() < 1000, qPrintable(QStringLiteral("the GUI thread waited %1 ms from %2 ms (run started at %3 ms, finished at %4 ms)")
                                                           .arg(probe.worstGapMs()).arg(probe.worstGapStartMs()).arg(startedAt).arg(finishedAt)));
        QVERIFY(probe.ticks() > 20);
        QVERIFY2(liveUpdates >= 2 && !live.isEmpty(), qPrintable(QString::number(liveUpdates)));

        // The oracle: the series the trainer stored.
        core::ExperimentStore store(m_ws->databasePath());
        QCOMPARE(store.run(runId)->status, core::RunStatus::Completed);
        const auto stored = store.series(runId, "train/loss");
        QVERIFY(stored.size() >= 290);  // every step logs its loss (an update skipped as an outlier may not)
        QMap<double, double> byStep;
        for (const auto &s : stored) byStep.insert(s.step, s.value);
        for (const QPointF &p : live) {
            QVERIFY2(byStep.contains(p.x()), qPrintable(QString::number(p.x())));
            QCOMPARE(p.y(), byStep.value(p.x()));
        }
        const QVector<QPointF> shown = lossChart->points(QStringLiteral("train/loss"));
        QCOMPARE(size_t(shown.size()), stored.size());
        QCOMPARE(shown.last().y(), stored.back().value);
        QVERIFY(page.charts()->pointCount(QStringLiteral("val/loss")) > 0);
        QCOMPARE(size_t(page.charts()->pointCount(QStringLiteral("train/lr"))), store.series(runId, "train/lr").size());
        QVERIFY(page.eventsText().contains(QStringLiteral("checkpoint at step 300")));
    }

    void pauseResumeStopAndResumeFromACheckpoint()
    {
        ui::RunsPage page;
        QVERIFY(page.setWorkspace(m_ws));
        page.setTrainingHooks({{}, 1e9});
        page.show();
        QVERIFY(page.startRun(config(100000)));
        const int64_t runId = *page.trainingRunId();
        ui::JobRunner *job = page.trainingJob();
        QVERIFY(test::waitUntil([&] { return page.charts()->pointCount(QStringLiteral("train/loss")) >= 3; }, 60000));

        page.pauseTraining();
        QVERIFY(test::waitUntil([&] { return job->state() == core::JobState::Paused; }, 10000));
        test::waitUntil([] { return false; }, 200);  // let the last points of the step in flight arrive
        const int pausedAt = page.charts()->pointCount(QStringLiteral("train/loss"));
        test::waitUntil([] { return false; }, 500);
        QCOMPARE(page.charts()->pointCount(QStringLiteral("train/loss")), pausedAt);
        QCOMPARE(core::ExperimentStore(m_ws->databasePath()).run(runId)->status, core::RunStatus::Paused);

        page.resumeTraining();
        QVERIFY(test::waitUntil([&] { return page.charts()->pointCount(QStringLiteral("train/loss")) > pausedAt + 3; }, 60000));

        QSignalSpy finished(&page, &ui::RunsPage::trainingFinished);
        page.stopTraining();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(1).toInt(), int(core::JobState::Cancelled));
        core::ExperimentStore store(m_ws->databasePath());
        QCOMPARE(store.run(runId)->status, core::RunStatus::Cancelled);
        const auto checkpoints = store.checkpoints(runId);
        QCOMPARE(checkpoints.size(), size_t(1));  // the stop wrote one

        // The checkpoint list shows it; "Chat with this" hands its folder over; "Resume from this" continues.
        QTableWidget *table = page.checkpointTable();
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QString::number(checkpoints[0].step));
        table->selectRow(0);
        QSignalSpy chat(&page, &ui::RunsPage::chatRequested);
        for (QPushButton *b : page.findChildren<QPushButton *>())
            if (b->text().contains(QStringLiteral("Chat"))) b->click();
        QCOMPARE(chat.size(), 1);
        QCOMPARE(chat.first().first().toString(), QString::fromStdString(checkpoints[0].path));

        QString error;
        QVERIFY2(page.resumeRun(runId, QString::fromStdString(checkpoints[0].path), &error), qPrintable(error));
        QCOMPARE(page.trainingRunId(), std::optional<int64_t>(runId));
        QVERIFY(test::waitUntil([&] { return job->state() == core::JobState::Running; }, 10000));
        QSignalSpy finishedAgain(&page, &ui::RunsPage::trainingFinished);
        page.stopTraining();
        QVERIFY(finishedAgain.wait(60000));
        QVERIFY(core::ExperimentStore(m_ws->databasePath()).checkpoints(runId).back().step >= checkpoints[0].step);

        // A second training while one runs is refused with the reason.
        QVERIFY(page.startRun(config(100000)));
        QVERIFY(!page.startRun(config(10), &error));
        QVERIFY2(error.contains(QStringLiteral("already running")), qPrintable(error));
        page.stopTraining();
        QVERIFY(job->waitForFinished(60000));
    }

    void aBadConfigIsRefusedWithItsReason()
    {
        ui::RunsPage page;
        QVERIFY(page.setWorkspace(m_ws));
        core::RunConfig c = config(10);
        c.data.seqLen = 1000;  // longer than the model's 64 positions
        QString error;
        QVERIFY(!page.startRun(c, &error));
        QVERIFY2(error.contains(QStringLiteral("seq_len")), qPrintable(error));
        QVERIFY(!page.trainingJob()->isRunning());
    }
};

QTEST_MAIN(TestRunTraining)
#include "tst_run_training.moc"
