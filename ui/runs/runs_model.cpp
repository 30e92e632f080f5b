// Runs table model (see runs_model.h).
#include "ui/runs/runs_model.h"

#include <QColor>
#include <QDateTime>

#include "core/util/text_util.h"

namespace danka::ui {

RunsModel::RunsModel(QObject *parent) : QAbstractTableModel(parent) {}

int RunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunsModel::statusText(core::RunStatus status)
{
    switch (status) {
    case core::RunStatus::Created: return tr("created");
    case core::RunStatus::Running: return tr("running");
    case core::RunStatus::Paused: return tr("paused");
    case core::RunStatus::Completed: return tr("completed");
    case core::RunStatus::Failed: return tr("failed");
    case core::RunStatus::Cancelled: return tr("cancelled");
    }
    return {};
}

namespace {

double durationSeconds(const core::RunRecord &r)
{
    if (!r.startedAt) return -1;
    return (r.finishedAt ? *r.finishedAt : core::nowSeconds()) - *r.startedAt;
}

QString timestampText(double unixSeconds)
{
    return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(unixSeconds * 1000.0))
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

}  // namespace

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const core::RunRecord &r = m_runs[static_cast<size_t>(index.row())];
    const int column = index.column();

    if (role == RunIdRole) return QVariant::fromValue<qlonglong>(r.id);
    if (role == Qt::DisplayRole) {
        switch (column) {
        case IdColumn: return QVariant::fromValue<qlonglong>(r.id);
        case NameColumn: return QString::fromStdString(r.name);
        case StageColumn: return QString::fromStdString(r.stage);
        case StatusColumn: return statusText(r.status);
        case CreatedColumn: return timestampText(r.createdAt);
        case DurationColumn: {
            const double s = durationSeconds(r);
            return s < 0 ? QString() : QString::fromStdString(core::formatDuration(s));
        }
        case ParentColumn: return r.parentRunId ? QVariant::fromValue<qlonglong>(*r.parentRunId) : QVariant();
        }
    }
    if (role == SortRole) {
        switch (column) {
        case IdColumn: return QVariant::fromValue<qlonglong>(r.id);
        case CreatedColumn: return r.createdAt;
        case DurationColumn: return durationSeconds(r);
        case ParentColumn: return QVariant::fromValue<qlonglong>(r.parentRunId.value_or(0));
        case StatusColumn: return static_cast<int>(r.status);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && !r.error.empty()) return QString::fromStdString(r.error);
    if (role == Qt::ForegroundRole && column == StatusColumn) {
        switch (r.status) {
        case core::RunStatus::Failed: return QColor(0xd0, 0x30, 0x30);
        case core::RunStatus::Running: return QColor(0x20, 0x80, 0xe0);
        case core::RunStatus::Completed: return QColor(0x30, 0xa0, 0x50);
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && (column == IdColumn || column == DurationColumn || column == ParentColumn))
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case IdColumn: return tr("ID");
    case NameColumn: return tr("Name");
    case StageColumn: return tr("Stage");
    case StatusColumn: return tr("Status");
    case CreatedColumn: return tr("Created");
    case DurationColumn: return tr("Duration");
    case ParentColumn: return tr("Parent");
    }
    return {};
}

void RunsModel::setRuns(std::vector<core::RunRecord> runs)
{
    const bool sameRows = runs.size() == m_runs.size() &&
                          std::equal(runs.begin(), runs.end(), m_runs.begin(),
                                     [](const core::RunRecord &a, const core::RunRecord &b) { return a.id == b.id; });
    if (!sameRows) {
        beginResetModel();
        m_runs = std::move(runs);
        endResetModel();
        return;
    }
    for (size_t i = 0; i < runs.size(); ++i) {
        const core::RunRecord &a = m_runs[i], &b = runs[i];
        const bool changed = a.name != b.name || a.stage != b.stage || a.status != b.status ||
                             a.updatedAt != b.updatedAt || a.parentRunId != b.parentRunId || a.error != b.error;
        m_runs[i] = std::move(runs[i]);
        if (changed) {
            const int row = static_cast<int>(i);
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
}

const core::RunRecord *RunsModel::runAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_runs[static_cast<size_t>(row)] : nullptr;
}

int RunsModel::rowOfRun(int64_t runId) const
{
    for (size_t i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].id == runId) return static_cast<int>(i);
    return -1;
}

void RunsModel::tickDurations()
{
    for (size_t i = 0; i < m_runs.size(); ++i) {
        if (m_runs[i].status != core::RunStatus::Running) continue;
        const QModelIndex cell = index(static_cast<int>(i), DurationColumn);
        Q_EMIT dataChanged(cell, cell, {Qt::DisplayRole});
    }
}

}  // namespace danka::ui
