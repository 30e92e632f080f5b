// The kernel lab's three modes enumerate the same cases from its one table (lab/kernel_case.h): the kernel
// tests (the `labCases` data rows of tests/kernels/tst_*, listed by `-datatags`), the run-time check
// (`danka-cli check --kernels --list`) and the benchmark (`danka-cli bench kernels --list`) list exactly the
// table's cases, in the table's order; and every case of the table says what it is (a tolerance with its
// basis, FLOPs and bytes, where it runs, and why not elsewhere).
#include <QJsonArray>
#include <QProcess>
#include <QtTest>
#include <cmath>

#include "lab/kernel_case.h"
#include "tests/app/cli_test_util.h"

using namespace danka;

namespace {

QStringList namesOf(const QJsonArray &cases)
{
    QStringList names;
    for (const QJsonValue &v : cases) names << v.toObject()[QStringLiteral("name")].toString();
    return names;
}

// The data tags of each executable's `labCases` test, in the order given.
QStringList testRows(const QStringList &executables)
{
    QStringList rows;
    for (const QString &exe : executables) {
        QProcess p;
        p.start(exe, {QStringLiteral("-datatags")});
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            qWarning("%s -datatags failed: %s", qPrintable(exe), p.readAllStandardError().constData());
            return {};
        }
        for (const QString &line : QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'))) {
            // "TestRmsNorm labCases rmsnorm fp32 [64, 512]"
            const QStringList parts = line.split(QLatin1Char(' '));
            if (parts.size() > 2 && parts[1] == QStringLiteral("labCases")) rows << parts.mid(2).join(QLatin1Char(' '));
        }
    }
    return rows;
}

// The first difference of two lists, for the failure message.
QString firstDifference(const QStringList &a, const QStringList &b)
{
    for (int i = 0; i < std::max(a.size(), b.size()); ++i) {
        const QString x = i < a.size() ? a[i] : QStringLiteral("(end)"),
                      y = i < b.size() ? b[i] : QStringLiteral("(end)");
        if (x != y) return QStringLiteral("at %1: \"%2\" vs \"%3\"").arg(i).arg(x, y);
    }
    return QStringLiteral("none");
}

}  // namespace

class TestLabLists : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theThreeModesListTheTable()
    {
        QStringList table;
        for (const lab::KernelCase &c : lab::kernelCases()) table << QString::fromStdString(c.name);
        QVERIFY(table.size() > 200);

        const test::CliResult check = test::cli(
            {QStringLiteral("--json"), QStringLiteral("check"), QStringLiteral("--kernels"), QStringLiteral("--list")});
        QCOMPARE(check.exitCode, 0);
        const QStringList checkList = namesOf(check.json()[QStringLiteral("kernel_cases")].toArray());
        QVERIFY2(!check.json()[QStringLiteral("engine_checks")].toArray().isEmpty(), qPrintable(check.out.left(200)));

        const test::CliResult bench = test::cli(
            {QStringLiteral("--json"), QStringLiteral("bench"), QStringLiteral("kernels"), QStringLiteral("--list")});
        QCOMPARE(bench.exitCode, 0);
        const QStringList benchList = namesOf(bench.json()[QStringLiteral("kernel_cases")].toArray());

        const QStringList tests =
            testRows(QString::fromUtf8(DANKA_KERNEL_TESTS).split(QLatin1Char('|'), Qt::SkipEmptyParts));

        QVERIFY2(checkList == table,
                 qPrintable(QStringLiteral("check --kernels --list: ") + firstDifference(checkList, table)));
        QVERIFY2(benchList == table,
                 qPrintable(QStringLiteral("bench kernels --list: ") + firstDifference(benchList, table)));
        QVERIFY2(tests == table,
                 qPrintable(QStringLiteral("the kernel tests' labCases rows: ") + firstDifference(tests, table)));
    }

    void everyCaseSaysWhatItIs()
    {
        QStringList ops;
        for (const std::string &op : lab::kernelCaseOps()) ops << QString::fromStdString(op);
        QCOMPARE(ops, (QStringList{QStringLiteral("rmsnorm"), QStringLiteral("swiglu"), QStringLiteral("rope"),
                                   QStringLiteral("cross-entropy"), QStringLiteral("attention"),
                                   QStringLiteral("attention-decode")}));
        for (const lab::KernelCase &c : lab::kernelCases()) {
            const QByteArray name = QByteArray::fromStdString(c.name);
            QVERIFY2(c.tolerance > 0 && !c.toleranceBasis.empty(), name.constData());
            QVERIFY2(c.flops > 0 && c.bytes > 0, name.constData());
            QVERIFY2(c.onCpu || c.onCuda, name.constData());
            QVERIFY2(c.onCpu || !c.notOnCpu.empty(), name.constData());
            QVERIFY2(c.onCuda || !c.notOnCuda.empty(), name.constData());
            QVERIFY2(c.group == (c.op == "attention-decode" ? "decode" : "op"), name.constData());
            QVERIFY2(c.name == c.op + " " + lab::dtypeName(c.dtype) + " " + c.shape, name.constData());
            QCOMPARE(lab::findKernelCase(c.name), &c);
        }
        // Hand-computed counts of two cases. RMSNorm [64, 512] in float32: 12 FLOPs per element; bytes: the
        // forward reads x and the weight and writes y, the backward reads them and dy and writes dx and dweight.
        const lab::KernelCase *rms = lab::findKernelCase("rmsnorm fp32 [64, 512]");
        QVERIFY(rms);
        const double n = 64 * 512, d = 512;
        QCOMPARE(rms->flops, 12 * n);
        QCOMPARE(rms->bytes, 4 * ((n + d + n) + (n + d + n) + (n + d)));
        QCOMPARE(rms->tolerance, 1e-5);
        // Causal attention, B = 2, H = 4, T = S = 128, d = 64: each query i sees i + 1 keys, so 2 x 128 x 129 / 2
        // pairs per head; 2 (64 + 64) FLOPs per pair and head forward, the backward twice that.
        const lab::KernelCase *att = lab::findKernelCase("attention fp32 mha H=4 d64 causal B=2 T=128");
        QVERIFY(att);
        QCOMPARE(att->flops, 3.0 * 4 * 2 * (64 + 64) * (2 * 128.0 * 129 / 2));
        QVERIFY(!att->onCuda == false && att->onCpu);
        QVERIFY(!lab::findKernelCase("attention fp16 mha H=4 d64 causal B=2 T=128")->onCpu);
        QVERIFY(!lab::findKernelCase("rmsnorm fp64 [3, 7]")->onCuda);
    }

    void theBenchmarkTimesTheCases()
    {
        // A smoke run (timings are benchmarks, not asserted): every selected case timed for Danka and the
        // reference, GFLOP/s and GB/s the table's counts over the measured time.
        const test::CliResult r = test::cli(
            {QStringLiteral("--json"), QStringLiteral("bench"), QStringLiteral("kernels"), QStringLiteral("--device"),
             QStringLiteral("cpu"), QStringLiteral("--ops"), QStringLiteral("swiglu"), QStringLiteral("--dtypes"),
             QStringLiteral("fp32"), QStringLiteral("--seconds"), QStringLiteral("0.01")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray rows = r.json()[QStringLiteral("rows")].toArray();
        int expected = 0;
        for (const lab::KernelCase &c : lab::kernelCases()) expected += c.op == "swiglu" && c.dtype == lab::Dtype::Fp32;
        QCOMPARE(rows.size(), expected);
        for (const QJsonValue &v : rows) {
            const QJsonObject row = v.toObject();
            for (const QString &side : {QStringLiteral("danka"), QStringLiteral("reference")}) {
                const QJsonObject t = row[side].toObject();
                QVERIFY2(t[QStringLiteral("ran")].toBool(), qPrintable(row[QStringLiteral("name")].toString()));
                const double ms = t[QStringLiteral("ms")].toDouble();
                QVERIFY(ms > 0);
                QVERIFY(std::abs(t[QStringLiteral("gflops")].toDouble() -
                                 row[QStringLiteral("flops")].toDouble() / ms * 1e-6) <
                        1e-9 * t[QStringLiteral("gflops")].toDouble());
                QVERIFY(std::abs(t[QStringLiteral("gbytes_per_s")].toDouble() -
                                 row[QStringLiteral("bytes")].toDouble() / ms * 1e-6) <
                        1e-9 * t[QStringLiteral("gbytes_per_s")].toDouble());
            }
        }
        // A case that is not for the device is a row with the reason; an unknown op is an error naming it.
        const test::CliResult cpu16 = test::cli(
            {QStringLiteral("--json"), QStringLiteral("bench"), QStringLiteral("kernels"), QStringLiteral("--device"),
             QStringLiteral("cpu"), QStringLiteral("--ops"), QStringLiteral("attention-decode"),
             QStringLiteral("--dtypes"), QStringLiteral("fp16"), QStringLiteral("--seconds"), QStringLiteral("0.01")});
        QCOMPARE(cpu16.exitCode, 0);
        for (const QJsonValue &v : cpu16.json()[QStringLiteral("rows")].toArray())
            QVERIFY(v.toObject()[QStringLiteral("skipped")].toString().contains(
                QStringLiteral("no float16 attention kernel")));
        const test::CliResult bad = test::cli(
            {QStringLiteral("bench"), QStringLiteral("kernels"), QStringLiteral("--ops"), QStringLiteral("layernorm")});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("unknown op \"layernorm\"")), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestLabLists)
#include "tst_lab_lists.moc"
