// The interop Python (DANKA_PYTHON) for tests: tests/interop/server.py started once per test process, which
// runs the interop scripts on request. torch and transformers are then imported once, not once per check.
#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace danka::test {

struct InteropResult {
    int exitCode = -1;  // the script's exit status; 77 = a package is missing; -1 = the server failed
    QString output;     // stdout and stderr of the script
};

// Runs tests/interop/SCRIPT with `args` as `python SCRIPT ARGS...` would (in the shared server process).
inline InteropResult runInteropScript(const QString &script, const QStringList &args, int timeoutMs = 600000)
{
    // Never deleted: at the end of the test process its stdin closes and it ends by itself.
    static QProcess *server = nullptr;
    if (!server || server->state() != QProcess::Running) {
        delete server;
        server = new QProcess;
        server->setProcessChannelMode(QProcess::ForwardedErrorChannel);  // warnings go to the test's stderr
        server->start(QStringLiteral(DANKA_PYTHON), {QStringLiteral(DANKA_SOURCE_DIR "/tests/interop/server.py")});
        if (!server->waitForStarted(30000)) return {-1, QStringLiteral("cannot start " DANKA_PYTHON ": ") + server->errorString()};
    }
    QJsonObject request{{QStringLiteral("script"), script}, {QStringLiteral("args"), QJsonArray::fromStringList(args)}};
    server->write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    while (!server->canReadLine()) {
        if (!server->waitForReadyRead(timeoutMs)) {
            server->kill();
            server->waitForFinished();
            return {-1, QStringLiteral("the interop server did not answer (its stderr is above)")};
        }
    }
    const QByteArray line = server->readLine();
    const QJsonObject answer = QJsonDocument::fromJson(line).object();
    return {answer.value(QStringLiteral("code")).toInt(-1), answer.value(QStringLiteral("output")).toString()};
}

}  // namespace danka::test
