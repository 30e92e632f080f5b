// The lines of a training memory estimate (weights, gradients, optimizer states, activations...) as a table:
// the legend under the memory bar. Each row carries its segment's colour so bar and legend agree.
#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <vector>

#include "model/estimate.h"

namespace danka::ui {

class MemoryBreakdownModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PartColumn, BytesColumn, DetailColumn, ColumnCount };
    enum Role { BytesRole = Qt::UserRole + 1 };  // the line's bytes as a double

    struct Row {
        QString name;  // translated part name
        double bytes = 0;
        QString detail;  // the estimator's own words (English, engine side)
        QColor color;
    };

    explicit MemoryBreakdownModel(QObject *parent = nullptr);

    void setLines(const std::vector<model::MemoryLine> &lines);  // resets the model
    void clear();
    const std::vector<Row> &rows() const { return m_rows; }
    double totalBytes() const;

    // The display name and colour of an estimator line ("weights", "activations", ...).
    static QString partName(const std::string &line);
    static QColor partColor(const std::string &line);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<Row> m_rows;
};

}  // namespace danka::ui
