// Records table model (see records_model.h).
#include "ui/data/records_model.h"

#include <QColor>
#include <climits>

#include "ui/data/record_html.h"

namespace danka::ui {

RecordsModel::RecordsModel(QObject *parent) : QAbstractTableModel(parent) {}

RecordsModel::~RecordsModel() = default;

int RecordsModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_index) return 0;
    return static_cast<int>(std::min<int64_t>(m_index->size(), INT_MAX));  // Qt's limit: 2^31 - 1 rows
}

int RecordsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void RecordsModel::setIndex(std::shared_ptr<const core::data::RecordIndex> index)
{
    beginResetModel();
    m_index = std::move(index);
    m_cache.clear();
    endResetModel();
}

const RecordsModel::Row &RecordsModel::row(int r) const
{
    return m_cache.get(r, [this](int i) { return readRow(i); });
}

RecordsModel::Row RecordsModel::readRow(int r) const
{
    Row row;
    core::data::Record record;
    std::string error;
    row.valid = m_index->read(r, record, error);
    if (row.valid) {
        switch (record.kind) {
        case core::data::RecordKind::Text: row.kind = tr("text"); break;
        case core::data::RecordKind::Conversation:
            row.kind = tr("conversation (%1 turns)").arg(record.messages.size());
            break;
        case core::data::RecordKind::Preference: row.kind = tr("preference"); break;
        }
        row.characters = recordCharacters(record);
        row.preview = recordSummary(record);
    } else {
        row.kind = tr("rejected");
        row.preview = QString::fromStdString(error);
    }
    return row;
}

QVariant RecordsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !m_index || index.row() >= rowCount()) return {};
    const int column = index.column();
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::Alignment(column == PreviewColumn || column == KindColumn
                                                     ? Qt::AlignLeft | Qt::AlignVCenter
                                                     : Qt::AlignRight | Qt::AlignVCenter));
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != Qt::ForegroundRole && role != ValidRole)
        return {};
    // The number and the line come from the index: no need to read the record.
    if (role == Qt::DisplayRole && column == NumberColumn) return index.row() + 1;
    if (role == Qt::DisplayRole && column == LineColumn)
        return static_cast<qlonglong>(m_index->line(index.row()));
    const Row &r = row(index.row());
    switch (role) {
    case ValidRole: return r.valid;
    case Qt::ForegroundRole: return r.valid ? QVariant() : QVariant(QColor(0xd0, 0x30, 0x30));
    case Qt::ToolTipRole:
        return r.valid ? QVariant() : tr("Line %1: %2").arg(m_index->line(index.row())).arg(r.preview);
    default: break;
    }
    switch (column) {
    case KindColumn: return r.kind;
    case CharactersColumn: return r.valid ? QVariant(r.characters) : QVariant();
    case PreviewColumn: return r.preview;
    default: return {};
    }
}

QVariant RecordsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NumberColumn: return tr("#");
    case LineColumn: return tr("Line");
    case KindColumn: return tr("Kind");
    case CharactersColumn: return tr("Characters");
    case PreviewColumn: return tr("Content");
    default: return {};
    }
}

bool RecordsModel::record(int row, core::data::Record &out, QString &error) const
{
    if (!m_index || row < 0 || row >= rowCount()) {
        error = tr("No such record.");
        return false;
    }
    std::string e;
    if (m_index->read(row, out, e)) return true;
    error = QString::fromStdString(e);
    return false;
}

int RecordsModel::rowAtLine(qint64 line) const
{
    if (!m_index) return -1;
    return static_cast<int>(std::min<int64_t>(m_index->entryAtLine(line), INT_MAX - 1));
}

}  // namespace danka::ui
