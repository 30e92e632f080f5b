// The Configure page against core's own config code: the form round-trips core::toJson, shows the messages
// core::fromJson / validate give for bad fields, keeps the JSON view in sync both ways, and the memory
// verdict follows the estimator.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStandardPaths>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/config/config_io.h"
#include "core/config/presets.h"
#include "core/store/experiment_store.h"
#include "core/util/text_util.h"
#include "model/estimate.h"
#include "ui/configure/config_page.h"
#include "ui/main_window.h"
#include "ui/configure/memory_breakdown_model.h"
#include "ui_test_util.h"

using namespace danka;
using nlohmann::json;

namespace {

const core::RunConfig &preset(const char *name)
{
    const core::Preset *p = core::findPreset(name);
    if (!p) qFatal("no preset %s", name);
    return p->config;
}

json parsed(const QString &text)
{
    return json::parse(text.toStdString());
}

json asJson(const core::RunConfig &c)
{
    return core::toJson(c);
}

// Every message core gives for `path`, one per line (the way the page lists them next to the field).
QString coreMessages(const std::vector<core::ConfigProblem> &problems, const std::string &path)
{
    QStringList messages;
    for (const core::ConfigProblem &p : problems)
        if (p.path == path) messages << QString::fromStdString(p.message);
    return messages.join(QLatin1Char('\n'));
}

QLineEdit *lineEdit(ui::ConfigPage &page, const char *path)
{
    QWidget *w = page.fieldEditor(QString::fromLatin1(path));
    if (auto *combo = qobject_cast<QComboBox *>(w)) return combo->lineEdit();
    return qobject_cast<QLineEdit *>(w);
}

// Replaces a line edit's text by typing, as a user would (textEdited, not setText).
void type(QLineEdit *edit, const QString &text)
{
    edit->selectAll();
    if (text.isEmpty())
        QTest::keyClick(edit, Qt::Key_Backspace);
    else
        QTest::keyClicks(edit, text);
}

double gib(double n)
{
    return n * 1024 * 1024 * 1024;
}

// `config` training on `dataset`.
core::RunConfig withDataset(core::RunConfig config, const std::string &dataset)
{
    config.data.dataset = dataset;
    return config;
}

}  // namespace

class TestConfigPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void presetsRoundTripThroughTheForm_data()
    {
        QTest::addColumn<QString>("name");
        for (const core::Preset &p : core::presets())
            QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
    }
    void presetsRoundTripThroughTheForm()
    {
        QFETCH(QString, name);
        const core::RunConfig &expected = preset(name.toLatin1().constData());
        ui::ConfigPage page;
        page.setConfig(expected);
        QCOMPARE(parsed(page.jsonText()), asJson(expected));
        QCOMPARE(asJson(page.config()), asJson(expected));
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(QLatin1Char('\n'))));
        QCOMPARE(
            page.parameterText(),
            QStringLiteral("%1 parameters")
                .arg(QString::fromStdString(core::formatCount(double(expected.model.parameterCount())))));

        // The preset combo's path gives the same config.
        ui::ConfigPage other;
        QVERIFY(other.loadPreset(name));
        QCOMPARE(parsed(other.jsonText()), asJson(expected));
        QVERIFY(!other.loadPreset(QStringLiteral("no-such-preset")));
    }

    void editingFieldsUpdatesJsonAndConfig()
    {
        ui::ConfigPage page;
        page.setConfig(preset("demo"));
        type(lineEdit(page, "optim.learning_rate"), QStringLiteral("1e-4"));
        QCOMPARE(parsed(page.jsonText())["optim"]["learning_rate"].get<double>(), 1e-4);
        QCOMPARE(page.config().optim.learningRate, 1e-4);

        // Integers beyond 2^31 (a line edit, not a spin box).
        type(lineEdit(page, "runtime.seed"), QStringLiteral("5000000000"));
        QCOMPARE(parsed(page.jsonText())["runtime"]["seed"].get<int64_t>(), int64_t(5000000000));
        QCOMPARE(page.config().runtime.seed, int64_t(5000000000));

        auto *qkNorm = qobject_cast<QCheckBox *>(page.fieldEditor(QStringLiteral("model.qk_norm")));
        QVERIFY(qkNorm);
        QVERIFY(!qkNorm->isChecked());
        qkNorm->click();
        QCOMPARE(parsed(page.jsonText())["model"]["qk_norm"], json(true));
        QVERIFY(page.config().model.qkNorm);

        auto *precision = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("runtime.precision")));
        QVERIFY(precision);
        precision->setCurrentIndex(precision->findText(QStringLiteral("bf16")));
        QCOMPARE(parsed(page.jsonText())["runtime"]["precision"], json("bf16"));
        QVERIFY(page.config().runtime.precision == core::Precision::Bf16);

        type(lineEdit(page, "name"), QStringLiteral("my run"));
        QCOMPARE(page.config().name, std::string("my run"));

        // Everything else is untouched: the page's JSON is core's JSON of the edited config.
        core::RunConfig expected = preset("demo");
        expected.name = "my run";
        expected.optim.learningRate = 1e-4;
        expected.runtime.seed = 5000000000;
        expected.model.qkNorm = true;
        expected.runtime.precision = core::Precision::Bf16;
        QCOMPARE(parsed(page.jsonText()), asJson(expected));
        QVERIFY(page.problems().isEmpty());
    }

    void badFieldsShowCoreMessages()
    {
        const core::Workspace ws =
            core::Workspace::open(m_dir.filePath(QStringLiteral("ws-bad")).toStdString());
        const std::string data = registeredDataset(ws);  // a run needs one to start
        ui::ConfigPage page;
        page.setWorkspace(ws);
        page.setConfig(withDataset(preset("demo"), data));
        QVERIFY(page.startButton()->isEnabled());

        // A value out of range: validate's message, next to the field.
        type(lineEdit(page, "optim.learning_rate"), QStringLiteral("-1"));
        core::RunConfig bad = preset("demo");
        bad.optim.learningRate = -1;
        const QString lrMessage = coreMessages(core::validate(bad), "optim.learning_rate");
        QVERIFY(!lrMessage.isEmpty());
        QCOMPARE(page.fieldMessage(QStringLiteral("optim.learning_rate")), lrMessage);
        QVERIFY(!page.startButton()->isEnabled());
        QVERIFY(page.problems().contains(QStringLiteral("optim.learning_rate: ") + lrMessage));

        // Fixed: the message goes, Start comes back.
        type(lineEdit(page, "optim.learning_rate"), QStringLiteral("0.001"));
        QVERIFY(page.fieldMessage(QStringLiteral("optim.learning_rate")).isEmpty());
        QVERIFY(page.startButton()->isEnabled());

        // A cross-field rule: n_heads must divide hidden_size.
        type(lineEdit(page, "model.n_heads"), QStringLiteral("5"));
        core::RunConfig heads = preset("demo");
        heads.optim.learningRate = 0.001;
        heads.model.nHeads = 5;
        const std::vector<core::ConfigProblem> headProblems = core::validate(heads);
        const QString headsMessage = coreMessages(headProblems, "model.n_heads");
        QVERIFY(headsMessage.contains(QStringLiteral("not divisible")));
        QCOMPARE(page.fieldMessage(QStringLiteral("model.n_heads")), headsMessage);
        QCOMPARE(page.problems().size(), int(headProblems.size()));
        QVERIFY(!page.startButton()->isEnabled());
        QVERIFY(!page.planFits());  // no estimate of a model that cannot be built
        type(lineEdit(page, "model.n_heads"), QStringLiteral("6"));
        QVERIFY(page.problems().isEmpty());

        // Text that is not a number goes to core as typed: core's type message.
        type(lineEdit(page, "data.seq_len"), QStringLiteral("long"));
        json j = asJson(preset("demo"));
        j["optim"]["learning_rate"] = 0.001;
        j["data"]["seq_len"] = "long";
        QCOMPARE(page.fieldMessage(QStringLiteral("data.seq_len")),
                 coreMessages(core::fromJson(j).problems, "data.seq_len"));
        type(lineEdit(page, "data.seq_len"), QStringLiteral("256"));
        QVERIFY(page.problems().isEmpty());

        // A wrong type typed in the JSON view: fromJson's message next to the field; the editor shows the
        // text.
        json typed = asJson(withDataset(preset("demo"), data));
        typed["optim"]["learning_rate"] = "fast";
        typed["model"]["qk_norm"] = 1;
        typed["lr"] = 0.1;  // an unknown key belongs to no field: listed above the form
        page.setJsonText(QString::fromStdString(typed.dump(2)));
        const std::vector<core::ConfigProblem> typeProblems = core::fromJson(typed).problems;
        QCOMPARE(page.fieldMessage(QStringLiteral("optim.learning_rate")),
                 coreMessages(typeProblems, "optim.learning_rate"));
        QVERIFY(page.fieldMessage(QStringLiteral("optim.learning_rate"))
                    .contains(QStringLiteral("expected a number")));
        QCOMPARE(page.fieldMessage(QStringLiteral("model.qk_norm")),
                 coreMessages(typeProblems, "model.qk_norm"));
        QCOMPARE(lineEdit(page, "optim.learning_rate")->text(), QStringLiteral("fast"));
        const QString lrKey = QString::fromStdString(
            core::ConfigProblem{"lr", coreMessages(typeProblems, "lr").toStdString()}.toString());
        QVERIFY2(page.statusText().contains(lrKey), qPrintable(page.statusText()));
        QCOMPARE(page.problems().size(), int(typeProblems.size()));
        QVERIFY(!page.startButton()->isEnabled());
    }

    // A field with a problem grows to hold its message (it was squashed to ~8 px, cutting underscores and
    // descenders), in a small window too, and the problems notice appearing moves no field.
    void problemMessagesGetTheirRoomAndTheFormStays()
    {
        ui::ConfigPage page;
        page.setConfig(preset("demo"));
        page.resize(900, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QWidget *first = page.fieldEditor(QStringLiteral("model.vocab_size"));
        QTRY_VERIFY(first->isVisible());
        const QPoint before = first->mapTo(&page, QPoint(0, 0));

        // Several problems in the Model tab at once, with long messages (underscores, descenders).
        for (const char *path : {"model.vocab_size", "model.hidden_size", "model.n_layers", "model.n_heads",
                                 "model.n_kv_heads", "model.head_dim", "model.ffn_hidden_size"})
            type(lineEdit(page, path), QStringLiteral("not_a_number_q"));
        QTRY_VERIFY(!page.statusText().isEmpty());
        QTest::qWait(50);  // the layout settles
        QCOMPARE(first->mapTo(&page, QPoint(0, 0)), before);  // the notice did not push the form down

        // Above the tabs too (no scroll area there): a fine-tuning stage without its checkpoint, in a window
        // shorter still.
        page.resize(900, 420);
        auto *stage = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("stage.kind")));
        stage->setCurrentIndex(stage->findText(QStringLiteral("sft")));
        QTRY_VERIFY(!page.fieldMessage(QStringLiteral("stage.base_checkpoint")).isEmpty());
        QTest::qWait(50);
        for (const char *path : {"stage.base_checkpoint", "model.vocab_size", "model.hidden_size", "model.n_layers",
                                 "model.n_heads", "model.n_kv_heads", "model.head_dim", "model.ffn_hidden_size"}) {
            auto *message = page.findChild<QLabel *>(QString::fromLatin1(path) + QStringLiteral("/message"));
            QVERIFY2(message, path);
            QVERIFY2(!message->text().isEmpty(), path);
            QVERIFY(message->isVisibleTo(&page));
            const int needed = std::max(message->heightForWidth(message->width()), message->fontMetrics().height());
            QVERIFY2(message->height() >= needed,
                     qPrintable(QStringLiteral("%1: %2 px for a message that needs %3")
                                    .arg(QString::fromLatin1(path))
                                    .arg(message->height())
                                    .arg(needed)));
        }
    }

    // At 1024x700 the Configure page showed five rows of the form: it now has the left column's whole height.
    void manyRowsShowInASmallWindow()
    {
        QStandardPaths::setTestModeEnabled(true);
        ui::MainWindow window;
        window.resize(1024, 700);
        window.showPage(ui::MainWindow::ConfigurePageIndex);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::ConfigPage *page = window.configPage();
        page->setConfig(preset("demo"));
        QTest::qWait(50);
        QWidget *first = page->fieldEditor(QStringLiteral("model.vocab_size"));
        QScrollArea *scroll = nullptr;
        for (QWidget *w = first; w && !scroll; w = w->parentWidget())
            scroll = qobject_cast<QScrollArea *>(w);
        QVERIFY(scroll);
        const QRect viewport(scroll->viewport()->mapTo(&window, QPoint(0, 0)), scroll->viewport()->size());
        int shown = 0;
        const QStringList modelKeys = {"model.vocab_size", "model.hidden_size", "model.n_layers", "model.n_heads",
                                       "model.n_kv_heads", "model.head_dim", "model.ffn_hidden_size",
                                       "model.attention", "model.mla.q_lora_rank", "model.mla.kv_lora_rank",
                                       "model.mla.qk_nope_head_dim", "model.mla.qk_rope_head_dim",
                                       "model.mla.v_head_dim", "model.max_seq_len", "model.rope_theta"};
        for (const QString &path : modelKeys) {
            QWidget *editor = page->fieldEditor(path);
            if (!editor) continue;
            const QRect r(editor->mapTo(&window, QPoint(0, 0)), editor->size());
            if (viewport.contains(r)) ++shown;
        }
        QVERIFY2(shown >= 9, qPrintable(QStringLiteral("%1 rows in view").arg(shown)));
    }

    void jsonViewUpdatesTheForm()
    {
        ui::ConfigPage page;
        page.setConfig(preset("demo"));
        json j = asJson(preset("demo"));
        j["model"]["n_layers"] = 6;
        j["model"]["qk_norm"] = true;
        j["runtime"]["precision"] = "bf16";
        j["data"]["dataset"] = "/data/corpus";
        page.setJsonText(QString::fromStdString(j.dump(2)));
        QCOMPARE(lineEdit(page, "model.n_layers")->text(), QStringLiteral("6"));
        QVERIFY(qobject_cast<QCheckBox *>(page.fieldEditor(QStringLiteral("model.qk_norm")))->isChecked());
        QCOMPARE(
            qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("runtime.precision")))->currentText(),
            QStringLiteral("bf16"));
        QCOMPARE(lineEdit(page, "data.dataset")->text(), QStringLiteral("/data/corpus"));
        QCOMPARE(asJson(page.config()), asJson(core::fromJson(j).config));

        // A partial file with a preset: the form shows the resolved config.
        const QString partial =
            QStringLiteral(R"({"preset": "minimind-26m", "optim": {"learning_rate": 0.001}})");
        page.setJsonText(partial);
        const core::ConfigLoadResult expected = core::parseConfigText(partial.toStdString());
        QVERIFY(expected.ok());
        QCOMPARE(asJson(page.config()), asJson(expected.config));
        QCOMPARE(lineEdit(page, "model.hidden_size")->text(), QStringLiteral("512"));
        QCOMPARE(page.jsonText(), partial);  // the user's text stays as typed

        // Typing is read after a pause; an edit in the form then rewrites the view in full.
        auto *view = page.findChild<QPlainTextEdit *>();
        QVERIFY(view);
        json typed = asJson(preset("demo"));
        typed["model"]["n_layers"] = 7;
        view->setPlainText(QString::fromStdString(typed.dump()));
        QVERIFY(test::waitUntil([&] { return page.config().model.nLayers == 7; }, 3000));
        QCOMPARE(lineEdit(page, "model.n_layers")->text(), QStringLiteral("7"));
        type(lineEdit(page, "model.n_layers"), QStringLiteral("8"));
        typed["model"]["n_layers"] = 8;
        QCOMPARE(parsed(page.jsonText()), typed);
    }

    void syntaxErrorShowsLineAndColumnAndKeepsTheForm()
    {
        const core::Workspace ws =
            core::Workspace::open(m_dir.filePath(QStringLiteral("ws-syntax")).toStdString());
        const std::string data = registeredDataset(ws);
        ui::ConfigPage page;
        page.setWorkspace(ws);
        page.setConfig(withDataset(preset("demo"), data));
        QVERIFY(page.startButton()->isEnabled());
        const QString broken = QStringLiteral("{\n  \"model\": {\n    \"n_layers\": 6,,\n  }\n}\n");
        page.setJsonText(broken);
        const core::ConfigLoadResult oracle = core::parseConfigText(broken.toStdString());
        QCOMPARE(oracle.problems.size(), size_t(1));
        const QString message = QString::fromStdString(oracle.problems[0].message);
        QVERIFY(message.contains(QStringLiteral("line 3, column")));
        QVERIFY(!page.problems().isEmpty());
        QCOMPARE(page.problems().first(), message);
        QCOMPARE(page.jsonText(), broken);                                        // the user's text is kept
        QCOMPARE(lineEdit(page, "model.n_layers")->text(), QStringLiteral("4"));  // and so is the form
        QCOMPARE(asJson(page.config()), asJson(withDataset(preset("demo"), data)));
        QVERIFY(!page.startButton()->isEnabled());

        page.setJsonText(QStringLiteral("{\n  \"model\": {\n    \"n_layers\": 6\n  },\n  \"data\": {\"dataset\": \"%1\"}\n}\n")
                             .arg(QString::fromStdString(data)));
        QVERIFY(page.problems().isEmpty());
        QCOMPARE(lineEdit(page, "model.n_layers")->text(), QStringLiteral("6"));
        QVERIFY(page.startButton()->isEnabled());
    }

    void memoryVerdictFollowsTheEstimator()
    {
        ui::ConfigPage page;
        page.setConfig(preset("demo"));
        QCOMPARE(page.budgetGib(), 24.0);
        QVERIFY(page.planFits());
        QVERIFY2(page.memoryText().startsWith(QStringLiteral("Fits")), qPrintable(page.memoryText()));

        // The 1.3B model with micro-batch 16 on an 8 GiB card: red, with the reason.
        core::RunConfig big = preset("gpt-1.3b-24gb");
        big.data.microBatchSize = 16;
        page.setConfig(big);
        page.setBudgetGib(8);
        QCOMPARE(page.config().runtime.memoryBudgetGib, 8.0);
        QCOMPARE(parsed(page.jsonText())["runtime"]["memory_budget_gib"].get<double>(), 8.0);
        QVERIFY(!page.planFits());
        model::MemoryPlan plan;  // by hand, as the CLI's estimate does
        plan.microBatch = 16;
        plan.seqLen = big.data.seqLen;
        plan.precision = model::PlanPrecision::Bf16;
        plan.checkpointEvery = 1;
        const model::MemoryEstimate e = model::estimateTraining(big.model, plan);
        QVERIFY(e.total() > gib(8));
        const QString text = page.memoryText();
        QVERIFY2(text.startsWith(QStringLiteral("Does not fit: needs %1 of 8.0 GiB")
                                     .arg(QString::fromStdString(core::formatBytes(e.total())))),
                 qPrintable(text));
        // fp32 master weights, gradients and AdamW moments alone (16 bytes a parameter) exceed 8 GiB.
        QVERIFY(16.0 * double(big.model.parameterCount()) > gib(8));
        QVERIFY2(text.contains(QStringLiteral("no plan fits")), qPrintable(text));

        // On a 24 GiB card it still does not fit at micro-batch 16, but a plan does; applying it fits and
        // keeps the sequences per optimizer step.
        page.setBudgetGib(24);
        QVERIFY(!page.planFits());
        QVERIFY2(page.memoryText().contains(QStringLiteral("a plan that fits")),
                 qPrintable(page.memoryText()));
        page.applyRecommendedPlan();
        QVERIFY2(page.planFits(), qPrintable(page.memoryText()));
        const core::RunConfig applied = page.config();
        QCOMPARE(applied.data.microBatchSize * applied.optim.gradAccumSteps, int64_t(16 * 64));
        model::MemoryPlan appliedPlan;
        appliedPlan.microBatch = applied.data.microBatchSize;
        appliedPlan.seqLen = applied.data.seqLen;
        appliedPlan.precision = applied.runtime.precision == core::Precision::Bf16
                                    ? model::PlanPrecision::Bf16
                                    : model::PlanPrecision::Fp32;
        appliedPlan.checkpointEvery = applied.runtime.activationCheckpointing;
        QVERIFY(model::estimateTraining(applied.model, appliedPlan).total() <= gib(24));
        QVERIFY(page.problems().isEmpty());

        // A budget that is not among the usual cards (from a file) is offered as it is.
        json j = asJson(preset("demo"));
        j["runtime"]["memory_budget_gib"] = 20;
        page.setJsonText(QString::fromStdString(j.dump()));
        QCOMPARE(page.budgetGib(), 20.0);
    }

    void memoryBreakdownModelIsConsistent()
    {
        ui::ConfigPage page;
        ui::MemoryBreakdownModel *model = page.memoryModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setConfig(preset("minimind-26m"));
        model::MemoryPlan plan;
        plan.microBatch = 32;
        plan.seqLen = 340;
        plan.precision = model::PlanPrecision::Bf16;
        const model::MemoryEstimate e = model::estimateTraining(preset("minimind-26m").model, plan);
        QCOMPARE(model->rowCount(), int(e.lines.size()));
        QCOMPARE(model->columnCount(), int(ui::MemoryBreakdownModel::ColumnCount));
        double sum = 0;
        for (int r = 0; r < model->rowCount(); ++r)
            sum += model->index(r, 0).data(ui::MemoryBreakdownModel::BytesRole).toDouble();
        QCOMPARE(sum, e.total());
        QCOMPARE(model->index(0, ui::MemoryBreakdownModel::PartColumn).data().toString(),
                 QStringLiteral("weights"));
        QVERIFY(model->index(0, ui::MemoryBreakdownModel::PartColumn).data(Qt::DecorationRole).isValid());

        type(lineEdit(page, "model.n_heads"), QStringLiteral("7"));  // no estimate: cleared
        QCOMPARE(model->rowCount(), 0);
        type(lineEdit(page, "model.n_heads"), QStringLiteral("8"));
        QCOMPARE(model->rowCount(), int(e.lines.size()));
    }

    void configFilesRoundTrip()
    {
        ui::ConfigPage page;
        core::RunConfig config = preset("minimind-26m");
        config.optim.learningRate = 3e-4;
        page.setConfig(config);
        const QString path = m_dir.filePath(QStringLiteral("saved.json"));
        QVERIFY(page.saveConfigFile(path));
        const core::ConfigLoadResult fromDisk =
            core::loadConfigFile(path.toStdString());  // core reads it back
        QVERIFY(fromDisk.ok());
        QCOMPARE(asJson(fromDisk.config), asJson(config));

        ui::ConfigPage other;
        QVERIFY(other.openConfigFile(path));
        QCOMPARE(asJson(other.config()), asJson(config));
        QCOMPARE(lineEdit(other, "optim.learning_rate")->text(), QStringLiteral("0.0003"));

        // Errors name the file.
        const QString missing = m_dir.filePath(QStringLiteral("missing.json"));
        QVERIFY(!other.openConfigFile(missing));
        QVERIFY(other.statusText().contains(QDir::toNativeSeparators(missing)));
        const QString brokenPath = m_dir.filePath(QStringLiteral("broken.json"));
        QFile broken(brokenPath);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"model\": {\"n_layers\": }}");
        broken.close();
        QVERIFY(!other.openConfigFile(brokenPath));
        QVERIFY(other.statusText().contains(QDir::toNativeSeparators(brokenPath)));
        QVERIFY(other.statusText().contains(QStringLiteral("line 1, column")));
        QCOMPARE(asJson(other.config()), asJson(config));  // the form kept the last valid config
    }

    void workspaceFoldersAndStartRun()
    {
        const core::Workspace ws =
            core::Workspace::open(m_dir.filePath(QStringLiteral("ws-start")).toStdString());
        const std::string datasetPath = registeredDataset(ws);
        ui::ConfigPage page;
        page.setConfig(preset("demo"));
        QVERIFY(!page.startButton()->isEnabled());  // no workspace
        page.setWorkspace(ws);
        QVERIFY(!page.startButton()->isEnabled());  // no dataset (tst_config_dataset has the details)
        auto *datasets = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("data.dataset")));
        QVERIFY(datasets);
        // Offered by name; choosing it sets its folder.
        QVERIFY(datasets->findText(QStringLiteral("demo-pretrain")) >= 0);
        datasets->setCurrentIndex(datasets->findText(QStringLiteral("demo-pretrain")));
        QCOMPARE(page.config().data.dataset, datasetPath);

        std::optional<core::RunConfig> started;
        connect(&page, &ui::ConfigPage::startRunRequested, this,
                [&](const core::RunConfig &c) { started = c; });
        QVERIFY(page.startButton()->isEnabled());
        page.startButton()->click();
        QVERIFY(started.has_value());
        core::RunConfig expected = preset("demo");
        expected.data.dataset = datasetPath;
        QCOMPARE(asJson(*started), asJson(expected));

        page.setWorkspace(std::nullopt);
        QVERIFY(!page.startButton()->isEnabled());
    }

    void aFineTuningStageTrainsTheBaseCheckpointsModel()
    {
        // The oracle: the checkpoint's own config (a tiny model unlike the demo preset) and the estimator.
        const core::Workspace ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws-lora")).toStdString());
        const std::string base = test::makeTinyCheckpoint(ws, m_dir.filePath(QStringLiteral("tiny")).toStdString());
        {
            core::ExperimentStore store(ws.databasePath());
            store.addCheckpoint(store.createRun("tiny", "pretrain"), 30, base);
        }
        ui::ConfigPage page;
        page.setWorkspace(ws);
        page.setConfig(preset("demo"));
        auto *stage = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("stage.kind")));
        QVERIFY(stage);
        // Only the stages this build trains are offered.
        const auto *items = qobject_cast<QStandardItemModel *>(stage->model());
        QVERIFY(items->item(stage->findText(QStringLiteral("sft")))->isEnabled());
        QVERIFY(!items->item(stage->findText(QStringLiteral("dpo")))->isEnabled());
        QCOMPARE(stage->findText(QStringLiteral("lora")), -1);  // LoRA is a setting of the fine-tuning stages
        stage->setCurrentIndex(stage->findText(QStringLiteral("sft")));
        // The adapter settings wait for stage.lora.enabled.
        QVERIFY(page.fieldEditor(QStringLiteral("stage.lora.enabled"))->isEnabled());
        QVERIFY(!page.fieldEditor(QStringLiteral("stage.lora.rank"))->isEnabled());
        auto *loraOn = qobject_cast<QCheckBox *>(page.fieldEditor(QStringLiteral("stage.lora.enabled")));
        QVERIFY(loraOn);
        loraOn->setChecked(true);
        auto *checkpoints = qobject_cast<QComboBox *>(page.fieldEditor(QStringLiteral("stage.base_checkpoint")));
        // Offered from the workspace's runs, labelled as Chat labels them (run name and step), not as a path.
        const int offered = checkpoints->findData(QDir::cleanPath(QString::fromStdString(base)));
        QVERIFY(offered >= 0);
        QCOMPARE(checkpoints->itemText(offered), QStringLiteral("tiny · step 30"));
        checkpoints->setCurrentIndex(offered);

        const core::RunConfig shown = page.config();
        const model::ModelConfig expected = test::tinyRunConfig().model;
        QCOMPARE(shown.stage.baseCheckpoint, base);
        QCOMPARE(shown.model.hiddenSize, expected.hiddenSize);
        QCOMPARE(shown.model.nLayers, expected.nLayers);
        QCOMPARE(shown.model.maxSeqLen, std::max(expected.maxSeqLen, shown.data.seqLen));  // raised to seq_len
        QVERIFY(!page.fieldEditor(QStringLiteral("model.hidden_size"))->isEnabled());
        // The one model setting a run from a base checkpoint takes: RoPE scaling for a longer context.
        QVERIFY(page.fieldEditor(QStringLiteral("model.rope_scaling.type"))->isEnabled());
        QVERIFY(page.fieldEditor(QStringLiteral("model.rope_scaling.factor"))->isEnabled());
        QVERIFY(page.fieldEditor(QStringLiteral("stage.lora.rank"))->isEnabled());
        QVERIFY(!page.fieldEditor(QStringLiteral("stage.distill.marker_weight"))->isEnabled());
        QVERIFY(!page.fieldEditor(QStringLiteral("stage.fim_rate"))->isEnabled());
        QCOMPARE(page.parameterText(),
                 QString::fromStdString(core::formatCount(double(expected.parameterCount()))) + QStringLiteral(" parameters"));

        // Back to pretraining from scratch: the model section is editable again.
        type(lineEdit(page, "stage.base_checkpoint"), QString());
        stage->setCurrentIndex(stage->findText(QStringLiteral("pretrain")));
        QVERIFY(page.fieldEditor(QStringLiteral("model.hidden_size"))->isEnabled());
        QVERIFY(!page.fieldEditor(QStringLiteral("stage.lora.rank"))->isEnabled());
        QVERIFY(!page.fieldEditor(QStringLiteral("stage.lora.enabled"))->isEnabled());
        QVERIFY(page.fieldEditor(QStringLiteral("stage.fim_rate"))->isEnabled());
    }

private:
    // The demo corpus prepared once (outside the workspaces), registered in `ws`'s store: a dataset a run can
    // start on. Returns its folder.
    std::string registeredDataset(const core::Workspace &ws)
    {
        if (!m_pretrain) m_pretrain = test::prepareDemoPretrain(m_dir.filePath(QStringLiteral("demo-pretrain")).toStdString());
        core::data::recordDataset(ws.databasePath(), *m_pretrain, test::demoTokenizerDir());
        return m_pretrain->dir;
    }

    QTemporaryDir m_dir;
    std::optional<core::data::PrepareResult> m_pretrain;
};

QTEST_MAIN(TestConfigPage)
#include "tst_config_page.moc"
