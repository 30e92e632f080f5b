// A new stage is one file: the toy stage of toy_stage.cpp, which no engine file names, is in the stage table,
// validated with its own setting and rule, trained by `danka-cli train` (danka-cli-toy: the CLI's sources plus
// that file), resumed exactly, and its metric charted on the Runs page. Oracles: the toy's own declaration
// (hand-written values), an uninterrupted run against a stopped-and-resumed one (bit-identical curves), and
// the points the store holds.
#include <QJsonArray>
#include <QtTest>

#include <fstream>

#include "tests/app/cli_test_util.h"
#include "core/config/config_io.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace.h"
#include "core/train/stage_catalog.h"
#include "tests/support/test_support.h"
#include "ui/common/metric_chart.h"
#include "ui/runs/run_charts.h"

namespace danka::test {

class NewStageTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_data;

    // A toy run config: 8 steps (or `steps`) at a constant learning rate, every step logged, a checkpoint
    // every 4 steps.
    QString writeConfig(const QString &name, int steps) const
    {
        nlohmann::json j = {
            {"name", name.toStdString()},
            {"model",
             {{"vocab_size", 2000},
              {"hidden_size", 32},
              {"n_layers", 2},
              {"n_heads", 4},
              {"ffn_hidden_size", 64},
              {"max_seq_len", 32}}},
            {"data", {{"dataset", m_data}, {"seq_len", 16}, {"micro_batch_size", 2}}},
            {"optim", {{"learning_rate", 0.01}}},
            {"schedule", {{"max_steps", steps}, {"warmup_steps", 0}, {"decay", "constant"}}},
            {"stage", {{"kind", "toy"}, {"toy", {{"stride", 5}}}}},
            {"runtime",
             {{"device", "cpu"},
              {"log_every", 1},
              {"eval_every", 0},
              {"checkpoint_every", 4},
              {"sample_every", 0},
              {"seed", 7}}},
        };
        const QString path = m_dir.filePath(name + QStringLiteral(".json"));
        std::ofstream(path.toStdString()) << j.dump(2);
        return path;
    }

    static std::vector<double> series(const std::string &database, int64_t run, const std::string &metric)
    {
        core::ExperimentStore store(database);
        std::vector<double> values;
        for (const core::SeriesPoint &p : store.series(run, metric, 1000)) values.push_back(p.value);
        return values;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        std::vector<std::string> texts;
        for (int i = 0; i < 20; ++i)
            texts.push_back(nlohmann::json({{"text", "one two three four five " + std::to_string(i)}}).dump());
        m_data = prepareRecords(texts, m_dir.path().toStdString(), "toy-data");
    }

    void registered()
    {
        const core::StageSpec *toy = core::findStage("toy");
        QVERIFY(toy);
        QCOMPARE(toy->datasetKind, std::string("pretrain"));
        const std::vector<std::string> names = core::stageNames();
        QVERIFY(std::find(names.begin(), names.end(), "toy") != names.end());
        QVERIFY(names.front() == "pretrain");  // the built-in stages come first
        QVERIFY(core::stageIsTrainable("toy"));
        // Its setting is a config key of its own, used by it alone.
        bool found = false;
        for (const core::FieldDescriptor &f : core::configSchema())
            if (f.path == "stage.toy.stride") {
                found = true;
                QCOMPARE(f.type, core::FieldType::Integer);
                QCOMPARE(f.defaultValue, nlohmann::json(3));
                QCOMPARE(f.rangeText, std::string("in [1, 1000]"));
            }
        QVERIFY(found);
        QVERIFY(core::stageUsesField("toy", false, "stage.toy.stride"));
        QVERIFY(!core::stageUsesField("sft", false, "stage.toy.stride"));
        QVERIFY(!core::stageUsesField("toy", false, "stage.lora.enabled"));  // not a fine-tuning stage
        QCOMPARE(core::stagesUsingField("stage.toy.stride"), std::vector<std::string>{"toy"});
        QVERIFY(core::findStageMetric("toy/scale"));
    }

    void listedByTheCli()
    {
        // danka-cli config stages: the built-in stages, then the toy with its own setting and metric.
        const CliResult r = cli({QStringLiteral("--json"), QStringLiteral("config"), QStringLiteral("stages")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray stages = r.json().value(QStringLiteral("stages")).toArray();
        QVERIFY(stages.size() >= 8);
        QCOMPARE(stages.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("pretrain"));
        const QJsonObject toy = stages.last().toObject();
        QCOMPARE(toy.value(QStringLiteral("name")).toString(), QStringLiteral("toy"));
        QCOMPARE(toy.value(QStringLiteral("available")).toBool(), true);
        QCOMPARE(toy.value(QStringLiteral("lora")).toBool(), false);
        QCOMPARE(toy.value(QStringLiteral("base_checkpoint")).toString(), QStringLiteral("optional"));
        QCOMPARE(toy.value(QStringLiteral("settings")).toArray().first().toString(),
                 QStringLiteral("stage.toy.stride"));
        QCOMPARE(toy.value(QStringLiteral("metrics")).toArray().first().toString(), QStringLiteral("toy/scale"));
        for (const QJsonValue &s : stages)
            if (s.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("dpo"))
                QCOMPARE(s.toObject().value(QStringLiteral("available")).toBool(), false);
    }

    void validated()
    {
        const core::ConfigLoadResult good = core::loadConfigFile(writeConfig(QStringLiteral("good"), 8).toStdString());
        QVERIFY2(good.ok(), good.ok() ? "" : good.problems[0].toString().c_str());
        QCOMPARE(good.config.stage.option("stride"), nlohmann::json(5));
        QCOMPARE(core::toJson(good.config)["stage"]["toy"]["stride"].get<int64_t>(), int64_t(5));

        const core::ConfigLoadResult bad = core::parseConfigText(
            "{\"stage\": {\"kind\": \"toy\", \"toy\": {\"stride\": 0}}, \"data\": {\"micro_batch_size\": 65}}");
        std::map<std::string, std::string> problems;
        for (const core::ConfigProblem &p : bad.problems) problems[p.path] = p.message;
        QCOMPARE(problems["stage.toy.stride"], std::string("must be in [1, 1000], got 0"));
        QCOMPARE(problems["data.micro_batch_size"], std::string("toy: at most 64 rows"));
        // LoRA is for fine-tuning stages: refused on the toy by name.
        core::RunConfig lora = good.config;
        lora.stage.lora.enabled = true;
        bool refused = false;
        for (const core::ConfigProblem &p : core::validate(lora))
            refused = refused ||
                      (p.path == "stage.lora.enabled" && p.message.find("stage \"toy\" trains every weight") == 0);
        QVERIFY(refused);
    }

    void trainedAndResumedByTheCli()
    {
        const QString ws = m_dir.filePath(QStringLiteral("ws"));
        const CliResult straight = cli({QStringLiteral("--json"), QStringLiteral("train"), QStringLiteral("--config"),
                                        writeConfig(QStringLiteral("straight"), 8)},
                                       ws);
        QVERIFY2(straight.exitCode == 0, qPrintable(straight.err));
        const int64_t a = straight.json().value(QStringLiteral("run_id")).toInteger();
        // The same run stopped after step 4 and resumed from its checkpoint there, to 8 steps.
        const CliResult first = cli({QStringLiteral("--json"), QStringLiteral("train"), QStringLiteral("--config"),
                                     writeConfig(QStringLiteral("stopped"), 4)},
                                    ws);
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        const int64_t b = first.json().value(QStringLiteral("run_id")).toInteger();
        const CliResult resumed =
            cli({QStringLiteral("--json"), QStringLiteral("train"), QStringLiteral("--config"),
                 writeConfig(QStringLiteral("stopped"), 8), QStringLiteral("--resume"), QString::number(b)},
                ws);
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));

        const std::string database = core::Workspace::open(ws.toStdString()).databasePath();
        for (const char *metric : {"train/loss", "toy/scale"}) {
            const std::vector<double> x = series(database, a, metric), y = series(database, b, metric);
            QCOMPARE(x.size(), size_t(8));
            QCOMPARE(y, x);  // bit-identical: data position, stage tensor, moments and RNG all resumed
        }
        // The scale trained (AdamW moved it from its initial 1), and the loss went down.
        const std::vector<double> scale = series(database, a, "toy/scale"), loss = series(database, a, "train/loss");
        QVERIFY(scale.back() != 1.0);
        QVERIFY(loss.back() < loss.front());
        // The hook ran once per step, in order, also across the resume (the stage checks it and would fail).
        core::ExperimentStore store(database);
        QCOMPARE(store.run(b)->stage, std::string("toy"));

        // The Runs page charts the stage's metric from its declaration, and only for a run that logs it.
        ui::RunCharts charts;
        const int fixed = int(charts.charts().size());
        charts.showStored(store, a);
        ui::MetricChart *chart = charts.chartOf(QStringLiteral("toy/scale"));
        QVERIFY(chart);
        QCOMPARE(chart->objectName(), QStringLiteral("Toy logit scale"));
        QCOMPARE(charts.pointCount(QStringLiteral("toy/scale")), 8);
        QCOMPARE(int(charts.charts().size()), fixed + 1);
        QCOMPARE(chart->points(QStringLiteral("toy/scale")).last().y(), scale.back());
        charts.clear();
        QCOMPARE(int(charts.charts().size()), fixed);
        QVERIFY(!charts.chartOf(QStringLiteral("toy/scale")));
    }
};

}  // namespace danka::test

QTEST_MAIN(danka::test::NewStageTest)
#include "tst_new_stage.moc"
