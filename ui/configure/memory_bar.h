// A horizontal stacked bar of a memory estimate against a budget: one segment per breakdown row, a mark at
// the budget, the part beyond it hatched. Framed green when the plan fits, red when it does not.
#pragma once

#include <QWidget>

namespace danka::ui {

class MemoryBreakdownModel;

class MemoryBar : public QWidget {
    Q_OBJECT
public:
    explicit MemoryBar(QWidget *parent = nullptr);

    void setModel(MemoryBreakdownModel *model);  // repaints on the model's resets
    void setBudget(double budgetBytes, bool fits);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;  // segment tooltips

private:
    double scaleBytes() const;  // bytes of the full bar width
    int segmentAt(int x) const;

    MemoryBreakdownModel *m_model = nullptr;
    double m_budgetBytes = 0;
    bool m_fits = true;
};

}  // namespace danka::ui
