// A length histogram as a Qt Charts bar chart (one bar per power-of-two bucket), themed after the palette.
#pragma once

#include <QChartView>
#include <QVector>

#include "ui/data/data_stats.h"

class QBarSet;

namespace danka::ui {

class HistogramView : public QChartView {
    Q_OBJECT
public:
    explicit HistogramView(QWidget *parent = nullptr);

    // `lengthUnit` names what a length counts ("tokens", "characters"), `countUnit` what a bar counts
    // ("records", "segments"): the axis titles.
    void setHistogram(const LengthHistogram &histogram, const QString &title, const QString &lengthUnit,
                      const QString &countUnit);
    void clear(const QString &title = QString());

    // What the chart shows, read back from its bar set (tests, screenshots).
    qint64 total() const;
    QStringList categories() const { return m_categories; }
    QVector<qint64> counts() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyTheme();
    QBarSet *m_set = nullptr;
    QStringList m_categories;
};

}  // namespace danka::ui
