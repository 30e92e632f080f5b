// danka: the studio. Opens a workspace (--workspace, $DANKA_WORKSPACE, or the default) in the main window.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "core/system_info.h"
#include "core/workspace.h"
#include "ui/i18n.h"
#include "ui/main_window.h"

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
                                           QStringLiteral("LibTorch intra-op threads (default: all cores)."),
                                           QStringLiteral("n"));
    const QCommandLineOption languageOption(QStringLiteral("lang"),
                                            QStringLiteral("Interface language, e.g. zh_CN or en (default: system)."),
                                            QStringLiteral("code"));
    parser.addOption(workspaceOption);
    parser.addOption(threadsOption);
    parser.addOption(languageOption);
    parser.process(app);

    danka::ui::installTranslations(app, parser.value(languageOption));
    danka::core::initComputeThreads(parser.isSet(threadsOption) ? parser.value(threadsOption).toInt() : -1);

    danka::ui::MainWindow window;
    const std::string path = danka::core::Workspace::resolvePath(parser.value(workspaceOption).toStdString());
    window.openWorkspace(QString::fromStdString(path));  // shows the error and carries on when it fails
    window.show();
    return app.exec();
}
