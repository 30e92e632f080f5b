// Configure page (see config_page.h).
#include "ui/configure/config_page.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/config/presets.h"
#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace_paths.h"
#include "core/util/text_util.h"
#include "core/train/training_run.h"
#include "core/util/translate.h"
#include "ui/common/checkpoint_choices.h"
#include "ui/configure/config_estimate.h"
#include "ui/configure/config_form.h"
#include "ui/configure/memory_bar.h"
#include "ui/configure/memory_breakdown_model.h"

namespace danka::ui {

using nlohmann::json;

namespace {

const QColor kProblemColor(0xc6, 0x28, 0x28);
const QColor kFitColor(0x2e, 0x7d, 0x32);
constexpr int kJsonPauseMs = 400;  // typing in the JSON view is read after this pause
constexpr qint64 kMaxConfigFileBytes = 16 << 20;
const double kBudgetChoicesGib[] = {8, 12, 16, 24, 48, 80};

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QString bytesText(double bytes)
{
    return qs(core::formatBytes(bytes));
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText,
               color.isValid() ? color : label->parentWidget()->palette().color(QPalette::WindowText));
    label->setPalette(p);
}

// Problems in these keys make the estimator's input meaningless (or the parameter count undefined).
bool affectsEstimate(const std::string &path)
{
    // "" and the sections themselves: the document or a whole section could not be read.
    static const std::set<std::string> keys = {"model",
                                               "data",
                                               "runtime",
                                               "preset",
                                               "data.seq_len",
                                               "data.micro_batch_size",
                                               "runtime.device",
                                               "runtime.precision",
                                               "runtime.activation_checkpointing",
                                               "runtime.memory_budget_gib",
                                               "runtime.offload_optimizer",
                                               "stage.base_checkpoint",
                                               "stage.distill.teacher_checkpoint",
                                               ""};
    if (path.rfind("model.", 0) == 0) return true;
    return keys.count(path) > 0;
}

core::Precision precisionOf(model::PlanPrecision p)
{
    switch (p) {
        case model::PlanPrecision::Fp32:
            return core::Precision::Fp32;
        case model::PlanPrecision::Bf16:
            return core::Precision::Bf16;
        case model::PlanPrecision::Fp16:
            return core::Precision::Fp16;
    }
    return core::Precision::Fp32;
}

QString planText(const model::MemoryPlan &plan)
{
    QStringList parts;
    parts << QString::fromLatin1(model::planPrecisionName(plan.precision));
    parts << ConfigPage::tr("micro-batch %1").arg(plan.microBatch);
    if (plan.checkpointEvery == 0)
        parts << ConfigPage::tr("no activation checkpointing");
    else if (plan.checkpointEvery == 1)
        parts << ConfigPage::tr("activation checkpointing every block");
    else
        parts << ConfigPage::tr("activation checkpointing every %1 blocks").arg(plan.checkpointEvery);
    if (plan.optimizerOnCpu) parts << ConfigPage::tr("AdamW moments in CPU memory");
    return parts.join(QStringLiteral(", "));
}

}  // namespace

ConfigPage::ConfigPage(QWidget *parent)
    : QWidget(parent),
      m_form(new ConfigForm(this)),
      m_json(new QPlainTextEdit(this)),
      m_jsonStatus(new QLabel(this)),
      m_jsonTimer(new QTimer(this)),
      m_presets(new QComboBox(this)),
      m_startButton(new QPushButton(tr("Start Run"), this)),
      m_notice(new QLabel(this)),
      m_problemsLabel(new QLabel(this)),
      m_parameters(new QLabel(this)),
      m_budget(new QComboBox(this)),
      m_memoryModel(new MemoryBreakdownModel(this)),
      m_memoryBar(new MemoryBar(this)),
      m_memoryLabel(new QLabel(this)),
      m_deviceNote(new QLabel(this)),
      m_applyPlan(new QPushButton(tr("Use This Plan"), this)),
      m_breakdown(new QTableView(this))
{
    // --- top bar: presets, files, start
    m_presets->setPlaceholderText(tr("Load a preset..."));
    for (const core::Preset &p : core::presets()) {
        m_presets->addItem(qs(p.name));
        m_presets->setItemData(m_presets->count() - 1, qs(core::presetDescription(p)), Qt::ToolTipRole);
    }
    m_presets->setCurrentIndex(-1);
    m_presets->setToolTip(tr("Start from a built-in config"));
    connect(m_presets, &QComboBox::activated, this, [this](int i) {
        loadPreset(m_presets->itemText(i));
        m_presets->setCurrentIndex(-1);  // the placeholder again: the same preset can be loaded twice
    });
    auto *openButton = new QPushButton(tr("&Open..."), this);
    openButton->setToolTip(tr("Open a JSON config file"));
    connect(openButton, &QPushButton::clicked, this, &ConfigPage::openConfigDialog);
    auto *saveButton = new QPushButton(tr("&Save As..."), this);
    saveButton->setToolTip(tr("Save the JSON view to a file"));
    connect(saveButton, &QPushButton::clicked, this, &ConfigPage::saveConfigDialog);
    QFont bold = m_startButton->font();
    bold.setBold(true);
    m_startButton->setFont(bold);
    connect(m_startButton, &QPushButton::clicked, this, &ConfigPage::startRun);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Preset:"), this));
    bar->addWidget(m_presets);
    bar->addWidget(openButton);
    bar->addWidget(saveButton);
    bar->addStretch(1);
    bar->addWidget(m_startButton);

    for (QLabel *label : {m_notice, m_problemsLabel}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::PlainText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->hide();
    }
    setTextColor(m_problemsLabel, kProblemColor);

    // --- form | JSON
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_json->setTabStopDistance(m_json->fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 2);
    m_jsonTimer->setSingleShot(true);
    m_jsonTimer->setInterval(kJsonPauseMs);
    connect(m_jsonTimer, &QTimer::timeout, this, &ConfigPage::readJsonText);
    connect(m_json, &QPlainTextEdit::textChanged, this, &ConfigPage::jsonEdited);
    m_jsonStatus->setWordWrap(true);
    m_jsonStatus->setTextFormat(Qt::PlainText);
    m_jsonStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *jsonPane = new QWidget(this);
    auto *jsonLayout = new QVBoxLayout(jsonPane);
    jsonLayout->setContentsMargins(0, 0, 0, 0);
    jsonLayout->addWidget(new QLabel(tr("JSON"), jsonPane));
    jsonLayout->addWidget(m_json, 1);
    jsonLayout->addWidget(m_jsonStatus);

    connect(m_form, &ConfigForm::edited, this, &ConfigPage::formEdited);

    // --- estimate: parameters, budget, memory bar, verdict, breakdown
    for (double gib : kBudgetChoicesGib)
        m_budget->addItem(tr("%1 GiB").arg(gib), gib);
    m_budget->setToolTip(tr("GPU memory the plan must fit (runtime.memory_budget_gib)"));
    connect(m_budget, &QComboBox::activated, this,
            [this](int i) { setBudgetGib(m_budget->itemData(i).toDouble()); });
    QFont big = m_parameters->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_parameters->setFont(big);
    m_memoryBar->setModel(m_memoryModel);
    m_memoryLabel->setWordWrap(true);
    m_memoryLabel->setTextFormat(Qt::PlainText);
    m_memoryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_deviceNote->setWordWrap(true);
    m_deviceNote->setForegroundRole(QPalette::PlaceholderText);
    m_deviceNote->hide();
    m_applyPlan->setToolTip(
        tr("Set the suggested micro-batch, precision and activation checkpointing, and scale "
           "gradient accumulation to keep the tokens per step"));
    m_applyPlan->hide();
    connect(m_applyPlan, &QPushButton::clicked, this, &ConfigPage::applyRecommendedPlan);

    m_breakdown->setModel(m_memoryModel);
    m_breakdown->verticalHeader()->hide();
    m_breakdown->setShowGrid(false);
    m_breakdown->setSelectionMode(QAbstractItemView::NoSelection);
    m_breakdown->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_breakdown->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_breakdown->horizontalHeader()->setStretchLastSection(true);
    m_breakdown->verticalHeader()->setDefaultSectionSize(m_breakdown->fontMetrics().height() + 4);
    m_breakdown->setMaximumHeight((m_breakdown->fontMetrics().height() + 4) * 8 + 6);

    auto *budgetRow = new QHBoxLayout;
    budgetRow->addWidget(m_parameters);
    budgetRow->addStretch(1);
    budgetRow->addWidget(new QLabel(tr("GPU budget:"), this));
    budgetRow->addWidget(m_budget);
    auto *verdict = new QHBoxLayout;
    verdict->addWidget(m_memoryLabel, 1);
    verdict->addWidget(m_applyPlan, 0, Qt::AlignTop);
    auto *estimateBox = new QGroupBox(tr("Size and memory"), this);
    auto *estimateLayout = new QVBoxLayout(estimateBox);
    estimateLayout->addLayout(budgetRow);
    estimateLayout->addWidget(m_memoryBar);
    estimateLayout->addLayout(verdict);
    estimateLayout->addWidget(m_deviceNote);
    estimateLayout->addWidget(m_breakdown, 1);

    // The form takes the whole height of the left column, so that a small window still shows many of its
    // rows; the notices sit under it, where appearing moves no field. The JSON view and the estimate share
    // the right column (a splitter each way).
    auto *formColumn = new QWidget(this);
    auto *formLayout = new QVBoxLayout(formColumn);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addWidget(m_form, 1);
    formLayout->addWidget(m_notice);
    formLayout->addWidget(m_problemsLabel);
    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(jsonPane);
    right->addWidget(estimateBox);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    right->setChildrenCollapsible(false);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(formColumn);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    setConfig(core::RunConfig());
}

ConfigPage::~ConfigPage() = default;

// --- workspace ---------------------------------------------------------------------------------------------

void ConfigPage::setWorkspace(const std::optional<core::Workspace> &ws)
{
    m_workspace = ws;
    refreshWorkspaceFolders();
    updateStartButton();
}

void ConfigPage::showEvent(QShowEvent *event)
{
    refreshWorkspaceFolders();  // datasets prepared or checkpoints written since the page was last shown
    QWidget::showEvent(event);
}

void ConfigPage::refreshWorkspaceFolders()
{
    QStringList checkpoints, checkpointLabels;
    QString runsDir;
    m_datasets.clear();
    if (m_workspace) {
        runsDir = qs(m_workspace->runsDir());
        try {
            const core::ExperimentStore store(m_workspace->databasePath());
            m_datasets = store.datasets();
            // Labelled as Chat labels them: "demo · step 400".
            for (const CheckpointChoice &c : CheckpointChoices::list(store)) {
                checkpoints << c.path;
                checkpointLabels << c.label;
            }
        } catch (const std::exception &e) {
            setNotice(tr("Cannot list the workspace's datasets and checkpoints: %1").arg(qs(e.what())), true);
        }
    }
    m_datasetKind.reset();
    updateDatasetChoices();
    m_form->setFolderChoices(QStringLiteral("stage.base_checkpoint"), checkpoints, runsDir, checkpointLabels);
    // The datasets on offer may have changed what is wrong with the chosen one (a JSON view that does not
    // parse keeps its message until it does).
    if (m_syntaxError.isEmpty()) analyse(m_form->values());
}

// --- config in, config out ---------------------------------------------------------------------------------

void ConfigPage::setConfig(const core::RunConfig &config)
{
    const json values = core::toJson(config);
    m_form->setValues(values, values);
    setNotice(QString(), false);  // a preset's or file's notice no longer describes the form
    formEdited();
}

core::RunConfig ConfigPage::config() const
{
    return m_result.config;
}

QString ConfigPage::jsonText() const
{
    return m_json->toPlainText();
}

void ConfigPage::setJsonText(const QString &text)
{
    m_json->setPlainText(text);  // textChanged arms the pause timer; read now instead
    readJsonText();
}

QStringList ConfigPage::problems() const
{
    QStringList list;
    if (!m_syntaxError.isEmpty()) list << m_syntaxError;
    for (const core::ConfigProblem &p : m_result.problems)
        list << qs(p.toString());
    return list;
}

QString ConfigPage::fieldMessage(const QString &path) const
{
    return m_form->message(path);
}

QWidget *ConfigPage::fieldEditor(const QString &path) const
{
    return m_form->editor(path);
}

QString ConfigPage::statusText() const
{
    QStringList parts;
    if (m_notice->isVisibleTo(this)) parts << m_notice->text();
    if (m_problemsLabel->isVisibleTo(this)) parts << m_problemsLabel->text();
    return parts.join(QLatin1Char('\n'));
}

// The form changed: it is the source; the JSON view is rewritten from it.
void ConfigPage::formEdited()
{
    nlohmann::ordered_json values = m_form->values();
    followBaseCheckpoint(values);
    analyse(values);
    writeJsonText(qs(values.dump(2, ' ', false, json::error_handler_t::replace)) + QLatin1Char('\n'));
}

void ConfigPage::followBaseCheckpoint(nlohmann::ordered_json &values)
{
    // A run from a base checkpoint trains that checkpoint's model (the context raised to data.seq_len for
    // long-context continuation): the model section shows it, read-only, so that the estimate is of it.
    bool fromCheckpoint = false;
    model::ModelConfig m;
    try {
        m = core::trainedModelOf(core::fromJson(values).config, &fromCheckpoint);
    } catch (const core::Error &) {
        fromCheckpoint = false;  // validation names the unreadable checkpoint beside its field
    }
    if (fromCheckpoint) {
        core::RunConfig wrapper;
        wrapper.model = m;
        values["model"] = core::toJson(wrapper)["model"];
        m_form->setValues(values, values);
    }
    m_form->setModelFromCheckpoint(fromCheckpoint);
}

void ConfigPage::jsonEdited()
{
    if (m_writingJson) return;
    m_jsonTimer->start();
}

// The JSON view changed: when it parses, the form follows it; a syntax error leaves the form as it was.
void ConfigPage::readJsonText()
{
    m_jsonTimer->stop();
    const std::string text = m_json->toPlainText().toStdString();
    json parsed;
    try {
        parsed = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::exception &) {
        // core words the error with line and column of the offending character.
        const core::ConfigLoadResult r = core::parseConfigText(text);
        m_syntaxError = r.problems.empty() ? tr("invalid JSON") : qs(r.problems.front().message);
        QList<QTextEdit::ExtraSelection> marks;
        // The message is core's "invalid JSON at line %1, column %2: %3" in the interface language, whose
        // word order may differ: the pattern is that template, and the placeholders say which number is which.
        const QString form = qs(core::translate("danka::core", "invalid JSON at line %1, column %2: %3"));
        QString pattern = QRegularExpression::escape(form);
        pattern.replace(QStringLiteral("\\%1"), QStringLiteral("(\\d+)"))
            .replace(QStringLiteral("\\%2"), QStringLiteral("(\\d+)"))
            .replace(QStringLiteral("\\%3"), QStringLiteral(".*"));
        const bool lineFirst = form.indexOf(QStringLiteral("%1")) < form.indexOf(QStringLiteral("%2"));
        const QRegularExpressionMatch at = QRegularExpression(pattern).match(m_syntaxError);
        if (at.hasMatch()) {
            const int line = at.captured(lineFirst ? 1 : 2).toInt(), column = at.captured(lineFirst ? 2 : 1).toInt();
            const QTextBlock block = m_json->document()->findBlockByNumber(line - 1);
            if (block.isValid()) {
                QTextEdit::ExtraSelection mark;
                mark.cursor = QTextCursor(block);
                mark.cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor,
                                         std::min(column - 1, block.length() - 1));
                mark.cursor.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor);
                mark.format.setBackground(kProblemColor.lighter(170));
                mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
                mark.format.setUnderlineColor(kProblemColor);
                marks << mark;
            }
        }
        m_json->setExtraSelections(marks);
        updateStatus();
        updateStartButton();
        return;
    }
    m_json->setExtraSelections({});
    analyse(parsed);
    m_form->setValues(core::toJson(m_result.config), parsed);
}

void ConfigPage::analyse(const json &values)
{
    m_result = core::fromJson(values);
    // Without a workspace no run can start anyway (the Start button says so); the datasets on offer are a
    // workspace's.
    if (m_workspace)
        for (core::ConfigProblem &p : datasetProblems(m_result.config, m_datasets))
            m_result.problems.push_back(std::move(p));
    updateDatasetChoices();  // the stage may have changed
    m_syntaxError.clear();
    m_unplaced = m_form->setProblems(m_result.problems);
    updateStatus();
    updateBudgetChoice();
    updateEstimate();
    updateStartButton();
}

void ConfigPage::writeJsonText(const QString &text)
{
    m_jsonTimer->stop();
    const int scroll = m_json->verticalScrollBar()->value();
    m_writingJson = true;
    m_json->setPlainText(text);
    m_writingJson = false;
    m_json->setExtraSelections({});
    m_json->verticalScrollBar()->setValue(scroll);
}

void ConfigPage::updateStatus()
{
    QStringList lines;
    if (!m_syntaxError.isEmpty())
        lines << tr("The JSON view does not parse; the form keeps the last valid config.");
    const int count = static_cast<int>(m_result.problems.size());
    if (count > 0) lines << tr("Problems in the config: %1. Each is shown next to its field.").arg(count);
    for (const core::ConfigProblem &p : m_unplaced)
        lines << qs(p.toString());
    m_problemsLabel->setText(lines.join(QLatin1Char('\n')));
    m_problemsLabel->setVisible(!lines.isEmpty());

    if (!m_syntaxError.isEmpty()) {
        m_jsonStatus->setText(m_syntaxError);
        setTextColor(m_jsonStatus, kProblemColor);
    } else {
        m_jsonStatus->setText(tr("In sync with the form. Edits here are read after a short pause."));
        setTextColor(m_jsonStatus, QColor());
    }
}

void ConfigPage::updateStartButton()
{
    const bool valid = m_syntaxError.isEmpty() && m_result.ok();
    m_startButton->setEnabled(m_workspace.has_value() && valid);
    if (!m_workspace)
        m_startButton->setToolTip(tr("Open a workspace to start a run"));
    else if (!valid)
        m_startButton->setToolTip(tr("Fix the problems in the config first"));
    else
        m_startButton->setToolTip(tr("Start a training run with this config"));
}

void ConfigPage::startRun()
{
    if (m_jsonTimer->isActive()) readJsonText();  // typed JSON not read yet
    if (!m_startButton->isEnabled()) return;
    Q_EMIT startRunRequested(m_result.config);
}

// --- presets and files -------------------------------------------------------------------------------------

bool ConfigPage::loadPreset(const QString &name)
{
    const core::Preset *preset = core::findPreset(name.toStdString());
    if (!preset) {
        setNotice(tr("Unknown preset %1").arg(name), true);
        return false;
    }
    setConfig(preset->config);
    setNotice(tr("Preset %1: %2").arg(name, qs(core::presetDescription(*preset))), false);
    return true;
}

bool ConfigPage::openConfigFile(const QString &path)
{
    const QString shown = QDir::toNativeSeparators(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setNotice(tr("Cannot open %1: %2").arg(shown, file.errorString()), true);
        return false;
    }
    if (file.size() > kMaxConfigFileBytes) {
        setNotice(tr("%1 is too large for a config file (%2)").arg(shown, bytesText(double(file.size()))),
                  true);
        return false;
    }
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        setNotice(tr("Cannot read %1: %2").arg(shown, file.errorString()), true);
        return false;
    }
    setJsonText(QString::fromUtf8(bytes));
    if (!m_syntaxError.isEmpty()) {
        setNotice(tr("%1: %2").arg(shown, m_syntaxError), true);
        return false;
    }
    if (m_result.ok())
        setNotice(tr("Opened %1").arg(shown), false);
    else
        setNotice(tr("Opened %1; it has problems, shown next to their fields").arg(shown), true);
    return true;
}

bool ConfigPage::saveConfigFile(const QString &path)
{
    const QString shown = QDir::toNativeSeparators(path);
    QString text = jsonText();
    if (!text.endsWith(QLatin1Char('\n'))) text += QLatin1Char('\n');
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        setNotice(tr("Cannot save %1: %2").arg(shown, file.errorString()), true);
        return false;
    }
    setNotice(tr("Saved %1").arg(shown), false);
    return true;
}

void ConfigPage::openConfigDialog()
{
    const QString start = m_workspace ? qs(m_workspace->path()) : QDir::homePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Config"), start,
                                                      tr("JSON configs (*.json);;All files (*)"));
    if (!path.isEmpty()) openConfigFile(path);
}

void ConfigPage::saveConfigDialog()
{
    const QString dir = m_workspace ? qs(m_workspace->path()) : QDir::homePath();
    const QString name = m_result.config.name.empty() ? QStringLiteral("config") : qs(m_result.config.name);
    QString path = QFileDialog::getSaveFileName(this, tr("Save Config"),
                                                QDir(dir).filePath(name + QStringLiteral(".json")),
                                                tr("JSON configs (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
    saveConfigFile(path);
}

void ConfigPage::setNotice(const QString &text, bool error)
{
    m_notice->setText(text);
    setTextColor(m_notice, error ? kProblemColor : QColor());
    m_notice->setVisible(!text.isEmpty());
}

// --- size and memory ---------------------------------------------------------------------------------------

double ConfigPage::budgetGib() const
{
    return m_budget->currentData().toDouble();
}

void ConfigPage::setBudgetGib(double gib)
{
    m_form->setValue(QStringLiteral("runtime.memory_budget_gib"), gib);
    formEdited();
}

void ConfigPage::updateBudgetChoice()
{
    const double gib = m_result.config.runtime.memoryBudgetGib;
    if (!(gib > 0) || !std::isfinite(gib)) return;
    int index = -1, insertAt = m_budget->count();
    for (int i = 0; i < m_budget->count(); ++i) {
        const double item = m_budget->itemData(i).toDouble();
        if (std::fabs(item - gib) < 1e-9) index = i;
        if (item > gib && insertAt == m_budget->count()) insertAt = i;
    }
    if (index < 0) {  // a budget from a file or the form that is not among the usual cards
        m_budget->insertItem(insertAt, tr("%1 GiB").arg(qs(core::formatNumber(gib))), gib);
        index = insertAt;
    }
    m_budget->setCurrentIndex(index);  // activated() is for user choices only
}

QString ConfigPage::memoryText() const
{
    return m_memoryText;
}

QString ConfigPage::parameterText() const
{
    return m_parameters->text();
}

void ConfigPage::showNoEstimate(const QString &why)
{
    m_fits = false;
    m_parameters->setText(tr("? parameters"));
    m_parameters->setToolTip(QString());
    m_memoryModel->clear();
    m_memoryBar->setBudget(0, false);
    m_memoryText = why;
    m_memoryLabel->setText(m_memoryText);
    setTextColor(m_memoryLabel, QColor());
    m_applyPlan->hide();
}

void ConfigPage::updateEstimate()
{
    const core::RunConfig &config = m_result.config;
    m_recommended.reset();
    m_deviceNote->setVisible(config.runtime.device == core::Device::Cpu);
    m_deviceNote->setText(
        tr("runtime.device is cpu: the estimate is of main memory (no CUDA context), checked "
           "against the same budget."));

    const bool blocked = std::any_of(m_result.problems.begin(), m_result.problems.end(),
                                     [](const core::ConfigProblem &p) { return affectsEstimate(p.path); });
    if (blocked) {
        showNoEstimate(tr("No estimate until the model, sequence, batch and runtime fields are valid."));
        return;
    }

    ConfigEstimate e;
    try {
        e = estimateConfig(config, config.runtime.memoryBudgetGib);
    } catch (const core::Error &error) {  // a checkpoint the estimate needs cannot be read
        showNoEstimate(tr("No estimate: %1").arg(qs(error.what())));
        return;
    }
    m_parameters->setText(tr("%1 parameters").arg(qs(core::formatCount(double(e.estimate.parameters)))));
    m_parameters->setToolTip(
        tr("%1 trainable parameters").arg(QLocale().toString(qlonglong(e.estimate.parameters))));
    m_memoryModel->setLines(e.estimate.lines);
    m_memoryBar->setBudget(e.budgetBytes, e.fits);
    m_fits = e.fits;
    const double total = e.estimate.total();
    if (e.fits) {
        m_memoryText = tr("Fits: needs %1 of %2 (%3 to spare) with %4")
                           .arg(bytesText(total), bytesText(e.budgetBytes), bytesText(e.budgetBytes - total),
                                planText(e.plan));
    } else {
        const auto largest = std::max_element(e.estimate.lines.begin(), e.estimate.lines.end(),
                                              [](const auto &a, const auto &b) { return a.bytes < b.bytes; });
        m_memoryText = tr("Does not fit: needs %1 of %2").arg(bytesText(total), bytesText(e.budgetBytes));
        if (largest != e.estimate.lines.end())
            m_memoryText +=
                tr(": %1 %2").arg(MemoryBreakdownModel::partName(largest->name), bytesText(largest->bytes));
        if (e.recommended) {
            m_memoryText += tr("; a plan that fits: %1 (%2)")
                                .arg(planText(*e.recommended), bytesText(e.recommendedEstimate->total()));
            core::RunConfig planned = config;
            const int64_t sequencesPerStep = config.data.microBatchSize * config.optim.gradAccumSteps;
            planned.data.microBatchSize = e.recommended->microBatch;
            planned.runtime.precision = precisionOf(e.recommended->precision);
            planned.runtime.activationCheckpointing = e.recommended->checkpointEvery;
            planned.runtime.offloadOptimizer = e.recommended->optimizerOnCpu;
            if (sequencesPerStep % e.recommended->microBatch == 0)
                planned.optim.gradAccumSteps =
                    std::max<int64_t>(1, sequencesPerStep / e.recommended->microBatch);
            m_recommended = planned;
        } else {
            m_memoryText += tr("; no plan fits: use a smaller model, a shorter sequence or a larger card");
        }
    }
    m_memoryLabel->setText(m_memoryText);
    setTextColor(m_memoryLabel, e.fits ? kFitColor : kProblemColor);
    m_applyPlan->setVisible(m_recommended.has_value());
}

void ConfigPage::applyRecommendedPlan()
{
    if (!m_recommended) return;
    const json planned = core::toJson(*m_recommended);
    for (const char *path : {"data.micro_batch_size", "optim.grad_accum_steps", "runtime.precision",
                             "runtime.activation_checkpointing", "runtime.offload_optimizer"}) {
        const json *v = &planned;
        for (const QString &part : QString::fromLatin1(path).split(QLatin1Char('.')))
            v = &v->at(part.toStdString());
        m_form->setValue(QString::fromLatin1(path), *v);
    }
    formEdited();
}

// --- the dataset field ---------------------------------------------------------------------------------------

namespace {

// The kind of prepared dataset a stage trains on (dataset.json's "kind", from the stage table); empty for
// stages this build does not train.
QString datasetKindOf(const std::string &stage)
{
    const core::StageSpec *spec = core::findStage(stage);
    return spec && spec->available ? QString::fromStdString(spec->datasetKind) : QString();
}

}  // namespace

void ConfigPage::updateDatasetChoices()
{
    const QString kind = datasetKindOf(m_result.config.stage.kind);
    if (m_datasetKind == kind) return;
    m_datasetKind = kind;
    // By name, newest first; a name two datasets share gets the folder in the workspace after it.
    QStringList folders, labels;
    std::vector<const core::DatasetRecord *> shown;
    for (const core::DatasetRecord &d : m_datasets)
        if (kind.isEmpty() || qs(d.kind) == kind) shown.push_back(&d);
    for (const core::DatasetRecord *d : shown) {
        const bool shared = std::count_if(shown.begin(), shown.end(),
                                          [&](const core::DatasetRecord *o) { return o->name == d->name; }) > 1;
        QString label = qs(d->name.empty() ? std::filesystem::path(d->path).filename().string() : d->name);
        if (shared && m_workspace)
            label = tr("%1 (%2)").arg(label, QDir::toNativeSeparators(qs(core::storedPath(d->path, m_workspace->path()))));
        folders << qs(d->path);
        labels << label;
    }
    const QString datasetsDir = m_workspace ? qs(m_workspace->datasetsDir()) : QString();
    m_form->setFolderChoices(QStringLiteral("data.dataset"), folders, datasetsDir, labels);
    m_form->setFolderChoices(QStringLiteral("data.val_dataset"), folders, datasetsDir, labels);
}

std::vector<core::ConfigProblem> ConfigPage::datasetProblems(const core::RunConfig &config,
                                                            const std::vector<core::DatasetRecord> &datasets)
{
    std::vector<core::ConfigProblem> out;
    const QString kind = datasetKindOf(config.stage.kind);
    if (kind.isEmpty()) return out;
    const auto offered = std::count_if(datasets.begin(), datasets.end(),
                                       [&](const core::DatasetRecord &d) { return qs(d.kind) == kind; });
    auto check = [&](const char *key, const std::string &folder, bool required) {
        if (folder.empty()) {
            if (!required) return;
            out.push_back({key, (offered > 0 ? tr("Choose the dataset to train on: this workspace's prepared %1 "
                                                  "datasets are in the list.")
                                                   .arg(kind)
                                             : tr("Choose the dataset to train on. This workspace has no prepared "
                                                  "%1 dataset yet: prepare one on the Data page.")
                                                   .arg(kind))
                                     .toStdString()});
            return;
        }
        const std::string path = core::cleanAbsolutePath(folder);
        QString found;
        for (const core::DatasetRecord &d : datasets)
            if (core::cleanAbsolutePath(d.path) == path) found = qs(d.kind);
        const QString shown = QDir::toNativeSeparators(qs(folder));
        std::error_code ec;
        if (!std::filesystem::is_directory(path, ec)) {
            out.push_back({key, tr("The folder %1 does not exist.").arg(shown).toStdString()});
            return;
        }
        if (!std::filesystem::exists(std::filesystem::path(path) / "dataset.json", ec)) {
            out.push_back({key, tr("%1 is not a prepared dataset (it has no dataset.json): prepare it on the Data "
                                   "page.")
                                    .arg(shown)
                                    .toStdString()});
            return;
        }
        if (found.isEmpty()) {  // a folder the store does not know: its own dataset.json says what it holds
            std::ifstream in(std::filesystem::path(path) / "dataset.json");
            const json info = json::parse(in, nullptr, false);
            if (info.is_object() && info.contains("kind") && info["kind"].is_string())
                found = qs(info["kind"].get<std::string>());
        }
        if (!found.isEmpty() && found != kind)
            out.push_back({key, tr("%1 holds %2 data; the %3 stage trains on %4 data.")
                                    .arg(shown, found, qs(config.stage.kind), kind)
                                    .toStdString()});
    };
    check("data.dataset", config.data.dataset, true);
    check("data.val_dataset", config.data.valDataset, false);
    return out;
}

}  // namespace danka::ui
