// Reports of the Data page as HTML (see data_reports.h).
#include "ui/data/data_reports.h"

#include <QCoreApplication>
#include <QDir>
#include <QLocale>
#include <QRegularExpression>
#include <QUrl>
#include <nlohmann/json.hpp>

#include "core/data/dataset.h"
#include "core/data/record_index.h"
#include "core/util/text_util.h"
#include "ui/data/data_stats.h"
#include "ui/data/record_html.h"
#include "ui/data/segments_model.h"

// The texts are translated in DataPage's context, whose strings they were: danka_zh_CN.ts keeps applying.

namespace danka::ui {

using nlohmann::json;

namespace {

// Tokens of one segment decoded for the detail pane; longer segments are cut (and the cut is said).
constexpr int64_t kMaxDetailTokens = 20000;

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

// "file:line: reason" as a link that opens the file at that line.
QString exampleHtml(const std::string &file, int64_t line, const std::string &reason, bool sameFile)
{
    const QString where = QStringLiteral("%1:%2").arg(QString::fromStdString(file)).arg(line);
    QUrl url = sameFile ? QUrl(QStringLiteral("line:%1").arg(line))
                        : QUrl::fromLocalFile(QString::fromStdString(file));
    if (!sameFile) url.setFragment(QString::number(line));
    return QStringLiteral("<li><a href=\"%1\">%2</a>: %3</li>")
        .arg(url.toString(QUrl::FullyEncoded).toHtmlEscaped(), where.toHtmlEscaped(), html(reason));
}

}  // namespace

QString countText(qint64 n)
{
    return QLocale().toString(n);
}

const json &jsonAt(const json &j, const char *key)
{
    static const json null;
    return j.is_object() && j.contains(key) ? j[key] : null;
}

int64_t jsonInt(const json &v)
{
    return v.is_number() ? v.get<int64_t>() : 0;
}

std::string jsonString(const json &v)
{
    return v.is_string() ? v.get<std::string>() : std::string();
}

// --- raw files -------------------------------------------------------------------------------------------

QString rawStatisticsHtml(const QString &fileName, const RawFileStats &s,
                          const core::data::RecordIndex &index)
{
    QString h = QStringLiteral("<h3>%1</h3><table cellspacing=\"3\">").arg(fileName.toHtmlEscaped());
    const auto row = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                 .arg(key.toHtmlEscaped(), value.toHtmlEscaped());
    };
    row(QCoreApplication::translate("danka::ui::DataPage", "Layout"),
        QString::fromLatin1(core::data::dataFormatName(s.format)) +
            (index.isJsonArray() ? QCoreApplication::translate("danka::ui::DataPage", " (one JSON array)")
                                 : QString()));
    row(QCoreApplication::translate("danka::ui::DataPage", "File size"),
        QString::fromStdString(core::formatBytes(double(index.fileSize()))));
    row(QCoreApplication::translate("danka::ui::DataPage", "Valid records"), countText(s.records));
    row(QCoreApplication::translate("danka::ui::DataPage", "Rejected lines"), countText(s.rejects.total));
    row(QCoreApplication::translate("danka::ui::DataPage", "Characters"), countText(s.characters));
    if (s.records > 0) {
        row(QCoreApplication::translate("danka::ui::DataPage", "Characters per record"),
            QCoreApplication::translate("danka::ui::DataPage", "%1 on average, %2 at most")
                .arg(QLocale().toString(double(s.characters) / double(s.records), 'f', 1))
                .arg(countText(s.longestCharacters)));
    }
    if (s.inTokens && s.measured > 0)
        row(QCoreApplication::translate("danka::ui::DataPage", "Tokens per record"),
            QLocale().toString(double(s.measuredTokens) / double(s.measured), 'f', 1));
    h += QStringLiteral("</table>");

    if (s.inTokens)
        h += QStringLiteral("<p>%1</p>")
                 .arg(QCoreApplication::translate(
                          "danka::ui::DataPage",
                          "Tokens as data prepare counts them before cleaning: chat template "
                          "for conversations, the prompt and the longer reply of a "
                          "preference pair, </s> after a document.")
                          .toHtmlEscaped());
    return h;
}

QString rawHistogramTitle(const RawFileStats &s)
{
    QString title;
    if (!s.inTokens)
        title = QCoreApplication::translate("danka::ui::DataPage", "Lengths in characters of all %1 records")
                    .arg(countText(s.measured));
    else if (s.measured < s.records)
        title = QCoreApplication::translate("danka::ui::DataPage",
                                            "Lengths in tokens of the first %1 of %2 records (a sample)")
                    .arg(countText(s.measured), countText(s.records));
    else
        title = QCoreApplication::translate("danka::ui::DataPage", "Lengths in tokens of all %1 records")
                    .arg(countText(s.measured));
    return title;
}

QString rawRejectedHtml(const RawFileStats &s, const std::string &path)
{
    QString r = QStringLiteral("<h3>%1</h3>")
                    .arg(QCoreApplication::translate("danka::ui::DataPage", "Rejected lines: %1")
                             .arg(countText(s.rejects.total))
                             .toHtmlEscaped());
    if (s.rejects.total == 0) {
        r += QStringLiteral("<p>%1</p>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage",
                                                  "Every entry of the file is a valid record.")
                          .toHtmlEscaped());
    } else {
        r += QStringLiteral("<table cellspacing=\"3\">");
        for (const auto &[reason, n] : s.rejects.countsByReason)
            r += QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td></tr>")
                     .arg(html(reason), countText(n));
        r += QStringLiteral("</table><p><b>%1</b></p><ul>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage", "First %1 examples")
                          .arg(s.rejects.examples.size())
                          .toHtmlEscaped());
        for (const auto &e : s.rejects.examples)
            r += exampleHtml(e.file, e.line, e.reason, e.file == path);
        r += QStringLiteral("</ul>");
    }
    return r;
}

// --- prepared datasets -----------------------------------------------------------------------------------

QString datasetInfoHtml(const core::data::Dataset &dataset, const QString &folder,
                        const QString &tokenizerNote)
{
    const json &info = dataset.info();
    QString h =
        QStringLiteral("<h3>%1</h3><table cellspacing=\"3\">").arg(html(jsonString(jsonAt(info, "name"))));
    const auto row = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                 .arg(key.toHtmlEscaped(), value.toHtmlEscaped());
    };
    row(QCoreApplication::translate("danka::ui::DataPage", "Kind"),
        QString::fromLatin1(core::data::datasetKindName(dataset.kind())));
    row(QCoreApplication::translate("danka::ui::DataPage", "Folder"), QDir::toNativeSeparators(folder));
    row(QCoreApplication::translate("danka::ui::DataPage", "Tokenizer"), tokenizerNote);
    row(QCoreApplication::translate("danka::ui::DataPage", "Token type"),
        QString::fromStdString(jsonString(jsonAt(info, "token_dtype"))));
    if (jsonAt(info, "created_at").is_number())
        row(QCoreApplication::translate("danka::ui::DataPage", "Prepared"),
            QString::fromStdString(core::formatTimestamp(jsonAt(info, "created_at").get<double>())));
    h += QStringLiteral("</table><h4>%1</h4><table cellspacing=\"3\" cellpadding=\"2\">")
             .arg(QCoreApplication::translate("danka::ui::DataPage", "Splits").toHtmlEscaped());
    h += QStringLiteral(
             "<tr><th></th><th align=\"right\">%1</th><th align=\"right\">%2</th><th "
             "align=\"right\">%3</th></tr>")
             .arg(QCoreApplication::translate("danka::ui::DataPage", "Records").toHtmlEscaped(),
                  QCoreApplication::translate("danka::ui::DataPage", "Segments").toHtmlEscaped(),
                  QCoreApplication::translate("danka::ui::DataPage", "Tokens").toHtmlEscaped());
    for (const char *split : {"train", "val"}) {
        if (!dataset.hasSplit(split)) continue;
        const core::data::DatasetSplit &s = dataset.split(split);
        h += QStringLiteral(
                 "<tr><td>%1</td><td align=\"right\">%2</td><td align=\"right\">%3</td><td "
                 "align=\"right\">%4</td></tr>")
                 .arg(std::string(split) == "val"
                          ? QCoreApplication::translate("danka::ui::DataPage", "validation")
                          : QCoreApplication::translate("danka::ui::DataPage", "train"),
                      countText(jsonInt(jsonAt(jsonAt(info, "records"), split))), countText(s.numSegments()),
                      countText(s.numTokens()));
    }
    h += QStringLiteral("</table>");

    const json &cleaning = jsonAt(info, "cleaning");
    h += QStringLiteral("<h4>%1</h4><p>%2</p>")
             .arg(QCoreApplication::translate("danka::ui::DataPage", "Cleaning").toHtmlEscaped(),
                  QCoreApplication::translate("danka::ui::DataPage",
                                              "%1 records read, %2 kept; deduplication: %3")
                      .arg(countText(jsonInt(jsonAt(cleaning, "records_in"))),
                           countText(jsonInt(jsonAt(cleaning, "records_out"))),
                           QString::fromStdString(jsonString(jsonAt(jsonAt(info, "dedup"), "mode"))))
                      .toHtmlEscaped());
    const json &rules = jsonAt(cleaning, "rules");
    if (rules.is_object() && !rules.empty()) {
        h += QStringLiteral(
                 "<table cellspacing=\"3\" cellpadding=\"2\"><tr><th></th><th align=\"right\">%1</th>"
                 "<th align=\"right\">%2</th></tr>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage", "Removed").toHtmlEscaped(),
                      QCoreApplication::translate("danka::ui::DataPage", "Changed").toHtmlEscaped());
        for (const auto &[rule, stats] : rules.items())
            h += QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td><td align=\"right\">%3</td></tr>")
                     .arg(html(rule), countText(jsonInt(jsonAt(stats, "removed"))),
                          countText(jsonInt(jsonAt(stats, "modified"))));
        h += QStringLiteral("</table>");
    }
    const json &languages = jsonAt(cleaning, "languages");
    if (languages.is_object() && !languages.empty()) {
        QStringList parts;
        for (const auto &[language, n] : languages.items())
            parts << QStringLiteral("%1 %2").arg(QString::fromStdString(language), countText(jsonInt(n)));
        h += QStringLiteral("<p>%1</p>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage", "Languages: %1")
                          .arg(parts.join(QStringLiteral(", ")))
                          .toHtmlEscaped());
    }
    const json &inputs = jsonAt(info, "inputs");
    if (inputs.is_array() && !inputs.empty()) {
        h += QStringLiteral("<h4>%1</h4><ul>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage", "Inputs").toHtmlEscaped());
        for (const json &in : inputs)
            h +=
                QStringLiteral("<li>%1</li>")
                    .arg(QCoreApplication::translate("danka::ui::DataPage", "%1: %2, %3 records, %4 rejected")
                             .arg(QString::fromStdString(jsonString(jsonAt(in, "path"))),
                                  QString::fromStdString(jsonString(jsonAt(in, "format"))),
                                  countText(jsonInt(jsonAt(in, "records"))),
                                  countText(jsonInt(jsonAt(in, "rejected"))))
                             .toHtmlEscaped());
        h += QStringLiteral("</ul>");
    }
    return h;
}

QString datasetRejectedHtml(const json &info)
{
    const json &rejected = jsonAt(info, "rejected");
    QString r = QStringLiteral("<h3>%1</h3>")
                    .arg(QCoreApplication::translate("danka::ui::DataPage", "Rejected lines: %1")
                             .arg(countText(jsonInt(jsonAt(rejected, "total"))))
                             .toHtmlEscaped());
    const json &byReason = jsonAt(rejected, "by_reason");
    if (byReason.is_object() && !byReason.empty()) {
        r += QStringLiteral("<table cellspacing=\"3\">");
        for (const auto &[reason, n] : byReason.items())
            r += QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td></tr>")
                     .arg(html(reason), countText(jsonInt(n)));
        r += QStringLiteral("</table><ul>");
        static const QRegularExpression where(QStringLiteral("^(.*):(\\d+): (.*)$"));
        const json &examples = jsonAt(rejected, "examples");
        for (const json &e : examples.is_array() ? examples : json::array()) {
            const QRegularExpressionMatch m = where.match(QString::fromStdString(jsonString(e)));
            if (m.hasMatch())
                r += exampleHtml(m.captured(1).toStdString(), m.captured(2).toLongLong(),
                                 m.captured(3).toStdString(), false);
            else
                r += QStringLiteral("<li>%1</li>").arg(html(jsonString(e)));
        }
        r += QStringLiteral("</ul>");
    }
    // Then what cleaning removed, rule by rule, with the examples it kept.
    const json &rules = jsonAt(jsonAt(info, "cleaning"), "rules");
    bool anyRemoved = false;
    if (rules.is_object()) {
        for (const auto &[rule, stats] : rules.items()) {
            const json &examples = jsonAt(stats, "examples");
            if (jsonInt(jsonAt(stats, "removed")) == 0 || !examples.is_array() || examples.empty()) continue;
            if (!anyRemoved)
                r += QStringLiteral("<h3>%1</h3>")
                         .arg(QCoreApplication::translate("danka::ui::DataPage", "Removed by cleaning")
                                  .toHtmlEscaped());
            anyRemoved = true;
            r += QStringLiteral("<p><b>%1</b> (%2)</p><ul>")
                     .arg(html(rule), countText(jsonInt(jsonAt(stats, "removed"))));
            for (const json &e : examples)
                r += exampleHtml(jsonString(jsonAt(e, "file")), jsonInt(jsonAt(e, "line")),
                                 jsonString(jsonAt(e, "text")), false);
            r += QStringLiteral("</ul>");
        }
    }
    return r;
}

// --- dataset segments ------------------------------------------------------------------------------------

namespace {

// The segment's tokens decoded, those trained on highlighted.
QString segmentTokensHtml(const SegmentsModel &segments, const core::data::Dataset &dataset, int row,
                          const QPalette &palette)
{
    const std::vector<int32_t> ids = segments.tokens(row, kMaxDetailTokens);
    const std::vector<uint8_t> mask = dataset.split(segments.segment(row).split).hasMask()
                                          ? segments.mask(row, kMaxDetailTokens)
                                          : std::vector<uint8_t>();
    // Runs of equal loss mask, decoded run by run: the tokens trained on are highlighted.
    QString out;
    size_t begin = 0;
    while (begin < ids.size()) {
        size_t end = begin + 1;
        const uint8_t m = mask.empty() ? 0 : mask[begin];
        while (end < ids.size() && (mask.empty() ? 0 : mask[end]) == m)
            ++end;
        const QString text =
            segments.decode(std::vector<int32_t>(ids.begin() + long(begin), ids.begin() + long(end)))
                .toHtmlEscaped();
        out += m ? QStringLiteral("<span style=\"background-color:%1; color:%2\">%3</span>")
                       .arg(roleBackground(QStringLiteral("assistant"), palette).name(),
                            roleColor(QStringLiteral("assistant"), palette).name(), text)
                 : text;
        begin = end;
    }
    QString h = QStringLiteral("<div style=\"white-space:pre-wrap\">%1</div>").arg(out);
    const SegmentsModel::Segment s = segments.segment(row);
    if (s.end - s.begin > kMaxDetailTokens)
        h += QStringLiteral("<p><i>%1</i></p>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage", "(cut here: %1 tokens in all)")
                          .arg(countText(s.end - s.begin))
                          .toHtmlEscaped());
    return h;
}

}  // namespace

QString segmentDetailHtml(const SegmentsModel &segments, const core::data::Dataset &dataset, int row,
                          const QPalette &palette)
{
    const SegmentsModel::Segment s = segments.segment(row);
    QString h =
        QStringLiteral("<p><b>%1</b> &middot; %2 &middot; %3</p>")
            .arg(QCoreApplication::translate("danka::ui::DataPage", "%1, segment %2")
                     .arg(s.split == "val" ? QCoreApplication::translate("danka::ui::DataPage", "validation")
                                           : QCoreApplication::translate("danka::ui::DataPage", "train"))
                     .arg(s.index + 1)
                     .toHtmlEscaped(),
                 segments.partName(row).toHtmlEscaped(),
                 QCoreApplication::translate("danka::ui::DataPage", "%1 tokens")
                     .arg(countText(s.end - s.begin))
                     .toHtmlEscaped());
    if (dataset.kind() != core::data::DatasetKind::Pretrain)
        h += QStringLiteral("<p style=\"color:gray\">%1</p>")
                 .arg(QCoreApplication::translate("danka::ui::DataPage",
                                                  "Highlighted: the tokens trained on (loss mask).")
                          .toHtmlEscaped());
    if (dataset.kind() == core::data::DatasetKind::Preference) {
        // The record's three segments: its prompt, then both replies side by side.
        const int64_t first = s.index - s.index % 3;
        const int prompt = segments.rowOf(s.split, first);
        const int chosen = segments.rowOf(s.split, first + 1);
        const int rejected = segments.rowOf(s.split, first + 2);
        if (prompt >= 0 && chosen >= 0 && rejected >= 0)
            return h + segmentTokensHtml(segments, dataset, prompt, palette) +
                   sideBySideHtml(QCoreApplication::translate("danka::ui::DataPage", "Chosen"),
                                  segmentTokensHtml(segments, dataset, chosen, palette),
                                  QCoreApplication::translate("danka::ui::DataPage", "Rejected"),
                                  segmentTokensHtml(segments, dataset, rejected, palette), palette);
    }
    return h + segmentTokensHtml(segments, dataset, row, palette);
}

}  // namespace danka::ui
