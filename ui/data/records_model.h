// Table model of a raw data file's records, one row per RecordIndex entry: number, line, kind, characters
// and the first characters. Only the rows a view asks for are read and parsed, and the most recent ones are
// kept, so a view scrolls a file of any size (a 1 GB file has millions of rows) at the cost of the rows on
// screen. Entries that are not valid records show the reason the pipeline would reject them with.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <memory>

#include "core/data/record_index.h"
#include "core/data/records.h"
#include "ui/data/row_cache.h"

namespace danka::ui {

class RecordsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NumberColumn, LineColumn, KindColumn, CharactersColumn, PreviewColumn, ColumnCount };
    enum Role { ValidRole = Qt::UserRole + 1 };  // bool: the entry is a valid record

    explicit RecordsModel(QObject *parent = nullptr);
    ~RecordsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setIndex(std::shared_ptr<const core::data::RecordIndex> index);  // nullptr: empty
    const core::data::RecordIndex *recordIndex() const { return m_index.get(); }

    // Reads and parses the record of `row` in full (for the detail pane). False with the reason in `error`.
    bool record(int row, core::data::Record &out, QString &error) const;
    int rowAtLine(qint64 line) const;  // the row whose entry holds that line of the file; -1 before the first
    int cachedRows() const { return static_cast<int>(m_cache.size()); }  // rows read so far and kept

    static constexpr int kCacheRows = 2000;  // several screens of rows

private:
    struct Row {
        bool valid = false;
        QString kind;
        qint64 characters = 0;
        QString preview;  // or the reason it is not a record
    };
    const Row &row(int row) const;
    Row readRow(int row) const;

    std::shared_ptr<const core::data::RecordIndex> m_index;
    mutable RowCache<Row> m_cache{kCacheRows};
};

}  // namespace danka::ui
