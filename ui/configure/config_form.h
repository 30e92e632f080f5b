// The config form of the Configure page: one tab per section of the config file (top-level keys above the
// tabs), one row per key, all generated from core's field table (configSchema()): an editor for the key's
// type, its range, its help, and core's message for it in red. The form holds text, not typed values: what
// cannot be read as the key's type goes into the config JSON as typed, so core itself reports the mistake.
#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/config/config_io.h"

class QTabWidget;

namespace danka::ui {

class ConfigForm : public QWidget {
    Q_OBJECT
public:
    explicit ConfigForm(QWidget *parent = nullptr);
    ~ConfigForm() override;

    // The form as a config object, keys in the field table's order (the order of core::toJson).
    nlohmann::ordered_json values() const;
    // Shows for every key the value `raw` gives it, else the one in `resolved` (a full config). A value of
    // the wrong type is shown as text where the editor is a line edit, else the resolved value. Emits
    // nothing.
    void setValues(const nlohmann::json &resolved, const nlohmann::json &raw);
    // Sets one key as if typed (emits nothing). False when no field has that path.
    bool setValue(const QString &path, const nlohmann::json &value);
    // Shows each problem next to its field (and marks the tab); returns those that belong to no field.
    std::vector<core::ConfigProblem> setProblems(const std::vector<core::ConfigProblem> &problems);

    QString message(const QString &path) const;  // the red text next to a field; empty when none
    QWidget *editor(const QString &path) const;  // nullptr for an unknown path
    QStringList paths() const;

    // Folder keys (data.dataset, data.val_dataset, stage.base_checkpoint) get a drop-down of `folders`
    // and a Browse button that starts in `browseDir`. With `labels` (one per folder), the drop-down shows
    // them instead of the paths (a dataset's name); choosing one sets its folder, and a value equal to a
    // listed folder shows as its label.
    static bool isFolderKey(const QString &path);
    void setFolderChoices(const QString &path, const QStringList &folders, const QString &browseDir,
                          const QStringList &labels = {});

    QTabWidget *tabs() const { return m_tabs; }

    // The model section comes from the base checkpoint (a fine-tuning stage): its fields show the
    // checkpoint's values, read-only, and the Model tab says so.
    void setModelFromCheckpoint(bool fromCheckpoint);
    bool modelFromCheckpoint() const { return m_modelFromCheckpoint; }

    // The stage and the base checkpoint sit above the tabs: they decide what the rest means.
    static bool isTopKey(const QString &path);

Q_SIGNALS:
    void edited();  // the user changed a field

private:
    struct Field;
    Field *field(const QString &path);
    const Field *field(const QString &path) const;
    int tabForSection(const std::string &section);
    QString tabTitle(int tab) const;  // the section's title; the Model tab says when it is the checkpoint's
    void addField(const core::FieldDescriptor &descriptor);
    nlohmann::json valueOf(const Field &f) const;
    bool show(Field &f, const nlohmann::json &value);
    void userEdited();
    void updateEnabled();
    void browse(Field &f);

    QWidget *m_top;  // the top-level keys
    QTabWidget *m_tabs;
    std::vector<Field> m_fields;
    QHash<QString, int> m_index;
    std::vector<std::string> m_tabSections;
    bool m_setting = false;  // the form itself is filling editors: not a user edit
    bool m_modelFromCheckpoint = false;
};

}  // namespace danka::ui
