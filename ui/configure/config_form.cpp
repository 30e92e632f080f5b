// Config form (see config_form.h).
#include "ui/configure/config_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QTabBar>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>
#include <map>

#include "core/train/training_run.h"

namespace danka::ui {

using nlohmann::json;
using nlohmann::ordered_json;

struct ConfigForm::Field {
    const core::FieldDescriptor *descriptor = nullptr;
    QString path;
    QWidget *editor = nullptr;
    QLineEdit *line = nullptr;   // Integer, Number, String (for a folder key: the combo's line edit)
    QCheckBox *check = nullptr;  // Boolean
    QComboBox *combo = nullptr;  // Choice, or the editable combo of a folder key
    QToolButton *browse = nullptr;
    QLabel *message = nullptr;
    QString browseDir;
    int tab = -1;  // -1: above the tabs
};

namespace {

const QColor kProblemColor(0xc6, 0x28, 0x28);

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// How a JSON value reads in a line edit: strings without quotes, numbers as JSON writes them (the shortest
// text that reads back to the same double), null as nothing.
QString textOf(const json &v)
{
    if (v.is_null()) return {};
    if (v.is_string()) return qs(v.get<std::string>());
    return qs(v.dump());
}

// The value at a dotted path, or nullptr.
const json *findPath(const json &root, const QString &path)
{
    const json *node = &root;
    for (const QString &part : path.split(QLatin1Char('.'))) {
        if (!node->is_object()) return nullptr;
        const auto it = node->find(part.toStdString());
        if (it == node->end()) return nullptr;
        node = &*it;
    }
    return node;
}

void setAt(ordered_json &root, const QString &path, json value)
{
    ordered_json *node = &root;
    for (const QString &part : path.split(QLatin1Char('.')))
        node = &(*node)[part.toStdString()];
    *node = std::move(value);
}

QString sectionTitle(const std::string &section)
{
    if (section == "model") return ConfigForm::tr("Model");
    if (section == "data") return ConfigForm::tr("Data");
    if (section == "optim") return ConfigForm::tr("Optimizer");
    if (section == "schedule") return ConfigForm::tr("Schedule");
    if (section == "stage") return ConfigForm::tr("Stage");
    if (section == "runtime") return ConfigForm::tr("Runtime");
    return qs(section);
}

QLabel *smallGreyLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    label->setFont(font);
    return label;
}

}  // namespace

ConfigForm::ConfigForm(QWidget *parent)
    : QWidget(parent), m_top(new QWidget(this)), m_tabs(new QTabWidget(this))
{
    auto *topForm = new QFormLayout(m_top);
    topForm->setContentsMargins(0, 0, 0, 0);
    topForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    topForm->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    m_fields.reserve(core::configSchema().size());
    for (const core::FieldDescriptor &d : core::configSchema())
        addField(d);
    // The keys above the tabs have no scroll area: they keep the height their messages need (a short window
    // squashed a message there to a few pixels) and the tabs below give way.
    m_top->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_top);
    layout->addWidget(m_tabs, 1);
    updateEnabled();
}

ConfigForm::~ConfigForm() = default;

bool ConfigForm::isTopKey(const QString &path)
{
    return path == QLatin1String("stage.kind") || path == QLatin1String("stage.base_checkpoint");
}

bool ConfigForm::isFolderKey(const QString &path)
{
    return path == QLatin1String("data.dataset") || path == QLatin1String("data.val_dataset") ||
           path == QLatin1String("stage.base_checkpoint");
}

int ConfigForm::tabForSection(const std::string &section)
{
    if (section.empty()) return -1;  // top-level keys (the run name) sit above the tabs
    for (size_t i = 0; i < m_tabSections.size(); ++i)
        if (m_tabSections[i] == section) return static_cast<int>(i);
    auto *content = new QWidget;
    auto *form = new QFormLayout(content);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    auto *scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    m_tabSections.push_back(section);
    return m_tabs->addTab(scroll, sectionTitle(section));
}

void ConfigForm::addField(const core::FieldDescriptor &d)
{
    Field f;
    f.descriptor = &d;
    f.path = qs(d.path);
    f.tab = isTopKey(f.path) ? -1 : tabForSection(d.section);
    QWidget *content = f.tab < 0 ? m_top : static_cast<QScrollArea *>(m_tabs->widget(f.tab))->widget();
    auto *form = static_cast<QFormLayout *>(content->layout());

    auto *box = new QWidget(content);
    auto *column = new QVBoxLayout(box);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    auto *row = new QHBoxLayout;
    column->addLayout(row);

    // Help and range in the interface language (core keeps them English for the CLI and the docs).
    const QString helpText = qs(core::fieldHelpText(d)), rangeText = qs(core::fieldRangeText(d));
    QString tip = helpText;
    if (!rangeText.isEmpty()) tip += QLatin1Char('\n') + tr("Allowed: %1").arg(rangeText);
    tip +=
        QLatin1Char('\n') + tr("Default: %1")
                                .arg(d.defaultValue.is_string() && d.defaultValue.get<std::string>().empty()
                                         ? tr("(empty)")
                                         : textOf(d.defaultValue));

    switch (d.type) {
        case core::FieldType::Boolean:
            f.check = new QCheckBox(box);
            f.editor = f.check;
            row->addWidget(f.check);
            break;
        case core::FieldType::Choice:
            f.combo = new QComboBox(box);
            for (const std::string &choice : d.choices)
                f.combo->addItem(qs(choice));
            if (f.path == QLatin1String("stage.kind")) {
                // Stages this build cannot train yet are listed (configs may name them) but not offered.
                auto *items = qobject_cast<QStandardItemModel *>(f.combo->model());
                for (int i = 0; items && i < f.combo->count(); ++i)
                    if (!core::stageIsTrainable(f.combo->itemText(i).toStdString())) {
                        items->item(i)->setEnabled(false);
                        items->item(i)->setToolTip(tr("Not available in this version of Danka"));
                    }
            }
            f.editor = f.combo;
            row->addWidget(f.combo);
            break;
        default:
            if (isFolderKey(f.path)) {
                // An editable drop-down: the workspace's datasets or checkpoints, or any folder typed or
                // browsed.
                f.combo = new QComboBox(box);
                f.combo->setEditable(true);
                f.combo->setInsertPolicy(QComboBox::NoInsert);
                f.combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
                f.combo->setMinimumContentsLength(24);
                f.line = f.combo->lineEdit();
                f.line->setPlaceholderText(tr("(none)"));
                f.editor = f.combo;
                f.browse = new QToolButton(box);
                f.browse->setText(tr("Browse..."));
                row->addWidget(f.combo, 1);
                row->addWidget(f.browse);
            } else {
                f.line = new QLineEdit(box);
                f.editor = f.line;
                // Integers may exceed 2^31 and numbers are written as 3e-4: a line edit for both, read by
                // core.
                if (d.type != core::FieldType::String)
                    f.line->setMaximumWidth(f.line->fontMetrics().horizontalAdvance(QLatin1Char('0')) * 24);
                row->addWidget(f.line, 1);
            }
            break;
    }
    if (!rangeText.isEmpty()) row->addWidget(smallGreyLabel(rangeText, box));
    if (d.type != core::FieldType::String) row->addStretch(1);
    f.editor->setToolTip(tip);
    f.editor->setObjectName(f.path);

    QLabel *help = smallGreyLabel(helpText, box);
    column->addWidget(help);
    f.message = new QLabel(box);
    f.message->setWordWrap(true);
    f.message->setTextFormat(Qt::PlainText);
    f.message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette red = f.message->palette();
    red.setColor(QPalette::WindowText, kProblemColor);
    f.message->setPalette(red);
    f.message->hide();
    f.message->setObjectName(f.path + QStringLiteral("/message"));
    column->addWidget(f.message);

    // The key as written in the file, relative to its section tab ("mla.kv_lora_rank" in Model).
    QString key = f.path;
    if (!d.section.empty() && f.tab >= 0) key = key.mid(static_cast<int>(d.section.size()) + 1);
    auto *label = new QLabel(key, content);
    label->setToolTip(tip);
    label->setBuddy(f.editor);
    form->addRow(label, box);

    const int index = static_cast<int>(m_fields.size());
    m_index.insert(f.path, index);
    m_fields.push_back(f);
    Field &stored = m_fields.back();
    // Only user edits count: textEdited is not emitted for setText, the others are guarded by m_setting.
    if (stored.check) connect(stored.check, &QCheckBox::toggled, this, &ConfigForm::userEdited);
    if (stored.combo && !stored.line)
        connect(stored.combo, qOverload<int>(&QComboBox::currentIndexChanged), this, &ConfigForm::userEdited);
    if (stored.combo && stored.line)
        connect(stored.combo, &QComboBox::currentTextChanged, this, &ConfigForm::userEdited);
    if (stored.line && !stored.combo)
        connect(stored.line, &QLineEdit::textEdited, this, &ConfigForm::userEdited);
    if (stored.browse)
        connect(stored.browse, &QToolButton::clicked, this,
                [this, index] { browse(m_fields[size_t(index)]); });
}

ConfigForm::Field *ConfigForm::field(const QString &path)
{
    const auto it = m_index.constFind(path);
    return it == m_index.constEnd() ? nullptr : &m_fields[static_cast<size_t>(*it)];
}

const ConfigForm::Field *ConfigForm::field(const QString &path) const
{
    const auto it = m_index.constFind(path);
    return it == m_index.constEnd() ? nullptr : &m_fields[static_cast<size_t>(*it)];
}

QStringList ConfigForm::paths() const
{
    QStringList list;
    for (const Field &f : m_fields)
        list << f.path;
    return list;
}

QWidget *ConfigForm::editor(const QString &path) const
{
    const Field *f = field(path);
    return f ? f->editor : nullptr;
}

QString ConfigForm::message(const QString &path) const
{
    const Field *f = field(path);
    return f ? f->message->text() : QString();
}

json ConfigForm::valueOf(const Field &f) const
{
    switch (f.descriptor->type) {
        case core::FieldType::Boolean:
            return f.check->isChecked();
        case core::FieldType::Choice:
            return f.combo->currentText().toStdString();
        case core::FieldType::String:
            if (f.combo) {
                // A labelled folder choice stands for its folder.
                const int i = f.combo->findText(f.line->text(), Qt::MatchExactly);
                if (i >= 0 && f.combo->itemData(i).isValid()) return f.combo->itemData(i).toString().toStdString();
            }
            return f.line->text().toStdString();
        case core::FieldType::Integer:
        case core::FieldType::Number: {
            const QString text = f.line->text().trimmed();
            if (text.isEmpty()) return nullptr;  // core: "expected an integer, got null"
            bool ok = false;
            if (f.descriptor->type == core::FieldType::Integer) {
                const qlonglong n = text.toLongLong(&ok);
                if (ok) return static_cast<int64_t>(n);
            }
            const double x = text.toDouble(&ok);  // C locale: 3e-4, 0.5
            if (ok && std::isfinite(x)) return x;
            return text.toStdString();  // core: "expected a number, got string ..."
        }
    }
    return nullptr;
}

ordered_json ConfigForm::values() const
{
    ordered_json root = ordered_json::object();
    for (const Field &f : m_fields)
        setAt(root, f.path, valueOf(f));
    return root;
}

bool ConfigForm::show(Field &f, const json &v)
{
    switch (f.descriptor->type) {
        case core::FieldType::Boolean:
            if (!v.is_boolean()) return false;
            f.check->setChecked(v.get<bool>());
            return true;
        case core::FieldType::Choice: {
            const int i = v.is_string() ? f.combo->findText(qs(v.get<std::string>())) : -1;
            if (i < 0) return false;
            f.combo->setCurrentIndex(i);
            return true;
        }
        default:
            if (f.combo) {
                const int i = v.is_string() ? f.combo->findData(textOf(v)) : -1;
                f.combo->setEditText(i >= 0 ? f.combo->itemText(i) : textOf(v));
            } else
                f.line->setText(textOf(v));
            return true;
    }
}

void ConfigForm::setValues(const json &resolved, const json &raw)
{
    m_setting = true;
    for (Field &f : m_fields) {
        const json *v = findPath(raw, f.path);
        if (!v || !show(f, *v)) {
            if (const json *r = findPath(resolved, f.path)) show(f, *r);
        }
    }
    m_setting = false;
    updateEnabled();
}

bool ConfigForm::setValue(const QString &path, const json &value)
{
    Field *f = field(path);
    if (!f) return false;
    m_setting = true;
    const bool shown = show(*f, value);
    m_setting = false;
    updateEnabled();
    return shown;
}

std::vector<core::ConfigProblem> ConfigForm::setProblems(const std::vector<core::ConfigProblem> &problems)
{
    std::vector<core::ConfigProblem> unplaced;
    QHash<QString, QStringList> byPath;
    for (const core::ConfigProblem &p : problems) {
        const QString path = qs(p.path);
        if (m_index.contains(path))
            byPath[path] << qs(p.message);
        else
            unplaced.push_back(p);
    }
    std::vector<int> problemsPerTab(static_cast<size_t>(m_tabs->count()), 0);
    for (Field &f : m_fields) {
        const auto it = byPath.constFind(f.path);
        const QString text = it == byPath.constEnd() ? QString() : it->join(QLatin1Char('\n'));
        f.message->setText(text);
        f.message->setVisible(!text.isEmpty());
        if (!text.isEmpty() && f.tab >= 0) ++problemsPerTab[static_cast<size_t>(f.tab)];
    }
    for (int i = 0; i < m_tabs->count(); ++i) {
        const int n = problemsPerTab[static_cast<size_t>(i)];
        const QString title = tabTitle(i);
        m_tabs->setTabText(i, n ? tr("%1 (%2)").arg(title).arg(n) : title);
        m_tabs->tabBar()->setTabTextColor(i, n ? kProblemColor : QColor());
    }
    return unplaced;
}

void ConfigForm::setFolderChoices(const QString &path, const QStringList &folders, const QString &browseDir,
                                  const QStringList &labels)
{
    Field *f = field(path);
    if (!f || !f->combo || !f->line) return;
    f->browseDir = browseDir;
    const json current = valueOf(*f);  // the folder, also when a label shows
    m_setting = true;
    f->combo->clear();  // also clears the edit text
    for (int i = 0; i < folders.size(); ++i) {
        if (i < labels.size()) {
            f->combo->addItem(labels[i], folders[i]);
            f->combo->setItemData(i, QDir::toNativeSeparators(folders[i]), Qt::ToolTipRole);
        } else {
            f->combo->addItem(folders[i]);
        }
    }
    show(*f, current);
    m_setting = false;
}

void ConfigForm::browse(Field &f)
{
    QString start = f.line->text();
    if (start.isEmpty() || !QDir(start).exists()) start = f.browseDir;
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Choose the folder for %1").arg(f.path), start);
    if (dir.isEmpty()) return;
    f.combo->setEditText(QDir::toNativeSeparators(dir));  // currentTextChanged: a user edit
}

void ConfigForm::userEdited()
{
    if (m_setting) return;
    updateEnabled();
    Q_EMIT edited();
}

QString ConfigForm::tabTitle(int tab) const
{
    const std::string &section = m_tabSections[static_cast<size_t>(tab)];
    return section == "model" && m_modelFromCheckpoint ? tr("Model (from the base checkpoint)") : sectionTitle(section);
}

void ConfigForm::setModelFromCheckpoint(bool fromCheckpoint)
{
    m_modelFromCheckpoint = fromCheckpoint;
    for (size_t i = 0; i < m_tabSections.size(); ++i)
        if (m_tabSections[i] == "model") {
            m_tabs->setTabText(int(i), tabTitle(int(i)));  // setProblems adds the problem count again
            m_tabs->setTabToolTip(int(i), fromCheckpoint ? tr("A fine-tuning stage trains the base checkpoint's "
                                                              "model: its settings are shown, not edited. The "
                                                              "context grows to data.seq_len when that is longer.")
                                                         : QString());
        }
    updateEnabled();
}

void ConfigForm::updateEnabled()
{
    // Settings that mean something only for some choices stay in the file either way; the others are greyed.
    auto text = [this](const char *path) {
        const Field *f = field(QLatin1String(path));
        return f && f->combo ? f->combo->currentText() : QString();
    };
    const bool mla = text("model.attention") == QLatin1String("mla");
    // Which settings the chosen stage reads is the stage table's to say (core/train/stage_catalog.h).
    const std::string stage = text("stage.kind").toStdString();
    const Field *loraField = field(QStringLiteral("stage.lora.enabled"));
    const bool lora = loraField && loraField->check && loraField->check->isChecked();
    for (Field &f : m_fields) {
        bool enabled = true;
        // A run from a base checkpoint trains that checkpoint's model: only its RoPE scaling (long-context
        // continuation) may be chosen.
        if (f.path.startsWith(QLatin1String("model.")))
            enabled = !m_modelFromCheckpoint || f.path.startsWith(QLatin1String("model.rope_scaling."));
        if (f.path.startsWith(QLatin1String("model.mla."))) enabled = enabled && mla;
        enabled = enabled && core::stageUsesField(stage, lora, f.path.toStdString());
        f.editor->setEnabled(enabled);
    }
}

}  // namespace danka::ui
