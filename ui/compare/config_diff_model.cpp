// Config diff table of the Compare page (see config_diff_model.h).
#include "ui/compare/config_diff_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <map>
#include <nlohmann/json.hpp>

namespace danka::ui {

namespace {

void flattenInto(const nlohmann::ordered_json &value, const std::string &prefix,
                 std::vector<std::pair<QString, QString>> &out)
{
    if (value.is_object() && !value.empty()) {
        for (const auto &[key, child] : value.items())
            flattenInto(child, prefix.empty() ? key : prefix + "." + key, out);
        return;
    }
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    out.emplace_back(QString::fromStdString(prefix), QString::fromStdString(text));
}

}  // namespace

ConfigDiffModel::ConfigDiffModel(QObject *parent) : QAbstractTableModel(parent) {}

std::vector<std::pair<QString, QString>> ConfigDiffModel::flatten(const std::string &json)
{
    std::vector<std::pair<QString, QString>> out;
    const auto parsed = nlohmann::ordered_json::parse(json, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        out.emplace_back(QStringLiteral("(config)"), QString::fromStdString(json));
        return out;
    }
    flattenInto(parsed, std::string(), out);
    return out;
}

void ConfigDiffModel::setRuns(const std::vector<Run> &runs)
{
    beginResetModel();
    m_titles.clear();
    m_rows.clear();
    // Keys in first-seen order over the runs, so the table follows the config file's layout.
    std::map<QString, size_t> rowOfKey;
    for (size_t r = 0; r < runs.size(); ++r) {
        m_titles << runs[r].title;
        for (auto &[key, value] : flatten(runs[r].configJson)) {
            auto [it, inserted] = rowOfKey.emplace(key, m_rows.size());
            if (inserted) m_rows.push_back({key, std::vector<std::optional<QString>>(runs.size()), false});
            m_rows[it->second].values[r] = value;
        }
    }
    for (Row &row : m_rows)
        row.differs = std::any_of(row.values.begin(), row.values.end(),
                                  [&](const std::optional<QString> &v) { return v != row.values.front(); });
    std::stable_partition(m_rows.begin(), m_rows.end(), [](const Row &row) { return row.differs; });
    rebuildVisible();
    endResetModel();
}

void ConfigDiffModel::setShowAll(bool on)
{
    if (on == m_showAll) return;
    beginResetModel();
    m_showAll = on;
    rebuildVisible();
    endResetModel();
}

void ConfigDiffModel::rebuildVisible()
{
    m_visible.clear();
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_showAll || m_rows[i].differs) m_visible.push_back(static_cast<int>(i));
}

QStringList ConfigDiffModel::differingKeys() const
{
    QStringList keys;
    for (const Row &row : m_rows)
        if (row.differs) keys << row.key;
    return keys;
}

int ConfigDiffModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_visible.size());
}

int ConfigDiffModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 1 + static_cast<int>(m_titles.size());
}

QVariant ConfigDiffModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const Row &row = m_rows[static_cast<size_t>(m_visible[static_cast<size_t>(index.row())])];
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
        case Qt::ToolTipRole: {
            if (column == 0) return row.key;
            const std::optional<QString> &value = row.values[static_cast<size_t>(column - 1)];
            if (value) return *value;
            return role == Qt::ToolTipRole ? tr("Not set in this run") : QString(QChar(0x2014));  // em dash
        }
        case Qt::FontRole:
            if (row.differs) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case Qt::BackgroundRole:
            // Translucent amber reads on light and dark palettes alike.
            return row.differs ? QBrush(QColor(255, 176, 0, 70)) : QVariant();
        case DiffersRole:
            return row.differs;
        default:
            return {};
    }
}

QVariant ConfigDiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return {};
    return section == 0 ? tr("Key") : m_titles[section - 1];
}

}  // namespace danka::ui
