// The MFU denominator (core/lab/peak_flops.h): the rated-peak table looked up by the names CUDA reports, variants
// it must not match, and the fallback to a measured large matmul on the CPU, which says so.
#include <QtTest>

#include "core/lab/peak_flops.h"

using namespace danka::core;

class TestPeakFlops : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ratedPeaksByCudaName_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<double>("tflops");  // the datasheet figure, dense
        QTest::newRow("4090 bf16") << "NVIDIA GeForce RTX 4090" << "bf16" << 165.2;
        QTest::newRow("4090 fp16") << "NVIDIA GeForce RTX 4090" << "fp16" << 165.2;
        QTest::newRow("4090 fp32") << "NVIDIA GeForce RTX 4090" << "fp32" << 82.6;
        QTest::newRow("H100 SXM") << "NVIDIA H100 80GB HBM3" << "bf16" << 989.4;
        QTest::newRow("H100 SXM fp32") << "NVIDIA H100 80GB HBM3" << "fp32" << 67.0;
        QTest::newRow("H100 PCIe") << "NVIDIA H100 PCIe" << "bf16" << 756.5;
        QTest::newRow("H100 NVL") << "NVIDIA H100 NVL" << "bf16" << 835.5;
        QTest::newRow("H200") << "NVIDIA H200" << "bf16" << 989.5;
        QTest::newRow("A100 SXM4 80GB") << "NVIDIA A100-SXM4-80GB" << "bf16" << 312.0;
        QTest::newRow("A100 PCIe 40GB") << "NVIDIA A100-PCIE-40GB" << "fp32" << 19.5;
        QTest::newRow("A100 80GB PCIe") << "NVIDIA A100 80GB PCIe" << "fp16" << 312.0;
        QTest::newRow("L40S") << "NVIDIA L40S" << "bf16" << 362.05;
        QTest::newRow("3090") << "NVIDIA GeForce RTX 3090" << "bf16" << 71.0;
        QTest::newRow("case and spaces") << "nvidia geforce rtx 4090 " << "bf16" << 165.2;
    }
    void ratedPeaksByCudaName()
    {
        QFETCH(QString, name);
        QFETCH(QString, dtype);
        QFETCH(double, tflops);
        const RatedPeak *p = ratedPeak(name.toStdString());
        QVERIFY2(p, qPrintable(name));
        QCOMPARE(ratedPeakFlops(*p, dtype.toStdString()), tflops * 1e12);
        QCOMPARE(ratedPeakFlops(*p, "int8"), 0.0);
    }

    void variantsAreNotMistakenForTheirRelatives()
    {
        // Other clocks or configurations than the table's entries: these measure instead.
        for (const char *name : {"NVIDIA GeForce RTX 4090 D", "NVIDIA GeForce RTX 4080 SUPER", "NVIDIA GeForce RTX 3090 Ti",
                                 "NVIDIA A10G", "NVIDIA L40", "Tesla T4", "NVIDIA GeForce RTX 5090", ""})
            QVERIFY2(!ratedPeak(name), name);
    }

    void theCpuFallsBackToAMeasuredLargeMatmulAndSaysSo()
    {
        QCOMPARE(measuredPeakMatmulSize("cpu"), 2048);
        QCOMPARE(measuredPeakMatmulSize("cuda:1"), 4096);
        const PeakFlops p = mfuPeakFlops("cpu", "fp32", 0.01);
        QVERIFY(p.flops > 0);
        QVERIFY(!p.rated);
        QVERIFY2(p.basis.find("fp32 matmul peak measured on cpu (2048^3") != std::string::npos, p.basis.c_str());
        QVERIFY_THROWS_EXCEPTION(std::exception, mfuPeakFlops("cpu", "int3", 0.01));
    }

    void aGivenPeakIsNamedAsSuch()
    {
        const PeakFlops p = givenPeakFlops(2e12);
        QCOMPARE(p.flops, 2e12);
        QVERIFY(!p.rated);
        QVERIFY2(p.basis.find("2 TFLOP/s given") != std::string::npos, p.basis.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPeakFlops)
#include "tst_peak_flops.moc"
