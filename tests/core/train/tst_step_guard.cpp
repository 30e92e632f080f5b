// Tests of core/train/step_guard: which steps are applied and which skipped, counted and stopped on, against
// hand-written sequences. The fp16 case is the one a real NaN bug hits: a finite loss with non-finite
// gradients lowers the loss scale to its floor without counting (16 halvings from 2^16 to 1), then counts
// like any non-finite gradient until runtime.max_skipped_steps stops the run.
#include <QtTest>

#include <cmath>

#include "core/train/step_guard.h"
#include "train_test_util.h"

using namespace danka::core::train;

class TestStepGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nonFiniteValuesAreSkippedAndCounted()
    {
        StepGuardOptions o;
        o.maxSkippedSteps = 3;
        StepGuard g(o);
        QVERIFY(g.judge(2.0, 1.0).apply);
        StepVerdict v = g.judge(NAN, 1.0);
        QVERIFY(!v.apply && !v.stop);
        QCOMPARE(v.reason, SkipReason::NonFiniteLoss);
        QCOMPARE(v.message, std::string("the loss is nan"));
        v = g.judge(2.0, INFINITY);
        QCOMPARE(v.reason, SkipReason::NonFiniteGrad);  // fp32: no scaler, a non-finite gradient is a bad step
        QCOMPARE(g.consecutiveSkips(), int64_t(2));
        QVERIFY(g.judge(2.0, 1.0).apply);  // an applied step resets the consecutive count, not the total
        QCOMPARE(g.consecutiveSkips(), int64_t(0));
        QCOMPARE(g.skipped(), int64_t(2));
        for (int i = 0; i < 2; ++i) QVERIFY(!g.judge(NAN, NAN).stop);
        v = g.judge(NAN, NAN);
        QVERIFY(v.stop);  // the third in a row
        QCOMPARE(g.skipped(), int64_t(5));
    }

    void outliersAreSkipped()
    {
        StepGuardOptions o;
        o.skipZScore = 5;
        StepGuard g(o);
        for (int i = 0; i < 20; ++i) QVERIFY(g.judge(2.0 + 0.01 * (i % 3), 1.0 + 0.01 * (i % 2)).apply);
        StepVerdict v = g.judge(20.0, 1.0);
        QCOMPARE(v.reason, SkipReason::LossOutlier);
        QVERIFY2(v.message.find("the loss 20.0000 is ") == 0 && v.message.find("standard deviations above") != std::string::npos,
                 v.message.c_str());
        v = g.judge(2.0, 50.0);
        QCOMPARE(v.reason, SkipReason::GradNormOutlier);
    }

    void fp16OverflowsCountOnlyAtTheScalesFloor()
    {
        StepGuardOptions o;
        o.maxSkippedSteps = 4;
        o.scaler.enabled = true;
        StepGuard g(o);
        QCOMPARE(g.scaler().scale(), 65536.0);
        // Finite loss, gradients overflowing at every scale: 16 halvings are the scale's business...
        for (int i = 1; i <= 16; ++i) {
            const StepVerdict v = g.judge(3.0, INFINITY);
            QVERIFY(!v.apply && !v.stop);
            QCOMPARE(v.reason, SkipReason::Fp16Overflow);
            QCOMPARE(g.scaler().scale(), std::ldexp(1.0, 16 - i));
            QCOMPARE(g.consecutiveSkips(), int64_t(0));
        }
        QVERIFY(g.scaler().atFloor());
        // ...then at the floor they are bad steps: the fourth in a row stops the run, with a message.
        for (int i = 1; i <= 4; ++i) {
            const StepVerdict v = g.judge(3.0, NAN);
            QCOMPARE(v.reason, SkipReason::NonFiniteGrad);
            QCOMPARE(v.stop, i == 4);
            QVERIFY2(v.message == "the gradient norm is nan at the smallest fp16 loss scale (1): the gradients are "
                                  "not finite even unscaled",
                     v.message.c_str());
        }
        QCOMPARE(g.skipped(), int64_t(20));
        QCOMPARE(g.overflowSkips(), int64_t(20));
        QCOMPARE(g.scaler().scale(), 1.0);
    }

    void anOccasionalOverflowIsRoutine()
    {
        StepGuardOptions o;
        o.maxSkippedSteps = 2;
        o.scaler.enabled = true;
        o.scaler.growthInterval = 3;
        StepGuard g(o);
        for (int round = 0; round < 10; ++round) {
            QVERIFY(!g.judge(3.0, INFINITY).stop);  // halved...
            for (int i = 0; i < 3; ++i) QVERIFY(g.judge(3.0, 1.0).apply);  // ...and grown back
        }
        QCOMPARE(g.scaler().scale(), 65536.0);
        QCOMPARE(g.skipped(), int64_t(10));
        QCOMPARE(g.overflowSkips(), int64_t(10));
        QCOMPARE(g.consecutiveSkips(), int64_t(0));
    }

    void stateRoundTrip()
    {
        StepGuardOptions o;
        o.skipZScore = 4;
        o.scaler.enabled = true;
        StepGuard a(o);
        for (int i = 0; i < 30; ++i) a.judge(2.0 + 0.1 * std::sin(i), i % 7 == 0 ? INFINITY : 1.0 + 0.05 * std::cos(i));
        nlohmann::ordered_json state;
        a.writeState(state);
        StepGuard b(o);
        b.readState(nlohmann::json::parse(state.dump()));
        QCOMPARE(b.skipped(), a.skipped());
        QCOMPARE(b.overflowSkips(), a.overflowSkips());
        QCOMPARE(b.consecutiveSkips(), a.consecutiveSkips());
        for (int i = 0; i < 10; ++i) {
            const double loss = 2.0 + (i == 5 ? 10.0 : 0.0), norm = i == 3 ? NAN : 1.0;
            const StepVerdict x = a.judge(loss, norm), y = b.judge(loss, norm);
            QCOMPARE(x.apply, y.apply);
            QCOMPARE(x.message, y.message);
            QCOMPARE(a.scaler().scale(), b.scaler().scale());
        }
        // An older state without the counters reads them as 0; a bad counter is named.
        nlohmann::json old = nlohmann::json::parse(state.dump());
        old.erase("overflow_skips");
        b.readState(old);
        QCOMPARE(b.overflowSkips(), int64_t(0));
        old["skipped_steps"] = "many";
        danka::test::expectThrowsWithMessage([&] { b.readState(old); }, "'skipped_steps' must be an integer >= 0");
        old.erase("scaler");
        danka::test::expectThrowsWithMessage([&] { b.readState(old); }, "'scaler' is missing");
    }
};

QTEST_APPLESS_MAIN(TestStepGuard)
#include "tst_step_guard.moc"
