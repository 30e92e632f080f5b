// danka-cli smoke tests: the real binary, run as a user would, checked for output and exit codes.
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"

#include "core/store/experiment_store.h"
#include "core/store/workspace.h"

using namespace danka::core;

using danka::test::cli;
using danka::test::CliResult;
using danka::test::data;

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void versionNamesTheEngine()
    {
        const CliResult r = cli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("danka-cli 0.1.0 (LibTorch ")), qPrintable(r.out));
    }

    void usageErrorsExitWithTwo()
    {
        QCOMPARE(cli({}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("runs")}).exitCode, 2);
        const CliResult r = cli({QStringLiteral("config"), QStringLiteral("validate"), QStringLiteral("--bogus")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!r.err.isEmpty());
        QCOMPARE(cli({QStringLiteral("--help")}).exitCode, 0);
    }

    void validateReportsEveryMistakeWithItsPath()
    {
        const QString file = data("configs/three_mistakes.json");
        const CliResult r = cli({QStringLiteral("config"), QStringLiteral("validate"), file});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(file + QStringLiteral(": optim.learnig_rate: unknown key, did you mean "
                                                      "optim.learning_rate?")),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(file + QStringLiteral(": optim.beta1: must be in [0, 1), got 1.5")), qPrintable(r.err));
        QVERIFY2(r.err.contains(file + QStringLiteral(": model.n_heads: hidden_size 500 is not divisible by 8")),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("3 problems")), qPrintable(r.err));

        const CliResult j = cli({QStringLiteral("--json"), QStringLiteral("config"), QStringLiteral("validate"), file});
        QCOMPARE(j.exitCode, 3);
        const QJsonObject result = j.json()[QStringLiteral("results")].toArray()[0].toObject();
        QCOMPARE(result[QStringLiteral("valid")].toBool(), false);
        QCOMPARE(result[QStringLiteral("problems")].toArray().size(), 3);
    }

    void everyPresetValidates()
    {
        QTemporaryDir dir;
        for (const char *preset : {"demo", "minimind-26m", "gpt-1.3b-24gb"}) {
            const CliResult shown = cli({QStringLiteral("config"), QStringLiteral("show"), QString::fromLatin1(preset)});
            QCOMPARE(shown.exitCode, 0);
            const QString file = dir.filePath(QString::fromLatin1(preset) + QStringLiteral(".json"));
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(shown.out.toUtf8());
            f.close();
            const CliResult r = cli({QStringLiteral("config"), QStringLiteral("validate"), file});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.contains(QStringLiteral("valid")), qPrintable(r.out));
        }
        const CliResult r = cli({QStringLiteral("config"), QStringLiteral("validate"), data("configs/valid_minimind.json")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("25.8M parameters")), qPrintable(r.out));
    }

    void presetsAndSchema()
    {
        const CliResult r = cli({QStringLiteral("config"), QStringLiteral("presets"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray presets = r.json()[QStringLiteral("presets")].toArray();
        QCOMPARE(presets.size(), 3);
        QCOMPARE(presets[1].toObject()[QStringLiteral("name")].toString(), QStringLiteral("minimind-26m"));
        QCOMPARE(presets[1].toObject()[QStringLiteral("parameters")].toInteger(), qint64(25829888));

        const CliResult s = cli({QStringLiteral("--json"), QStringLiteral("config"), QStringLiteral("schema")});
        QCOMPARE(s.exitCode, 0);
        QVERIFY(s.json()[QStringLiteral("keys")].toArray().size() > 40);

        const CliResult bad = cli({QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("no-such-preset")});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("neither a preset")), qPrintable(bad.err));
    }

    void runsListShowDelete()
    {
        QTemporaryDir dir;
        const Workspace ws = Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        int64_t pretrain, sft;
        {
            ExperimentStore store(ws.databasePath());
            pretrain = store.createRun("中文预训练", "pretrain", R"({"optim": {"learning_rate": 0.001}})");
            store.setRunStatus(pretrain, RunStatus::Running);
            store.appendMetrics({{pretrain, "train/loss", 10, 3.25, 0}, {pretrain, "train/loss", 20, 2.5, 0}});
            store.addEvent(pretrain, EventLevel::Info, "checkpoint written");
            store.setRunStatus(pretrain, RunStatus::Failed, "loss is NaN");
            sft = store.createRun("sft", "sft", "{}", pretrain);
        }
        QDir(QString::fromStdString(ws.runDir(pretrain))).mkpath(QStringLiteral("step-10"));
        const QString wsPath = QString::fromStdString(ws.path());

        CliResult list = cli({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--json")}, wsPath);
        QCOMPARE(list.exitCode, 0);
        const QJsonArray runs = list.json()[QStringLiteral("runs")].toArray();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[0].toObject()[QStringLiteral("id")].toInteger(), sft);
        QCOMPARE(runs[0].toObject()[QStringLiteral("parent_run_id")].toInteger(), pretrain);
        QCOMPARE(runs[1].toObject()[QStringLiteral("name")].toString(), QStringLiteral("中文预训练"));
        QCOMPARE(runs[1].toObject()[QStringLiteral("status")].toString(), QStringLiteral("failed"));

        list = cli({QStringLiteral("--workspace"), wsPath, QStringLiteral("runs"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains(QStringLiteral("中文预训练")) && list.out.contains(QStringLiteral("failed")),
                 qPrintable(list.out));

        const CliResult show = cli({QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("show"),
                                 QString::number(pretrain)}, wsPath);
        QCOMPARE(show.exitCode, 0);
        const QJsonObject run = show.json();
        QCOMPARE(run[QStringLiteral("error")].toString(), QStringLiteral("loss is NaN"));
        QCOMPARE(run[QStringLiteral("latest_metrics")].toObject()[QStringLiteral("train/loss")].toObject()
                     [QStringLiteral("value")].toDouble(), 2.5);
        QCOMPARE(run[QStringLiteral("config")].toObject()[QStringLiteral("optim")].toObject()
                     [QStringLiteral("learning_rate")].toDouble(), 0.001);
        QCOMPARE(run[QStringLiteral("recent_events")].toArray()[0].toObject()[QStringLiteral("text")].toString(),
                 QStringLiteral("checkpoint written"));

        const CliResult missing = cli({QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("show"),
                                    QStringLiteral("999")}, wsPath);
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.json()[QStringLiteral("error")].toString().contains(QStringLiteral("run 999 does not exist")));

        // One bad id: nothing is deleted.
        QCOMPARE(cli({QStringLiteral("runs"), QStringLiteral("delete"), QString::number(pretrain),
                      QStringLiteral("999")}, wsPath).exitCode, 1);
        QVERIFY(ExperimentStore(ws.databasePath()).run(pretrain).has_value());

        const CliResult del = cli({QStringLiteral("runs"), QStringLiteral("delete"), QString::number(pretrain)}, wsPath);
        QCOMPARE(del.exitCode, 0);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(ws.runDir(pretrain))));
        ExperimentStore after(ws.databasePath());
        QVERIFY(!after.run(pretrain).has_value());
        QCOMPARE(after.metricCount(pretrain), int64_t(0));
        QCOMPARE(after.run(sft)->parentRunId, std::optional<int64_t>());
    }

    void aFolderThatIsNotAWorkspaceIsRefused()
    {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("thesis.tex")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const CliResult r = cli({QStringLiteral("--workspace"), dir.path(), QStringLiteral("runs"), QStringLiteral("list")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("is not empty and has no danka.sqlite")), qPrintable(r.err));
    }

    void tokenizerAndDataCommands()
    {
        QTemporaryDir dir;
        const QString ws = dir.filePath(QStringLiteral("ws"));
        const QString tok = dir.filePath(QStringLiteral("tok"));
        const QString demo = QStringLiteral(DANKA_RESOURCES "/demo/");
        CliResult train = cli({QStringLiteral("--json"), QStringLiteral("tokenizer"), QStringLiteral("train"),
                            QStringLiteral("--input"), demo + QStringLiteral("sft.jsonl"), QStringLiteral("--vocab-size"),
                            QStringLiteral("1000"), QStringLiteral("--out"), tok},
                           ws);
        QCOMPARE(train.exitCode, 0);
        QCOMPARE(train.json()[QStringLiteral("vocab_size")].toInt(), 1000);
        QVERIFY(train.json()[QStringLiteral("chars_per_token")].toObject()[QStringLiteral("zh")].toDouble() > 0);

        const CliResult encoded = cli({QStringLiteral("--json"), QStringLiteral("tokenizer"), QStringLiteral("encode"),
                                    QStringLiteral("--tokenizer"), tok, QStringLiteral("单卡<|im_end|>")});
        QCOMPARE(encoded.exitCode, 0);
        const QJsonObject e = encoded.json();
        QCOMPARE(e.keys(), (QStringList{QStringLiteral("decoded"), QStringLiteral("ids"), QStringLiteral("pieces")}));
        QCOMPARE(e[QStringLiteral("decoded")].toString(), QStringLiteral("单卡<|im_end|>"));
        QCOMPARE(e[QStringLiteral("ids")].toArray().size(), e[QStringLiteral("pieces")].toArray().size());
        QCOMPARE(e[QStringLiteral("pieces")].toArray().last().toString(), QStringLiteral("<|im_end|>"));

        const CliResult inspected = cli({QStringLiteral("tokenizer"), QStringLiteral("inspect"), tok});
        QCOMPARE(inspected.exitCode, 0);
        QVERIFY2(inspected.out.contains(QStringLiteral("<|im_start|>=4")), qPrintable(inspected.out));

        // Malformed lines are reported with file:line, the rest is prepared.
        const QString bad = QStringLiteral(DANKA_TEST_DATA "/data/bad.jsonl");
        const CliResult prepared = cli({QStringLiteral("data"), QStringLiteral("prepare"), QStringLiteral("--input"), bad,
                                     QStringLiteral("--tokenizer"), tok, QStringLiteral("--val-fraction"), QStringLiteral("0")},
                                    ws);
        QCOMPARE(prepared.exitCode, 0);
        QVERIFY2(prepared.out.contains(bad + QStringLiteral(":7: invalid JSON (unterminated string)")), qPrintable(prepared.out));
        QVERIFY2(prepared.out.contains(QStringLiteral("train 3 records")), qPrintable(prepared.out));
        {
            ExperimentStore store(Workspace::open(ws.toStdString()).databasePath());
            QCOMPARE(store.datasets().size(), size_t(1));
            QCOMPARE(store.datasets()[0].kind, std::string("pretrain"));
            QCOMPARE(store.datasets()[0].records, std::optional<int64_t>(3));
            QCOMPARE(store.tokenizers().size(), size_t(1));
        }
        const QString datasetDir = ws + QStringLiteral("/datasets/bad");
        const CliResult inspectDataset = cli({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("inspect"),
                                           datasetDir, QStringLiteral("--show"), QStringLiteral("1")});
        QCOMPARE(inspectDataset.exitCode, 0);
        QCOMPARE(inspectDataset.json()[QStringLiteral("samples")].toArray()[0].toArray()[0].toObject()
                     [QStringLiteral("text")].toString(),
                 QStringLiteral("第一篇文档:单卡训练。"));  // NFKC made the colon ASCII; </s> decodes to nothing
        // A valid dataset.json may lack its optional parts (tokenizer, histogram, rejected lines): inspect says
        // so instead of reading what is not there.
        {
            const QString stripped = dir.filePath(QStringLiteral("stripped"));
            std::filesystem::copy(datasetDir.toStdString(), stripped.toStdString(), std::filesystem::copy_options::recursive);
            const std::string meta = stripped.toStdString() + "/dataset.json";
            nlohmann::json info = nlohmann::json::parse(std::ifstream(meta));
            for (const char *key : {"tokenizer", "length_histogram", "rejected"}) info.erase(key);
            std::ofstream(meta) << info.dump(2);
            const CliResult r = cli({QStringLiteral("data"), QStringLiteral("inspect"), stripped, QStringLiteral("--show"),
                                     QStringLiteral("1")});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.contains(QStringLiteral("tokenizer: not recorded in dataset.json")) &&
                         r.out.contains(QStringLiteral("train: 3 records")),
                     qPrintable(r.out + r.err));
        }
        const CliResult inspectFile = cli({QStringLiteral("data"), QStringLiteral("inspect"), bad});
        QCOMPARE(inspectFile.exitCode, 0);
        QVERIFY2(inspectFile.out.contains(QStringLiteral("pretrain layout")) && inspectFile.out.contains(QStringLiteral(":8: invalid UTF-8")),
                 qPrintable(inspectFile.out));

        // Wrong inputs are errors that name the problem.
        const CliResult noTokenizer = cli({QStringLiteral("data"), QStringLiteral("prepare"), QStringLiteral("--input"), bad,
                                        QStringLiteral("--tokenizer"), dir.filePath(QStringLiteral("none"))}, ws);
        QCOMPARE(noTokenizer.exitCode, 1);
        QVERIFY2(noTokenizer.err.contains(QStringLiteral("no such folder")), qPrintable(noTokenizer.err));
        const CliResult mixed = cli({QStringLiteral("data"), QStringLiteral("prepare"), QStringLiteral("--input"), bad,
                                  QStringLiteral("--input"), demo + QStringLiteral("sft.jsonl"), QStringLiteral("--tokenizer"), tok},
                                 ws);
        QCOMPARE(mixed.exitCode, 1);
        QVERIFY2(mixed.err.contains(QStringLiteral("prepare them separately")), qPrintable(mixed.err));
    }

    void checkMeasuresTheCpu()
    {
        const CliResult r = cli({QStringLiteral("--json"), QStringLiteral("check"), QStringLiteral("--seconds"),
                              QStringLiteral("0.05")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject report = r.json();
        QCOMPARE(report[QStringLiteral("threads")].toInt(), 1);  // DANKA_THREADS=1 was honoured
        // A value that is not a count is an error naming the variable, not "all cores" in silence.
        for (const char *value : {"abc", "4x", "-2"}) {
            const CliResult bad = cli({QStringLiteral("check"), QStringLiteral("--seconds"), QStringLiteral("0.05")}, QString(),
                                      {{QStringLiteral("DANKA_THREADS"), QString::fromLatin1(value)}});
            QCOMPARE(bad.exitCode, 1);
            QVERIFY2(bad.err.contains(QStringLiteral("DANKA_THREADS: \"%1\" is not a thread count").arg(QLatin1String(value))),
                     qPrintable(bad.err));
        }
        QCOMPARE(report[QStringLiteral("passed")].toBool(), true);
        bool sawCpu = false, sawGpu = false;
        for (const QJsonValue &v : report[QStringLiteral("checks")].toArray()) {
            const QJsonObject c = v.toObject();
            const QString name = c[QStringLiteral("name")].toString();
            if (name == QStringLiteral("cpu matmul fp32")) {
                sawCpu = true;
                QCOMPARE(c[QStringLiteral("status")].toString(), QStringLiteral("pass"));
                QVERIFY(c[QStringLiteral("value")].toDouble() > 0);
            }
            if (name.startsWith(QStringLiteral("gpu"))) sawGpu = true;
        }
        QVERIFY(sawCpu && sawGpu);  // a GPU line either way: measured, or skipped with the reason
        if (!report[QStringLiteral("cuda_available")].toBool())
            QCOMPARE(cli({QStringLiteral("check"), QStringLiteral("--require-gpu"), QStringLiteral("--seconds"),
                          QStringLiteral("0.05")}).exitCode, 1);
    }

    void kernelChecksRunOnTheCpuAndSkipWithoutAGpu()
    {
        // The harness against the CPU kernels: fp32 op checks only, to stay quick; each item carries its
        // measured error and tolerance, and the error is within the tolerance exactly when it passes. The
        // GPU-sized cases of the kernel lab's table are skipped on the CPU with their reason.
        const CliResult r =
            cli({QStringLiteral("--json"), QStringLiteral("check"), QStringLiteral("--seconds"), QStringLiteral("0.05"),
                 QStringLiteral("--kernels"), QStringLiteral("--device"), QStringLiteral("cpu"),
                 QStringLiteral("--dtypes"), QStringLiteral("fp32"), QStringLiteral("--groups"), QStringLiteral("op"),
                 QStringLiteral("--ops"), QStringLiteral("rmsnorm,attention")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject report = r.json();
        const QJsonArray items = report[QStringLiteral("kernel_checks")].toArray();
        QVERIFY(items.size() >= 10);
        int skipped = 0;
        for (const QJsonValue &v : items) {
            const QJsonObject c = v.toObject();
            QCOMPARE(c[QStringLiteral("dtype")].toString(), QStringLiteral("fp32"));
            QCOMPARE(c[QStringLiteral("device")].toString(), QStringLiteral("cpu"));
            if (c[QStringLiteral("status")].toString() == QStringLiteral("skip")) {
                ++skipped;
                QVERIFY2(c[QStringLiteral("detail")].toString().startsWith(QStringLiteral("GPU-sized")),
                         qPrintable(c[QStringLiteral("name")].toString()));
                continue;
            }
            QCOMPARE(c[QStringLiteral("status")].toString(), QStringLiteral("pass"));
            QVERIFY(c[QStringLiteral("value")].toDouble() <= c[QStringLiteral("tolerance")].toDouble());
        }
        QCOMPARE(skipped, 2);  // attention at T = 2048 and MLA at T = 1024
        QCOMPARE(report[QStringLiteral("kernel_summary")].toObject()[QStringLiteral("pass")].toInt(),
                 int(items.size()) - skipped);

        if (report[QStringLiteral("cuda_available")].toBool()) return;
        // No GPU: the CUDA checks are skipped with the reason, and --require-gpu turns that into a failure.
        const CliResult gpu =
            cli({QStringLiteral("--json"), QStringLiteral("check"), QStringLiteral("--seconds"), QStringLiteral("0.05"),
                 QStringLiteral("--kernels"), QStringLiteral("--device"), QStringLiteral("cuda"),
                 QStringLiteral("--dtypes"), QStringLiteral("fp32"), QStringLiteral("--groups"), QStringLiteral("op")});
        QCOMPARE(gpu.exitCode, 0);
        for (const QJsonValue &v : gpu.json()[QStringLiteral("kernel_checks")].toArray()) {
            QCOMPARE(v.toObject()[QStringLiteral("status")].toString(), QStringLiteral("skip"));
            QVERIFY(v.toObject()[QStringLiteral("detail")].toString().contains(QStringLiteral("gpu_check.sh")));
        }
        QCOMPARE(cli({QStringLiteral("check"), QStringLiteral("--seconds"), QStringLiteral("0.05"),
                      QStringLiteral("--kernels"), QStringLiteral("--device"), QStringLiteral("cuda"),
                      QStringLiteral("--groups"), QStringLiteral("op"), QStringLiteral("--require-gpu")})
                     .exitCode,
                 1);
    }

    void attentionBenchmarkSmokeRun()
    {
        // --quick on the CPU: every shape has a row timed for both Danka and SDPA (timings are benchmarks,
        // not asserted), with the FLOP counts of the stated formula.
        const CliResult r = cli({QStringLiteral("--json"), QStringLiteral("bench"), QStringLiteral("attention"),
                              QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--dtype"),
                              QStringLiteral("fp32"), QStringLiteral("--quick")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray rows = r.json()[QStringLiteral("rows")].toArray();
        QVERIFY(!rows.isEmpty());
        for (const QJsonValue &v : rows) {
            const QJsonObject row = v.toObject();
            QVERIFY(row[QStringLiteral("danka")].toObject()[QStringLiteral("ran")].toBool());
            const double B = row[QStringLiteral("batch")].toDouble(), H = row[QStringLiteral("heads")].toDouble();
            const double T = row[QStringLiteral("seq_len")].toDouble();
            const double D = row[QStringLiteral("dqk")].toDouble() + row[QStringLiteral("dv")].toDouble();
            QCOMPARE(row[QStringLiteral("forward_flops")].toDouble(), 2 * B * H * D * T * T / 2);
        }
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
