// The Compare page's config diff: one row per flattened config key ("optim.learning_rate"), one column per
// compared run. Keys whose values differ between the runs (a key missing from a run counts as different) are
// listed first, in bold on a highlighted background; by default only they are shown.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace danka::ui {

class ConfigDiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { DiffersRole = Qt::UserRole + 1 };

    struct Run {
        int64_t id = 0;
        QString title;           // column header, "#3 base"
        std::string configJson;  // as stored
    };

    explicit ConfigDiffModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRuns(const std::vector<Run> &runs);
    void setShowAll(bool on);  // false (default): only the keys that differ
    bool showAll() const { return m_showAll; }
    QStringList differingKeys() const;  // in row order
    int runCount() const { return static_cast<int>(m_titles.size()); }

    // "a.b.c" -> value text for every leaf of a JSON object, in document order; strings unquoted, other
    // values as compact JSON (arrays stay whole). Text that is not a JSON object gives one "(config)" row.
    static std::vector<std::pair<QString, QString>> flatten(const std::string &json);

private:
    struct Row {
        QString key;
        std::vector<std::optional<QString>> values;  // per run; nullopt when the run lacks the key
        bool differs = false;
    };
    void rebuildVisible();

    QStringList m_titles;
    std::vector<Row> m_rows;  // differing first, then the rest, each in config order
    std::vector<int> m_visible;
    bool m_showAll = false;
};

}  // namespace danka::ui
