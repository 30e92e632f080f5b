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
