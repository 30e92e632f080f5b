// Staging folders: published content replaces the destination whole; unpublished work disappears.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "core/util/staging_dir.h"

using namespace danka::core;

namespace {
void writeFile(const std::filesystem::path &path, const char *content)
{
    QFile f(QString::fromStdString(path.string()));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
}
QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class TestStagingDir : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void publishReplacesTheDestinationWhole()
    {
        QTemporaryDir tmp;
        const std::string dest = tmp.filePath(QStringLiteral("out")).toStdString();
        {
            StagingDir first(dest);
            writeFile(first.path() / "a.txt", "old");
            writeFile(first.path() / "only-old.txt", "x");
            QVERIFY(!QFileInfo::exists(QString::fromStdString(dest)));  // nothing visible before publish
            QCOMPARE(first.publish(true), dest);
        }
        QCOMPARE(readFile(QString::fromStdString(dest) + QStringLiteral("/a.txt")), QByteArray("old"));
        {
            StagingDir second(dest);
            writeFile(second.path() / "a.txt", "new");
            second.publish();
        }
        QCOMPARE(readFile(QString::fromStdString(dest) + QStringLiteral("/a.txt")), QByteArray("new"));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(dest) + QStringLiteral("/only-old.txt")));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("out")});
    }

    void unpublishedWorkLeavesNoTrace()
    {
        QTemporaryDir tmp;
        const std::string dest = tmp.filePath(QStringLiteral("out")).toStdString();
        {
            StagingDir done(dest);
            writeFile(done.path() / "a.txt", "kept");
            done.publish();
        }
        {
            StagingDir abandoned(dest);  // say the job failed half-way
            writeFile(abandoned.path() / "a.txt", "half");
        }
        QCOMPARE(readFile(QString::fromStdString(dest) + QStringLiteral("/a.txt")), QByteArray("kept"));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("out")});
    }
};

QTEST_GUILESS_MAIN(TestStagingDir)
#include "tst_staging_dir.moc"
