// Rules the studio calls instead of deciding them itself: which checkpoints a workspace offers (newest first,
// adapters marked) and what loading one means (core/checkpoint/compatibility.h), which datasets fit a stage and
// what stops a config from starting on its datasets (core/config/dataset_fit.h), the tokenizer a dataset was
// made with (core/data/dataset_tokenizer.h), and a memory plan written back into a config
// (core/config/plan_apply.h). Expected values are worked out by hand from the cases.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "core/checkpoint/compatibility.h"
#include "core/config/dataset_fit.h"
#include "core/config/plan_apply.h"
#include "core/data/dataset_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "tests/support/test_support.h"

using namespace danka::core;

namespace {

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

RunRecord runRecord(int64_t id, const std::string &name)
{
    RunRecord r;
    r.id = id;
    r.name = name;
    return r;
}

CheckpointRecord checkpoint(int64_t runId, int64_t step, const std::string &path, double createdAt)
{
    CheckpointRecord c;
    c.runId = runId;
    c.step = step;
    c.path = path;
    c.createdAt = createdAt;
    return c;
}

DatasetRecord dataset(const std::string &name, const std::string &path, const std::string &kind)
{
    DatasetRecord d;
    d.name = name;
    d.path = path;
    d.kind = kind;
    return d;
}

}  // namespace

class TestStudioRules : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void checkpointsAreNewestFirstWithAdaptersMarked()
    {
        QTemporaryDir tmp;
        const QString adapter = tmp.filePath(QStringLiteral("lora/step-20"));
        QVERIFY(QDir().mkpath(adapter));
        QVERIFY(writeFile(adapter + QStringLiteral("/adapter_config.json"), "{}"));
        const std::string full = tmp.filePath(QStringLiteral("pre/step-10")).toStdString();
        // Runs newest first, as the store lists them; run 2's checkpoints were written after run 1's but for
        // the last one of run 1 (t = 50), and two share t = 30 (they keep the runs' order: run 2 first).
        const std::vector<RunRecord> runs = {runRecord(2, "lora"), runRecord(1, "pre"), runRecord(3, "empty")};
        std::map<int64_t, std::vector<CheckpointRecord>> byRun;
        byRun[1] = {checkpoint(1, 10, full, 10), checkpoint(1, 30, "/w/pre/30", 30),
                    checkpoint(1, 50, "/w/pre/50", 50)};
        byRun[2] = {checkpoint(2, 20, adapter.toStdString(), 20), checkpoint(2, 40, "/w/lora/40", 30)};
        const std::vector<WorkspaceCheckpoint> all = workspaceCheckpoints(runs, byRun);
        QCOMPARE(all.size(), size_t(5));
        const std::vector<std::pair<int64_t, int64_t>> order = {{1, 50}, {2, 40}, {1, 30}, {2, 20}, {1, 10}};
        for (size_t i = 0; i < order.size(); ++i) {
            QCOMPARE(all[i].runId, order[i].first);
            QCOMPARE(all[i].step, order[i].second);
        }
        QCOMPARE(all[0].runName, std::string("pre"));
        QVERIFY(all[3].adapter);
        QVERIFY(!all[4].adapter && !all[0].adapter);
        const std::vector<WorkspaceCheckpoint> adapters = adapterCheckpoints(all);
        QCOMPARE(adapters.size(), size_t(1));
        QCOMPARE(adapters[0].path, adapter.toStdString());
        QVERIFY(workspaceCheckpoints({}, byRun).empty());  // no run listed: nothing offered
    }

    void anAdapterLoadsOnItsRecordedBase()
    {
        QTemporaryDir tmp;
        const QString base = tmp.filePath(QStringLiteral("base")), adapter = tmp.filePath(QStringLiteral("adapter"));
        QVERIFY(QDir().mkpath(base) && QDir().mkpath(adapter));
        QVERIFY(writeFile(adapter + QStringLiteral("/adapter_config.json"), "{}"));
        QVERIFY(writeFile(adapter + QStringLiteral("/danka.json"),
                          QByteArray("{\"base_checkpoint\": \"") + base.toUtf8() + "\"}"));
        const ModelToLoad plain = modelToLoad(base.toStdString());
        QCOMPARE(plain.base, base.toStdString());
        QVERIFY(plain.adapter.empty());
        const ModelToLoad onBase = modelToLoad(adapter.toStdString());
        QCOMPARE(onBase.base, base.toStdString());
        QCOMPARE(onBase.adapter, adapter.toStdString());

        QVERIFY(QDir(base).removeRecursively());  // the base is gone: refused, naming the adapter
        try {
            modelToLoad(adapter.toStdString());
            QFAIL("an adapter without its base loaded");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find(adapter.toStdString()) != std::string::npos, e.what());
        }
    }

    void eachStageReadsItsKindOfDataset()
    {
        QCOMPARE(stageDatasetKind("pretrain"), std::string("pretrain"));
        QCOMPARE(stageDatasetKind("sft"), std::string("sft"));
        QCOMPARE(stageDatasetKind("distill"), std::string("sft"));
        QCOMPARE(stageDatasetKind("dpo"), std::string());  // declared, not yet trainable
        QCOMPARE(stageDatasetKind("no-such-stage"), std::string());

        const std::vector<DatasetRecord> all = {dataset("a", "/d/a", "sft"), dataset("b", "/d/b", "pretrain"),
                                                dataset("c", "/d/c", "sft"), dataset("p", "/d/p", "preference")};
        const std::vector<DatasetRecord> sft = datasetsForStage("distill", all);
        QCOMPARE(sft.size(), size_t(2));
        QCOMPARE(sft[0].name, std::string("a"));
        QCOMPARE(sft[1].name, std::string("c"));
        QCOMPARE(datasetsForStage("pretrain", all).size(), size_t(1));
        QCOMPARE(datasetsForStage("dpo", all).size(), all.size());  // nothing to filter by
    }

    void datasetProblemsNameTheField()
    {
        QTemporaryDir tmp;
        const QString pre = tmp.filePath(QStringLiteral("pre")), chat = tmp.filePath(QStringLiteral("chat"));
        const QString raw = tmp.filePath(QStringLiteral("raw")), loose = tmp.filePath(QStringLiteral("loose"));
        for (const QString &d : {pre, chat, raw, loose}) QVERIFY(QDir().mkpath(d));
        QVERIFY(writeFile(pre + QStringLiteral("/dataset.json"), "{\"kind\": \"pretrain\"}"));
        QVERIFY(writeFile(chat + QStringLiteral("/dataset.json"), "{\"kind\": \"sft\"}"));
        QVERIFY(writeFile(loose + QStringLiteral("/dataset.json"), "{\"kind\": \"sft\"}"));  // not in the store
        const std::vector<DatasetRecord> stored = {dataset("pre", pre.toStdString(), "pretrain"),
                                                   dataset("chat", chat.toStdString(), "sft")};
        RunConfig c;
        c.stage.kind = "sft";
        // Nothing chosen: required, and the workspace has sft datasets to choose from.
        std::vector<ConfigProblem> p = datasetProblems(c, stored);
        QCOMPARE(p.size(), size_t(1));
        QCOMPARE(p[0].path, std::string("data.dataset"));
        QVERIFY2(p[0].message.find("are in the list") != std::string::npos, p[0].message.c_str());
        p = datasetProblems(c, {stored[0]});  // no sft dataset: prepare one
        QVERIFY2(p.size() == 1 && p[0].message.find("Data page") != std::string::npos, p[0].message.c_str());

        c.data.dataset = chat.toStdString();
        QVERIFY(datasetProblems(c, stored).empty());
        c.data.dataset = loose.toStdString();  // the folder's own dataset.json says sft
        QVERIFY(datasetProblems(c, stored).empty());

        c.data.dataset = pre.toStdString();  // the store says pretrain data; the validation set is not a dataset
        c.data.valDataset = raw.toStdString();
        p = datasetProblems(c, stored);
        QCOMPARE(p.size(), size_t(2));
        QCOMPARE(p[0].path, std::string("data.dataset"));
        QCOMPARE(p[0].message, pre.toStdString() + " holds pretrain data; the sft stage trains on sft data.");
        QCOMPARE(p[1].path, std::string("data.val_dataset"));
        QCOMPARE(p[1].message, raw.toStdString() +
                                   " is not a prepared dataset (it has no dataset.json): prepare it "
                                   "on the Data page.");
        c.data.valDataset = tmp.filePath(QStringLiteral("gone")).toStdString();
        p = datasetProblems(c, stored);
        QCOMPARE(p.back().message, "The folder " + c.data.valDataset + " does not exist.");

        c.stage.kind = "dpo";  // not trainable: validation says so, not this
        QVERIFY(datasetProblems(c, stored).empty());
    }

    void aDatasetFindsTheTokenizerItWasMadeWith()
    {
        const std::string dir = danka::test::demoTokenizerDir();
        const std::string checksum = danka::core::tokenizer::Tokenizer::load(dir).checksum();
        TokenizerRecord registered;
        registered.path = dir;
        registered.checksum = checksum;
        TokenizerRecord other;
        other.path = "/elsewhere/tokenizer";
        other.checksum = "another";

        // Recorded checksum and folder: the registered tokenizer with that checksum comes first.
        nlohmann::json info = {{"tokenizer", {{"checksum", checksum}, {"dir", "/moved/away"}}}};
        data::DatasetTokenizer found = data::findDatasetTokenizer(info, {other, registered});
        QVERIFY(found.tokenizer);
        QCOMPARE(found.dir, dir);
        QVERIFY(found.fromStore);
        QCOMPARE(found.tokenizer->checksum(), checksum);

        // Not registered: the folder dataset.json names, while its checksum matches.
        info = {{"tokenizer", {{"checksum", checksum}, {"dir", dir}}}};
        found = data::findDatasetTokenizer(info, {other});
        QVERIFY(found.tokenizer && !found.fromStore);
        QCOMPARE(found.dir, dir);

        // Retrained in place (another checksum recorded): no match, and the reason names the folder.
        info = {{"tokenizer", {{"checksum", "0123456789abcdef"}, {"dir", dir}}}};
        found = data::findDatasetTokenizer(info, {registered});
        QVERIFY(!found.tokenizer);
        QCOMPARE(found.problem,
                 dir + " has changed since the dataset was prepared (checksum " + checksum.substr(0, 12) + ")");

        // Nothing recorded: nothing to look for, and nothing to complain about.
        found = data::findDatasetTokenizer(nlohmann::json::object(), {registered});
        QVERIFY(!found.tokenizer);
        QVERIFY(found.problem.empty());
        // A folder without a checksum is taken as it is.
        found = data::findDatasetTokenizer({{"tokenizer", {{"dir", dir}}}}, {});
        QVERIFY(found.tokenizer);
    }

    void aPlanKeepsTheSequencesPerStep()
    {
        RunConfig c;
        c.data.microBatchSize = 8;
        c.optim.gradAccumSteps = 3;  // 24 sequences per optimizer step
        c.runtime.precision = Precision::Fp32;
        c.runtime.activationCheckpointing = 0;
        c.runtime.offloadOptimizer = false;
        c.optim.learningRate = 1.5e-3;
        danka::model::MemoryPlan plan;
        plan.microBatch = 2;  // divides 24: 12 micro-batches
        plan.precision = danka::model::PlanPrecision::Bf16;
        plan.checkpointEvery = 1;
        plan.optimizerOnCpu = true;
        RunConfig planned = applyMemoryPlan(c, plan);
        QCOMPARE(planned.data.microBatchSize, int64_t(2));
        QCOMPARE(planned.optim.gradAccumSteps, int64_t(12));
        QCOMPARE(planned.runtime.precision, Precision::Bf16);
        QCOMPARE(planned.runtime.activationCheckpointing, int64_t(1));
        QVERIFY(planned.runtime.offloadOptimizer);
        QCOMPARE(planned.optim.learningRate, 1.5e-3);  // the rest is the config's

        plan.microBatch = 5;  // does not divide 24: the accumulation stays as it was
        plan.precision = danka::model::PlanPrecision::Fp16;
        planned = applyMemoryPlan(c, plan);
        QCOMPARE(planned.data.microBatchSize, int64_t(5));
        QCOMPARE(planned.optim.gradAccumSteps, int64_t(3));
        QCOMPARE(planned.runtime.precision, Precision::Fp16);

        plan.microBatch = 24;  // the whole step in one micro-batch
        QCOMPARE(applyMemoryPlan(c, plan).optim.gradAccumSteps, int64_t(1));
        QCOMPARE(precisionOfPlan(danka::model::PlanPrecision::Fp32), Precision::Fp32);
    }
};

QTEST_GUILESS_MAIN(TestStudioRules)
#include "tst_studio_rules.moc"
