// Tests of core/train/schedule: learning rates written out by hand from the formula in schedule.h, for
// cosine, linear and constant decay, without warmup, past the end, and the input checks.
#include <QtTest>

#include "core/train/schedule.h"
#include "train_test_util.h"

using danka::core::LrDecay;
using danka::core::train::learningRate;
using danka::core::train::LrSchedule;

Q_DECLARE_METATYPE(LrDecay)

namespace {

LrSchedule schedule(LrDecay decay, int64_t warmup, int64_t maxSteps)
{
    LrSchedule s;
    s.peak = 1e-3;
    s.warmupSteps = warmup;
    s.maxSteps = maxSteps;
    s.decay = decay;
    s.minRatio = 0.1;  // min = 1e-4
    return s;
}

}  // namespace

class TestSchedule : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void handComputed_data()
    {
        QTest::addColumn<LrDecay>("decay");
        QTest::addColumn<qint64>("warmup");
        QTest::addColumn<qint64>("maxSteps");
        QTest::addColumn<qint64>("step");
        QTest::addColumn<double>("expected");
        // peak 1e-3, min 1e-4. Warmup 10: lr = 1e-3 * (step + 1) / 10.
        QTest::newRow("cosine warmup first") << LrDecay::Cosine << 10LL << 110LL << 0LL << 1e-4;
        QTest::newRow("cosine warmup middle") << LrDecay::Cosine << 10LL << 110LL << 4LL << 5e-4;
        QTest::newRow("cosine warmup last") << LrDecay::Cosine << 10LL << 110LL << 9LL << 1e-3;
        // After warmup p = (step - 10) / 100; cosine: 1e-4 + 0.9e-3 * 0.5 * (1 + cos(pi p)).
        QTest::newRow("cosine p=0") << LrDecay::Cosine << 10LL << 110LL << 10LL << 1e-3;
        // p = 0.25: cos(pi/4) = 0.70710678118654752 -> 1e-4 + 0.45e-3 * 1.70710678118654752
        QTest::newRow("cosine p=0.25") << LrDecay::Cosine << 10LL << 110LL << 35LL << 0.868198051533946384e-3;
        // p = 0.5: cos = 0 -> 1e-4 + 0.45e-3
        QTest::newRow("cosine p=0.5") << LrDecay::Cosine << 10LL << 110LL << 60LL << 0.55e-3;
        // p = 0.99: cos(0.99 pi) = -cos(0.01 pi) = -0.99950656036573160 -> 1e-4 + 0.45e-3 *
        // 0.00049343963426840
        QTest::newRow("cosine p=0.99") << LrDecay::Cosine << 10LL << 110LL << 109LL << 1.00222047835420780e-4;
        QTest::newRow("cosine p=1") << LrDecay::Cosine << 10LL << 110LL << 110LL << 1e-4;
        QTest::newRow("cosine past the end") << LrDecay::Cosine << 10LL << 110LL << 5000LL << 1e-4;
        // Linear: 1e-3 - 0.9e-3 * p.
        QTest::newRow("linear warmup") << LrDecay::Linear << 10LL << 110LL << 4LL << 5e-4;
        QTest::newRow("linear p=0") << LrDecay::Linear << 10LL << 110LL << 10LL << 1e-3;
        QTest::newRow("linear p=0.25") << LrDecay::Linear << 10LL << 110LL << 35LL << 0.775e-3;
        QTest::newRow("linear p=0.5") << LrDecay::Linear << 10LL << 110LL << 60LL << 0.55e-3;
        QTest::newRow("linear p=0.99") << LrDecay::Linear << 10LL << 110LL << 109LL << 0.109e-3;
        QTest::newRow("linear past the end") << LrDecay::Linear << 10LL << 110LL << 111LL << 1e-4;
        // Constant: the warmup, then the peak for ever.
        QTest::newRow("constant warmup") << LrDecay::Constant << 10LL << 110LL << 1LL << 2e-4;
        QTest::newRow("constant after") << LrDecay::Constant << 10LL << 110LL << 10LL << 1e-3;
        QTest::newRow("constant past the end") << LrDecay::Constant << 10LL << 110LL << 1000LL << 1e-3;
        // No warmup: step 0 is already at the peak; p = step / 100.
        QTest::newRow("no warmup step 0") << LrDecay::Cosine << 0LL << 100LL << 0LL << 1e-3;
        QTest::newRow("no warmup p=0.5") << LrDecay::Cosine << 0LL << 100LL << 50LL << 0.55e-3;
        QTest::newRow("no warmup linear p=0.25") << LrDecay::Linear << 0LL << 100LL << 25LL << 0.775e-3;
        // maxSteps <= warmup: the decay span is max(1, ...) = 1 step, so the floor comes right after warmup.
        QTest::newRow("max within warmup: last warmup") << LrDecay::Cosine << 10LL << 5LL << 9LL << 1e-3;
        QTest::newRow("max within warmup: p=0") << LrDecay::Cosine << 10LL << 5LL << 10LL << 1e-3;
        QTest::newRow("max within warmup: p=1") << LrDecay::Cosine << 10LL << 5LL << 11LL << 1e-4;
    }
    void handComputed()
    {
        QFETCH(LrDecay, decay);
        QFETCH(qint64, warmup);
        QFETCH(qint64, maxSteps);
        QFETCH(qint64, step);
        QFETCH(double, expected);
        const double lr = learningRate(schedule(decay, warmup, maxSteps), step);
        QVERIFY2(
            std::abs(lr - expected) <= 1e-13 * expected,
            qPrintable(QStringLiteral("lr %1, expected %2").arg(lr, 0, 'g', 17).arg(expected, 0, 'g', 17)));
    }

    void cosineIsMonotoneAfterWarmup()
    {
        const LrSchedule s = schedule(LrDecay::Cosine, 10, 110);
        for (int64_t step = 10; step < 120; ++step)
            QVERIFY2(learningRate(s, step + 1) <= learningRate(s, step), qPrintable(QString::number(step)));
    }

    void minRatioZeroEndsAtZero()
    {
        LrSchedule s = schedule(LrDecay::Cosine, 0, 100);
        s.minRatio = 0;
        QCOMPARE(learningRate(s, 100), 0.0);
        s.decay = LrDecay::Linear;
        QCOMPARE(learningRate(s, 100), 0.0);
    }

    void badInputs()
    {
        const LrSchedule good = schedule(LrDecay::Cosine, 10, 110);
        danka::test::expectThrowsWithMessage([&] { learningRate(good, -1); }, "step must be >= 0, got -1");
        LrSchedule s = good;
        s.minRatio = 1.5;
        danka::test::expectThrowsWithMessage([&] { learningRate(s, 0); },
                                             "minRatio must be in [0, 1], got 1.5");
        s = good;
        s.peak = -1e-3;
        danka::test::expectThrowsWithMessage([&] { learningRate(s, 0); }, "the peak must be finite and >= 0");
        s = good;
        s.warmupSteps = -2;
        danka::test::expectThrowsWithMessage([&] { learningRate(s, 0); }, "must be >= 0, got -2 and 110");
    }
};

QTEST_GUILESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
