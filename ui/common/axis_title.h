// A y-axis title that a chart draws itself. Qt Charts elides a vertical axis title to a dot whenever the
// tick labels are narrower than its "..." placeholder (one-digit labels; every CJK title, whose glyphs are
// taller than the Latin text it measures): this one is rotated text in the chart's left margin, centred on
// the plot area, elided only when the whole chart is shorter than the title.
#pragma once

#include <QBrush>
#include <QRectF>
#include <QString>

QT_BEGIN_NAMESPACE
class QChart;
class QGraphicsSimpleTextItem;
QT_END_NAMESPACE

namespace danka::ui {

class VerticalAxisTitle {
public:
    explicit VerticalAxisTitle(QChart *chart);  // the item belongs to the chart

    void setText(const QString &text);
    QString shownText() const;  // as drawn; "" when there is none
    void setBrush(const QBrush &brush);
    // The room the title takes in the chart's left margin (0 without a title); add it to the margin.
    int marginWidth() const;
    // Re-centres the title on the plot area (call when it changes) and elides it if it must.
    void place(double leftMargin);
    QRectF sceneRect() const;  // where it is drawn, in scene coordinates

private:
    QChart *m_chart;
    QGraphicsSimpleTextItem *m_item;
    QString m_text;
};

}  // namespace danka::ui
