// Running the real danka-cli binary from a test, as a user would: arguments in, exit code and output out.
#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace danka::test {

struct CliResult {
    int exitCode = -1;  // -2: crashed; -1: did not finish in time
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

// One thread (tests run side by side), and the workspace when given.
inline CliResult cli(const QStringList &args, const QString &workspace = QString())
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DANKA_THREADS"), QStringLiteral("1"));
    if (!workspace.isEmpty()) env.insert(QStringLiteral("DANKA_WORKSPACE"), workspace);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(DANKA_CLI), args);
    CliResult r;
    if (!p.waitForFinished(120000)) return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

inline QString data(const char *relative)
{
    return QStringLiteral(DANKA_TEST_DATA "/") + QString::fromLatin1(relative);
}

}  // namespace danka::test
