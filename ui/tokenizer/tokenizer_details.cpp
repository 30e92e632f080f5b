// What the Tokenizer page says about a tokenizer (see tokenizer_details.h).
#include "ui/tokenizer/tokenizer_details.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>
#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"
#include "ui/tokenizer/tokenizer_tester_pane.h"

namespace danka::ui {

namespace {

QString escaped(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString number(double value, int decimals = 2)
{
    return QString::number(value, 'f', decimals);
}

}  // namespace

QString TokenizerDetails::html(const LoadedTokenizer &loaded)
{
    const core::tokenizer::Tokenizer &tok = *loaded.tokenizer;
    const nlohmann::json &meta = tok.metadata();
    QString h =
        QStringLiteral("<h3>%1</h3><table cellspacing=3>").arg(QFileInfo(loaded.path).fileName().toHtmlEscaped());
    auto row = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
    };
    row(tr("Folder"), QDir::toNativeSeparators(loaded.path).toHtmlEscaped());
    row(tr("Vocabulary"), tr("%1 pieces, %2 of them UTF-8 bytes").arg(tok.vocabSize()).arg(loaded.bytePieces));
    row(tr("Special ids"), QStringLiteral("&lt;unk&gt; %1, &lt;s&gt; %2, &lt;/s&gt; %3, &lt;pad&gt; %4")
                               .arg(tok.unkId())
                               .arg(tok.bosId())
                               .arg(tok.eosId())
                               .arg(tok.padId()));
    QStringList markers;
    for (const std::string &m : tok.markers()) markers << QStringLiteral("<nobr>%1</nobr>").arg(escaped(m));
    row(tr("Markers"), markers.join(QStringLiteral(" ")));
    const nlohmann::json stats = meta.value("stats", nlohmann::json::object());
    if (stats.is_object() && stats.contains("chars_per_token_zh")) {
        row(tr("Chars per token"), tr("zh %1 (%2 held-out lines), en %3 (%4 held-out lines)")
                                       .arg(number(stats.value("chars_per_token_zh", 0.0)))
                                       .arg(stats.value("held_out_lines_zh", int64_t(0)))
                                       .arg(number(stats.value("chars_per_token_en", 0.0)))
                                       .arg(stats.value("held_out_lines_en", int64_t(0))));
        row(tr("Byte fallback"),
            tr("%1% of held-out tokens").arg(number(100.0 * stats.value("byte_fallback_share", 0.0))));
    }
    if (meta.contains("normalization") && meta["normalization"].is_string())
        row(tr("Normalization"), escaped(meta["normalization"].get<std::string>()));
    row(tr("Checksum"), escaped(tok.checksum().substr(0, 16)));
    h += QStringLiteral("</table>");
    if (meta.contains("trained_on") && meta["trained_on"].is_array()) {
        h += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Trained on"));
        for (const auto &in : meta["trained_on"])
            if (in.is_string()) h += QStringLiteral("<li>%1</li>").arg(escaped(in.get<std::string>()));
        h += QStringLiteral("</ul>");
    }
    return h;
}

// The list row of a folder opened from disk: its figures come from the metadata written at training time.
core::TokenizerRecord TokenizerDetails::record(const core::tokenizer::Tokenizer &tok, const QString &path)
{
    core::TokenizerRecord record;
    record.name = QFileInfo(path).fileName().toStdString();
    record.path = path.toStdString();
    record.vocabSize = tok.vocabSize();
    record.checksum = tok.checksum();
    const nlohmann::json stats = tok.metadata().value("stats", nlohmann::json::object());
    nlohmann::json info = nlohmann::json::object();
    for (const char *key : {"chars_per_token_zh", "chars_per_token_en", "byte_fallback_share"})
        if (stats.is_object() && stats.contains(key) && stats[key].is_number()) info[key] = stats[key];
    record.infoJson = info.dump();
    return record;
}

}  // namespace danka::ui
