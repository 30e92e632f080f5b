// How the Data page shows a record: a one-line summary for the table, and HTML for the detail pane with
// conversations coloured by role (reasoning inside <think> set apart) and preference pairs side by side.
// Colours follow the palette, so they stay readable in light and dark themes.
#pragma once

#include <QColor>
#include <QString>
#include <string>
#include <vector>

#include "core/data/records.h"

class QPalette;

namespace danka::ui {

// The accent colour of a role ("system", "user", "assistant", and "reasoning" for <think> text): a text
// colour readable on the palette's base colour.
QColor roleColor(const QString &role, const QPalette &palette);
// A faint tint of the role's colour over the base colour, for the background of its turns.
QColor roleBackground(const QString &role, const QPalette &palette);
// The role's name as shown ("User", "Assistant", ...), translated.
QString roleLabel(const QString &role);

// One line: the first characters of the record (turns joined with " | ", newlines shown as a symbol).
QString recordSummary(const core::data::Record &record, int maxChars = 120);
// Characters (Unicode code points) of all text of the record.
qint64 recordCharacters(const core::data::Record &record);
// Code points of UTF-8 text.
qint64 utf8Characters(const std::string &text);

// The record as HTML: text as is; conversations turn by turn; preference pairs as the prompt followed by
// the chosen and rejected replies side by side. Very long texts are cut (the cut is said).
QString recordHtml(const core::data::Record &record, const QPalette &palette);
QString conversationHtml(const std::vector<core::data::Message> &messages, const QPalette &palette);
// Side by side: two columns with titles over them.
QString sideBySideHtml(const QString &leftTitle, const QString &left, const QString &rightTitle,
                       const QString &right, const QPalette &palette);
// Text with line breaks kept and <think>...</think> parts shown as reasoning.
QString contentHtml(const std::string &content, const QPalette &palette);

}  // namespace danka::ui
