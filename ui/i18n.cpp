// Translation loading (see i18n.h).
#include "ui/i18n.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include "core/util/translate.h"

namespace danka::ui {

namespace {

std::string translateForCore(const char *context, const char *source)
{
    return QCoreApplication::translate(context, source).toStdString();
}

}  // namespace

void installCoreTranslator()
{
    core::setTranslator(&translateForCore);
}

QString storedText(const std::string &english)
{
    return QString::fromStdString(core::translateStored(english));
}

QString storedText(const QString &english)
{
    return storedText(english.toStdString());
}

QString installTranslations(QCoreApplication &app, const QString &language)
{
    installCoreTranslator();
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    auto *danka = new QTranslator(&app);
    if (locale.language() == QLocale::English ||
        !danka->load(locale, QStringLiteral("danka"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        // English is the source language; its file holds only the plural forms ("1 token", "2 tokens").
        if (danka->load(QStringLiteral(":/i18n/danka_en.qm")))
            app.installTranslator(danka);
        else
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
