// Prepare dialog (see prepare_dialog.h).
#include "ui/data/prepare_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/data/prepare.h"
#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "ui/common/job_runner.h"

namespace danka::ui {

namespace {

const core::data::DataFormat kFormats[] = {core::data::DataFormat::Auto,     core::data::DataFormat::Text,
                                           core::data::DataFormat::Pretrain, core::data::DataFormat::Sft,
                                           core::data::DataFormat::Dpo,      core::data::DataFormat::Alpaca,
                                           core::data::DataFormat::ShareGpt};

}  // namespace

namespace {

std::vector<core::TokenizerRecord> registeredTokenizers(const core::Workspace &workspace)
{
    try {
        return core::ExperimentStore(workspace.databasePath()).tokenizers();
    } catch (const core::Error &) {
        return {};  // the list offers none; Browse... still works
    }
}

}  // namespace

PrepareDialog::PrepareDialog(const core::Workspace &workspace, QWidget *parent)
    : PrepareDialog(workspace, registeredTokenizers(workspace), parent)
{}

PrepareDialog::PrepareDialog(const core::Workspace &workspace, const std::vector<core::TokenizerRecord> &tokenizers,
                             QWidget *parent)
    : QDialog(parent),
      m_workspace(workspace),
      m_inputs(new QListWidget(this)),
      m_addButton(new QPushButton(tr("&Add Files..."), this)),
      m_removeButton(new QPushButton(tr("&Remove"), this)),
      m_format(new QComboBox(this)),
      m_tokenizer(new QComboBox(this)),
      m_browseTokenizer(new QPushButton(tr("&Browse..."), this)),
      m_name(new QLineEdit(this)),
      m_nameHint(new QLabel(this)),
      m_dedup(new QComboBox(this)),
      m_valFraction(new QDoubleSpinBox(this)),
      m_maxLength(new QSpinBox(this)),
      m_form(new QWidget(this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_buttons(new QDialogButtonBox(this)),
      m_runner(new JobRunner(this))
{
    setWindowTitle(tr("Prepare a Dataset"));
    setMinimumWidth(560);

    m_inputs->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_inputs->setMinimumHeight(90);
    connect(m_addButton, &QPushButton::clicked, this, &PrepareDialog::addInputs);
    connect(m_removeButton, &QPushButton::clicked, this, &PrepareDialog::removeInputs);
    connect(m_inputs, &QListWidget::itemSelectionChanged, this, &PrepareDialog::updateState);
    auto *inputButtons = new QVBoxLayout;
    inputButtons->addWidget(m_addButton);
    inputButtons->addWidget(m_removeButton);
    inputButtons->addStretch();
    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_inputs, 1);
    inputRow->addLayout(inputButtons);

    m_format->addItem(tr("Detect from each file"));
    m_format->addItem(tr("Plain text (documents separated by blank lines)"));
    m_format->addItem(tr("Pretraining JSONL {\"text\"}"));
    m_format->addItem(tr("Conversations (SFT) {\"conversations\"}"));
    m_format->addItem(tr("Preference pairs {\"chosen\", \"rejected\"}"));
    m_format->addItem(tr("Alpaca {\"instruction\", \"output\"}"));
    m_format->addItem(tr("ShareGPT {\"from\", \"value\"}"));

    for (const core::TokenizerRecord &t : tokenizers)
        m_tokenizer->addItem(tr("%1 (%2 pieces)").arg(QString::fromStdString(t.name)).arg(t.vocabSize),
                             QString::fromStdString(t.path));
    connect(m_browseTokenizer, &QPushButton::clicked, this, &PrepareDialog::browseTokenizer);
    connect(m_tokenizer, &QComboBox::currentIndexChanged, this, &PrepareDialog::updateState);
    auto *tokenizerRow = new QHBoxLayout;
    tokenizerRow->addWidget(m_tokenizer, 1);
    tokenizerRow->addWidget(m_browseTokenizer);

    m_name->setPlaceholderText(tr("my-dataset"));
    connect(m_name, &QLineEdit::textEdited, this, [this] { m_nameEdited = true; });
    connect(m_name, &QLineEdit::textChanged, this, &PrepareDialog::updateState);
    m_nameHint->setWordWrap(true);

    m_dedup->addItem(tr("None"), int(core::data::DedupMode::None));
    m_dedup->addItem(tr("Exact duplicates"), int(core::data::DedupMode::Exact));
    m_dedup->addItem(tr("Near duplicates (MinHash)"), int(core::data::DedupMode::MinHash));
    m_dedup->setCurrentIndex(1);

    m_valFraction->setRange(0.0, 0.5);
    m_valFraction->setDecimals(3);
    m_valFraction->setSingleStep(0.005);
    m_valFraction->setValue(0.01);
    m_valFraction->setToolTip(tr("Share of the records held out for validation"));

    m_maxLength->setRange(0, 1 << 24);
    m_maxLength->setSingleStep(256);
    m_maxLength->setSpecialValueText(tr("No limit"));
    m_maxLength->setSuffix(tr(" tokens"));
    m_maxLength->setToolTip(
        tr("Conversations and preference pairs longer than this are dropped and reported"));

    auto *form = new QFormLayout(m_form);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Input files:"), inputRow);
    form->addRow(tr("Layout:"), m_format);
    form->addRow(tr("Tokenizer:"), tokenizerRow);
    form->addRow(tr("Dataset name:"), m_name);
    form->addRow(QString(), m_nameHint);
    form->addRow(tr("Deduplication:"), m_dedup);
    form->addRow(tr("Validation share:"), m_valFraction);
    form->addRow(tr("Maximum length:"), m_maxLength);

    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setVisible(false);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_prepareButton = m_buttons->addButton(tr("&Prepare"), QDialogButtonBox::ActionRole);
    m_prepareButton->setDefault(true);
    m_buttons->addButton(QDialogButtonBox::Cancel);
    connect(m_prepareButton, &QPushButton::clicked, this, &PrepareDialog::startPreparing);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &PrepareDialog::reject);

    connect(m_runner, &JobRunner::progressChanged, this,
            [this](double fraction, const QString &message, double eta) {
                m_progress->setValue(static_cast<int>(fraction * 1000));
                setStatus(progressText(message, eta), false);
            });
    connect(m_runner, &JobRunner::finished, this, &PrepareDialog::finished);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    updateState();
}

PrepareDialog::~PrepareDialog() = default;

void PrepareDialog::setInputs(const QStringList &paths)
{
    m_inputs->clear();
    for (const QString &p : paths) {
        auto *item = new QListWidgetItem(QFileInfo(p).fileName(), m_inputs);
        item->setData(Qt::UserRole, QFileInfo(p).absoluteFilePath());
        item->setToolTip(QFileInfo(p).absoluteFilePath());
    }
    // The dataset is named after its first input until the user names it.
    if (!m_nameEdited && !paths.isEmpty()) m_name->setText(QFileInfo(paths.first()).completeBaseName());
    updateState();
}

QStringList PrepareDialog::inputs() const
{
    QStringList out;
    for (int i = 0; i < m_inputs->count(); ++i)
        out << m_inputs->item(i)->data(Qt::UserRole).toString();
    return out;
}

void PrepareDialog::addInputs()
{
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Add Input Files"), QString(), tr("Data files (*.jsonl *.json *.txt *.md);;All files (*)"));
    if (!files.isEmpty()) setInputs(inputs() + files);
}

void PrepareDialog::removeInputs()
{
    qDeleteAll(m_inputs->selectedItems());
    updateState();
}

void PrepareDialog::setFormat(core::data::DataFormat format)
{
    for (int i = 0; i < int(std::size(kFormats)); ++i)
        if (kFormats[i] == format) m_format->setCurrentIndex(i);
}

core::data::DataFormat PrepareDialog::format() const
{
    return kFormats[std::max(0, m_format->currentIndex())];
}

void PrepareDialog::setTokenizerDir(const QString &dir)
{
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    int index = -1;
    for (int i = 0; i < m_tokenizer->count(); ++i)
        if (QDir::cleanPath(m_tokenizer->itemData(i).toString()) == path) index = i;
    if (index < 0) {
        m_tokenizer->addItem(path, path);
        index = m_tokenizer->count() - 1;
    }
    m_tokenizer->setCurrentIndex(index);
}

QString PrepareDialog::tokenizerDir() const
{
    return m_tokenizer->currentData().toString();
}

void PrepareDialog::browseTokenizer()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Choose a Tokenizer Folder"), QString::fromStdString(m_workspace.tokenizersDir()));
    if (!dir.isEmpty()) setTokenizerDir(dir);
}

void PrepareDialog::setOutputName(const QString &name)
{
    m_nameEdited = true;
    m_name->setText(name);
}

QString PrepareDialog::outputName() const
{
    return m_name->text().trimmed();
}

QString PrepareDialog::outputDir() const
{
    return QDir(QString::fromStdString(m_workspace.datasetsDir())).filePath(outputName());
}

void PrepareDialog::setDedupMode(core::data::DedupMode mode)
{
    m_dedup->setCurrentIndex(m_dedup->findData(int(mode)));
}

void PrepareDialog::setValidationFraction(double fraction)
{
    m_valFraction->setValue(fraction);
}

void PrepareDialog::setMaxLength(int maxTokens)
{
    m_maxLength->setValue(maxTokens);
}

QString PrepareDialog::validationError() const
{
    QStringList problems;
    const QStringList files = inputs();
    if (files.isEmpty()) problems << tr("Add at least one input file.");
    for (const QString &f : files) {
        const QFileInfo info(f);
        if (!info.exists())
            problems << tr("Input file %1 does not exist.").arg(f);
        else if (info.isDir())
            problems << tr("Input %1 is a folder: add the data files inside it.").arg(f);
        else if (!info.isReadable())
            problems << tr("Input file %1 cannot be read.").arg(f);
    }
    const QString tokenizer = tokenizerDir();
    if (tokenizer.isEmpty())
        problems << tr("Choose a tokenizer (train one on the Tokenizer page, or browse for a folder).");
    else if (!QFileInfo::exists(QDir(tokenizer).filePath(QStringLiteral("tokenizer.model"))))
        problems << tr("Tokenizer folder %1 has no tokenizer.model.").arg(tokenizer);
    const QString name = outputName();
    if (name.isEmpty()) {
        problems << tr("Name the dataset.");
    } else if (name.startsWith(QLatin1Char('.')) || name.contains(QLatin1Char('/')) ||
               name.contains(QLatin1Char('\\')) || name.size() > 100 ||
               std::any_of(name.begin(), name.end(),
                           [](QChar c) { return c.category() == QChar::Other_Control; })) {
        problems
            << tr("The dataset name \"%1\" cannot be a folder name: no '/', '\\' or control characters, not "
                  "starting with '.', at most 100 characters.")
                   .arg(name);
    }
    return problems.join(QLatin1Char('\n'));
}

void PrepareDialog::updateState()
{
    const bool running = m_runner->isRunning();
    m_form->setEnabled(!running);
    m_prepareButton->setEnabled(!running);
    m_removeButton->setEnabled(!m_inputs->selectedItems().isEmpty());
    const QString name = outputName();
    if (!name.isEmpty() && QFileInfo::exists(outputDir()))
        m_nameHint->setText(tr("A dataset named %1 exists: preparing replaces it.").arg(name));
    else
        m_nameHint->setText(tr("Written to %1").arg(QDir::toNativeSeparators(outputDir())));
}

void PrepareDialog::setStatus(const QString &text, bool isError)
{
    m_status->setText(text);
    m_status->setStyleSheet(isError ? QStringLiteral("color: #d03030") : QString());
}

QString PrepareDialog::statusText() const
{
    return m_status->text();
}

bool PrepareDialog::isRunning() const
{
    return m_runner->isRunning();
}

bool PrepareDialog::startPreparing()
{
    if (m_runner->isRunning()) return false;
    const QString problems = validationError();
    if (!problems.isEmpty()) {
        setStatus(problems, true);
        return false;
    }
    core::data::PrepareOptions o;
    for (const QString &f : inputs())
        o.inputs.push_back(f.toStdString());
    o.format = format();
    o.tokenizerDir = tokenizerDir().toStdString();
    o.outDir = outputDir().toStdString();
    o.name = outputName().toStdString();
    o.dedup = static_cast<core::data::DedupMode>(m_dedup->currentData().toInt());
    o.valFraction = m_valFraction->value();
    o.maxLength = m_maxLength->value();
    const std::string databasePath = m_workspace.databasePath();
    m_jobResult = std::make_shared<std::string>();
    m_resultDir.clear();
    auto result = m_jobResult;
    m_runner->start(tr("Preparing %1").arg(outputName()), [o, databasePath, result](core::JobContext &job) {
        const core::data::PrepareResult prepared = core::data::prepareDataset(o, job);
        job.setProgress(1.0, "recording the dataset in the workspace");
        core::data::recordDataset(databasePath, prepared, o.tokenizerDir);
        *result = prepared.dir;
    });
    m_progress->setValue(0);
    m_progress->setVisible(true);
    setStatus(tr("Starting..."), false);
    updateState();
    return true;
}

void PrepareDialog::finished(int state, const QString &error)
{
    m_progress->setVisible(false);
    updateState();
    switch (static_cast<core::JobState>(state)) {
    case core::JobState::Completed:
        m_resultDir = QString::fromStdString(*m_jobResult);
        setStatus(tr("Prepared %1.").arg(m_resultDir), false);
        Q_EMIT prepared(m_resultDir);
        QDialog::accept();
        return;
    case core::JobState::Cancelled: setStatus(tr("Cancelled: nothing was written."), false); break;
    default: setStatus(tr("Preparing failed: %1").arg(error), true); break;
    }
    if (m_closeWhenStopped) QDialog::reject();
}

void PrepareDialog::reject()
{
    if (m_runner->isRunning()) {
        // Close once the job has stopped at its next checkpoint; the staging folder is removed with it.
        m_closeWhenStopped = true;
        setStatus(tr("Cancelling..."), false);
        m_runner->cancel();
        return;
    }
    QDialog::reject();
}

}  // namespace danka::ui
