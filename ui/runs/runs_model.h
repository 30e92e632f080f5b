// Table model of a workspace's runs (newest first): id, name, stage, status, created, duration, parent.
// Fed with core::RunRecord lists by whoever reads the store; keeps rows stable across refreshes so that
// selection and scroll position survive a poll.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "core/store/records.h"

namespace danka::ui {

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IdColumn, NameColumn, StageColumn, StatusColumn, CreatedColumn, DurationColumn, ParentColumn,
                  ColumnCount };
    enum Role { RunIdRole = Qt::UserRole + 1, SortRole };

    explicit RunsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces the content. Same runs in the same order: changed rows are updated in place; otherwise reset.
    void setRuns(std::vector<core::RunRecord> runs);
    const core::RunRecord *runAt(int row) const;
    int rowOfRun(int64_t runId) const;  // -1 when absent
    // Durations of running runs grow with time: emits dataChanged for them (called by a timer).
    void tickDurations();

    static QString statusText(core::RunStatus status);

private:
    std::vector<core::RunRecord> m_runs;
};

}  // namespace danka::ui
