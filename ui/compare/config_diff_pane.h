// The Compare page's lower half: the config differences of the checked runs (config_diff_model.h), one column
// per run, with "Show all keys" and a line saying how many keys differ. Configs never change once a run is
// created, so the table is only rebuilt when the checked runs change (its scroll position survives polls).
#pragma once

#include <QStringList>
#include <QWidget>
#include <vector>

#include "ui/compare/config_diff_model.h"

class QCheckBox;
class QLabel;
class QTableView;

namespace danka::ui {

class ConfigDiffPane : public QWidget {
    Q_OBJECT
public:
    explicit ConfigDiffPane(QWidget *parent = nullptr);

    // The runs to compare (their titles are the columns); nothing is done when they are the runs shown.
    void setRuns(const std::vector<ConfigDiffModel::Run> &runs);
    void reset();  // the next setRuns() rebuilds the table whatever it shows
    void setShowAllKeys(bool on);
    ConfigDiffModel *model() const { return m_model; }

private:
    ConfigDiffModel *m_model;
    QCheckBox *m_showAll;
    QLabel *m_hint;
    QTableView *m_view;
    QStringList m_signature;  // the runs the table shows
};

}  // namespace danka::ui
