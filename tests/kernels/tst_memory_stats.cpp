// Tests of kernels/memory_stats: the counting CPU allocator counts exactly the bytes LibTorch asks for
// (oracle: the tensors' own nbytes), tracks the peak, stays a "simple" allocator (data pointer ==
// context, raw_allocate/raw_deallocate work) so that oneDNN's bf16 matmul keeps its fast path, and the
// resident set is read from /proc.
#include <c10/core/CPUAllocator.h>

#include <QtTest>

#include "kernel_test_util.h"
#include "kernels/memory_stats.h"

using namespace danka::kernels;

class TestMemoryStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { enableHostMemoryTracking(); }

    void countsTensorBytesAndPeak()
    {
        QVERIFY(hostMemoryTrackingEnabled());
        const int64_t before = hostMemoryStats().currentBytes;
        resetHostMemoryPeak();
        {
            const auto a = torch::empty({1000, 250}, torch::kFloat32);  // 1,000,000 bytes
            QCOMPARE(hostMemoryStats().currentBytes - before, a.nbytes());
            {
                const auto b = torch::empty({333}, torch::kFloat64);  // 2,664 bytes
                QCOMPARE(hostMemoryStats().currentBytes - before, int64_t(a.nbytes() + b.nbytes()));
            }
            QCOMPARE(hostMemoryStats().currentBytes - before, a.nbytes());
        }
        QCOMPARE(hostMemoryStats().currentBytes, before);
        QCOMPARE(hostMemoryStats().peakBytes - before, int64_t(1000000 + 2664));
        resetHostMemoryPeak();
        QCOMPARE(hostMemoryStats().peakBytes, before);
    }

    void isASimpleAllocator()
    {
        c10::Allocator *allocator = c10::GetCPUAllocator();
        const c10::DataPtr p = allocator->allocate(4096);
        QCOMPARE(p.get(), p.get_context());
        QVERIFY(allocator->is_simple_data_ptr(p));
        QCOMPARE(reinterpret_cast<uintptr_t>(p.get()) % 64, uintptr_t(0));
        const int64_t before = hostMemoryStats().currentBytes;
        void *raw = allocator->raw_allocate(100);  // asserted with a context object of our own
        QVERIFY(raw != nullptr);
        QCOMPARE(hostMemoryStats().currentBytes - before, int64_t(100));
        allocator->raw_deallocate(raw);
        QCOMPARE(hostMemoryStats().currentBytes, before);
    }

    void hostCapRaisesOutOfMemoryAndKeepsWhatExists()
    {
        const auto kept = torch::ones({1000}, torch::kFloat32);  // allocated before the cap: untouched
        const int64_t inUse = hostMemoryStats().currentBytes;
        setHostMemoryLimit(inUse + 1000000);
        QCOMPARE(hostMemoryLimit(), inUse + 1000000);
        bool raised = false;
        try {
            const auto big = torch::empty({300000}, torch::kFloat32);  // 1.2 MB: over the cap
        } catch (const c10::OutOfMemoryError &e) {
            raised = true;
            const std::string message = e.what_without_backtrace();
            QVERIFY2(message.find("out of memory") != std::string::npos, message.c_str());
            QVERIFY2(message.find("1200000 bytes") != std::string::npos, message.c_str());
        }
        QVERIFY(raised);
        const auto small = torch::empty({200000}, torch::kFloat32);  // 0.8 MB: under the cap
        QCOMPARE(small.numel(), int64_t(200000));
        QCOMPARE(kept.sum().item<double>(), 1000.0);
        setHostMemoryLimit(0);
        QCOMPARE(hostMemoryLimit(), int64_t(0));
        const auto big = torch::empty({300000}, torch::kFloat32);
        QCOMPARE(big.numel(), int64_t(300000));
    }

    void cudaCapWithoutGpuSaysWhy()
    {
        if (torch::cuda::is_available()) QSKIP("a GPU is present: the cap is checked by packaging/gpu_check.sh");
        std::string error;
        QVERIFY(!capCudaMemory(0, int64_t(24) << 30, &error));
        QVERIFY2(!error.empty(), "no reason given");
        releaseCachedCudaMemory();  // harmless without a GPU
    }

    void cudaStatsBeforeAnyGpuUseAreZero()
    {
        // The header promises zeros before the GPU was used (and without one); LibTorch's allocator throws
        // "did you call init?" there, which cudaMemoryStats and resetCudaPeakMemory must not pass on. This
        // process has made no CUDA tensor, so on a GPU machine too the allocator is still uninitialised here.
        for (const int device : {0, 1, 7}) {
            resetCudaPeakMemory(device);
            const DeviceMemoryStats s = cudaMemoryStats(device);
            QCOMPARE(s.allocatedBytes, int64_t(0));
            QCOMPARE(s.reservedBytes, int64_t(0));
            QCOMPARE(s.peakAllocatedBytes, int64_t(0));
        }
        // Initialising the allocator needs a GPU; without one it says no and the stats stay zeros.
        if (!torch::cuda::is_available()) {
            QVERIFY(!ensureCudaAllocator());
            QCOMPARE(cudaMemoryStats(0).reservedBytes, int64_t(0));
        } else {
            QVERIFY(ensureCudaAllocator());
            QVERIFY(ensureCudaAllocator());  // idempotent
            const auto t = torch::empty({1 << 20}, torch::TensorOptions().device(torch::kCUDA));
            QVERIFY(cudaMemoryStats(0).allocatedBytes >= int64_t(4) << 20);
        }
    }

    void bf16MatmulIsRightWhileCounting()
    {
        torch::manual_seed(0);
        const auto a = torch::randn({4, 64, 32}), b = torch::randn({4, 32, 48});
        const auto got = torch::matmul(a.to(torch::kBFloat16), b.to(torch::kBFloat16)).to(torch::kFloat64);
        const auto want = torch::matmul(a.to(torch::kFloat64), b.to(torch::kFloat64));
        QVERIFY(torch::allclose(got, want, 0.05, 0.25));
    }

    void residentSetIsPlausible()
    {
        // oracle: VmRSS from /proc/self/status (kB), read right after
        const int64_t rss = residentBytes();
        QFile status("/proc/self/status");
        QVERIFY(status.open(QIODevice::ReadOnly));
        int64_t vmRssKb = 0;
        for (const QByteArray &line : status.readAll().split('\n'))
            if (line.startsWith("VmRSS:")) vmRssKb = line.mid(6).trimmed().split(' ').first().toLongLong();
        QVERIFY(vmRssKb > 1024);
        QVERIFY2(std::llabs(rss / 1024 - vmRssKb) < 4096, qPrintable(QString("statm %1 kB, VmRSS %2 kB")
                                                                          .arg(rss / 1024).arg(vmRssKb)));
    }
};

QTEST_APPLESS_MAIN(TestMemoryStats)
#include "tst_memory_stats.moc"
