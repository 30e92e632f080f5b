// The Data page's reports as HTML, built from what its jobs computed: the statistics and rejected-lines
// report of a raw file (RawFileStats), the summary and rejected lines of a prepared dataset (its
// dataset.json), and the detail of one dataset segment (its tokens decoded, the loss mask highlighted).
// Pure functions: DataPage shows what they return. Rejected lines link "line:N" (a line of the open file)
// or file:///path#N (another file at line N); DataPage follows them.
#pragma once

#include <QString>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

class QPalette;

namespace danka::core::data {
class Dataset;
class RecordIndex;
}  // namespace danka::core::data

namespace danka::ui {

class SegmentsModel;
struct RawFileStats;

// A count as the locale writes it ("12,345").
QString countText(qint64 n);

// Fields of dataset.json, read defensively: a hand-edited file must not take the page down. jsonAt: the
// value at `key` of an object, else null; jsonInt / jsonString: the number or string, else 0 or "".
const nlohmann::json &jsonAt(const nlohmann::json &j, const char *key);
int64_t jsonInt(const nlohmann::json &v);
std::string jsonString(const nlohmann::json &v);

// A raw file: its counts and lengths (`index` gives the layout detail and the file size), the title of
// its length histogram, and the rejected lines by reason with the first examples (those in `path`, the
// open file, link to their line).
QString rawStatisticsHtml(const QString &fileName, const RawFileStats &stats,
                          const core::data::RecordIndex &index);
QString rawHistogramTitle(const RawFileStats &stats);
QString rawRejectedHtml(const RawFileStats &stats, const std::string &path);

// A prepared dataset: kind, folder, tokenizer (`tokenizerNote`: how it was found), splits, cleaning and
// inputs; then its rejected lines and what cleaning removed, from `info` (its dataset.json).
QString datasetInfoHtml(const core::data::Dataset &dataset, const QString &folder,
                        const QString &tokenizerNote);
QString datasetRejectedHtml(const nlohmann::json &info);

// The segment at `row` of `segments`: where it is, its tokens decoded with the tokens trained on
// highlighted; of a preference dataset, the record's prompt and both replies side by side.
QString segmentDetailHtml(const SegmentsModel &segments, const core::data::Dataset &dataset, int row,
                          const QPalette &palette);

}  // namespace danka::ui
