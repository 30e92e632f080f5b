// Table model of the tokenizers the Tokenizer page offers: the workspace's registered ones (newest first, as
// the store lists them) followed by folders opened this session that the store does not know. Shows the
// vocabulary and the held-out compression recorded at training time (chars per token zh / en, byte-fallback
// share) without loading any model.
#pragma once

#include <QAbstractTableModel>
#include <optional>
#include <vector>

#include "core/store/records.h"

namespace danka::ui {

class TokenizersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, VocabColumn, ZhColumn, EnColumn, ByteFallbackColumn, PathColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1, RegisteredRole, SortRole };

    struct Entry {
        core::TokenizerRecord record;
        bool registered = true;  // false: opened from a folder, not in the workspace's store
        // From infoJson, read once when the row is set.
        std::optional<double> charsPerTokenZh, charsPerTokenEn, byteFallbackShare;
    };

    explicit TokenizersModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces the registered rows (opened rows whose folder is now registered are dropped). The same
    // folders in the same order are updated in place so that the selection survives a poll; otherwise the
    // model resets.
    void setRegistered(std::vector<core::TokenizerRecord> records);
    // Adds a folder opened by the user (or updates its row). Returns its row.
    int addOpened(core::TokenizerRecord record);

    const Entry *entryAt(int row) const;
    int rowOfPath(const QString &path) const;  // -1 when absent

    // The form in which paths are compared: absolute and clean (no trailing '/', no "..").
    static QString normalizedPath(const QString &path);
    // A number of a record's infoJson ("chars_per_token_zh"...), when present.
    static std::optional<double> infoNumber(const core::TokenizerRecord &record, const char *key);

private:
    void replaceRows(std::vector<Entry> entries);

    std::vector<Entry> m_entries;
};

}  // namespace danka::ui
