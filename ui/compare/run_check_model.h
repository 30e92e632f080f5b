// The Compare page's runs list: a RunsModel with a check box per run (in the ID column) and, for checked
// runs, the colour their curve gets. Checks and colours are kept by run id, so they survive the source's
// resets when runs come and go.
#pragma once

#include <QColor>
#include <QIdentityProxyModel>
#include <cstdint>
#include <map>

namespace danka::ui {

class RunsModel;

class RunCheckModel : public QIdentityProxyModel {
    Q_OBJECT
public:
    static constexpr int kCheckColumn = 0;  // RunsModel::IdColumn

    explicit RunCheckModel(RunsModel *source, QObject *parent = nullptr);

    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    // The checked runs that the source holds, ascending by id.
    QList<int64_t> checkedRuns() const;
    void setCheckedRuns(const QList<int64_t> &ids);
    bool isChecked(int64_t runId) const { return m_colors.count(runId) > 0; }
    // A checked run's colour: the first palette colour no other checked run uses, kept while it stays
    // checked.
    QColor colorOf(int64_t runId) const;

Q_SIGNALS:
    void checkedRunsChanged();

private:
    int64_t runIdAt(int sourceRow) const;
    void check(int64_t runId);
    void announceChecks();

    std::map<int64_t, int> m_colors;  // checked run -> palette index
};

}  // namespace danka::ui
