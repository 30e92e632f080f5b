// Checkable runs list of the Compare page (see run_check_model.h).
#include "ui/compare/run_check_model.h"

#include <algorithm>
#include <set>

#include "ui/common/metric_chart.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

static_assert(RunCheckModel::kCheckColumn == RunsModel::IdColumn, "the check box sits in the ID column");

RunCheckModel::RunCheckModel(RunsModel *source, QObject *parent) : QIdentityProxyModel(parent)
{
    setSourceModel(source);
}

int64_t RunCheckModel::runIdAt(int sourceRow) const
{
    return sourceModel()->index(sourceRow, 0).data(RunsModel::RunIdRole).toLongLong();
}

Qt::ItemFlags RunCheckModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QIdentityProxyModel::flags(index);
    if (index.isValid() && index.column() == kCheckColumn) f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant RunCheckModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid()) return {};
    if (role == Qt::CheckStateRole && index.column() == kCheckColumn)
        return isChecked(runIdAt(mapToSource(index).row())) ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DecorationRole && index.column() == RunsModel::NameColumn) {
        const int64_t id = runIdAt(mapToSource(index).row());
        if (isChecked(id)) return colorOf(id);  // matches the run's curve
    }
    return QIdentityProxyModel::data(index, role);
}

bool RunCheckModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::CheckStateRole || !index.isValid() || index.column() != kCheckColumn)
        return QIdentityProxyModel::setData(index, value, role);
    const int64_t id = runIdAt(mapToSource(index).row());
    const bool on = value.toInt() == Qt::Checked;
    if (on == isChecked(id)) return true;
    if (on)
        check(id);
    else
        m_colors.erase(id);
    const QModelIndex name = index.siblingAtColumn(RunsModel::NameColumn);
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
    Q_EMIT dataChanged(name, name, {Qt::DecorationRole});
    Q_EMIT checkedRunsChanged();
    return true;
}

void RunCheckModel::check(int64_t runId)
{
    std::set<int> used;
    for (const auto &[id, color] : m_colors)
        used.insert(color);
    int color = 0;
    while (used.count(color) && color < MetricChart::paletteSize())
        ++color;
    m_colors[runId] = color % MetricChart::paletteSize();
}

QList<int64_t> RunCheckModel::checkedRuns() const
{
    QList<int64_t> ids;
    for (int row = 0; row < sourceModel()->rowCount(); ++row) {
        const int64_t id = runIdAt(row);
        if (isChecked(id)) ids.append(id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void RunCheckModel::setCheckedRuns(const QList<int64_t> &ids)
{
    for (auto it = m_colors.begin(); it != m_colors.end();)
        it = ids.contains(it->first) ? std::next(it) : m_colors.erase(it);
    for (int64_t id : ids)
        if (!isChecked(id)) check(id);
    announceChecks();
}

void RunCheckModel::announceChecks()
{
    if (rowCount() > 0) {
        Q_EMIT dataChanged(index(0, kCheckColumn), index(rowCount() - 1, kCheckColumn), {Qt::CheckStateRole});
        Q_EMIT dataChanged(index(0, RunsModel::NameColumn), index(rowCount() - 1, RunsModel::NameColumn),
                           {Qt::DecorationRole});
    }
    Q_EMIT checkedRunsChanged();
}

QColor RunCheckModel::colorOf(int64_t runId) const
{
    const auto it = m_colors.find(runId);
    return it == m_colors.end() ? QColor() : MetricChart::paletteColor(it->second);
}

}  // namespace danka::ui
