// A length histogram as a Qt Charts bar chart (one bar per power-of-two bucket), themed after the palette.
// Its axes read at any width: round count ticks (chart_format.h, whole 1-2-5 steps from 0), and bars
// labelled by where their bucket starts ("0", "16", ..., "1K" for 1024), every k-th label where the bars are
// too narrow for all; the exact bucket and count show on hover.
#pragma once

#include <QChartView>
#include <QVector>
#include <memory>

#include "ui/data/data_stats.h"

class QBarCategoryAxis;
class QBarSet;
class QValueAxis;

namespace danka::ui {

class VerticalAxisTitle;

class HistogramView : public QChartView {
    Q_OBJECT
public:
    explicit HistogramView(QWidget *parent = nullptr);
    ~HistogramView() override;

    // `lengthUnit` names what a length counts ("tokens", "characters"), `countUnit` what a bar counts
    // ("records", "segments"): the axis titles.
    void setHistogram(const LengthHistogram &histogram, const QString &title, const QString &lengthUnit,
                      const QString &countUnit);
    void clear(const QString &title = QString());

    // What the chart shows, read back from its bar set (tests, screenshots).
    qint64 total() const;
    QStringList categories() const { return m_categories; }  // each bar's bucket, "16-31"
    QVector<qint64> counts() const;
    QStringList barLabels() const;  // the labels under the bars as shown ("" where thinned out)
    QVector<double> countTicks() const;  // the count axis' ticks
    QString countTitle() const;          // the count axis' title as drawn

    // The label under each bar for `edges` (the lower edges), at most one in `every` shown.
    static QStringList barLabelsFor(const std::vector<int64_t> &edges, int every);
    static QString edgeLabel(int64_t edge);  // 16 -> "16", 1024 -> "1K", 1536 -> "1536"

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void applyTheme();
    void fitLabels();  // as many bar labels as the plot's width holds

    QBarSet *m_set = nullptr;
    QBarCategoryAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QStringList m_categories;
    std::vector<int64_t> m_edges;
    QStringList m_barLabels;
    QVector<double> m_countTicks;
    QString m_countUnit, m_lengthUnit;
    std::unique_ptr<VerticalAxisTitle> m_countTitle;
};

}  // namespace danka::ui
