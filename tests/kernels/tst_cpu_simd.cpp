// Tests of kernels/cpu_simd: the vectorised exp and sigmoid against libm, bfloat16 loads and stores against
// c10::BFloat16 bit for bit, row tails, the NaN-propagating max, and which tensors are read in place as rows.
#include <c10/util/bit_cast.h>

#include <QtTest>
#include <cmath>
#include <limits>
#include <random>

#include "kernel_test_util.h"
#include "kernels/cpu_simd.h"

namespace cpu = danka::kernels::cpu;
namespace dt = danka::test;

class TestCpuSimd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void expMatchesLibm()
    {
        dt::forEachCpuIsa([&](const std::string &isa) {
            double worst = 0;
            cpu::runVectorized([&] {
                for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
                    const float lanes[8] = {x,          x + 0.001f, x + 0.002f, x + 0.003f,
                                            x + 0.004f, x + 0.005f, x + 0.006f, x + 0.007f};
                    const cpu::VecF e = cpu::expVec(cpu::loadVec(lanes));
                    for (int i = 0; i < 8; ++i) {
                        const double exact = std::exp(static_cast<double>(lanes[i]));
                        worst = std::max(worst, std::abs(e[i] - exact) / exact);
                    }
                }
            });
            QVERIFY2(worst < 3e-7,
                     (isa + ": worst relative error " + std::to_string(worst)).c_str());  // ~2 ulp

            float out[8];
            cpu::runVectorized([&] {
                const float special[8] = {-std::numeric_limits<float>::infinity(),
                                          -1000.0f,
                                          -87.5f,
                                          0.0f,
                                          std::numeric_limits<float>::quiet_NaN(),
                                          1000.0f,
                                          std::numeric_limits<float>::infinity(),
                                          -0.0f};
                cpu::storeVec(out, cpu::expVec(cpu::loadVec(special)));
            });
            QCOMPARE(out[0], 0.0f);
            QCOMPARE(out[1], 0.0f);
            QCOMPARE(out[2], 0.0f);  // below the normal range: flushed to 0
            QCOMPARE(out[3], 1.0f);
            QVERIFY(std::isnan(out[4]));
            QVERIFY(out[5] > 1e38f);  // saturates (inf or near the largest float)
            QVERIFY(out[6] > 1e38f);
            QCOMPARE(out[7], 1.0f);
        });
    }

    void sigmoidMatchesLibm()
    {
        dt::forEachCpuIsa([&](const std::string &isa) {
            double worst = 0;
            cpu::runVectorized([&] {
                for (float g = -100.0f; g < 100.0f; g += 0.093f) {
                    const cpu::VecF s = cpu::sigmoidVec(cpu::splat(g));
                    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(g)));
                    if (exact > 1e-30) worst = std::max(worst, std::abs(s[0] - exact) / exact);
                }
            });
            QVERIFY2(worst < 5e-7, (isa + ": worst relative error " + std::to_string(worst)).c_str());
        });
    }

    void bfloat16StoreRoundsLikeC10()
    {
        // Random bit patterns (every exponent: denormals, inf, NaN) plus the rounding ties.
        std::mt19937 random(7);
        std::vector<float> values = {0.0f,
                                     -0.0f,
                                     1.0f,
                                     std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(),
                                     c10::bit_cast<float>(0x3F808000u),
                                     c10::bit_cast<float>(0x3F818000u)};
        while (values.size() < 8 * 4096)
            values.push_back(c10::bit_cast<float>(static_cast<uint32_t>(random())));
        dt::forEachCpuIsa([&](const std::string &isa) {
            std::vector<c10::BFloat16> stored(values.size());
            cpu::runVectorized([&] {
                for (size_t i = 0; i < values.size(); i += 8)
                    cpu::storeVec(stored.data() + i, cpu::loadVec(values.data() + i));
            });
            for (size_t i = 0; i < values.size(); ++i) {
                const c10::BFloat16 expected(values[i]);
                QVERIFY2(stored[i].x == expected.x, (isa + ": value " + std::to_string(i)).c_str());
            }
            // And back: a bfloat16 load is exact.
            std::vector<float> loaded(values.size());
            cpu::runVectorized([&] {
                for (size_t i = 0; i < values.size(); i += 8)
                    cpu::storeVec(loaded.data() + i, cpu::loadVec(stored.data() + i));
            });
            for (size_t i = 0; i < values.size(); ++i) {
                const float expected = static_cast<float>(stored[i]);
                QVERIFY(c10::bit_cast<uint32_t>(loaded[i]) == c10::bit_cast<uint32_t>(expected));
            }
        });
    }

    void tailsLoadAndStoreOnlyTheirLanes()
    {
        const c10::BFloat16 source[3] = {1.5f, -2.0f, 3.25f};
        const cpu::VecF v = cpu::loadN(source, 3, -7.0f);
        QCOMPARE(v[0], 1.5f);
        QCOMPARE(v[2], 3.25f);
        for (int i = 3; i < 8; ++i)
            QCOMPARE(v[i], -7.0f);
        double out[6] = {9, 9, 9, 9, 9, 9};
        cpu::storeN(out, cpu::splat(1.0), 2);
        QCOMPARE(out[1], 1.0);
        QCOMPARE(out[2], 9.0);
        QCOMPARE(cpu::reduceSum(cpu::loadN(source, 3)), 2.75f);
    }

    void maxPropagatesNan()
    {
        const float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        float b[8] = {0, 9, 0, 0, 0, 0, 0, 0};
        QCOMPARE(cpu::reduceMax(cpu::maxPropagateNan(cpu::loadVec(a), cpu::loadVec(b))), 9.0f);
        b[5] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(std::isnan(cpu::reduceMax(cpu::maxPropagateNan(cpu::loadVec(a), cpu::loadVec(b)))));
        QVERIFY(std::isnan(cpu::reduceMax(cpu::maxPropagateNan(cpu::loadVec(b), cpu::loadVec(a)))));
    }

    void rowsOfReadsEvenlyStridedTensorsInPlace()
    {
        const auto contiguous = torch::randn({4, 6});
        auto rows = cpu::rowsOf(contiguous);
        QCOMPARE(rows.t.data_ptr(), contiguous.data_ptr());
        QCOMPARE(rows.rows, 4);
        QCOMPARE(rows.rowStride, 6);

        const auto slice = torch::randn({4, 3, 16}).narrow(-1, 3, 10);  // nested leading dims
        rows = cpu::rowsOf(slice);
        QCOMPARE(rows.t.data_ptr(), slice.data_ptr());
        QCOMPARE(rows.rows, 12);
        QCOMPARE(rows.cols, 10);
        QCOMPARE(rows.rowStride, 16);

        const auto withUnitDim = torch::randn({5, 1, 16}).narrow(-1, 0, 8);
        rows = cpu::rowsOf(withUnitDim);
        QCOMPARE(rows.t.data_ptr(), withUnitDim.data_ptr());
        QCOMPARE(rows.rowStride, 16);

        const auto broadcast = torch::randn({1, 8}).expand({4, 8});  // stride 0: every row is the same data
        rows = cpu::rowsOf(broadcast);
        QCOMPARE(rows.t.data_ptr(), broadcast.data_ptr());
        QCOMPARE(rows.rowStride, 0);

        const auto scalar = torch::scalar_tensor(2.0);
        rows = cpu::rowsOf(scalar);
        QCOMPARE(rows.rows, 1);
        QCOMPARE(rows.cols, 1);
    }

    void rowsOfCopiesEverythingElse()
    {
        for (const auto &t : {torch::randn({6, 4}).t(), torch::randn({4, 3, 8}).permute({1, 0, 2}),
                              torch::randn({4, 8}).slice(1, 0, 8, 2)}) {
            const auto rows = cpu::rowsOf(t);
            QVERIFY(rows.t.data_ptr() != t.data_ptr());
            QVERIFY(rows.t.is_contiguous());
            QCOMPARE(rows.rowStride, rows.cols);
            QVERIFY(torch::equal(rows.t, t));
        }
    }

    void isaOverrideFallsBackToTheBaseline()
    {
        cpu::setCpuIsaForTesting(cpu::CpuIsa::Baseline);
        QCOMPARE(cpu::cpuIsa(), cpu::CpuIsa::Baseline);
        cpu::resetCpuIsaForTesting();
        cpu::setCpuIsaForTesting(cpu::CpuIsa::Avx2);  // only where the CPU has it
        const bool hasAvx2 = cpu::cpuIsa() == cpu::CpuIsa::Avx2;
        cpu::resetCpuIsaForTesting();
        QCOMPARE(cpu::cpuIsa() == cpu::CpuIsa::Avx2, hasAvx2);
    }
};

QTEST_GUILESS_MAIN(TestCpuSimd)
#include "tst_cpu_simd.moc"
