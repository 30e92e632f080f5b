// Record rendering of the Data page (see record_html.h).
#include "ui/data/record_html.h"

#include <QCoreApplication>
#include <QPalette>

namespace danka::ui {

namespace {

// A detail pane is for reading: beyond this many characters per text, QTextBrowser's layout would cost
// seconds on the GUI thread for nothing anybody reads on screen.
constexpr int kMaxShownChars = 100000;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
                            static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
                            static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

// UTF-8 to QString, cut to kMaxShownChars (converting only a prefix of a huge text).
QString shown(const std::string &text, bool *cut = nullptr)
{
    const size_t maxBytes = static_cast<size_t>(kMaxShownChars) * 4;
    QString s = QString::fromUtf8(text.data(), static_cast<qsizetype>(std::min(text.size(), maxBytes)));
    const bool isCut = s.size() > kMaxShownChars || text.size() > maxBytes;
    if (s.size() > kMaxShownChars) s.truncate(kMaxShownChars);
    if (cut) *cut = isCut;
    return s;
}

QString paragraph(const QString &text)
{
    return QStringLiteral("<div style=\"white-space:pre-wrap\">%1</div>").arg(text.toHtmlEscaped());
}

QString cutNote(const std::string &text)
{
    return QStringLiteral("<p><i>%1</i></p>")
        .arg(QCoreApplication::translate("danka::ui::RecordHtml", "(cut here: %1 characters in all)")
                 .arg(utf8Characters(text))
                 .toHtmlEscaped());
}

}  // namespace

QColor roleColor(const QString &role, const QPalette &palette)
{
    const bool dark = isDark(palette);
    if (role == QStringLiteral("user")) return dark ? QColor(0x6c, 0xaa, 0xf7) : QColor(0x1d, 0x4e, 0xd8);
    if (role == QStringLiteral("assistant"))
        return dark ? QColor(0x4a, 0xd6, 0x9a) : QColor(0x04, 0x78, 0x57);
    if (role == QStringLiteral("reasoning"))
        return dark ? QColor(0xf5, 0xbd, 0x3b) : QColor(0xa1, 0x4a, 0x07);
    if (role == QStringLiteral("rejected")) return dark ? QColor(0xf8, 0x71, 0x71) : QColor(0xb9, 0x1c, 0x1c);
    return dark ? QColor(0xa8, 0xad, 0xb7) : QColor(0x57, 0x5e, 0x6b);  // system, and anything else
}

QColor roleBackground(const QString &role, const QPalette &palette)
{
    return mix(palette.color(QPalette::Base), roleColor(role, palette), isDark(palette) ? 0.18 : 0.09);
}

QString roleLabel(const QString &role)
{
    if (role == QStringLiteral("system"))
        return QCoreApplication::translate("danka::ui::RecordHtml", "System");
    if (role == QStringLiteral("user")) return QCoreApplication::translate("danka::ui::RecordHtml", "User");
    if (role == QStringLiteral("assistant"))
        return QCoreApplication::translate("danka::ui::RecordHtml", "Assistant");
    if (role == QStringLiteral("reasoning"))
        return QCoreApplication::translate("danka::ui::RecordHtml", "Reasoning");
    return role;
}

qint64 utf8Characters(const std::string &text)
{
    qint64 n = 0;
    for (const char c : text)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
    return n;
}

qint64 recordCharacters(const core::data::Record &record)
{
    qint64 n = utf8Characters(record.text);
    for (const auto *turns : {&record.messages, &record.chosen, &record.rejected})
        for (const auto &m : *turns)
            n += utf8Characters(m.content);
    return n;
}

QString recordSummary(const core::data::Record &record, int maxChars)
{
    QString out;
    const auto add = [&out, maxChars](const std::string &text) {
        if (out.size() >= maxChars) return;
        if (!out.isEmpty()) out += QStringLiteral(" | ");
        const size_t bytes = std::min(text.size(), static_cast<size_t>(maxChars) * 4);
        out += QString::fromUtf8(text.data(), static_cast<qsizetype>(bytes));
    };
    add(record.text);
    for (const auto *turns : {&record.messages, &record.chosen, &record.rejected})
        for (const auto &m : *turns)
            add(m.content);
    out.replace(QLatin1Char('\n'), QChar(0x23CE));  // ⏎: one line per row
    out.replace(QLatin1Char('\r'), QLatin1Char(' '));
    out.replace(QLatin1Char('\t'), QLatin1Char(' '));
    if (out.size() > maxChars) out = out.left(maxChars) + QChar(0x2026);
    return out;
}

QString contentHtml(const std::string &content, const QPalette &palette)
{
    bool cut = false;
    const QString text = shown(content, &cut);
    const QString open = QStringLiteral("<think>"), close = QStringLiteral("</think>");
    QString html;
    qsizetype pos = 0;
    while (pos < text.size()) {
        const qsizetype start = text.indexOf(open, pos);
        if (start < 0) break;
        if (start > pos) html += paragraph(text.mid(pos, start - pos).trimmed());
        qsizetype end = text.indexOf(close, start + open.size());
        const qsizetype innerEnd = end < 0 ? text.size() : end;
        const QString reasoning = text.mid(start + open.size(), innerEnd - start - open.size()).trimmed();
        html += QStringLiteral(
                    "<table width=\"100%\" cellspacing=\"0\" cellpadding=\"5\" bgcolor=\"%1\"><tr><td>"
                    "<span style=\"color:%2; font-weight:600\">%3 &lt;think&gt;</span>"
                    "<div style=\"white-space:pre-wrap; color:%2; font-style:italic\">%4</div>"
                    "</td></tr></table>")
                    .arg(roleBackground(QStringLiteral("reasoning"), palette).name(),
                         roleColor(QStringLiteral("reasoning"), palette).name(),
                         roleLabel(QStringLiteral("reasoning")), reasoning.toHtmlEscaped());
        pos = end < 0 ? text.size() : end + close.size();
    }
    if (pos < text.size()) html += paragraph(pos == 0 ? text : text.mid(pos).trimmed());
    if (cut) html += cutNote(content);
    return html;
}

QString conversationHtml(const std::vector<core::data::Message> &messages, const QPalette &palette)
{
    QString html;
    for (const auto &m : messages) {
        const QString role = QString::fromStdString(m.role);
        html +=
            QStringLiteral(
                "<table width=\"100%\" cellspacing=\"0\" cellpadding=\"6\" bgcolor=\"%1\" "
                "style=\"margin-bottom:6px\"><tr><td>"
                "<span style=\"color:%2; font-weight:700\" title=\"%3\">%4</span>%5"
                "</td></tr></table>")
                .arg(roleBackground(role, palette).name(), roleColor(role, palette).name(),
                     role.toHtmlEscaped(), roleLabel(role).toHtmlEscaped(), contentHtml(m.content, palette));
    }
    return html;
}

QString sideBySideHtml(const QString &leftTitle, const QString &left, const QString &rightTitle,
                       const QString &right, const QPalette &palette)
{
    return QStringLiteral(
               "<table width=\"100%\" cellspacing=\"4\" cellpadding=\"0\"><tr>"
               "<td width=\"50%\" valign=\"top\"><p style=\"color:%1; font-weight:700\">%2</p>%3</td>"
               "<td width=\"50%\" valign=\"top\"><p style=\"color:%4; font-weight:700\">%5</p>%6</td>"
               "</tr></table>")
        .arg(roleColor(QStringLiteral("assistant"), palette).name(), leftTitle.toHtmlEscaped(), left,
             roleColor(QStringLiteral("rejected"), palette).name(), rightTitle.toHtmlEscaped(), right);
}

QString recordHtml(const core::data::Record &record, const QPalette &palette)
{
    switch (record.kind) {
    case core::data::RecordKind::Text: {
        bool cut = false;
        QString html = paragraph(shown(record.text, &cut));
        if (cut) html += cutNote(record.text);
        return html;
    }
    case core::data::RecordKind::Conversation: return conversationHtml(record.messages, palette);
    case core::data::RecordKind::Preference:
        return conversationHtml(record.messages, palette) +
               sideBySideHtml(QCoreApplication::translate("danka::ui::RecordHtml", "Chosen"),
                              conversationHtml(record.chosen, palette),
                              QCoreApplication::translate("danka::ui::RecordHtml", "Rejected"),
                              conversationHtml(record.rejected, palette), palette);
    }
    return QString();
}

}  // namespace danka::ui
