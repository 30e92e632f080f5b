// MetricChart: EMA against a hand computation, log and NaN filtering, min/max thinning that keeps spikes,
// appends equal to one setSeries, exact CSV, PNG export of the widget's size, hover values, dark palettes.
#include <QChart>
#include <QChartView>
#include <QImage>
#include <QTemporaryDir>
#include <QToolTip>
#include <QtTest>
#include <cmath>
#include <limits>

#include "ui/common/metric_chart.h"
#include "ui_test_util.h"

using danka::ui::MetricChart;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

QString readText(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}

// A deterministic noisy curve (LCG noise around a decaying loss).
QVector<QPointF> noisyCurve(int n, uint32_t seed = 7)
{
    QVector<QPointF> points;
    uint32_t state = seed;
    for (int i = 0; i < n; ++i) {
        state = state * 1664525u + 1013904223u;
        const double noise = (state >> 8) / double(1 << 24) - 0.5;
        points.append(QPointF(i, 2.0 + 3.0 / (1 + i * 0.01) + 0.1 * noise));
    }
    return points;
}

}  // namespace

class TestMetricChart : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emaMatchesAHandComputation()
    {
        const QVector<QPointF> points = {{0, 1}, {1, 2}, {2, kNan}, {3, 4}};
        // w = 0.5: last = 0.5, 1.25, (NaN skipped), 2.625; debias 1 - 0.5^n = 0.5, 0.75, 0.875.
        const QVector<QPointF> expected = {{0, 1.0}, {1, 1.25 / 0.75}, {3, 2.625 / 0.875}};
        const QVector<QPointF> smoothed = MetricChart::ema(points, 0.5);
        QCOMPARE(smoothed.size(), expected.size());
        for (int i = 0; i < expected.size(); ++i) {
            QCOMPARE(smoothed[i].x(), expected[i].x());
            QVERIFY(std::fabs(smoothed[i].y() - expected[i].y()) < 1e-12);
        }
        // Weight 0 is the raw curve (without the NaN).
        QCOMPARE(MetricChart::ema(points, 0), (QVector<QPointF>{{0, 1}, {1, 2}, {3, 4}}));

        // The chart draws exactly that smoothed line, over the raw one.
        MetricChart chart;
        chart.setSeries(QStringLiteral("a"), QStringLiteral("run a"), points);
        QCOMPARE(chart.displayedPoints(QStringLiteral("a")), (QVector<QPointF>{{0, 1}, {1, 2}, {3, 4}}));
        chart.setSmoothing(0.5);
        QCOMPARE(chart.smoothing(), 0.5);
        const QVector<QPointF> shown = chart.displayedPoints(QStringLiteral("a"));
        QCOMPARE(shown.size(), expected.size());
        for (int i = 0; i < expected.size(); ++i)
            QVERIFY(std::fabs(shown[i].y() - expected[i].y()) < 1e-12);
        QCOMPARE(chart.points(QStringLiteral("a")).size(), 4);  // raw points kept as given, NaN included
        QVERIFY(std::isnan(chart.points(QStringLiteral("a"))[2].y()));
    }

    void nonFiniteAndNonPositiveValuesAreLeftOut()
    {
        MetricChart chart;
        const QVector<QPointF> points = {{1, -1}, {2, 0}, {3, 2}, {4, kNan}, {5, kInf}, {6, 3}, {kNan, 5}};
        chart.setSeries(QStringLiteral("k"), QStringLiteral("k"), points);
        QCOMPARE(chart.displayedPoints(QStringLiteral("k")),
                 (QVector<QPointF>{{1, -1}, {2, 0}, {3, 2}, {6, 3}}));
        chart.setLogY(true);
        QVERIFY(chart.logY());
        QCOMPARE(chart.displayedPoints(QStringLiteral("k")), (QVector<QPointF>{{3, 2}, {6, 3}}));
        // Smoothing on a log axis averages only what the axis can show.
        chart.setSmoothing(0.5);
        QCOMPARE(chart.displayedPoints(QStringLiteral("k")), MetricChart::ema({{3, 2}, {6, 3}}, 0.5));
        chart.setLogY(false);
        chart.setSmoothing(0);
        QCOMPARE(chart.displayedPoints(QStringLiteral("k")).size(), 4);
    }

    void thinningKeepsTheExtremesOfSpikes()
    {
        QVector<QPointF> points = noisyCurve(100000);
        points[54321].setY(50.0);   // a loss spike
        points[77777].setY(-20.0);  // and a dip
        MetricChart chart;
        chart.setSeries(QStringLiteral("big"), QStringLiteral("big"), points);
        const QVector<QPointF> shown = chart.displayedPoints(QStringLiteral("big"));
        QVERIFY2(shown.size() <= MetricChart::kMaxDrawnPoints + 2, qPrintable(QString::number(shown.size())));
        QVERIFY(shown.size() >= MetricChart::kMaxDrawnPoints / 4);
        QVERIFY(shown.contains(QPointF(54321, 50.0)));
        QVERIFY(shown.contains(QPointF(77777, -20.0)));
        QCOMPARE(shown.first(), points.first());
        QCOMPARE(shown.last(), points.last());
        QVERIFY(std::is_sorted(shown.begin(), shown.end(),
                               [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); }));
        // Every drawn point is one of the raw points.
        for (const QPointF &p : shown)
            QCOMPARE(points[int(p.x())], p);

        // A short series is drawn whole.
        chart.setSeries(QStringLiteral("small"), QStringLiteral("small"), noisyCurve(1500));
        QCOMPARE(chart.displayedPoints(QStringLiteral("small")), noisyCurve(1500));
    }

    void appendingEqualsSettingTheConcatenation_data()
    {
        QTest::addColumn<double>("smoothing");
        QTest::addColumn<bool>("logY");
        QTest::newRow("raw") << 0.0 << false;
        QTest::newRow("smoothed") << 0.6 << false;
        QTest::newRow("smoothed log") << 0.9 << true;
    }

    void appendingEqualsSettingTheConcatenation()
    {
        QFETCH(double, smoothing);
        QFETCH(bool, logY);
        QVector<QPointF> all = noisyCurve(9000, 3);
        all[100].setY(kNan);
        all[4000].setY(-1);
        MetricChart appended, whole;
        for (MetricChart *c : {&appended, &whole}) {
            c->setSmoothing(smoothing);
            c->setLogY(logY);
        }
        for (int from = 0, size = 1; from < all.size(); from += size, size = size * 3 % 997 + 1)
            appended.appendPoints(QStringLiteral("live"), all.mid(from, size));
        whole.setSeries(QStringLiteral("live"), QStringLiteral("live"), all);
        QCOMPARE(appended.seriesKeys(), QStringList{QStringLiteral("live")});
        QCOMPARE(appended.seriesLabel(QStringLiteral("live")), QStringLiteral("live"));  // label = key
        QCOMPARE(appended.points(QStringLiteral("live")).size(), all.size());
        QCOMPARE(appended.displayedPoints(QStringLiteral("live")),
                 whole.displayedPoints(QStringLiteral("live")));
        QCOMPARE(appended.hoverText(4321.4), whole.hoverText(4321.4));
    }

    void csvHasOneColumnPerSeriesWithRawValues()
    {
        MetricChart chart;
        chart.setAxisTitles(QStringLiteral("step"), QStringLiteral("loss"));
        chart.setSeries(QStringLiteral("1"), QStringLiteral("#1 base"), {{1, 0.5}, {2, 0.25}, {4, 1e-05}});
        chart.setSeries(QStringLiteral("2"), QStringLiteral("#2 lr, \"hi\""), {{2, 3}, {3, kNan}, {3, 7}});
        chart.setSmoothing(0.9);  // exports raw values regardless
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("chart.csv"));
        QString error;
        QVERIFY2(chart.exportCsv(path, &error), qPrintable(error));
        QCOMPARE(readText(path), QStringLiteral("step,#1 base,\"#2 lr, \"\"hi\"\"\"\n"
                                                "1,0.5,\n"
                                                "2,0.25,3\n"
                                                "3,,nan\n"
                                                "3,,7\n"
                                                "4,1e-05,\n"));
        QVERIFY(!chart.exportCsv(dir.filePath(QStringLiteral("missing/dir/x.csv")), &error));
        QVERIFY(error.contains(QStringLiteral("missing")));
    }

    void pngHasTheWidgetSizeAndUsesThePalette()
    {
        MetricChart chart;
        QPalette dark = chart.palette();
        dark.setColor(QPalette::Base, QColor(0x20, 0x22, 0x25));
        dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        chart.setPalette(dark);
        chart.setAxisTitles(QStringLiteral("step"), QStringLiteral("loss"));
        const QColor red(0xff, 0x00, 0x00);
        chart.setSeries(QStringLiteral("a"), QStringLiteral("a"), noisyCurve(500), red);
        chart.resize(640, 360);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("chart.png"));
        QString error;
        QVERIFY2(chart.exportPng(path, &error), qPrintable(error));
        QImage image;
        QVERIFY(image.load(path));
        QCOMPARE(image.size(), chart.size());
        QCOMPARE(image.pixelColor(1, 1).rgb(), QColor(0x20, 0x22, 0x25).rgb());  // the dark background
        int redPixels = 0, lightPixels = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) {
                const QColor c = image.pixelColor(x, y);
                if (c.red() > 200 && c.green() < 60 && c.blue() < 60) ++redPixels;
                if (c.red() > 180 && c.green() > 180 && c.blue() > 180)
                    ++lightPixels;  // labels in the text colour
            }
        QVERIFY2(redPixels > 200, qPrintable(QString::number(redPixels)));
        QVERIFY2(lightPixels > 50, qPrintable(QString::number(lightPixels)));
        QVERIFY(!chart.exportPng(dir.filePath(QStringLiteral("missing/dir/x.png")), &error));
    }

    void hoverShowsEachSeriesValueNearestX()
    {
        MetricChart chart;
        chart.setAxisTitles(QStringLiteral("Step"), QStringLiteral("loss"));
        QCOMPARE(chart.hoverText(1), QString());
        chart.setSeries(QStringLiteral("a"), QStringLiteral("run a"),
                        {{0, 1.5}, {10, 2.5}, {20, kNan}, {30, 4.5}});
        chart.setSeries(QStringLiteral("b"), QStringLiteral("run b"), {{5, 7}, {6, 8}});
        QCOMPARE(chart.hoverText(12), QStringLiteral("Step: 12\nrun a: 2.5\nrun b: 8"));
        QCOMPARE(chart.hoverText(21), QStringLiteral("Step: 21\nrun a: 4.5\nrun b: 8"));  // NaN passed over
        chart.setSmoothing(0.5);
        const QVector<QPointF> smoothed = MetricChart::ema(chart.points(QStringLiteral("a")), 0.5);
        QVERIFY(chart.hoverText(0.2).contains(QStringLiteral("run a: %1 (raw 1.5)").arg(smoothed[0].y())));
        chart.setXKind(MetricChart::XKind::Seconds);
        chart.setAxisTitles(QString(), QStringLiteral("loss"));
        QVERIFY(chart.hoverText(125).startsWith(QStringLiteral("2m05s\n")));
    }

    void mouseOverThePlotShowsTheHoverText()
    {
        MetricChart chart;
        chart.setAxisTitles(QStringLiteral("Step"), QStringLiteral("loss"));
        chart.setSeries(QStringLiteral("a"), QStringLiteral("run a"), noisyCurve(100));
        chart.resize(600, 400);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        auto *view = chart.findChild<QChartView *>();
        QVERIFY(view);
        QTRY_VERIFY(view->chart()->plotArea().width() > 100);
        const QPoint middle =
            view->mapFromScene(view->chart()->mapToScene(view->chart()->plotArea().center()));
        QTest::mouseMove(view->viewport(), middle);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().startsWith(QStringLiteral("Step: ")), qPrintable(QToolTip::text()));
        QVERIFY(QToolTip::text().contains(QStringLiteral("run a: ")));
    }

    void seriesAreReplacedRemovedAndStyled()
    {
        MetricChart chart;
        chart.setSeries(QStringLiteral("a"), QStringLiteral("A"), {{0, 1}});
        chart.setSeries(QStringLiteral("b"), QStringLiteral("B"), {{0, 2}});
        QCOMPARE(chart.seriesColor(QStringLiteral("a")), MetricChart::paletteColor(0));
        QCOMPARE(chart.seriesColor(QStringLiteral("b")), MetricChart::paletteColor(1));
        chart.setSeries(QStringLiteral("a"), QStringLiteral("A2"), {{1, 3}, {2, 4}});
        QCOMPARE(chart.seriesKeys(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(chart.seriesLabel(QStringLiteral("a")), QStringLiteral("A2"));
        QCOMPARE(chart.points(QStringLiteral("a")), (QVector<QPointF>{{1, 3}, {2, 4}}));
        QCOMPARE(chart.seriesColor(QStringLiteral("a")), MetricChart::paletteColor(0));  // colour kept
        chart.setSeriesStyle(QStringLiteral("b"), Qt::DashLine);
        chart.removeSeries(QStringLiteral("a"));
        QCOMPARE(chart.seriesKeys(), QStringList{QStringLiteral("b")});
        QVERIFY(chart.points(QStringLiteral("a")).isEmpty());
        chart.clear();
        QVERIFY(chart.seriesKeys().isEmpty());
        // Repaints are coalesced into one pass of the event loop and leave the data alone.
        chart.appendPoints(QStringLiteral("c"), {{0, 1}});
        chart.appendPoints(QStringLiteral("c"), {{1, 2}});
        QTest::qWait(20);
        QCOMPARE(chart.displayedPoints(QStringLiteral("c")), (QVector<QPointF>{{0, 1}, {1, 2}}));
    }
};

QTEST_MAIN(TestMetricChart)
#include "tst_metric_chart.moc"
