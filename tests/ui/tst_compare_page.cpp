// ComparePage on a real workspace: two runs written through core::ExperimentStore (learning rate and seq_len
// differ) are overlaid with the stored values, x as tokens and wall time maps from the stored metrics, the
// diff lists exactly the differing keys, smoothing / log change what is drawn, CSV equals the store, new
// points and runs arrive by polling, and both item models pass QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "core/config/config_io.h"
#include "core/store/experiment_store.h"
#include "ui/common/metric_chart.h"
#include "ui/compare/compare_page.h"
#include "ui/main_window.h"
#include "ui_test_util.h"

using namespace danka;
using ui::MetricChart;

namespace {

constexpr int kSteps = 20;
constexpr double kTokensPerStepA = 4096;  // run A logs train/tokens at every step
constexpr double kTokensPerStepB = 2048;  // run B only at even steps: odd steps are interpolated
constexpr double kWallStartA = 1.7e9, kSecondsPerStepA = 2;

std::string configJson(double learningRate, int64_t seqLen)
{
    core::RunConfig c;
    c.name = "sweep";
    c.optim.learningRate = learningRate;
    c.data.seqLen = seqLen;
    return core::toJson(c).dump(2);
}

bool sameValue(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

QString key(int64_t id)
{
    return QString::number(id);
}

}  // namespace

class TestComparePage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::optional<core::Workspace> m_ws;
    int64_t m_a = 0, m_b = 0;

    // The store's own rows of a run's metric: the oracle.
    std::vector<core::SeriesPoint> stored(int64_t runId, const std::string &name = "train/loss")
    {
        core::ExperimentStore store(m_ws->databasePath());
        return store.series(runId, name);
    }

    void verifyCurve(const QVector<QPointF> &points, const std::vector<core::SeriesPoint> &expected,
                     const std::function<double(double)> &xOfStep)
    {
        QCOMPARE(points.size(), static_cast<int>(expected.size()));
        for (int i = 0; i < points.size(); ++i) {
            QCOMPARE(points[i].x(), xOfStep(expected[size_t(i)].step));
            QVERIFY2(sameValue(points[i].y(), expected[size_t(i)].value), qPrintable(QString::number(i)));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        core::ExperimentStore store(m_ws->databasePath());
        m_a = store.createRun("base", "pretrain", configJson(5e-4, 128));
        m_b = store.createRun("high-lr", "pretrain", configJson(1e-3, 256));
        std::vector<core::MetricPoint> points;
        for (int step = 1; step <= kSteps; ++step) {
            const double wallA = kWallStartA + (step - 1) * kSecondsPerStepA;
            // A: a NaN loss at step 7 (a diverged step is stored as NULL and must be skipped when drawn).
            points.push_back({m_a, "train/loss", step, step == 7 ? NAN : 5.0 / step, wallA});
            points.push_back({m_a, "train/tokens", step, step * kTokensPerStepA, wallA});
            // B: a zero loss at step 5, which a log axis cannot show.
            points.push_back({m_b, "train/loss", step, step == 5 ? 0.0 : 4.0 / step + 0.1, 1.8e9 + step});
            if (step % 2 == 0)
                points.push_back({m_b, "train/tokens", step, step * kTokensPerStepB, 1.8e9 + step});
            points.push_back({m_b, "train/lr", step, 1e-3, 1.8e9 + step});
        }
        store.appendMetrics(points);
        store.setRunStatus(m_a, core::RunStatus::Running);
        store.setRunStatus(m_a, core::RunStatus::Completed);
        store.setRunStatus(m_b, core::RunStatus::Running);
    }

    void withoutAWorkspaceThePageIsDisabled()
    {
        ui::ComparePage page;
        QCOMPARE(page.runsModel()->rowCount(), 0);
        QVERIFY(page.chart()->seriesKeys().isEmpty());
        QTemporaryDir dir;
        QString error;
        QVERIFY(!page.exportCsv(dir.filePath(QStringLiteral("x.csv")), &error));
        QVERIFY(!error.isEmpty());
        page.setCheckedRuns({1, 2});  // nothing to check: no crash, nothing drawn
        QVERIFY(page.checkedRuns().isEmpty());
    }

    void overlaysTwoStoredRunsAndDiffsTheirConfigs()
    {
        ui::ComparePage page;
        QAbstractItemModelTester runsTester(page.runsModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester diffTester(page.diffModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setWorkspace(m_ws);
        QCOMPARE(page.runsModel()->rowCount(), 2);
        QVERIFY(page.chart()->seriesKeys().isEmpty());

        // Checking through the model, as a click on the check box does.
        QAbstractItemModel *runs = page.runsModel();
        QSignalSpy checks(runs, SIGNAL(checkedRunsChanged()));
        for (int row = 0; row < runs->rowCount(); ++row) {
            const QModelIndex cell = runs->index(row, 0);
            QVERIFY(cell.flags() & Qt::ItemIsUserCheckable);
            QCOMPARE(cell.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
            // As QStyledItemDelegate sends it: the enum itself.
            QVERIFY(runs->setData(cell, QVariant::fromValue(Qt::Checked), Qt::CheckStateRole));
            QCOMPARE(cell.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
        }
        QCOMPARE(checks.count(), 2);
        QCOMPARE(page.checkedRuns(), (QList<int64_t>{m_a, m_b}));

        QCOMPARE(page.metric(), QStringLiteral("train/loss"));
        QCOMPARE(page.metricNames(), (QStringList{QStringLiteral("train/loss"), QStringLiteral("train/lr"),
                                                  QStringLiteral("train/tokens")}));
        MetricChart *chart = page.chart();
        QCOMPARE(chart->seriesKeys().size(), 2);
        QCOMPARE(chart->seriesLabel(key(m_a)), QStringLiteral("#%1 base").arg(m_a));
        QCOMPARE(chart->seriesLabel(key(m_b)), QStringLiteral("#%1 high-lr").arg(m_b));
        QVERIFY(chart->seriesColor(key(m_a)) != chart->seriesColor(key(m_b)));
        const auto identity = [](double step) { return step; };
        verifyCurve(chart->points(key(m_a)), stored(m_a), identity);
        verifyCurve(chart->points(key(m_b)), stored(m_b), identity);
        QCOMPARE(chart->displayedPoints(key(m_a)).size(), kSteps - 1);  // the NaN is not drawn

        // The diff: exactly the keys that differ, listed first; the rest only on request.
        QStringList differing = page.differingKeys();
        differing.sort();
        QCOMPARE(differing,
                 (QStringList{QStringLiteral("data.seq_len"), QStringLiteral("optim.learning_rate")}));
        QAbstractItemModel *diff = page.diffModel();
        QCOMPARE(diff->rowCount(), 2);
        QCOMPARE(diff->columnCount(), 3);
        QCOMPARE(diff->headerData(1, Qt::Horizontal).toString(), QStringLiteral("#%1 base").arg(m_a));
        for (int row = 0; row < 2; ++row) {
            const QString k = diff->index(row, 0).data().toString();
            QVERIFY(diff->index(row, 0).data(Qt::FontRole).value<QFont>().bold());
            QVERIFY(diff->index(row, 1).data(Qt::BackgroundRole).isValid());
            if (k == QStringLiteral("data.seq_len")) {
                QCOMPARE(diff->index(row, 1).data().toString(), QStringLiteral("128"));
                QCOMPARE(diff->index(row, 2).data().toString(), QStringLiteral("256"));
            } else {
                QCOMPARE(diff->index(row, 1).data().toDouble(), 5e-4);
                QCOMPARE(diff->index(row, 2).data().toDouble(), 1e-3);
            }
        }
        page.setShowAllKeys(true);
        QVERIFY(diff->rowCount() > 10);
        for (int row = 0; row < diff->rowCount(); ++row) {
            const bool differs = differing.contains(diff->index(row, 0).data().toString());
            QCOMPARE(row < 2, differs);  // differing keys first
            QCOMPARE(diff->index(row, 0).data(Qt::FontRole).value<QFont>().bold(), differs);
        }
        QVERIFY(diff->match(diff->index(0, 0), Qt::DisplayRole, QStringLiteral("name")).size() == 1);
        page.setShowAllKeys(false);
        QCOMPARE(diff->rowCount(), 2);

        // Unchecking one run: one curve, nothing left to differ.
        page.setCheckedRuns({m_b});
        QCOMPARE(chart->seriesKeys(), QStringList{key(m_b)});
        QVERIFY(page.differingKeys().isEmpty());
        QCOMPARE(diff->columnCount(), 2);
    }

    void xAsTokensAndWallTimeMapsFromTheStore()
    {
        ui::ComparePage page;
        page.setWorkspace(m_ws);
        page.setCheckedRuns({m_a, m_b});
        page.setXKind(MetricChart::XKind::Tokens);
        MetricChart *chart = page.chart();
        QCOMPARE(chart->xKind(), MetricChart::XKind::Tokens);
        // Tokens logged at every step of A; at even steps only for B (odd steps interpolated, step 1
        // extended from the first segment), both linear in the step.
        verifyCurve(chart->points(key(m_a)), stored(m_a), [](double s) { return s * kTokensPerStepA; });
        verifyCurve(chart->points(key(m_b)), stored(m_b), [](double s) { return s * kTokensPerStepB; });

        page.setXKind(MetricChart::XKind::Seconds);
        verifyCurve(chart->points(key(m_a)), stored(m_a),
                    [](double s) { return (s - 1) * kSecondsPerStepA; });

        // A metric some runs lack: drawn for the others, the rest named in the note.
        page.setXKind(MetricChart::XKind::Step);
        page.setMetric(QStringLiteral("train/lr"));
        QCOMPARE(chart->seriesKeys(), QStringList{key(m_b)});
        QVERIFY(page.noteText().contains(QStringLiteral("#%1 base").arg(m_a)));
    }

    void smoothingAndLogScaleChangeWhatIsDrawn()
    {
        ui::ComparePage page;
        page.setWorkspace(m_ws);
        page.setCheckedRuns({m_a, m_b});
        MetricChart *chart = page.chart();
        const QVector<QPointF> rawA = chart->points(key(m_a)), rawB = chart->points(key(m_b));
        QCOMPARE(chart->displayedPoints(key(m_b)), rawB);

        page.setSmoothing(0.6);
        QCOMPARE(chart->smoothing(), 0.6);
        QCOMPARE(chart->displayedPoints(key(m_a)), MetricChart::ema(rawA, 0.6));
        QVERIFY(chart->displayedPoints(key(m_a))[1].y() != 5.0 / 2);  // smoothed, not raw

        page.setSmoothing(0);
        page.setLogY(true);
        QVERIFY(chart->logY());
        QVector<QPointF> positive;
        for (const QPointF &p : rawB)
            if (p.y() > 0) positive.append(p);
        QCOMPARE(positive.size(), kSteps - 1);
        QCOMPARE(chart->displayedPoints(key(m_b)), positive);
        page.setLogY(false);
        QCOMPARE(chart->displayedPoints(key(m_b)), rawB);
    }

    void exportsCsvEqualToTheStoreAndPngOfTheChart()
    {
        ui::ComparePage page;
        page.resize(1000, 700);
        page.setWorkspace(m_ws);
        page.setCheckedRuns({m_a, m_b});
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));

        QTemporaryDir dir;
        const QString csvPath = dir.filePath(QStringLiteral("loss.csv"));
        QString error;
        QVERIFY2(page.exportCsv(csvPath, &error), qPrintable(error));
        QFile file(csvPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + kSteps);
        QCOMPARE(lines[0], QStringLiteral("Step,#%1 base,#%2 high-lr").arg(m_a).arg(m_b));
        const auto a = stored(m_a), b = stored(m_b);
        for (int i = 0; i < kSteps; ++i) {
            const QStringList cells = lines[i + 1].split(QLatin1Char(','));
            QCOMPARE(cells.size(), 3);
            QCOMPARE(cells[0].toDouble(), a[size_t(i)].step);
            QVERIFY2(sameValue(cells[1].toDouble(), a[size_t(i)].value), qPrintable(lines[i + 1]));
            QVERIFY2(sameValue(cells[2].toDouble(), b[size_t(i)].value), qPrintable(lines[i + 1]));
        }
        QCOMPARE(lines[7].split(QLatin1Char(','))[1], QStringLiteral("nan"));  // step 7 of A

        const QString pngPath = dir.filePath(QStringLiteral("loss.png"));
        QVERIFY2(page.exportPng(pngPath, &error), qPrintable(error));
        QImage image;
        QVERIFY(image.load(pngPath));
        QCOMPARE(image.size(), page.chart()->size());
        QVERIFY(!page.chart()->hoverText(3).isEmpty());
    }

    // Export CSV and PNG say where they wrote (the status bar shows it); the metric box shows titles.
    void exportsSayWhereTheyWrote()
    {
        ui::ComparePage page;
        page.setWorkspace(m_ws);
        page.setCheckedRuns({m_a, m_b});
        QSignalSpy status(&page, &ui::ComparePage::statusMessage);
        QTemporaryDir dir;
        const QString csvPath = dir.filePath(QStringLiteral("loss.csv"));
        QVERIFY(page.exportTo(csvPath, false));
        QCOMPARE(status.count(), 1);
        const QString message = status[0][0].toString();
        QVERIFY2(message.contains(QDir::toNativeSeparators(csvPath)), qPrintable(message));
        QVERIFY(message.contains(QStringLiteral("train/loss")));
        QVERIFY(QFile::exists(csvPath));
        const QString pngPath = dir.filePath(QStringLiteral("loss.png"));
        QVERIFY(page.exportTo(pngPath, true));
        QCOMPARE(status.count(), 2);
        QVERIFY(status[1][0].toString().contains(QDir::toNativeSeparators(pngPath)));

        // Metric names stay the store's keys; the box shows what they are.
        auto *box = page.findChild<QComboBox *>();
        QVERIFY(box);
        const int loss = box->findData(QStringLiteral("train/loss"));
        QVERIFY(loss >= 0);
        QCOMPARE(box->itemText(loss), QStringLiteral("training loss"));
        QCOMPARE(page.metric(), QStringLiteral("train/loss"));
        box->setCurrentIndex(box->findData(QStringLiteral("train/lr")));
        QCOMPARE(page.metric(), QStringLiteral("train/lr"));
        QCOMPARE(page.chart()->yTitle(), QStringLiteral("learning rate"));
        page.setMetric(QStringLiteral("train/loss"));
    }

    // At 1024x700 the config diff showed two rows: it keeps a good share of the height.
    void theDiffShowsManyRowsInASmallWindow()
    {
        QStandardPaths::setTestModeEnabled(true);
        ui::MainWindow window;
        QVERIFY(window.openWorkspace(QString::fromStdString(m_ws->path()), false));
        window.resize(1024, 700);
        window.showPage(ui::MainWindow::ComparePageIndex);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::ComparePage *page = window.comparePage();
        page->setCheckedRuns({m_a, m_b});
        page->setShowAllKeys(true);  // every key of the config: more rows than fit
        auto *view = page->findChild<QTableView *>(QStringLiteral("configDiff"));
        QVERIFY(view);
        QTRY_VERIFY(view->model()->rowCount() > 20);
        QTest::qWait(50);
        int shown = 0;
        for (int row = 0; row < view->model()->rowCount(); ++row)
            if (view->viewport()->rect().contains(view->visualRect(view->model()->index(row, 0)))) ++shown;
        QVERIFY2(shown >= 7, qPrintable(QStringLiteral("%1 rows in view").arg(shown)));
        QVERIFY2(window.width() <= 1024, qPrintable(QStringLiteral("%1 px wide: the page needs %2")
                                                        .arg(window.width())
                                                        .arg(page->minimumSizeHint().width())));  // fits the window
    }

    void longRunsAreReadDownsampledWithoutLosingSpikes()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("long")).toStdString());
        const int steps = 3 * ui::ComparePage::kStoreMaxPoints;
        const int spikeStep = 7777;
        int64_t id = 0;
        {
            core::ExperimentStore store(ws.databasePath());
            id = store.createRun("long", "pretrain", configJson(5e-4, 128));
            std::vector<core::MetricPoint> points;
            for (int step = 1; step <= steps; ++step)
                points.push_back(
                    {id, "train/loss", step, step == spikeStep ? 42.0 : 2.0 + (step % 7) * 0.01, 1e9 + step});
            store.appendMetrics(points);
            store.setRunStatus(id, core::RunStatus::Running);
            store.setRunStatus(id, core::RunStatus::Completed);
        }
        ui::ComparePage page;
        page.setWorkspace(ws);
        page.setCheckedRuns({id});
        const QVector<QPointF> points = page.chart()->points(key(id));
        QVERIFY(points.size() <= 2 * ui::ComparePage::kStoreMaxPoints);  // read downsampled
        double highest = 0;
        for (const QPointF &p : points)
            highest = std::max(highest, p.y());
        QCOMPARE(highest, 42.0);  // the spike's bucket shows its maximum, not its mean
        bool drawn = false;
        for (const QPointF &p : page.chart()->displayedPoints(key(id)))
            drawn = drawn || p.y() == 42.0;
        QVERIFY(drawn);

        // CSV holds every stored point.
        QString error;
        const QString csv = dir.filePath(QStringLiteral("long.csv"));
        QVERIFY2(page.exportCsv(csv, &error), qPrintable(error));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + steps);
        QCOMPARE(lines[spikeStep], QStringLiteral("%1,42").arg(spikeStep));
    }

    void pollingShowsNewPointsAndNewRuns()
    {
        ui::ComparePage page;
        QAbstractItemModelTester runsTester(page.runsModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester diffTester(page.diffModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setWorkspace(m_ws);
        page.setCheckedRuns({m_a, m_b});
        const int before = page.runsModel()->rowCount();

        // Another connection (a CLI training) writes to the running run and starts a new one.
        core::ExperimentStore other(m_ws->databasePath());
        other.appendMetrics({{m_b, "train/loss", kSteps + 1, 0.25, 1.8e9 + kSteps + 1}});
        const int64_t c = other.createRun("late", "sft", configJson(2e-3, 128));
        QVERIFY(test::waitUntil([&] { return page.chart()->points(key(m_b)).size() == kSteps + 1; }, 5000));
        QCOMPARE(page.chart()->points(key(m_b)).last(), QPointF(kSteps + 1, 0.25));
        QVERIFY(test::waitUntil([&] { return page.runsModel()->rowCount() == before + 1; }, 5000));
        QCOMPARE(page.checkedRuns(), (QList<int64_t>{m_a, m_b}));  // checks survive the new run
        page.setCheckedRuns({m_a, m_b, c});
        QCOMPARE(page.diffModel()->columnCount(), 4);
        QVERIFY(page.noteText().contains(QStringLiteral("#%1 late").arg(c)));  // no train/loss yet

        // A deleted run drops out of the comparison.
        other.deleteRun(c);
        QVERIFY(test::waitUntil([&] { return page.checkedRuns() == QList<int64_t>{m_a, m_b}; }, 5000));
        QVERIFY(test::waitUntil([&] { return page.diffModel()->columnCount() == 3; }, 5000));
    }
};

QTEST_MAIN(TestComparePage)
#include "tst_compare_page.moc"
