// Interface language: Danka's own translations (embedded .qm, translations/danka_*.ts) and Qt's.
#pragma once

#include <QString>

class QCoreApplication;

namespace danka::ui {

// Installs the translators for `language` ("zh_CN", "en"; empty = the system's). Returns the language
// actually loaded ("en" when Danka has no translation for it: English is the source language).
QString installTranslations(QCoreApplication &app, const QString &language);

}  // namespace danka::ui
