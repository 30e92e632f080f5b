// Tests of core/train/loss_scaler: a hand-written sequence of overflow flags with the scales that
// GradScaler's policy gives, growth exactly at the interval, no growth into inf, the disabled scaler, an
// exact state round trip through JSON text, and the input checks.
#include <QtTest>

#include <cmath>

#include "core/train/loss_scaler.h"
#include "train_test_util.h"

using danka::core::train::DynamicLossScaler;
using danka::core::train::LossScalerOptions;
using danka::test::expectThrowsWithMessage;

class TestLossScaler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaults()
    {
        const DynamicLossScaler s;
        QVERIFY(s.enabled());
        QCOMPARE(s.scale(), 65536.0);
        QCOMPARE(s.options().growthFactor, 2.0);
        QCOMPARE(s.options().backoffFactor, 0.5);
        QCOMPARE(s.options().growthInterval, int64_t(2000));
    }

    void handWrittenSequence()
    {
        LossScalerOptions o;
        o.growthInterval = 3;
        DynamicLossScaler s(o);
        struct Row {
            bool foundInf;
            bool apply;
            double scale;
            int64_t tracker;
        };
        const Row rows[] = {
            {false, true, 65536, 1},  {false, true, 65536, 2},
            {false, true, 131072, 0},  // third clean step in a row: doubled, tracker restarts
            {true, false, 65536, 0},   // overflow: halved, skipped
            {false, true, 65536, 1},  {true, false, 32768, 0},  // the overflow resets the count
            {true, false, 16384, 0},  {false, true, 16384, 1},
            {false, true, 16384, 2},  {false, true, 32768, 0},
            {false, true, 32768, 1},
        };
        int i = 0;
        for (const Row &r : rows) {
            const QByteArray where = "row " + QByteArray::number(i++);
            QVERIFY2(s.update(r.foundInf) == r.apply, where);
            QVERIFY2(s.scale() == r.scale, where + " scale " + QByteArray::number(s.scale()));
            QVERIFY2(s.growthTracker() == r.tracker, where);
        }
    }

    void theScaleStopsAtItsFloor()
    {
        // 2^16 halves to 1 in 16 overflows and stays there; the next clean steps grow it again.
        LossScalerOptions o;
        o.growthInterval = 2;
        DynamicLossScaler s(o);
        for (int i = 1; i <= 16; ++i) {
            QVERIFY(!s.atFloor());
            QVERIFY(!s.update(true));
            QCOMPARE(s.scale(), std::ldexp(1.0, 16 - i));
        }
        QVERIFY(s.atFloor());
        QVERIFY(!s.update(true));
        QCOMPARE(s.scale(), 1.0);
        QVERIFY(s.update(false) && s.update(false));
        QCOMPARE(s.scale(), 2.0);
        QVERIFY(!s.atFloor());
        // A floor that is not a power of the backoff: clamped, not skipped past.
        o.initScale = 10;
        o.minScale = 3;
        DynamicLossScaler t(o);
        t.update(true);
        QCOMPARE(t.scale(), 5.0);
        t.update(true);
        QCOMPARE(t.scale(), 3.0);
        o.minScale = 0;
        expectThrowsWithMessage([&] { DynamicLossScaler{o}; }, "minScale must be in (0, initScale], got 0");
    }

    void growsExactlyAtTheDefaultInterval()
    {
        DynamicLossScaler s;
        for (int i = 0; i < 1999; ++i)
            QVERIFY(s.update(false));
        QCOMPARE(s.scale(), 65536.0);
        QCOMPARE(s.growthTracker(), int64_t(1999));
        QVERIFY(s.update(false));
        QCOMPARE(s.scale(), 131072.0);
        QCOMPARE(s.growthTracker(), int64_t(0));
    }

    void neverGrowsIntoInfinity()
    {
        LossScalerOptions o;
        o.initScale = 1e308;
        o.growthInterval = 1;
        DynamicLossScaler s(o);
        QVERIFY(s.update(false));
        QCOMPARE(s.scale(), 1e308);  // 2e308 would be inf
        QCOMPARE(s.growthTracker(), int64_t(0));
    }

    void disabledScalerIsOneAndNeverSkips()
    {
        LossScalerOptions o;
        o.enabled = false;
        DynamicLossScaler s(o);
        QCOMPARE(s.scale(), 1.0);
        QVERIFY(s.update(true));
        QVERIFY(s.update(false));
        QCOMPARE(s.scale(), 1.0);
        QCOMPARE(s.growthTracker(), int64_t(0));
    }

    void stateRoundTripIsExact()
    {
        // Factors that are not powers of two, so the scale has a full mantissa to lose in a bad round trip.
        LossScalerOptions o;
        o.initScale = 3.0;
        o.growthFactor = 1.7;
        o.backoffFactor = 0.3;
        o.growthInterval = 4;
        o.minScale = 1e-6;  // below 3 * 0.3^k for this sequence: the floor plays no part here
        const bool flags[] = {false, true, false, false, false, false, true, true, false, false};
        const bool more[] = {false, false, true, false, false, false, false, false, true, false, false};
        DynamicLossScaler a(o);
        for (const bool f : flags)
            a.update(f);
        QCOMPARE(a.growthTracker(), int64_t(2));

        DynamicLossScaler b(o);
        b.setState(nlohmann::json::parse(a.state().dump()));
        QVERIFY(b.scale() == a.scale());
        QCOMPARE(b.growthTracker(), a.growthTracker());
        for (const bool f : more) {
            QCOMPARE(b.update(f), a.update(f));
            QVERIFY2(b.scale() == a.scale(), QByteArray::number(b.scale(), 'g', 17));
            QCOMPARE(b.growthTracker(), a.growthTracker());
        }
        // The values themselves: the policy replayed by hand over both sequences in one go.
        double expected = 3.0;
        int64_t tracker = 0;
        for (const auto &seq : {std::vector<bool>(std::begin(flags), std::end(flags)),
                                std::vector<bool>(std::begin(more), std::end(more))}) {
            for (const bool f : seq) {
                if (f) {
                    expected *= 0.3;
                    tracker = 0;
                } else if (++tracker == 4) {
                    expected *= 1.7;
                    tracker = 0;
                }
            }
        }
        QVERIFY(a.scale() == expected);
    }

    void badState()
    {
        DynamicLossScaler s;
        expectThrowsWithMessage(
            [&] {
                s.setState({{"growth_tracker", 0}});
            },
            "'scale' is missing or not a number");
        expectThrowsWithMessage(
            [&] {
                s.setState({{"scale", -2.0}, {"growth_tracker", 0}});
            },
            "'scale' must be finite and > 0, got -2");
        expectThrowsWithMessage([&] { s.setState({{"scale", 8.0}}); }, "'growth_tracker' is missing");
        expectThrowsWithMessage(
            [&] {
                s.setState({{"scale", 8.0}, {"growth_tracker", -1}});
            },
            "'growth_tracker' must be >= 0, got -1");
        expectThrowsWithMessage([&] { s.setState(nlohmann::json::array()); }, "expected a JSON object");
        QCOMPARE(s.scale(), 65536.0);  // failed loads change nothing
    }

    void badOptions()
    {
        LossScalerOptions o;
        o.backoffFactor = 1.0;
        expectThrowsWithMessage([&] { DynamicLossScaler{o}; }, "backoffFactor must be in (0, 1), got 1");
        o = {};
        o.growthFactor = 0.5;
        expectThrowsWithMessage([&] { DynamicLossScaler{o}; },
                                "growthFactor must be finite and > 1, got 0.5");
        o = {};
        o.growthInterval = 0;
        expectThrowsWithMessage([&] { DynamicLossScaler{o}; }, "growthInterval must be >= 1, got 0");
        o = {};
        o.initScale = 0;
        expectThrowsWithMessage([&] { DynamicLossScaler{o}; }, "initScale must be finite and > 0, got 0");
    }
};

QTEST_GUILESS_MAIN(TestLossScaler)
#include "tst_loss_scaler.moc"
