// Interface language: Danka's own translations (embedded .qm, translations/danka_*.ts) and Qt's.
#pragma once

#include <QString>
#include <string>

class QCoreApplication;

namespace danka::ui {

// Installs the translators for `language` ("zh_CN", "en"; empty = the system's). Returns the language
// actually loaded ("en" when Danka has no translation for it: English is the source language, with only its
// plural forms loaded from danka_en.qm).
QString installTranslations(QCoreApplication &app, const QString &language);

// Makes core's messages translatable (core/util/translate.h): core::translate goes through
// QCoreApplication::translate. installTranslations calls it; tests that load a translator themselves too.
void installCoreTranslator();

// Text that core stored in English (run events and errors, progress lines) in the interface language.
QString storedText(const std::string &english);
QString storedText(const QString &english);

}  // namespace danka::ui
