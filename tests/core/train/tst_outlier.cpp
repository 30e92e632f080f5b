// Tests of core/train/outlier: z-scores against values worked out by hand for small windows, NaN before
// minCount, the window sliding, a constant window, non-finite values, and an exact state round trip.
#include <QtTest>
#include <cmath>

#include "core/train/outlier.h"
#include "train_test_util.h"

using danka::core::train::OutlierDetector;
using danka::core::train::OutlierDetectorOptions;
using danka::test::expectThrowsWithMessage;

namespace {

OutlierDetector detector(size_t window, size_t minCount)
{
    OutlierDetectorOptions o;
    o.window = window;
    o.minCount = minCount;
    return OutlierDetector(o);
}

bool sameDouble(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

class TestOutlier : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaults()
    {
        const OutlierDetector d;
        QCOMPARE(d.options().window, size_t(128));
        QCOMPARE(d.options().minCount, size_t(16));
    }

    void handComputedZScoresAndSliding()
    {
        OutlierDetector d = detector(4, 3);
        QVERIFY(std::isnan(d.zScore(1)));
        d.add(1);
        d.add(2);
        QVERIFY(std::isnan(d.zScore(1)));  // 2 values < minCount 3
        d.add(3);
        // {1, 2, 3}: mean 2, population variance (1 + 0 + 1) / 3 = 2/3; z(4) = 2 / sqrt(2/3) = sqrt(6).
        QCOMPARE(d.zScore(4), 2.4494897427831781);
        QCOMPARE(d.zScore(2), 0.0);
        QCOMPARE(d.zScore(1.5), -0.61237243569579452);  // -0.5 / sqrt(2/3) = -sqrt(6) / 4
        d.add(4);
        // {1, 2, 3, 4}: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; z(0) = -2.5 / sqrt(1.25).
        QCOMPARE(d.zScore(0), -2.2360679774997897);  // -sqrt(5)
        d.add(5);
        // The window slides: 1 leaves, {2, 3, 4, 5}: mean 3.5, variance 1.25; z(6) = 2.5 / sqrt(1.25) =
        // sqrt(5).
        QCOMPARE(d.count(), size_t(4));
        QCOMPARE(d.zScore(6), 2.2360679774997897);
        d.add(100);
        // {3, 4, 5, 100}: mean 28, deviations -25 -24 -23 72, squares 625 576 529 5184, variance 6914 / 4 =
        // 1728.5; z(28) = 0 and z(100) = 72 / sqrt(1728.5) = 72 / 41.575233011... = 1.73180027588...
        QCOMPARE(d.zScore(28), 0.0);
        QCOMPARE(d.zScore(100), 1.7318002758820863);
    }

    void constantWindow()
    {
        OutlierDetector d = detector(8, 3);
        for (int i = 0; i < 3; ++i)
            d.add(7.25);
        QCOMPARE(d.zScore(7.25), 0.0);
        QCOMPARE(d.zScore(7.5), std::numeric_limits<double>::infinity());
        QCOMPARE(d.zScore(7.0), -std::numeric_limits<double>::infinity());
    }

    void nonFiniteValuesAreNotAdded()
    {
        OutlierDetector d = detector(8, 2);
        d.add(1);
        d.add(std::nan(""));
        d.add(std::numeric_limits<double>::infinity());
        QCOMPARE(d.count(), size_t(1));
        d.add(3);
        QCOMPARE(d.zScore(3), 1.0);  // {1, 3}: mean 2, std 1
        QVERIFY(std::isnan(d.zScore(std::nan(""))));
    }

    void largeOffsetKeepsPrecision()
    {
        // Losses near 1e6 with a spread of 1: a one-pass E[x^2] - mean^2 would lose most digits here.
        OutlierDetector d = detector(4, 4);
        for (const double v : {1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4})
            d.add(v);
        QCOMPARE(d.zScore(1e6), -2.2360679774997897);  // (1e6 - (1e6 + 2.5)) / sqrt(1.25)
    }

    void stateRoundTripIsExact()
    {
        OutlierDetector a = detector(16, 4);
        // Losses of a fake run, with full mantissas; more values than the window, so it has slid.
        for (int i = 0; i < 40; ++i)
            a.add(3.0 + std::sin(i * 0.7) / 3.0 + 1.0 / (i + 3));
        OutlierDetector b = detector(16, 4);
        b.setState(nlohmann::json::parse(a.state().dump()));
        QCOMPARE(b.count(), a.count());
        QCOMPARE(b.state(), a.state());
        for (int i = 0; i < 20; ++i) {
            const double x = 2.9 + i * 0.017;
            QVERIFY2(sameDouble(a.zScore(x), b.zScore(x)), qPrintable(QString::number(i)));
            a.add(x);
            b.add(x);
        }
        // A fresh detector is not the same: the round trip carried the window.
        OutlierDetector c = detector(16, 4);
        QVERIFY(std::isnan(c.zScore(3.0)));
    }

    void setStateKeepsTheNewestValues()
    {
        OutlierDetector d = detector(3, 3);
        d.setState({{"values", {10, 20, 1, 2, 3}}});
        QCOMPARE(d.state(), nlohmann::json({{"values", {1.0, 2.0, 3.0}}}));
        QCOMPARE(d.zScore(2), 0.0);
    }

    void badInputs()
    {
        OutlierDetector d = detector(4, 2);
        expectThrowsWithMessage(
            [&] {
                d.setState({{"window", {1, 2}}});
            },
            "'values' is missing or not an array");
        expectThrowsWithMessage(
            [&] {
                d.setState({{"values", {1, "x"}}});
            },
            "values[1] is not a number: \"x\"");
        OutlierDetectorOptions o;
        o.window = 4;
        o.minCount = 5;
        expectThrowsWithMessage([&] { OutlierDetector{o}; }, "minCount must be in [1, window = 4], got 5");
        o.minCount = 0;
        expectThrowsWithMessage([&] { OutlierDetector{o}; }, "minCount must be in [1, window = 4], got 0");
    }
};

QTEST_GUILESS_MAIN(TestOutlier)
#include "tst_outlier.moc"
