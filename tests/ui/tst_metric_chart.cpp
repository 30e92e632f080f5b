// MetricChart: EMA against a hand computation, log and NaN filtering, min/max thinning that keeps spikes,
// appends equal to one setSeries, exact CSV, PNG export of the widget's size, hover values and the readout
// that stays while the pointer is over the plot, dark palettes; round axis ticks against hand-computed lists
// (linear, log, durations), at least two labels on every axis, and a y title drawn whole; the data page's
// length histogram with whole round count ticks and bucket labels that fit.
#include <QChart>
#include <QChartView>
#include <QFontMetricsF>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <limits>

#include "ui/common/chart_format.h"
#include "ui/common/metric_chart.h"
#include "ui/data/histogram_view.h"
#include "ui_test_util.h"

using danka::ui::MetricChart;
namespace chart = danka::ui::chart;
using Ticks = QVector<double>;

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
        QTRY_VERIFY(chart.hoverGuideVisible());
        QVERIFY2(chart.hoverReadout().startsWith(QStringLiteral("Step: ")), qPrintable(chart.hoverReadout()));
        QVERIFY(chart.hoverReadout().contains(QStringLiteral("run a: ")));
        // The readout is part of the chart, not a tooltip that expires: it stays with its guide line, also
        // while live points arrive, until the pointer leaves.
        QTest::qWait(1500);
        chart.appendPoints(QStringLiteral("a"), {{100, 2.5}});
        QTest::qWait(50);
        QVERIFY(chart.hoverGuideVisible());
        QVERIFY(chart.hoverReadout().contains(QStringLiteral("run a: ")));
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(view->viewport(), &leave);
        QVERIFY(!chart.hoverGuideVisible());
        QCOMPARE(chart.hoverReadout(), QString());
    }

    // Hand-computed ticks: 1-2-5 steps, at least two ticks (the step shrinks), exact decimals.
    void linearTicksAreRoundAndAtLeastTwo()
    {
        double step = 0;
        QCOMPARE(chart::niceTicks(0, 1, 5, 0, &step), (Ticks{0, 0.2, 0.4, 0.6, 0.8, 1}));
        QCOMPARE(step, 0.2);
        // Steps 1..47 on a narrow chart (2 ticks wanted): 23.5 rounds up to 50, which has no multiple in
        // range; 20 has two.
        QCOMPARE(chart::niceTicks(1, 47, 2, 1, &step), (Ticks{20, 40}));
        QCOMPARE(step, 20.0);
        QCOMPARE(chart::niceTicks(1, 150, 3, 1), (Ticks{50, 100, 150}));
        QCOMPARE(chart::niceTicks(4.21, 4.39, 4, 0, &step), (Ticks{4.25, 4.3, 4.35}));
        QCOMPARE(chart::valueTickLabels({4.25, 4.3, 4.35}, step), (QStringList{"4.25", "4.30", "4.35"}));
        QCOMPARE(chart::niceTicks(-0.3, 0.25, 3), (Ticks{-0.2, 0, 0.2}));
        QCOMPARE(chart::valueTickLabels({0.0005, 0.001, 0.0015, 0.002}, 0.0005),
                 (QStringList{"0.0005", "0.0010", "0.0015", "0.0020"}));
        // Whole steps only for steps and tokens: one step in [0.5, 1.5].
        QCOMPARE(chart::niceTicks(0.5, 1.5, 4, 1), (Ticks{1}));
        QCOMPARE(chart::niceTicks(2, 2, 4), Ticks{});
        // Huge values: labels in %g with the digits that keep them apart.
        QCOMPARE(chart::valueTickLabels({1000000, 1000500, 1001000}, 500),
                 (QStringList{"1000000", "1000500", "1001000"}));
        QCOMPARE(chart::valueTickLabels({2e7, 4e7}, 2e7), (QStringList{"2e+07", "4e+07"}));
    }

    void logTicksAreDecadesWithSubTicksWhenTheRangeIsSmall()
    {
        QCOMPARE(chart::logTicks(0.01, 100, 8), (Ticks{0.01, 0.1, 1, 10, 100}));
        // Thirteen decades, four ticks wanted: every fourth power of ten.
        QCOMPARE(chart::logTicks(1e-6, 1e6, 4), (Ticks{1e-4, 1, 1e4}));
        // One decade inside: 2 and 5 join it.
        QCOMPARE(chart::logTicks(3, 40, 6), (Ticks{5, 10, 20}));
        // A loss between 4.4 and 9.2 (Compare's log scale): no decade and one 1-2-5 value: every integer.
        QCOMPARE(chart::logTicks(4.4, 9.2, 6), (Ticks{5, 6, 7, 8, 9}));
        // Narrower still: round linear ticks.
        QCOMPARE(chart::logTicks(4.42, 4.48, 4), (Ticks{4.42, 4.44, 4.46, 4.48}));
        QCOMPARE(chart::logTickLabels({0.01, 0.1, 1, 10, 100}), (QStringList{"0.01", "0.1", "1", "10", "100"}));
        QCOMPARE(chart::logTickLabels({1e-4, 1, 1e4}), (QStringList{"0.0001", "1", "10000"}));
        QCOMPARE(chart::logTickLabels({1e-6, 1e6}), (QStringList{"1e-06", "1e+06"}));
    }

    void durationTicksReadAsTimes()
    {
        double step = 0;
        QCOMPARE(chart::durationTicks(0, 3600, 4, &step), (Ticks{0, 900, 1800, 2700, 3600}));
        QStringList labels;
        for (double t : chart::durationTicks(0, 3600, 4))
            labels << chart::durationLabel(t, step);
        QCOMPARE(labels, (QStringList{"0s", "15m", "30m", "45m", "1h"}));
        // 100 s on a narrow axis: 50 s would give one tick, so 30 s.
        QCOMPARE(chart::durationTicks(5, 105, 2), (Ticks{30, 60, 90}));
    }

    // The axes of a live chart at step 47 of 150 (what the Runs page showed with no x label at all), and
    // Compare's log scale over a loss from 4.5 to 9 (one y label before).
    void axesAlwaysCarryAtLeastTwoRoundTicks()
    {
        MetricChart live;
        live.resize(300, 300);
        live.show();
        QVERIFY(QTest::qWaitForWindowExposed(&live));
        for (int step = 1; step <= 47; ++step)
            live.appendPoints(QStringLiteral("train/loss"), {QPointF(step, 8.0 / (1 + step * 0.02))});
        QTRY_COMPARE(live.xTicks(), (Ticks{20, 40}));
        QCOMPARE(live.xTickLabels(), (QStringList{"20", "40"}));
        QVERIFY(live.yTicks().size() >= 2);
        for (double t : live.yTicks())  // multiples of a 1-2-5 step
            QVERIFY2(std::fabs(t - std::round(t * 2) / 2) < 1e-12, qPrintable(QString::number(t)));

        MetricChart compare;
        compare.resize(450, 300);
        compare.show();
        QVERIFY(QTest::qWaitForWindowExposed(&compare));
        compare.setLogY(true);
        QVector<QPointF> loss;
        for (int i = 0; i <= 100; ++i)
            loss.append(QPointF(i, 4.5 + 4.5 * std::exp(-i / 20.0)));  // 9 down to ~4.53
        compare.setSeries(QStringLiteral("1"), QStringLiteral("#1"), loss);
        QTRY_COMPARE(compare.yTicks(), (Ticks{5, 6, 7, 8, 9}));
        QCOMPARE(compare.yTickLabels(), (QStringList{"5", "6", "7", "8", "9"}));
        QCOMPARE(compare.xTicks(), (Ticks{0, 50, 100}));
    }

    // The y title is drawn whole at every size, in Chinese too ("损失", "梯度范数" were elided to "⋮"
    // because the axis labels were narrower than Qt Charts' "..." placeholder).
    void yTitleIsNeverElided_data()
    {
        QTest::addColumn<QString>("title");
        QTest::addColumn<int>("height");
        QTest::newRow("loss zh") << QStringLiteral("损失") << 300;
        QTest::newRow("grad norm zh") << QStringLiteral("梯度范数") << 240;
        QTest::newRow("learning rate en") << QStringLiteral("learning rate") << 200;
    }

    void yTitleIsNeverElided()
    {
        QFETCH(QString, title);
        QFETCH(int, height);
        MetricChart chart;
        chart.setAxisTitles(QStringLiteral("step"), title);
        chart.resize(300, height);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        for (int step = 1; step <= 47; ++step)  // one-digit y labels, the case Qt Charts elided
            chart.appendPoints(QStringLiteral("loss"), {QPointF(step, 8.0 / (1 + step * 0.02))});
        QTRY_VERIFY(!chart.yTicks().isEmpty());
        QCOMPARE(chart.yTitle(), title);
        const QRectF rect = chart.yTitleRect();
        const QFontMetricsF metrics(chart.font());
        QVERIFY2(rect.height() >= metrics.horizontalAdvance(title) * 0.9,
                 qPrintable(QStringLiteral("%1 < %2").arg(rect.height()).arg(metrics.horizontalAdvance(title))));
        QVERIFY2(QRectF(chart.rect()).contains(rect), qPrintable(QStringLiteral("%1,%2 %3x%4")
                                                                     .arg(rect.x())
                                                                     .arg(rect.y())
                                                                     .arg(rect.width())
                                                                     .arg(rect.height())));
    }

    // The histogram's count axis: 0 and whole 1-2-5 steps up to the first tick above the highest bar (Qt's
    // five even ticks gave 0, 270, 541, 811, 1081, or 0, 1, 1, 2, 2 for small counts).
    void histogramCountTicksAreWholeAndRound()
    {
        danka::ui::HistogramView view;
        view.resize(440, 280);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        danka::ui::LengthHistogram h;
        for (int i = 0; i < 230; ++i) h.add(20);
        for (int i = 0; i < 1081; ++i) h.add(40);
        for (int i = 0; i < 280; ++i) h.add(100);
        view.setHistogram(h, QStringLiteral("lengths"), QStringLiteral("词元"), QStringLiteral("记录"));
        QCOMPARE(view.counts(), (QVector<qint64>{0, 230, 1081, 280}));
        // 1081 x 1.05 = 1135 over 4 ticks: 284 rounds up to 500; the axis ends at 1500.
        QCOMPARE(view.countTicks(), (Ticks{0, 500, 1000, 1500}));
        QCOMPARE(view.barLabels(), (QStringList{"0", "16", "32", "64"}));
        QCOMPARE(view.categories(), (QStringList{"0-15", "16-31", "32-63", "64-127"}));
        QCOMPARE(view.countTitle(), QStringLiteral("记录"));  // drawn whole, not "⋮"

        danka::ui::LengthHistogram few;
        for (int length : {3, 5, 5000, 5000, 200000})
            few.add(length);
        view.setHistogram(few, QStringLiteral("lengths"), QStringLiteral("tokens"), QStringLiteral("records"));
        QCOMPARE(view.countTicks(), (Ticks{0, 1, 2, 3}));
        // Fifteen buckets in 440 pixels: every other bucket start is labelled; none is cut.
        QTRY_COMPARE(view.barLabels(), (QStringList{"0", "", "32", "", "128", "", "512", "", "2K", "", "8K", "",
                                                    "32K", "", ""}));
        QCOMPARE(danka::ui::HistogramView::edgeLabel(1024), QStringLiteral("1K"));
        QCOMPARE(danka::ui::HistogramView::edgeLabel(131072), QStringLiteral("128K"));
        QCOMPARE(danka::ui::HistogramView::edgeLabel(1536), QStringLiteral("1536"));
        view.resize(1000, 280);
        QTRY_COMPARE(view.barLabels().count(QString()), 0);  // wide enough for all
        QCOMPARE(view.barLabels().last(), QStringLiteral("128K"));
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
