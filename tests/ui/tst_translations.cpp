// The studio in Chinese: core's messages come translated where the studio shows them (a field's help and
// range, a validation message, a preset description, a memory-plan detail, the events and progress of a real
// run, metric titles and the "cancelled" reason), while the store keeps the English danka-cli prints. The
// oracle is the English source in the store and the Chinese of translations/danka_zh_CN.ts.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/config/config_io.h"
#include "core/config/memory_plan.h"
#include "core/config/presets.h"
#include "core/train/metric_names.h"
#include "core/store/experiment_store.h"
#include "core/util/translate.h"
#include "ui/compare/compare_page.h"
#include "ui/configure/config_page.h"
#include "ui/configure/memory_breakdown_model.h"
#include "ui/i18n.h"
#include "ui/runs/runs_page.h"
#include "ui_test_util.h"

using namespace danka;

namespace {

bool hasLabel(const QWidget &root, const QString &text)
{
    const auto labels = root.findChildren<QLabel *>();
    return std::any_of(labels.begin(), labels.end(), [&](const QLabel *l) { return l->text() == text; });
}

}  // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::optional<core::Workspace> m_ws;
    std::string m_dataset;

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("danka-tests"));
        QStandardPaths::setTestModeEnabled(true);
        QCOMPARE(ui::installTranslations(*qApp, QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        m_ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        m_dataset = test::prepareDemoPretrain(m_ws->datasetsDir() + "/demo").dir;
    }

    void configureIsChinese()
    {
        ui::ConfigPage page;
        page.setWorkspace(m_ws);
        QVERIFY(page.loadPreset(QStringLiteral("demo")));
        // A preset's description.
        QVERIFY2(page.statusText().contains(
                     QStringLiteral("用于自带演示语料的微型 GQA 模型；在笔记本 CPU 上几分钟即可完成预训练")),
                 qPrintable(page.statusText()));
        // A field's help and range (core keeps them English for danka-cli).
        QVERIFY(hasLabel(page, QStringLiteral("模型宽度 d")));
        QVERIFY(hasLabel(page, QStringLiteral("范围 [0, 1)")));  // optim.beta1
        const core::FieldDescriptor *width = nullptr;
        for (const core::FieldDescriptor &f : core::configSchema())
            if (f.path == "model.hidden_size") width = &f;
        QVERIFY(width);
        QCOMPARE(width->help, std::string("Model width d"));
        // A validation message.
        QLineEdit *lr = qobject_cast<QLineEdit *>(page.fieldEditor(QStringLiteral("optim.learning_rate")));
        QVERIFY(lr);
        lr->selectAll();
        QTest::keyClicks(lr, QStringLiteral("-1"));
        QCOMPARE(page.fieldMessage(QStringLiteral("optim.learning_rate")), QStringLiteral("须 > 0，实际为 -1"));
        // A memory-plan detail.
        QStringList details;
        for (int row = 0; row < page.memoryModel()->rowCount(); ++row)
            details << page.memoryModel()->index(row, ui::MemoryBreakdownModel::DetailColumn).data().toString();
        QVERIFY2(details.contains(QStringLiteral("fp32 主权重")), qPrintable(details.join(QLatin1Char('|'))));
        QVERIFY2(details.contains(QStringLiteral("AdamW 一阶和二阶矩，fp32")), qPrintable(details.join(QLatin1Char('|'))));
    }

    void aRunsEventsMetricsAndReasonsAreChinese()
    {
        ui::RunsPage page;
        page.resize(1200, 800);
        QVERIFY(page.setWorkspace(m_ws));
        page.setTrainingHooks({{}, 1e9});  // no MFU peak measurement
        page.show();
        core::RunConfig c = test::tinyRunConfig();
        c.data.dataset = m_dataset;
        c.schedule.maxSteps = 6;
        c.runtime.checkpointEvery = 3;
        c.runtime.evalEvery = 3;
        QSignalSpy finished(&page, &ui::RunsPage::trainingFinished);
        QString error;
        QVERIFY2(page.startRun(c, &error), qPrintable(error));
        const int64_t runId = *page.trainingRunId();
        QVERIFY(finished.wait(180000));
        QVERIFY(page.selectRun(runId));

        // The store keeps English (what danka-cli prints)...
        std::vector<std::string> stored;
        {
            core::ExperimentStore store(m_ws->databasePath());
            for (const core::EventRecord &e : store.events(runId)) stored.push_back(e.text);
            store.addCheckpoint(runId, 7, m_dir.filePath(QStringLiteral("stopped")).toStdString(),
                                R"({"reason": "cancelled"})");
        }
        auto storedHas = [&](const char *prefix) {
            return std::any_of(stored.begin(), stored.end(), [&](const std::string &t) { return t.rfind(prefix, 0) == 0; });
        };
        QVERIFY(storedHas("training "));
        QVERIFY(storedHas("checkpoint at step 3 (periodic): "));
        QVERIFY(storedHas("checkpoint at step 6 (end): "));
        QVERIFY(storedHas("validation on "));
        // ...the studio shows it in Chinese.
        const QString events = page.eventsText();
        QVERIFY2(events.contains(QStringLiteral("开始训练：")), qPrintable(events));
        QVERIFY2(events.contains(QStringLiteral("第 3 步的检查点（定期）：")), qPrintable(events));
        QVERIFY2(events.contains(QStringLiteral("第 6 步的检查点（结束）：")), qPrintable(events));
        QVERIFY2(events.contains(QStringLiteral("验证数据：")), qPrintable(events));
        QVERIFY2(!events.contains(QStringLiteral("checkpoint at step")), qPrintable(events));

        // Metric names: titles in the overview, as the store's keys stay.
        QCOMPARE(QString::fromStdString(core::metricTitle("train/loss")), QStringLiteral("训练损失"));
        QCOMPARE(core::metricTitle("train/not_a_metric"), std::string("train/not_a_metric"));
        QVERIFY2(page.detailsText().contains(QStringLiteral("训练损失")), qPrintable(page.detailsText()));
        ui::ComparePage compare;
        compare.setWorkspace(m_ws);
        compare.setCheckedRuns({runId});
        auto *box = compare.findChild<QComboBox *>();
        QVERIFY(box);
        QCOMPARE(box->itemText(box->findData(QStringLiteral("train/loss"))), QStringLiteral("训练损失"));

        // The "cancelled" reason of a checkpoint, and the others.
        page.refresh();
        QVERIFY(page.selectRun(runId));
        QTableWidget *table = page.checkpointTable();
        QStringList cells;
        for (int row = 0; row < table->rowCount(); ++row)
            for (int column = 0; column < table->columnCount(); ++column)
                if (const QTableWidgetItem *item = table->item(row, column)) cells << item->text();
        QVERIFY2(cells.contains(QStringLiteral("已取消")), qPrintable(cells.join(QLatin1Char('|'))));
        QVERIFY2(cells.contains(QStringLiteral("结束")), qPrintable(cells.join(QLatin1Char('|'))));
        QVERIFY(!cells.contains(QStringLiteral("cancelled")));
        QCOMPARE(QString::fromStdString(core::translateStored("cancelled")), QStringLiteral("已取消"));
    }

    // Stored text that no template made stays as it is; a message with an argument that is itself a stored
    // message is translated through (the advice inside an out-of-memory error).
    void storedTextTranslatesOnlyItsTemplates()
    {
        QCOMPARE(core::translateStored("a line no template wrote"), std::string("a line no template wrote"));
        const core::RunConfig big = core::findPreset("gpt-1.3b-24gb")->config;
        const std::string advice = core::outOfMemoryAdvice(big, 8.0 * 1024 * 1024 * 1024);
        QVERIFY(advice.rfind("The memory estimator puts this plan at ", 0) == 0);
        const std::string shown = core::translateStored("out of memory on cuda:0: CUDA out of memory.\n" + advice +
                                                        " Checkpoints written before are kept.");
        QVERIFY2(shown.rfind("cuda:0 内存不足：CUDA out of memory.\n内存估算认为此方案需要 ", 0) == 0, shown.c_str());
        QVERIFY2(shown.find("之前写入的检查点都已保留。") != std::string::npos, shown.c_str());
        // Events written by the long-context, LoRA and skip paths, with an empty and a nested argument.
        QCOMPARE(QString::fromStdString(core::translateStored(
                     "context extended from 64 to 128 tokens (data.seq_len); RoPE theta 10000 and 16 rotary dims "
                     "carried over from the base checkpoint")),
                 QStringLiteral("上下文从 64 扩展到 128 个词元（data.seq_len）；沿用基座检查点的 RoPE theta 10000 和 16 个旋转维度"));
        QCOMPARE(QString::fromStdString(core::translateStored(
                     "context extended from 64 to 256 tokens (data.seq_len) with RoPE scaling yarn (factor 4 over 64 "
                     "tokens); RoPE theta 10000 and 16 rotary dims carried over from the base checkpoint")),
                 QStringLiteral("上下文从 64 扩展到 256 个词元（data.seq_len），RoPE 缩放 yarn（在 64 个词元上的系数 4）；"
                                "沿用基座检查点的 RoPE theta 10000 和 16 个旋转维度"));
        QCOMPARE(QString::fromStdString(core::translateStored("step 6 skipped: the loss is nan")),
                 QStringLiteral("跳过第 6 步：损失为 nan"));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
