// Translation loading (see i18n.h).
#include "ui/i18n.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace danka::ui {

QString installTranslations(QCoreApplication &app, const QString &language)
{
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    auto *danka = new QTranslator(&app);
    if (!danka->load(locale, QStringLiteral("danka"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        delete danka;
        return QStringLiteral("en");
    }
    app.installTranslator(danka);
    // Qt's own strings (standard buttons, file dialogs) from the qt6-translations-l10n package.
    auto *qt = new QTranslator(&app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(qt);
    else
        delete qt;
    return locale.name();
}

}  // namespace danka::ui
