// The Configure page's "Size and memory" box: the model's parameter count, the GPU budget, a memory bar of the
// training estimate (memory_bar.h) with its breakdown (memory_breakdown_model.h), and the verdict: fits, or
// does not fit with the largest part and a plan that fits (core's estimate, config_estimate.h), which "Use This
// Plan" writes into the config (core/config/plan_apply.h).
#pragma once

#include <QGroupBox>
#include <optional>

#include "core/config/run_config.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;

namespace danka::ui {

class MemoryBar;
class MemoryBreakdownModel;

class EstimatePane : public QGroupBox {
    Q_OBJECT
public:
    explicit EstimatePane(QWidget *parent = nullptr);

    // The estimate of `config`; `blocked`: fields the estimate reads have problems (no estimate, and why).
    void showEstimate(const core::RunConfig &config, bool blocked);
    // The budget box shows `gib` (listed when it is not among the usual cards); user choices: budgetChosen.
    void showBudget(double gib);
    double budgetGib() const;
    bool fits() const { return m_fits; }
    QString memoryText() const { return m_memoryText; }
    QString parameterText() const;
    MemoryBreakdownModel *model() const { return m_model; }
    // The config with the suggested plan applied; nullopt when it fits or no plan does.
    const std::optional<core::RunConfig> &recommended() const { return m_recommended; }

Q_SIGNALS:
    void budgetChosen(double gib);
    void applyPlanRequested();

private:
    void showNoEstimate(const QString &why);

    bool m_fits = false;
    QString m_memoryText;
    std::optional<core::RunConfig> m_recommended;
    QLabel *m_parameters;
    QComboBox *m_budget;
    MemoryBreakdownModel *m_model;
    MemoryBar *m_bar;
    QLabel *m_verdict;
    QLabel *m_deviceNote;
    QPushButton *m_applyPlan;
    QTableView *m_breakdown;
};

}  // namespace danka::ui
