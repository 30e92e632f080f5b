// The dataset field of the Configure page and the start of a run without data: a config with no dataset (the
// demo preset's) is flagged beside the field and cannot start, the workspace's prepared datasets of the
// stage's kind are offered by name, picking one sets its folder, and what the studio says never sends a GUI
// user to the command line. Oracles: the datasets prepared here (their folders and kinds) and the store.
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "core/config/presets.h"
#include "core/data/prepare.h"
#include "core/store/experiment_store.h"
#include "ui/configure/config_page.h"
#include "ui/runs/runs_page.h"
#include "ui_test_util.h"

using namespace danka;

namespace {

core::RunConfig demoPreset()
{
    return core::findPreset("demo")->config;
}

QStringList itemTexts(const QComboBox *box)
{
    QStringList out;
    for (int i = 0; i < box->count(); ++i) out << box->itemText(i);
    return out;
}

}  // namespace

class TestConfigDataset : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::optional<core::Workspace> m_ws;
    std::string m_pretrain, m_sft;

private Q_SLOTS:
    void initTestCase()
    {
        m_ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        const core::data::PrepareResult pretrain =
            test::prepareDemoPretrain(m_ws->datasetsDir() + "/demo-pretrain");
        core::data::recordDataset(m_ws->databasePath(), pretrain, test::demoTokenizerDir());
        m_pretrain = pretrain.dir;
        std::string error;
        core::data::PrepareResult sft;
        QCOMPARE(test::runJob(
                     [&](core::JobContext &job) {
                         core::data::PrepareOptions o;
                         o.inputs = {test::demoFile("sft.jsonl")};
                         o.tokenizerDir = test::demoTokenizerDir();
                         o.outDir = m_ws->datasetsDir() + "/demo-sft";
                         o.threads = 1;
                         sft = core::data::prepareDataset(o, job);
                     },
                     &error),
                 core::JobState::Completed);
        core::data::recordDataset(m_ws->databasePath(), sft, test::demoTokenizerDir());
        m_sft = sft.dir;
    }

    void aConfigWithoutADatasetCannotStartAndTheFieldSaysWhy()
    {
        ui::ConfigPage page;
        page.setWorkspace(m_ws);
        page.setConfig(demoPreset());  // data.dataset is empty in the demo preset
        QVERIFY(demoPreset().data.dataset.empty());
        QVERIFY(!page.startButton()->isEnabled());
        const QString message = page.fieldMessage(QStringLiteral("data.dataset"));
        QVERIFY2(message.contains(QStringLiteral("Choose the dataset")), qPrintable(message));
        QVERIFY(page.problems().contains(QStringLiteral("data.dataset: ") + message));
        QVERIFY2(!message.contains(QStringLiteral("danka-cli")), qPrintable(message));

        // Offered by name, only those of the stage's kind; each item stands for its folder.
        auto *box = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("data.dataset")));
        QVERIFY(box);
        QCOMPARE(itemTexts(box), QStringList{QStringLiteral("demo-pretrain")});
        QCOMPARE(box->itemData(0).toString(), QString::fromStdString(m_pretrain));

        // Picking it by name: the config holds the folder, the message goes, Start comes.
        box->setCurrentIndex(0);
        QCOMPARE(page.config().data.dataset, m_pretrain);
        QCOMPARE(nlohmann::json::parse(page.jsonText().toStdString())["data"]["dataset"].get<std::string>(), m_pretrain);
        QVERIFY(page.fieldMessage(QStringLiteral("data.dataset")).isEmpty());
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(QLatin1Char('\n'))));
        QVERIFY(page.startButton()->isEnabled());
        std::optional<core::RunConfig> started;
        connect(&page, &ui::ConfigPage::startRunRequested, this, [&](const core::RunConfig &c) { started = c; });
        page.startButton()->click();
        QVERIFY(started && started->data.dataset == m_pretrain);

        // A config naming the folder shows its name.
        page.setConfig([&] {
            core::RunConfig c = demoPreset();
            c.data.dataset = m_pretrain;
            return c;
        }());
        QCOMPARE(box->currentText(), QStringLiteral("demo-pretrain"));
        QCOMPARE(page.config().data.dataset, m_pretrain);
    }

    void theStageDecidesWhichDatasetsFit()
    {
        ui::ConfigPage page;
        page.setWorkspace(m_ws);
        core::RunConfig config = demoPreset();
        config.data.dataset = m_pretrain;
        page.setConfig(config);
        auto *stage = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("stage.kind")));
        stage->setCurrentIndex(stage->findText(QStringLiteral("sft")));  // a user's choice
        auto *box = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("data.dataset")));
        QCOMPARE(itemTexts(box), QStringList{QStringLiteral("demo-sft")});
        const QString wrongKind = page.fieldMessage(QStringLiteral("data.dataset"));
        QVERIFY2(wrongKind.contains(QStringLiteral("holds pretrain data")) && wrongKind.contains(QStringLiteral("sft")),
                 qPrintable(wrongKind));
        QVERIFY(!page.startButton()->isEnabled());
        box->setCurrentIndex(0);
        QCOMPARE(page.config().data.dataset, m_sft);
        QVERIFY(page.fieldMessage(QStringLiteral("data.dataset")).isEmpty());

        // A folder that is not a prepared dataset, and one that does not exist.
        box->lineEdit()->selectAll();
        QTest::keyClicks(box->lineEdit(), m_dir.path());
        QVERIFY2(page.fieldMessage(QStringLiteral("data.dataset")).contains(QStringLiteral("not a prepared dataset")),
                 qPrintable(page.fieldMessage(QStringLiteral("data.dataset"))));
        box->lineEdit()->selectAll();
        QTest::keyClicks(box->lineEdit(), m_dir.filePath(QStringLiteral("missing")));
        QVERIFY(page.fieldMessage(QStringLiteral("data.dataset")).contains(QStringLiteral("does not exist")));
        // The validation dataset is checked the same way when one is given.
        auto *val = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("data.val_dataset")));
        val->setCurrentIndex(val->findText(QStringLiteral("demo-sft")));
        QCOMPARE(page.config().data.valDataset, m_sft);
        QVERIFY(page.fieldMessage(QStringLiteral("data.val_dataset")).isEmpty());
    }

    void aWorkspaceWithoutDatasetsSaysWhereToPrepareOne()
    {
        const auto empty = core::Workspace::open(m_dir.filePath(QStringLiteral("empty")).toStdString());
        ui::ConfigPage page;
        page.setWorkspace(empty);
        page.setConfig(demoPreset());
        const QString message = page.fieldMessage(QStringLiteral("data.dataset"));
        QVERIFY2(message.contains(QStringLiteral("no prepared pretrain dataset")) &&
                     message.contains(QStringLiteral("Data page")),
                 qPrintable(message));
        QVERIFY(!page.startButton()->isEnabled());
    }

    void theRunsPageRefusesARunWithoutDataBeforeCreatingIt()
    {
        ui::RunsPage page;
        QVERIFY(page.setWorkspace(m_ws));
        const size_t runsBefore = core::ExperimentStore(m_ws->databasePath()).runs().size();
        QString error;
        QVERIFY(!page.startRun(demoPreset(), &error));
        QVERIFY2(error.contains(QStringLiteral("data.dataset")), qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("danka-cli")), qPrintable(error));
        QCOMPARE(core::ExperimentStore(m_ws->databasePath()).runs().size(), runsBefore);  // no run that fails at once
        QVERIFY(!page.trainingRunId().has_value());
    }
};

QTEST_MAIN(TestConfigDataset)
#include "tst_config_dataset.moc"
