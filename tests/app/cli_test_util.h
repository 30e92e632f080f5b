// Running the real danka-cli binary from a test, as a user would: arguments in, exit code and output out.
#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
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

// One thread (tests run side by side), and the workspace when given; `environment` adds or overrides
// variables.
inline CliResult cli(const QStringList &args, const QString &workspace = QString(),
                     const QMap<QString, QString> &environment = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DANKA_THREADS"), QStringLiteral("1"));
    if (!workspace.isEmpty()) env.insert(QStringLiteral("DANKA_WORKSPACE"), workspace);
    for (auto it = environment.begin(); it != environment.end(); ++it) env.insert(it.key(), it.value());
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
