// danka-cli demo and train, run as a user would: the demo pipeline records everything in the workspace;
// Ctrl-C during `train` writes a checkpoint and `train --resume latest` finishes the run. Oracles: the
// workspace store (runs, datasets, tokenizers, checkpoints, metrics) and the files on disk.
#include <signal.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_util.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace.h"

using danka::test::cli;
using danka::test::CliResult;
using namespace danka::core;

class TestCliTrain : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_ws;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_ws = m_dir.filePath(QStringLiteral("ws"));
    }

    void demoRecordsEverything()
    {
        const CliResult r = cli({QStringLiteral("--json"), QStringLiteral("demo"), QStringLiteral("--steps"), QStringLiteral("6"),
                                 QStringLiteral("--sft-steps"), QStringLiteral("4")},
                                m_ws);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json();
        QVERIFY2(j[QStringLiteral("steps")].toInt() == 6, qPrintable(r.out + r.err));
        QVERIFY(j[QStringLiteral("loss")].toDouble() > 0);
        QVERIFY(j[QStringLiteral("val_loss")].toDouble() > 0);
        QVERIFY(QFile::exists(j[QStringLiteral("checkpoint")].toString() + QStringLiteral("/model.safetensors")));
        QCOMPARE(j[QStringLiteral("samples")].toArray().size(), 3);
        ExperimentStore store(Workspace::open(m_ws.toStdString()).databasePath());
        const auto run = store.run(j[QStringLiteral("run_id")].toInt());
        QVERIFY(run);
        QCOMPARE(run->status, RunStatus::Completed);
        QCOMPARE(run->stage, std::string("pretrain"));
        QCOMPARE(store.datasets().size(), size_t(4));  // training and held-out documents and conversations
        QCOMPARE(store.tokenizers().size(), size_t(1));
        QCOMPARE(store.checkpoints(run->id).size(), size_t(1));
        QCOMPARE(store.series(run->id, "train/loss").size(), size_t(2));  // demo logs every 5 steps and at the end
        QCOMPARE(store.series(run->id, "val/loss").size(), size_t(1));

        // SFT continues from the pretraining checkpoint (lineage) and the demo ends with a chat sample in the
        // chat format. After 4 steps the reply need not stop by itself: "length" only when all 96 tokens were
        // generated, "eos" only when the last one is the end marker. (That a trained SFT model stops by itself
        // is tst_sft_stage's; the full demo's answers are in docs/benchmarks.md.)
        const QJsonObject sft = j[QStringLiteral("sft")].toObject();
        const auto sftRun = store.run(sft[QStringLiteral("run_id")].toInt());
        QVERIFY(sftRun);
        QCOMPARE(sftRun->stage, std::string("sft"));
        QCOMPARE(sftRun->status, RunStatus::Completed);
        QCOMPARE(sftRun->parentRunId, std::optional<int64_t>(run->id));
        QCOMPARE(sft[QStringLiteral("steps")].toInt(), 4);
        QVERIFY(sft[QStringLiteral("val_loss")].toDouble() > 0);
        const QJsonArray chat = j[QStringLiteral("chat")].toArray();
        QCOMPARE(chat.size(), 2);
        for (const QJsonValue &c : chat) {
            const QString reason = c.toObject()[QStringLiteral("finish_reason")].toString();
            const QJsonArray ids = c.toObject()[QStringLiteral("generated_ids")].toArray();
            QVERIFY(!ids.isEmpty());
            if (reason == QLatin1String("length")) {
                QCOMPARE(ids.size(), 96);
            } else {
                QCOMPARE(reason, QStringLiteral("eos"));
                QVERIFY(ids.size() <= 96);
            }
        }
    }

    void ctrlCWritesACheckpointAndResumeFinishes()
    {
        // A config over the demo's dataset (prepared by the test above), long enough to interrupt.
        const QString config = m_dir.filePath(QStringLiteral("run.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QStringLiteral(R"({"preset": "demo", "name": "interrupted",
                "data": {"dataset": "%1/datasets/demo-pretrain", "val_dataset": "%1/datasets/demo-pretrain-val",
                         "seq_len": 64, "micro_batch_size": 4},
                "schedule": {"max_steps": 400, "warmup_steps": 5},
                "runtime": {"eval_every": 0, "checkpoint_every": 0, "sample_every": 0, "log_every": 1}})")
                        .arg(m_ws)
                        .toUtf8());
        }
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DANKA_THREADS"), QStringLiteral("1"));
        env.insert(QStringLiteral("DANKA_WORKSPACE"), m_ws);
        p.setProcessEnvironment(env);
        p.setReadChannel(QProcess::StandardError);  // waitForReadyRead waits for the progress lines
        p.start(QStringLiteral(DANKA_CLI), {QStringLiteral("train"), QStringLiteral("--config"), config});
        QByteArray err;
        while (!err.contains("step ") && p.waitForReadyRead(60000)) err += p.readAllStandardError();
        QVERIFY2(err.contains("step "), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 130, (QByteArray("status ") + QByteArray::number(int(p.exitStatus())) + " code " + QByteArray::number(p.exitCode()) + "\n" + err).constData());
        QVERIFY2(err.contains("continue with: danka-cli train --resume"), err.constData());

        ExperimentStore store(Workspace::open(m_ws.toStdString()).databasePath());
        int64_t runId = 0;
        for (const auto &r : store.runs())
            if (r.name == "interrupted") runId = r.id;
        QVERIFY(runId > 0);
        QCOMPARE(store.run(runId)->status, RunStatus::Cancelled);
        const auto checkpoints = store.checkpoints(runId);
        QCOMPARE(checkpoints.size(), size_t(1));
        const int64_t stoppedAt = checkpoints[0].step;
        QVERIFY(stoppedAt > 0 && stoppedAt < 400);

        // Resume with fewer steps than planned: runtime and schedule may change.
        QFile f(config);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll()).replace(QStringLiteral("\"max_steps\": 400"),
                                                                    QStringLiteral("\"max_steps\": %1").arg(stoppedAt + 3));
        f.close();
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(text.toUtf8());
        f.close();
        const CliResult resumed = cli({QStringLiteral("--json"), QStringLiteral("train"), QStringLiteral("--config"), config,
                                       QStringLiteral("--resume"), QStringLiteral("latest")},
                                      m_ws);
        QCOMPARE(resumed.exitCode, 0);
        QCOMPARE(resumed.json()[QStringLiteral("run_id")].toInt(), int(runId));
        QCOMPARE(resumed.json()[QStringLiteral("steps")].toInt(), int(stoppedAt + 3));
        ExperimentStore after(Workspace::open(m_ws.toStdString()).databasePath());
        QCOMPARE(after.run(runId)->status, RunStatus::Completed);
        // A point per step, except for steps whose update was skipped (a gradient-norm spike early on).
        const double skipped = after.series(runId, "train/skipped_steps").back().value;
        QCOMPARE(int64_t(after.series(runId, "train/loss").size()), stoppedAt + 3 - int64_t(skipped));

        // A config that changes what is trained is refused on resume.
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QString(text).replace(QStringLiteral("\"seq_len\": 64"), QStringLiteral("\"seq_len\": 32")).toUtf8());
        f.close();
        const CliResult changed = cli({QStringLiteral("train"), QStringLiteral("--config"), config, QStringLiteral("--resume"),
                                       QString::number(runId)},
                                      m_ws);
        QCOMPARE(changed.exitCode, 1);
        QVERIFY2(changed.err.contains(QStringLiteral("only runtime and schedule may change on resume")), qPrintable(changed.err));
    }

    void usageMistakes()
    {
        const CliResult nothing = cli({QStringLiteral("train")}, m_ws);
        QCOMPARE(nothing.exitCode, 1);
        QVERIFY2(nothing.err.contains(QStringLiteral("give --config FILE or --preset NAME")), qPrintable(nothing.err));
        const CliResult noRun = cli({QStringLiteral("train"), QStringLiteral("--resume"), QStringLiteral("999")}, m_ws);
        QCOMPARE(noRun.exitCode, 1);
        QVERIFY2(noRun.err.contains(QStringLiteral("no run 999")), qPrintable(noRun.err));
    }
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
