// danka: the studio. Opens a workspace (--workspace, $DANKA_WORKSPACE, or the default) in the main window;
// --demo runs the demo pipeline at once when the workspace has no runs yet.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#include <QTimer>
#include <cstdio>

#include "core/util/system_info.h"
#include "core/store/workspace.h"
#include "ui/i18n.h"
#include "ui/main_window.h"
#include "ui/runs/runs_model.h"
#include "ui/runs/runs_page.h"
#include "ui/screenshot_tour.h"
#include "ui/settings_dialog.h"
#include "ui/theme.h"

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Danka"));
    QApplication::setOrganizationName(QStringLiteral("danka"));
    QApplication::setApplicationVersion(QString::fromStdString(danka::core::versionLine()));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/danka/icons/danka.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Danka studio: train and align a language model on one card"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workspaceOption(
        QStringLiteral("workspace"),
        QStringLiteral("Workspace folder (default: $DANKA_WORKSPACE, else $XDG_DATA_HOME/danka/workspace)."),
        QStringLiteral("dir"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"),
                                           QStringLiteral("LibTorch intra-op threads (default: the preferences', else all cores)."),
                                           QStringLiteral("n"));
    const QCommandLineOption languageOption(QStringLiteral("lang"),
                                            QStringLiteral("Interface language, e.g. zh_CN or en (default: the preferences', else the system's)."),
                                            QStringLiteral("code"));
    const QCommandLineOption themeOption(QStringLiteral("theme"),
                                         QStringLiteral("system, light or dark (default: the preferences')."),
                                         QStringLiteral("name"));
    const QCommandLineOption demoOption(QStringLiteral("demo"),
                                        QStringLiteral("Run the demo pipeline at start when the workspace has no runs yet."));
    // Documentation: shows every page with real content, writes DIR/<page>-<language>.png and quits.
    QCommandLineOption screenshotsOption(QStringLiteral("screenshots"), QStringLiteral("Write screenshots of every page to DIR and quit."),
                                         QStringLiteral("dir"));
    screenshotsOption.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption screenshotSizeOption(QStringLiteral("screenshot-size"),
                                            QStringLiteral("Window size for --screenshots (default 1440x900)."),
                                            QStringLiteral("WxH"), QStringLiteral("1440x900"));
    screenshotSizeOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({workspaceOption, threadsOption, languageOption, themeOption, demoOption, screenshotsOption,
                       screenshotSizeOption});
    parser.process(app);

    namespace settings = danka::ui::settings;
    const QSettings prefs;
    const QString language = parser.isSet(languageOption) ? parser.value(languageOption)
                                                          : prefs.value(QLatin1String(settings::kLanguage)).toString();
    const QString loadedLanguage = danka::ui::installTranslations(app, language);
    danka::ui::applyTheme(parser.isSet(themeOption) ? parser.value(themeOption)
                                                    : prefs.value(QLatin1String(settings::kTheme)).toString());
    bool threadsOk = true;
    const int threads = parser.isSet(threadsOption) ? parser.value(threadsOption).toInt(&threadsOk)
                                                    : prefs.value(QLatin1String(settings::kThreads), 0).toInt();
    QString threadsProblem;
    if (!threadsOk || threads < 0)
        threadsProblem = QCoreApplication::translate("main", "--threads: \"%1\" is not a thread count; using all cores.")
                             .arg(parser.value(threadsOption));
    try {
        danka::core::initComputeThreads(threads > 0 ? threads : (parser.isSet(threadsOption) ? 0 : -1));
    } catch (const std::exception &e) {  // $DANKA_THREADS is not a count: say so, and train on all cores
        threadsProblem = QCoreApplication::translate("main", "%1; using all cores.").arg(QString::fromStdString(e.what()));
        danka::core::initComputeThreads(0);
    }
    if (!threadsProblem.isEmpty()) std::fprintf(stderr, "danka: %s\n", qPrintable(threadsProblem));

    danka::ui::MainWindow window;
    const std::string path = danka::core::Workspace::resolvePath(parser.value(workspaceOption).toStdString());
    const bool opened = window.openWorkspace(QString::fromStdString(path));  // shows the error and carries on
    window.show();
    if (!threadsProblem.isEmpty() && !parser.isSet(screenshotsOption))
        QMessageBox::warning(&window, QCoreApplication::translate("main", "Threads"), threadsProblem);
    if (parser.isSet(screenshotsOption)) {
        const QStringList size = parser.value(screenshotSizeOption).split(QLatin1Char('x'));
        const int width = size.value(0).toInt(), height = size.value(1).toInt();
        if (size.size() != 2 || width < 640 || height < 480) {
            std::fprintf(stderr, "--screenshot-size: \"%s\" is not WIDTHxHEIGHT (at least 640x480)\n",
                         qPrintable(parser.value(screenshotSizeOption)));
            return 2;
        }
        window.resize(width, height);
        QString error;
        const QStringList files = danka::ui::takeScreenshots(window, parser.value(screenshotsOption), loadedLanguage, &error);
        for (const QString &f : files) std::fprintf(stderr, "wrote %s\n", qPrintable(f));
        if (!error.isEmpty()) std::fprintf(stderr, "screenshots: %s\n", qPrintable(error));
        return error.isEmpty() && opened ? 0 : 1;
    }
    if (opened && parser.isSet(demoOption) && window.runsPage()->model()->rowCount() == 0)
        QTimer::singleShot(0, &window, [&window] { window.runDemo(); });
    return app.exec();
}
