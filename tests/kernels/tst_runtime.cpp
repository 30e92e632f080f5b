// Tests of kernels/runtime: the thread policy and what the runtime reports.
#include <ATen/Parallel.h>
#include <torch/version.h>
#include <QtTest>

#include "kernels/runtime.h"

using namespace danka::kernels;

class TestRuntime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void threadCountIsSetExplicitly()
    {
        QCOMPARE(setThreadCount(1), 1);
        QCOMPARE(at::get_num_threads(), 1);
        // 0 means every hardware thread the process may use.
        QCOMPARE(setThreadCount(0), hardwareThreadCount());
        QCOMPARE(at::get_num_threads(), hardwareThreadCount());
        QCOMPARE(runtimeInfo().intraOpThreads, hardwareThreadCount());
    }

    void runtimeReportsTheLinkedLibTorch()
    {
        const RuntimeInfo info = runtimeInfo();
        QCOMPARE(info.torchVersion, std::string(TORCH_VERSION));
        QVERIFY(info.hardwareThreads >= 1);
        if (!info.cudaAvailable) {
            QVERIFY(!info.cudaUnavailableReason.empty());
            QVERIFY(info.gpus.empty() || !info.danKernelsCuda);
        }
#ifdef DANKA_WITH_CUDA
        QVERIFY(info.danKernelsCuda);
        QVERIFY(!info.danKernelsCudaArchs.empty());
#endif
    }

    void probeWithoutGpuFailsCleanly()
    {
        if (runtimeInfo().cudaAvailable) QSKIP("a GPU is present: the probe is exercised by danka-cli check");
        std::string error;
        QCOMPARE(probeDankaKernel(0, &error), -1);
        QVERIFY(!error.empty());
    }

    void archListDecidesWhereDankaKernelsRun_data()
    {
        QTest::addColumn<QString>("archs");
        QTest::addColumn<int>("major");
        QTest::addColumn<int>("minor");
        QTest::addColumn<bool>("runs");
        // The default build (CMake's DANKA_CUDA_ARCHS), written out per GPU generation.
        const QString build = "8.0;8.9;9.0+PTX";
        QTest::newRow("V100 sm_70") << build << 7 << 0 << false;
        QTest::newRow("T4 sm_75") << build << 7 << 5 << false;
        QTest::newRow("A100 sm_80") << build << 8 << 0 << true;
        QTest::newRow("A10/3090 sm_86: sm_80 code, same major") << build << 8 << 6 << true;
        QTest::newRow("4090 sm_89") << build << 8 << 9 << true;
        QTest::newRow("H100 sm_90") << build << 9 << 0 << true;
        QTest::newRow("B200 sm_100: PTX 9.0") << build << 10 << 0 << true;
        QTest::newRow("5090 sm_120: PTX 9.0") << build << 12 << 0 << true;
        // As runtimeInfo reports it (space separated), and other lists.
        QTest::newRow("spaces") << "8.0 8.9 9.0+PTX" << 7 << 5 << false;
        QTest::newRow("no PTX: newer major has no image") << "8.0;8.6" << 9 << 0 << false;
        QTest::newRow("sm_86 code does not run on sm_80") << "8.6" << 8 << 0 << false;
        QTest::newRow("PTX does not run on older GPUs") << "9.0+PTX" << 8 << 9 << false;
        QTest::newRow("arch-specific 9.0a on 9.0") << "9.0a" << 9 << 0 << true;
        QTest::newRow("arch-specific 9.0a not on 10.0") << "9.0a+PTX" << 10 << 0 << false;
        QTest::newRow("T4 in the list") << "7.5;8.0" << 7 << 5 << true;
        QTest::newRow("names only: trusted") << "Ampere" << 7 << 5 << true;
        QTest::newRow("a name beside numbers: trusted") << "Turing;8.0" << 7 << 5 << true;
        QTest::newRow("empty: trusted") << "" << 7 << 5 << true;
    }
    void archListDecidesWhereDankaKernelsRun()
    {
        QFETCH(QString, archs);
        QFETCH(int, major);
        QFETCH(int, minor);
        QFETCH(bool, runs);
        QCOMPARE(cudaArchListRuns(archs.toStdString(), major, minor), runs);
    }

    void withoutGpuDankaKernelsRunNowhere()
    {
        if (runtimeInfo().cudaAvailable) QSKIP("a GPU is present");
        std::string why;
#ifdef DANKA_WITH_CUDA
        // No device 0: its capability cannot be read, which is no reason to fall back (nothing runs anyway).
        QVERIFY(dankaCudaKernelsRunOn(0, &why));
#else
        QVERIFY(!dankaCudaKernelsRunOn(0, &why));
        QVERIFY(!why.empty());
#endif
        for (const GpuInfo &g : runtimeInfo().gpus) QCOMPARE(g.freeMemoryBytes, -1LL);  // never queried
    }

    void matmulThroughputIsPositiveAndBadInputThrows()
    {
        QVERIFY(measureMatmulFlops("cpu", "fp32", 64, 0.01) > 0);
        QVERIFY_THROWS_EXCEPTION(std::exception, measureMatmulFlops("cpu", "int3", 64, 0.01));
        if (!runtimeInfo().cudaAvailable)
            QVERIFY_THROWS_EXCEPTION(std::exception, measureMatmulFlops("cuda:0", "fp32", 64, 0.01));
    }
};

QTEST_GUILESS_MAIN(TestRuntime)
#include "tst_runtime.moc"
