// Tokenizer training form (see tokenizer_train_form.h).
#include "ui/tokenizer/tokenizer_train_form.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace danka::ui {

namespace {

// Names that are safe as one folder on every platform and as a [DOMAIN:x] marker: letters (any script),
// digits, '_', '-', '.'.
const QRegularExpression &simpleName()
{
    static const QRegularExpression re(QStringLiteral("^[\\w.\\-]+$"),
                                       QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

}  // namespace

TokenizerTrainForm::TokenizerTrainForm(QWidget *parent)
    : QWidget(parent),
      m_inputs(new QListWidget(this)),
      m_addButton(new QPushButton(tr("&Add Files..."), this)),
      m_removeButton(new QPushButton(tr("Re&move"), this)),
      m_format(new QComboBox(this)),
      m_vocabSize(new QSpinBox(this)),
      m_coverage(new QDoubleSpinBox(this)),
      m_maxSentences(new QSpinBox(this)),
      m_domains(new QLineEdit(this)),
      m_name(new QLineEdit(this)),
      m_outputLabel(new QLabel(this)),
      m_validationLabel(new QLabel(this))
{
    const core::tokenizer::TokenizerTrainOptions defaults;

    m_inputs->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_inputs->setMaximumHeight(fontMetrics().height() * 6);
    m_inputs->setToolTip(tr("Data files in any layout the data readers accept (plain text, JSONL...)"));
    connect(m_addButton, &QPushButton::clicked, this, &TokenizerTrainForm::chooseInputs);
    connect(m_removeButton, &QPushButton::clicked, this, &TokenizerTrainForm::removeSelectedInputs);
    connect(m_inputs, &QListWidget::itemSelectionChanged, this,
            [this] { m_removeButton->setEnabled(!m_busy && !m_inputs->selectedItems().isEmpty()); });
    m_removeButton->setEnabled(false);

    const std::pair<core::data::DataFormat, QString> formats[] = {
        {core::data::DataFormat::Auto, tr("Detect from the file")},
        {core::data::DataFormat::Text, tr("Plain text")},
        {core::data::DataFormat::Pretrain, tr("Pretraining JSONL ({\"text\": ...})")},
        {core::data::DataFormat::Sft, tr("Conversations (SFT JSONL)")},
        {core::data::DataFormat::Dpo, tr("Preference pairs (chosen / rejected)")},
        {core::data::DataFormat::Alpaca, tr("Alpaca")},
        {core::data::DataFormat::ShareGpt, tr("ShareGPT")},
    };
    for (const auto &[format, label] : formats) m_format->addItem(label, static_cast<int>(format));

    // Wider than the valid range on purpose: a value typed out of range is shown with a message that says
    // why, instead of being silently refused by the spin box.
    m_vocabSize->setRange(1, 10'000'000);
    m_vocabSize->setSingleStep(64);
    m_vocabSize->setGroupSeparatorShown(true);
    m_vocabSize->setValue(defaults.vocabSize);
    m_vocabSize->setToolTip(tr("Pieces in the vocabulary: 6400 suits small models, up to 65536"));

    m_coverage->setRange(0.9, 1.0);
    m_coverage->setDecimals(4);
    m_coverage->setSingleStep(0.0005);
    m_coverage->setValue(defaults.characterCoverage);
    m_coverage->setToolTip(
        tr("Share of character occurrences that get a piece of their own; rarer characters "
           "fall back to UTF-8 bytes"));

    m_maxSentences->setRange(100, 2'000'000'000);
    m_maxSentences->setSingleStep(100'000);
    m_maxSentences->setGroupSeparatorShown(true);
    m_maxSentences->setValue(static_cast<int>(defaults.maxSentences));
    m_maxSentences->setToolTip(tr("Lines sampled from the input for training (bounds memory)"));

    m_domains->setPlaceholderText(tr("optional, e.g. code, medicine"));
    m_domains->setToolTip(tr("Comma-separated domains: each gets a [DOMAIN:x] marker token"));
    m_name->setToolTip(tr("The tokenizer's folder under the workspace's tokenizers folder"));
    // A long path is cut rather than wrapped at odd places or widening the form; the tooltip has all of it.
    m_outputLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_outputLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outputLabel->setForegroundRole(QPalette::PlaceholderText);
    m_validationLabel->setWordWrap(true);
    m_validationLabel->setTextFormat(Qt::RichText);

    auto *inputButtons = new QVBoxLayout;
    inputButtons->addWidget(m_addButton);
    inputButtons->addWidget(m_removeButton);
    inputButtons->addStretch();
    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_inputs, 1);
    inputRow->addLayout(inputButtons);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Input files:"), inputRow);
    form->addRow(tr("&Layout:"), m_format);
    form->addRow(tr("&Vocabulary size:"), m_vocabSize);
    form->addRow(tr("Character &coverage:"), m_coverage);
    form->addRow(tr("Max &sentences:"), m_maxSentences);
    form->addRow(tr("&Domains:"), m_domains);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_outputLabel);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_validationLabel);

    connect(m_format, qOverload<int>(&QComboBox::currentIndexChanged), this, &TokenizerTrainForm::revalidate);
    connect(m_vocabSize, qOverload<int>(&QSpinBox::valueChanged), this, &TokenizerTrainForm::revalidate);
    connect(m_coverage, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            &TokenizerTrainForm::revalidate);
    connect(m_maxSentences, qOverload<int>(&QSpinBox::valueChanged), this, &TokenizerTrainForm::revalidate);
    connect(m_domains, &QLineEdit::textChanged, this, &TokenizerTrainForm::revalidate);
    connect(m_name, &QLineEdit::textEdited, this,
            [this] { m_nameEdited = !m_name->text().trimmed().isEmpty(); });
    connect(m_name, &QLineEdit::textChanged, this, &TokenizerTrainForm::revalidate);
    revalidate();
}

void TokenizerTrainForm::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    m_workspace = workspace;
    revalidate();
}

QStringList TokenizerTrainForm::inputs() const
{
    QStringList files;
    for (int i = 0; i < m_inputs->count(); ++i) files << m_inputs->item(i)->data(Qt::UserRole).toString();
    return files;
}

void TokenizerTrainForm::setInputs(const QStringList &files)
{
    m_inputs->clear();
    addInputs(files);
}

void TokenizerTrainForm::addInputs(const QStringList &files)
{
    const QStringList present = inputs();
    for (const QString &file : files) {
        const QString path = QDir::cleanPath(QFileInfo(file).absoluteFilePath());
        if (present.contains(path)) continue;
        auto *item = new QListWidgetItem(QDir::toNativeSeparators(path), m_inputs);
        item->setData(Qt::UserRole, path);
        item->setToolTip(QDir::toNativeSeparators(path));
    }
    updateDefaultName();
    revalidate();
}

void TokenizerTrainForm::chooseInputs()
{
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Add Training Files"), QString(),
        tr("Text and JSONL files (*.txt *.jsonl *.json);;All files (*)"));
    if (!files.isEmpty()) addInputs(files);
}

void TokenizerTrainForm::removeSelectedInputs()
{
    qDeleteAll(m_inputs->selectedItems());
    updateDefaultName();
    revalidate();
}

void TokenizerTrainForm::setFormat(core::data::DataFormat format)
{
    m_format->setCurrentIndex(m_format->findData(static_cast<int>(format)));
}

void TokenizerTrainForm::setVocabSize(int vocabSize)
{
    m_vocabSize->setValue(vocabSize);
}

void TokenizerTrainForm::setCharacterCoverage(double coverage)
{
    m_coverage->setValue(coverage);
}

void TokenizerTrainForm::setMaxSentences(int maxSentences)
{
    m_maxSentences->setValue(maxSentences);
}

void TokenizerTrainForm::setDomains(const QString &commaSeparated)
{
    m_domains->setText(commaSeparated);
}

void TokenizerTrainForm::setName(const QString &name)
{
    m_nameEdited = !name.trimmed().isEmpty();
    m_name->setText(name);
    if (!m_nameEdited) updateDefaultName();
}

QString TokenizerTrainForm::name() const
{
    return m_name->text().trimmed();
}

void TokenizerTrainForm::updateDefaultName()
{
    if (m_nameEdited) return;
    const QStringList files = inputs();
    m_name->setText(files.isEmpty() ? QString() : QFileInfo(files.first()).completeBaseName());
}

QString TokenizerTrainForm::outputDir() const
{
    if (!m_workspace || name().isEmpty()) return {};
    return QDir(QString::fromStdString(m_workspace->tokenizersDir())).filePath(name());
}

QStringList TokenizerTrainForm::domainList() const
{
    QStringList domains;
    for (const QString &d : m_domains->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!d.trimmed().isEmpty()) domains << d.trimmed();
    return domains;
}

TokenizerTrainForm::Validation TokenizerTrainForm::validate() const
{
    Validation v;
    if (!m_workspace) v.errors << tr("Open a workspace first: trained tokenizers are written into it.");

    const QStringList files = inputs();
    if (files.isEmpty()) v.errors << tr("Add at least one input file.");
    for (const QString &file : files) {
        const QFileInfo info(file);
        const QString shown = QDir::toNativeSeparators(file);
        if (!info.exists())
            v.errors << tr("Input file %1 does not exist.").arg(shown);
        else if (info.isDir())
            v.errors << tr("Input %1 is a folder; add the files inside it.").arg(shown);
        else if (!info.isReadable())
            v.errors << tr("Input file %1 cannot be read.").arg(shown);
    }

    const int vocab = m_vocabSize->value();
    if (vocab < kMinVocabSize)
        v.errors << tr("Vocabulary size %1 is too small: at least %2 (byte fallback alone needs 256 pieces).")
                        .arg(vocab)
                        .arg(kMinVocabSize);
    else if (vocab > kMaxVocabSize)
        v.errors << tr("Vocabulary size %1 is too large: at most %2.").arg(vocab).arg(kMaxVocabSize);

    const QStringList domains = domainList();
    for (int i = 0; i < domains.size(); ++i) {
        if (!simpleName().match(domains[i]).hasMatch())
            v.errors << tr("Domain \"%1\" may hold only letters, digits, '_', '-' and '.'.").arg(domains[i]);
        else if (domains.indexOf(domains[i]) < i)
            v.errors << tr("Domain \"%1\" is listed twice.").arg(domains[i]);
    }

    const QString n = name();
    if (n.isEmpty()) {
        v.errors << tr(
            "Enter a name: the tokenizer is written to the workspace's tokenizers folder under it.");
    } else if (!simpleName().match(n).hasMatch() || n.startsWith(QLatin1Char('.'))) {
        v.errors << tr("Name \"%1\" may hold only letters, digits, '_', '-' and '.' (not first).").arg(n);
    } else if (m_workspace && QFileInfo(outputDir()).exists()) {
        v.warnings << tr("A tokenizer named %1 exists: training replaces it when it finishes.").arg(n);
    }
    return v;
}

QString TokenizerTrainForm::validationText() const
{
    const Validation v = validate();
    return (v.errors + v.warnings).join(QLatin1Char('\n'));
}

core::tokenizer::TokenizerTrainOptions TokenizerTrainForm::options() const
{
    core::tokenizer::TokenizerTrainOptions o;
    for (const QString &file : inputs()) o.inputs.push_back(file.toStdString());
    o.format = static_cast<core::data::DataFormat>(m_format->currentData().toInt());
    o.vocabSize = m_vocabSize->value();
    o.characterCoverage = m_coverage->value();
    o.maxSentences = m_maxSentences->value();
    for (const QString &d : domainList()) o.domains.push_back(d.toStdString());
    return o;
}

void TokenizerTrainForm::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *w : std::initializer_list<QWidget *>{m_addButton, m_format, m_vocabSize, m_coverage,
                                                       m_maxSentences, m_domains, m_name})
        w->setEnabled(!busy);
    m_removeButton->setEnabled(!busy && !m_inputs->selectedItems().isEmpty());
}

void TokenizerTrainForm::revalidate()
{
    const QString out = outputDir();
    m_outputLabel->setText(out.isEmpty() ? QString() : tr("Writes %1").arg(QDir::toNativeSeparators(out)));
    m_outputLabel->setToolTip(QDir::toNativeSeparators(out));

    const Validation v = validate();
    QString html;
    for (const QString &e : v.errors)
        html += QStringLiteral("<div style='color:#d03030'>%1</div>").arg(e.toHtmlEscaped());
    for (const QString &w : v.warnings)
        html += QStringLiteral("<div style='color:#c07000'>%1</div>").arg(w.toHtmlEscaped());
    m_validationLabel->setText(html);
    m_validationLabel->setVisible(!html.isEmpty());
    Q_EMIT changed();
}

}  // namespace danka::ui
