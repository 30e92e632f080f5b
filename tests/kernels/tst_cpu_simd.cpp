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
            double worst = 0, worstNonPositive = 0;
            std::vector<float> special = {-std::numeric_limits<float>::infinity(),
                                          -1000.0f,
                                          -87.5f,
                                          0.0f,
                                          std::numeric_limits<float>::quiet_NaN(),
                                          1000.0f,
                                          std::numeric_limits<float>::infinity(),
                                          -0.0f};
            special.resize(16, 0.0f);
            std::vector<float> out(16);
            cpu::runVectorized([&](auto bytes) {
                constexpr int B = decltype(bytes)::value;
                constexpr int64_t L = cpu::kLanes<float, B>;
                float lanes[L];
                for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
                    for (int64_t i = 0; i < L; ++i)
                        lanes[i] = x + 0.001f * i;
                    const auto e = cpu::expVec(cpu::loadVec<B>(lanes));
                    const auto eNonPositive = cpu::expVec<true>(cpu::loadVec<B>(lanes) - 88.0f);
                    for (int64_t i = 0; i < L; ++i) {
                        const double exact = std::exp(static_cast<double>(lanes[i]));
                        worst = std::max(worst, std::abs(e[i] - exact) / exact);
                        const double shifted = std::exp(static_cast<double>(lanes[i] - 88.0f));
                        if (lanes[i] - 88.0f > -87.0f)
                            worstNonPositive =
                                std::max(worstNonPositive, std::abs(eNonPositive[i] - shifted) / shifted);
                    }
                }
                for (int64_t i = 0; i < 16; i += L)
                    cpu::storeVec(out.data() + i, cpu::expVec(cpu::loadVec<B>(special.data() + i)));
            });
            QVERIFY2(worst < 3e-7,
                     (isa + ": worst relative error " + std::to_string(worst)).c_str());  // ~2 ulp
            QVERIFY2(worstNonPositive < 3e-7,
                     (isa + ": worst relative error " + std::to_string(worstNonPositive)).c_str());
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
            bool nanPropagates = false;
            cpu::runVectorized([&](auto bytes) {
                constexpr int B = decltype(bytes)::value;
                for (float g = -100.0f; g < 100.0f; g += 0.093f) {
                    const auto s = cpu::sigmoidVec(cpu::splat<B>(g));
                    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(g)));
                    if (exact > 1e-30) worst = std::max(worst, std::abs(s[0] - exact) / exact);
                }
                nanPropagates = std::isnan(cpu::sigmoidVec(cpu::splat<B>(std::nanf("")))[0]);
            });
            QVERIFY2(worst < 5e-7, (isa + ": worst relative error " + std::to_string(worst)).c_str());
            QVERIFY2(nanPropagates, isa.c_str());
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
                                     c10::bit_cast<float>(0x3F818000u),
                                     c10::bit_cast<float>(0x7FFFFFFFu)};
        while (values.size() < 16 * 4096)
            values.push_back(c10::bit_cast<float>(static_cast<uint32_t>(random())));
        dt::forEachCpuIsa([&](const std::string &isa) {
            std::vector<c10::BFloat16> stored(values.size());
            std::vector<float> loaded(values.size());
            cpu::runVectorized([&](auto bytes) {
                constexpr int B = decltype(bytes)::value;
                constexpr int64_t L = cpu::kLanes<float, B>;
                for (size_t i = 0; i < values.size(); i += L)
                    cpu::storeVec(stored.data() + i, cpu::loadVec<B>(values.data() + i));
                for (size_t i = 0; i < values.size(); i += L)
                    cpu::storeVec(loaded.data() + i, cpu::loadVec<B>(stored.data() + i));
            });
            for (size_t i = 0; i < values.size(); ++i) {
                const c10::BFloat16 expected(values[i]);
                QVERIFY2(stored[i].x == expected.x, (isa + ": value " + std::to_string(i)).c_str());
                // And back: a bfloat16 load is exact.
                QVERIFY(c10::bit_cast<uint32_t>(loaded[i]) ==
                        c10::bit_cast<uint32_t>(static_cast<float>(stored[i])));
            }
        });
    }

    void tailsLoadAndStoreOnlyTheirLanes()
    {
        const c10::BFloat16 source[3] = {1.5f, -2.0f, 3.25f};
        const auto v = cpu::loadN<32>(source, 3, -7.0f);
        QCOMPARE(v[0], 1.5f);
        QCOMPARE(v[2], 3.25f);
        for (int i = 3; i < 8; ++i)
            QCOMPARE(v[i], -7.0f);
        double out[6] = {9, 9, 9, 9, 9, 9};
        cpu::storeN(out, cpu::splat<32>(1.0), 2);
        QCOMPARE(out[1], 1.0);
        QCOMPARE(out[2], 9.0);
        QCOMPARE(cpu::reduceSum(cpu::loadN<32>(source, 3)), 2.75f);
        QCOMPARE(cpu::reduceSum(cpu::loadN<64>(source, 3)), 2.75f);
        int steps = 0, lastN = 0;
        cpu::forEachVector<32, float>(19, [&](int64_t j, int64_t n) {
            QCOMPARE(j, int64_t{8} * steps++);
            lastN = static_cast<int>(n);
        });
        QCOMPARE(steps, 3);
        QCOMPARE(lastN, 3);
    }

    void maxAndSumOfLanes()
    {
        dt::forEachCpuIsa([&](const std::string &isa) {
            float max = 0, maxWithNan = 0, sum = 0;
            cpu::runVectorized([&](auto bytes) {
                constexpr int B = decltype(bytes)::value;
                constexpr int64_t L = cpu::kLanes<float, B>;
                float a[L], b[L];
                for (int64_t i = 0; i < L; ++i) {
                    a[i] = static_cast<float>(i);
                    b[i] = -1.0f;
                }
                b[1] = 100.0f;
                max = cpu::reduceMax(cpu::maxVec(cpu::loadVec<B>(a), cpu::loadVec<B>(b)));
                b[2] = std::numeric_limits<float>::quiet_NaN();
                maxWithNan = cpu::reduceMax(cpu::maxVec(cpu::loadVec<B>(a), cpu::loadVec<B>(b)));
                sum = cpu::reduceSum(cpu::loadVec<B>(a));  // 0 + 1 + ... + (L - 1)
            });
            QVERIFY2(max == 100.0f, isa.c_str());
            QVERIFY2(maxWithNan == 100.0f, isa.c_str());  // NaN skipped: callers catch it through exp
            const float lanes = isa == "avx512" ? 16.0f : 8.0f;
            QVERIFY2(sum == lanes * (lanes - 1) / 2, isa.c_str());
        });
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

    void isaOverrideIsClampedToTheCpu()
    {
        const cpu::CpuIsa best = cpu::cpuIsa();
        cpu::setCpuIsaForTesting(cpu::CpuIsa::Baseline);
        QCOMPARE(cpu::cpuIsa(), cpu::CpuIsa::Baseline);
        cpu::setCpuIsaForTesting(cpu::CpuIsa::Avx512);  // only where the CPU (and LibTorch) allow it
        QCOMPARE(cpu::cpuIsa(), best);
        cpu::resetCpuIsaForTesting();
        QCOMPARE(cpu::cpuIsa(), best);
        qInfo("fused CPU kernels use %s", cpu::cpuIsaName(best));
    }
};

QTEST_GUILESS_MAIN(TestCpuSimd)
#include "tst_cpu_simd.moc"
