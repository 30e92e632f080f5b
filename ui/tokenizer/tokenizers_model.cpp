// Tokenizers table model (see tokenizers_model.h).
#include "ui/tokenizer/tokenizers_model.h"

#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <algorithm>
#include <nlohmann/json.hpp>

namespace danka::ui {

namespace {

TokenizersModel::Entry makeEntry(core::TokenizerRecord record, bool registered)
{
    TokenizersModel::Entry e;
    e.charsPerTokenZh = TokenizersModel::infoNumber(record, "chars_per_token_zh");
    e.charsPerTokenEn = TokenizersModel::infoNumber(record, "chars_per_token_en");
    e.byteFallbackShare = TokenizersModel::infoNumber(record, "byte_fallback_share");
    e.record = std::move(record);
    e.registered = registered;
    return e;
}

// A held-out figure of 0 means the training data had no held-out line of that language: show nothing.
QVariant ratioText(const std::optional<double> &value)
{
    if (!value || *value <= 0) return {};
    return QString::number(*value, 'f', 2);
}

bool sameEntry(const TokenizersModel::Entry &a, const TokenizersModel::Entry &b)
{
    return a.registered == b.registered && a.record.id == b.record.id && a.record.name == b.record.name &&
           a.record.path == b.record.path && a.record.vocabSize == b.record.vocabSize &&
           a.record.checksum == b.record.checksum && a.record.infoJson == b.record.infoJson;
}

}  // namespace

TokenizersModel::TokenizersModel(QObject *parent) : QAbstractTableModel(parent) {}

int TokenizersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int TokenizersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString TokenizersModel::normalizedPath(const QString &path)
{
    if (path.isEmpty()) return {};
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

std::optional<double> TokenizersModel::infoNumber(const core::TokenizerRecord &record, const char *key)
{
    const nlohmann::json info = nlohmann::json::parse(record.infoJson, nullptr, false);
    if (!info.is_object()) return std::nullopt;
    const auto it = info.find(key);
    if (it == info.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

QVariant TokenizersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const Entry &e = m_entries[static_cast<size_t>(index.row())];
    const core::TokenizerRecord &r = e.record;
    const int column = index.column();

    if (role == PathRole) return QString::fromStdString(r.path);
    if (role == RegisteredRole) return e.registered;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn: return QString::fromStdString(r.name);
        case VocabColumn: return QVariant::fromValue<qlonglong>(r.vocabSize);
        case ZhColumn: return ratioText(e.charsPerTokenZh);
        case EnColumn: return ratioText(e.charsPerTokenEn);
        case ByteFallbackColumn:
            return e.byteFallbackShare
                       ? QVariant(QStringLiteral("%1%").arg(100.0 * *e.byteFallbackShare, 0, 'f', 2))
                       : QVariant();
        case PathColumn: return QString::fromStdString(r.path);
        }
    }
    if (role == SortRole) {
        switch (column) {
        case VocabColumn: return QVariant::fromValue<qlonglong>(r.vocabSize);
        case ZhColumn: return e.charsPerTokenZh.value_or(0);
        case EnColumn: return e.charsPerTokenEn.value_or(0);
        case ByteFallbackColumn: return e.byteFallbackShare.value_or(-1);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (column == ZhColumn || column == EnColumn)
            return tr("Characters per token on held-out lines of the training data: higher means shorter "
                      "sequences");
        if (column == ByteFallbackColumn)
            return tr(
                "Share of held-out tokens that are UTF-8 byte pieces (characters without a piece of their "
                "own)");
        if (!e.registered) return tr("Opened from a folder; not registered in the workspace\n%1")
                                  .arg(QString::fromStdString(r.path));
        return QString::fromStdString(r.path);
    }
    if (role == Qt::FontRole && !e.registered) {
        QFont font;
        font.setItalic(true);
        return font;
    }
    if (role == Qt::TextAlignmentRole && column != NameColumn && column != PathColumn)
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    return {};
}

QVariant TokenizersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn: return tr("Name");
        case VocabColumn: return tr("Vocabulary");
        // Two lines each: the figures are narrow, their titles need not be wider.
        case ZhColumn: return tr("Chars/token\nzh");
        case EnColumn: return tr("Chars/token\nen");
        case ByteFallbackColumn: return tr("Byte\nfallback");
        case PathColumn: return tr("Folder");
        }
    }
    return {};
}

void TokenizersModel::setRegistered(std::vector<core::TokenizerRecord> records)
{
    std::vector<Entry> entries;
    entries.reserve(records.size() + m_entries.size());
    for (core::TokenizerRecord &r : records) entries.push_back(makeEntry(std::move(r), true));
    const size_t registeredCount = entries.size();
    for (const Entry &e : m_entries) {
        if (e.registered) continue;
        const QString path = normalizedPath(QString::fromStdString(e.record.path));
        const bool nowRegistered = std::any_of(
            entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(registeredCount),
            [&](const Entry &r) { return normalizedPath(QString::fromStdString(r.record.path)) == path; });
        if (!nowRegistered) entries.push_back(e);
    }
    replaceRows(std::move(entries));
}

int TokenizersModel::addOpened(core::TokenizerRecord record)
{
    const int existing = rowOfPath(QString::fromStdString(record.path));
    if (existing >= 0) {
        Entry &e = m_entries[static_cast<size_t>(existing)];
        if (e.registered) return existing;  // the store's record is the authority
        e = makeEntry(std::move(record), false);
        Q_EMIT dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
        return existing;
    }
    const int row = rowCount();
    beginInsertRows({}, row, row);
    m_entries.push_back(makeEntry(std::move(record), false));
    endInsertRows();
    return row;
}

void TokenizersModel::replaceRows(std::vector<Entry> entries)
{
    const bool sameRows =
        entries.size() == m_entries.size() &&
        std::equal(entries.begin(), entries.end(), m_entries.begin(), [](const Entry &a, const Entry &b) {
            return a.registered == b.registered && a.record.path == b.record.path;
        });
    if (!sameRows) {
        beginResetModel();
        m_entries = std::move(entries);
        endResetModel();
        return;
    }
    for (size_t i = 0; i < entries.size(); ++i) {
        const bool changed = !sameEntry(m_entries[i], entries[i]);
        m_entries[i] = std::move(entries[i]);
        if (changed) {
            const int row = static_cast<int>(i);
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
}

const TokenizersModel::Entry *TokenizersModel::entryAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_entries[static_cast<size_t>(row)] : nullptr;
}

int TokenizersModel::rowOfPath(const QString &path) const
{
    const QString wanted = normalizedPath(path);
    for (size_t i = 0; i < m_entries.size(); ++i)
        if (normalizedPath(QString::fromStdString(m_entries[i].record.path)) == wanted)
            return static_cast<int>(i);
    return -1;
}

}  // namespace danka::ui
