// Segments table model (see segments_model.h).
#include "ui/data/segments_model.h"

#include <climits>

#include "core/data/dataset.h"
#include "core/tokenizer/tokenizer.h"

namespace danka::ui {

SegmentsModel::SegmentsModel(QObject *parent) : QAbstractTableModel(parent) {}

SegmentsModel::~SegmentsModel() = default;

int SegmentsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(std::min<int64_t>(m_rows, INT_MAX));
}

int SegmentsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void SegmentsModel::setDataset(std::shared_ptr<const core::data::Dataset> dataset,
                               std::shared_ptr<const core::tokenizer::Tokenizer> tokenizer)
{
    beginResetModel();
    m_dataset = std::move(dataset);
    m_tokenizer = std::move(tokenizer);
    m_splits.clear();
    m_rows = 0;
    m_cache.clear();
    if (m_dataset) {
        for (const char *name : {"train", "val"}) {
            if (!m_dataset->hasSplit(name)) continue;
            m_splits.emplace_back(name, m_rows);
            m_rows += m_dataset->split(name).numSegments();
        }
    }
    endResetModel();
}

SegmentsModel::Segment SegmentsModel::segment(int row) const
{
    Segment s;
    if (!m_dataset || row < 0 || row >= rowCount()) return s;
    for (auto it = m_splits.rbegin(); it != m_splits.rend(); ++it) {
        if (row < it->second) continue;
        s.split = it->first;
        s.index = row - it->second;
        std::tie(s.begin, s.end) = m_dataset->split(s.split).segment(s.index);
        break;
    }
    return s;
}

int SegmentsModel::rowOf(const std::string &split, int64_t index) const
{
    for (const auto &[name, first] : m_splits)
        if (name == split && index >= 0 && index < m_dataset->split(name).numSegments())
            return static_cast<int>(first + index);
    return -1;
}

QString SegmentsModel::partName(int row) const
{
    const Segment s = segment(row);
    if (s.index < 0) return QString();
    switch (m_dataset->kind()) {
    case core::data::DatasetKind::Pretrain: return tr("document");
    case core::data::DatasetKind::Sft: return tr("conversation");
    case core::data::DatasetKind::Preference: {
        static const char *const parts[] = {QT_TR_NOOP("prompt"), QT_TR_NOOP("chosen"),
                                            QT_TR_NOOP("rejected")};
        return tr(parts[s.index % 3]);
    }
    }
    return QString();
}

std::vector<int32_t> SegmentsModel::tokens(int row, int64_t maxTokens) const
{
    const Segment s = segment(row);
    if (s.index < 0) return {};
    const int64_t n = maxTokens < 0 ? s.end - s.begin : std::min(maxTokens, s.end - s.begin);
    std::vector<int32_t> ids(static_cast<size_t>(n));
    m_dataset->split(s.split).readTokens(s.begin, n, ids.data());
    return ids;
}

std::vector<uint8_t> SegmentsModel::mask(int row, int64_t maxTokens) const
{
    const Segment s = segment(row);
    if (s.index < 0) return {};
    const int64_t n = maxTokens < 0 ? s.end - s.begin : std::min(maxTokens, s.end - s.begin);
    std::vector<uint8_t> m(static_cast<size_t>(n));
    m_dataset->split(s.split).readMask(s.begin, n, m.data());
    return m;
}

QString SegmentsModel::decode(const std::vector<int32_t> &ids) const
{
    if (m_tokenizer) return QString::fromStdString(m_tokenizer->decode(ids));
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(ids.size()));
    for (int32_t id : ids)
        parts << QString::number(id);
    return QStringLiteral("[") + parts.join(QLatin1Char(' ')) + QStringLiteral("]");
}

SegmentsModel::Row SegmentsModel::readRow(int row) const
{
    Row r;
    const Segment s = segment(row);
    r.tokens = s.end - s.begin;
    QString text = decode(tokens(row, kPreviewTokens));
    text.replace(QLatin1Char('\n'), QChar(0x23CE));  // ⏎: one line per row
    if (r.tokens > kPreviewTokens) text += QChar(0x2026);
    r.preview = text;
    return r;
}

QVariant SegmentsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !m_dataset || index.row() >= rowCount()) return {};
    const int column = index.column();
    if (role == Qt::TextAlignmentRole && (column == NumberColumn || column == TokensColumn))
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    if (role != Qt::DisplayRole) return {};
    switch (column) {
    case NumberColumn: return index.row() + 1;
    case SplitColumn: {
        const std::string split = segment(index.row()).split;
        return split == "val" ? tr("validation") : tr("train");
    }
    case PartColumn: return partName(index.row());
    case TokensColumn:
        return static_cast<qlonglong>(m_cache.get(index.row(), [this](int r) { return readRow(r); }).tokens);
    case PreviewColumn: return m_cache.get(index.row(), [this](int r) { return readRow(r); }).preview;
    default: return {};
    }
}

QVariant SegmentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NumberColumn: return tr("#");
    case SplitColumn: return tr("Split");
    case PartColumn: return tr("Part");
    case TokensColumn: return tr("Tokens");
    case PreviewColumn: return tr("Decoded text");
    default: return {};
    }
}

}  // namespace danka::ui
