// Table model of a prepared dataset's segments, the train split then the validation split: number, split,
// part (document, conversation, or prompt / chosen / rejected of a preference record), tokens and the start
// of the decoded text. Reads the memory-mapped shards on demand, like RecordsModel, with a row cache.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ui/data/row_cache.h"

namespace danka::core::data {
class Dataset;
class DatasetSplit;
}  // namespace danka::core::data
namespace danka::core::tokenizer {
class Tokenizer;
}

namespace danka::ui {

class SegmentsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NumberColumn, SplitColumn, PartColumn, TokensColumn, PreviewColumn, ColumnCount };

    explicit SegmentsModel(QObject *parent = nullptr);
    ~SegmentsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // `tokenizer` may be null (previews then show token ids).
    void setDataset(std::shared_ptr<const core::data::Dataset> dataset,
                    std::shared_ptr<const core::tokenizer::Tokenizer> tokenizer);
    const core::data::Dataset *dataset() const { return m_dataset.get(); }
    const core::tokenizer::Tokenizer *tokenizer() const { return m_tokenizer.get(); }

    struct Segment {
        std::string split;           // "train", "val"
        int64_t index = -1;          // within the split
        int64_t begin = 0, end = 0;  // token range in the split's stream
    };
    Segment segment(int row) const;                            // index -1 when out of range
    int rowOf(const std::string &split, int64_t index) const;  // -1 when absent
    QString partName(int row) const;
    std::vector<int32_t> tokens(int row, int64_t maxTokens = -1) const;
    std::vector<uint8_t> mask(int row, int64_t maxTokens = -1) const;
    // Decoded text of tokens (ids in brackets when there is no tokenizer).
    QString decode(const std::vector<int32_t> &ids) const;

    static constexpr int kPreviewTokens = 48;

private:
    struct Row {
        int64_t tokens = 0;
        QString preview;
    };
    Row readRow(int row) const;

    std::shared_ptr<const core::data::Dataset> m_dataset;
    std::shared_ptr<const core::tokenizer::Tokenizer> m_tokenizer;
    std::vector<std::pair<std::string, int64_t>> m_splits;  // name and first row
    int64_t m_rows = 0;
    mutable RowCache<Row> m_cache{2000};
};

}  // namespace danka::ui
