// Small text helpers the Configure page and its panes share: std::string to QString, byte counts, and a
// label's text colour (an invalid colour restores the parent's).
#pragma once

#include <QColor>
#include <QLabel>
#include <QPalette>
#include <QString>
#include <string>

#include "core/util/text_util.h"

namespace danka::ui {

inline QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

inline QString bytesText(double bytes)
{
    return qs(core::formatBytes(bytes));
}

inline void setTextColor(QLabel *label, const QColor &color)
{
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText,
               color.isValid() ? color : label->parentWidget()->palette().color(QPalette::WindowText));
    label->setPalette(p);
}

}  // namespace danka::ui
