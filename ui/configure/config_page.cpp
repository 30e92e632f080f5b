// Configure page (see config_page.h).
#include "ui/configure/config_page.h"

#include "ui/configure/label_text.h"

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
#include "core/config/dataset_fit.h"
#include "ui/common/checkpoint_choices.h"
#include "ui/common/workspace_session.h"
#include "ui/configure/config_estimate.h"
#include "ui/configure/config_form.h"
#include "ui/configure/estimate_pane.h"
#include "ui/configure/memory_bar.h"
#include "ui/configure/memory_breakdown_model.h"

namespace danka::ui {

using nlohmann::json;

namespace {

const QColor kProblemColor(0xc6, 0x28, 0x28);
constexpr int kJsonPauseMs = 400;  // typing in the JSON view is read after this pause
constexpr qint64 kMaxConfigFileBytes = 16 << 20;

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

}  // namespace

ConfigPage::ConfigPage(QWidget *parent) : ConfigPage(nullptr, parent) {}

ConfigPage::ConfigPage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_form(new ConfigForm(this)),
      m_json(new QPlainTextEdit(this)),
      m_jsonStatus(new QLabel(this)),
      m_jsonTimer(new QTimer(this)),
      m_presets(new QComboBox(this)),
      m_startButton(new QPushButton(tr("Start Run"), this)),
      m_notice(new QLabel(this)),
      m_problemsLabel(new QLabel(this)),
      m_estimate(new EstimatePane(this))
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
    connect(m_estimate, &EstimatePane::budgetChosen, this, &ConfigPage::setBudgetGib);
    connect(m_estimate, &EstimatePane::applyPlanRequested, this, &ConfigPage::applyRecommendedPlan);

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
    right->addWidget(m_estimate);
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

    // The workspace's datasets and checkpoints are the session's, as they change.
    connect(m_session, &WorkspaceSession::workspaceChanged, this, [this] {
        refreshWorkspaceFolders();
        updateStartButton();
    });
    connect(m_session, &WorkspaceSession::datasetsChanged, this, &ConfigPage::refreshWorkspaceFolders);
    connect(m_session, &WorkspaceSession::checkpointsChanged, this, &ConfigPage::refreshWorkspaceFolders);
    setConfig(core::RunConfig());
    if (m_session->workspace()) refreshWorkspaceFolders();  // a session opened before the page was made
}

ConfigPage::~ConfigPage() = default;

// --- workspace ---------------------------------------------------------------------------------------------

void ConfigPage::setWorkspace(const std::optional<core::Workspace> &ws)
{
    try {
        m_session->open(ws);  // the folders and the Start button follow its signals
    } catch (const core::Error &e) {
        setNotice(tr("Cannot list the workspace's datasets and checkpoints: %1").arg(qs(e.what())), true);
    }
}

void ConfigPage::refreshWorkspaceFolders()
{
    QStringList checkpoints, checkpointLabels;
    // Labelled as Chat labels them: "demo · step 400".
    for (const CheckpointChoice &c : CheckpointChoices::list(*m_session)) {
        checkpoints << c.path;
        checkpointLabels << c.label;
    }
    const QString runsDir = m_session->workspace() ? qs(m_session->workspace()->runsDir()) : QString();
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
    if (m_session->workspace())
        for (core::ConfigProblem &p : core::datasetProblems(m_result.config, m_session->datasets()))
            m_result.problems.push_back(std::move(p));
    updateDatasetChoices();  // the stage may have changed
    m_syntaxError.clear();
    m_unplaced = m_form->setProblems(m_result.problems);
    updateStatus();
    m_estimate->showBudget(m_result.config.runtime.memoryBudgetGib);
    const bool blocked = std::any_of(m_result.problems.begin(), m_result.problems.end(),
                                     [](const core::ConfigProblem &p) { return affectsEstimate(p.path); });
    m_estimate->showEstimate(m_result.config, blocked);
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
    m_startButton->setEnabled(m_session->workspace().has_value() && valid);
    if (!m_session->workspace())
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
    const QString start = m_session->workspace() ? qs(m_session->workspace()->path()) : QDir::homePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Config"), start,
                                                      tr("JSON configs (*.json);;All files (*)"));
    if (!path.isEmpty()) openConfigFile(path);
}

void ConfigPage::saveConfigDialog()
{
    const QString dir = m_session->workspace() ? qs(m_session->workspace()->path()) : QDir::homePath();
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

// --- size and memory (estimate_pane.h) ----------------------------------------------------------------------

double ConfigPage::budgetGib() const
{
    return m_estimate->budgetGib();
}

void ConfigPage::setBudgetGib(double gib)
{
    m_form->setValue(QStringLiteral("runtime.memory_budget_gib"), gib);
    formEdited();
}

bool ConfigPage::planFits() const
{
    return m_estimate->fits();
}

QString ConfigPage::memoryText() const
{
    return m_estimate->memoryText();
}

QString ConfigPage::parameterText() const
{
    return m_estimate->parameterText();
}

MemoryBreakdownModel *ConfigPage::memoryModel() const
{
    return m_estimate->model();
}

void ConfigPage::applyRecommendedPlan()
{
    if (!m_estimate->recommended()) return;
    const json planned = core::toJson(*m_estimate->recommended());
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

void ConfigPage::updateDatasetChoices()
{
    // The datasets the stage reads (core: the stage table says which kind); every one for a stage it cannot
    // train (validation says why).
    const QString kind = qs(core::stageDatasetKind(m_result.config.stage.kind));
    if (m_datasetKind == kind) return;
    m_datasetKind = kind;
    // By name, newest first; a name two datasets share gets the folder in the workspace after it.
    const std::vector<core::DatasetRecord> shown =
        core::datasetsForStage(m_result.config.stage.kind, m_session->datasets());
    const std::optional<core::Workspace> &ws = m_session->workspace();
    QStringList folders, labels;
    for (const core::DatasetRecord &d : shown) {
        const bool shared = std::count_if(shown.begin(), shown.end(),
                                          [&](const core::DatasetRecord &o) { return o.name == d.name; }) > 1;
        QString label = qs(d.name.empty() ? std::filesystem::path(d.path).filename().string() : d.name);
        if (shared && ws)
            label = tr("%1 (%2)").arg(label, QDir::toNativeSeparators(qs(core::storedPath(d.path, ws->path()))));
        folders << qs(d.path);
        labels << label;
    }
    const QString datasetsDir = ws ? qs(ws->datasetsDir()) : QString();
    m_form->setFolderChoices(QStringLiteral("data.dataset"), folders, datasetsDir, labels);
    m_form->setFolderChoices(QStringLiteral("data.val_dataset"), folders, datasetsDir, labels);
}

}  // namespace danka::ui
