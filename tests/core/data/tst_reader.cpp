// Readers: every layout, detection, and malformed input reported with file:line while the rest is kept.
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/reader.h"
#include "core/util/error.h"

using namespace danka::core;
using namespace danka::core::data;

namespace {

std::string fixture(const char *name)
{
    return std::string(DANKA_TEST_DATA "/data/") + name;
}

std::vector<Record> readAll(RecordReader &reader)
{
    std::vector<Record> out;
    Record r;
    while (reader.next(r)) out.push_back(r);
    return out;
}

std::vector<std::string> examples(const RejectReport &report)
{
    std::vector<std::string> out;
    for (const auto &e : report.examples) out.push_back(e.toString());
    return out;
}

}  // namespace

class TestReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void malformedLinesAreReportedAndTheRestKept()
    {
        RecordReader reader(fixture("bad.jsonl"));
        QCOMPARE(reader.format(), DataFormat::Pretrain);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(3));
        QCOMPARE(records[0].text, std::string("第一篇文档：单卡训练。"));
        QCOMPARE(records[0].line, int64_t(1));
        QCOMPARE(records[2].text, std::string("Last good one."));
        QCOMPARE(records[2].line, int64_t(9));
        const std::string f = fixture("bad.jsonl");
        QCOMPARE(examples(reader.rejects()), (std::vector<std::string>{
                                                 f + ":4: missing field (no \"text\")",
                                                 f + ":5: empty record (empty \"text\")",
                                                 f + ":6: malformed record (\"text\" is not a string)",
                                                 f + ":7: invalid JSON (unterminated string)",
                                                 f + ":8: invalid UTF-8 (at byte 15)",
                                             }));
        QCOMPARE(reader.rejects().total, int64_t(5));
        QCOMPARE(reader.rejects().countsByReason.at("invalid JSON"), int64_t(1));
        QCOMPARE(reader.records(), int64_t(3));
        QCOMPARE(reader.bytesRead(), reader.fileSize());
    }

    void sftTurnsSystemAndReasoning()
    {
        RecordReader reader(fixture("sft.jsonl"));
        QCOMPARE(reader.format(), DataFormat::Sft);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(2));
        const auto &m = records[0].messages;
        QCOMPARE(m.size(), size_t(5));
        QCOMPARE(m[0], (Message{"system", "你是助手。"}));
        QCOMPARE(m[4], (Message{"assistant", "<think>\n一加一等于二。\n</think>\n\n2"}));
        QCOMPARE(records[1].messages.size(), size_t(2));  // "messages" is accepted for "conversations"
        const std::string f = fixture("sft.jsonl");
        QCOMPARE(examples(reader.rejects()), (std::vector<std::string>{
                                                 f + ":3: unknown role (conversations[1]: \"bot\" (expected system, user or assistant))",
                                                 f + ":4: turn order (ends with a user turn (no reply to learn))",
                                                 f + ":5: empty content (conversations[1])",
                                                 f + ":6: turn order (turn 1 is user, expected assistant)",
                                             }));
    }

    void shareGptMapsRoles()
    {
        RecordReader reader(fixture("sharegpt.jsonl"));
        QCOMPARE(reader.format(), DataFormat::ShareGpt);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(records[0].messages, (std::vector<Message>{{"system", "Be brief."}, {"user", "2+2?"}, {"assistant", "4"}}));
        QCOMPARE(reader.rejects().countsByReason.at("unknown role"), int64_t(1));
    }

    void alpacaJsonArrayWithInputAndHistory()
    {
        RecordReader reader(fixture("alpaca.json"));
        QCOMPARE(reader.format(), DataFormat::Alpaca);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(2));
        QCOMPARE(records[0].messages, (std::vector<Message>{{"system", "You translate."},
                                                            {"user", "在吗？"},
                                                            {"assistant", "在。"},
                                                            {"user", "翻译成英文\n\n你好"},
                                                            {"assistant", "Hello"}}));
        QCOMPARE(records[0].line, int64_t(2));  // the element starts on line 2 of the array
        QCOMPARE(reader.rejects().total, int64_t(1));
        QVERIFY(reader.rejects().examples[0].reason.find("no \"output\"") != std::string::npos);
    }

    void preferencePairsInBothLayouts()
    {
        RecordReader reader(fixture("dpo.jsonl"));
        QCOMPARE(reader.format(), DataFormat::Dpo);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(2));
        QCOMPARE(records[0].messages, (std::vector<Message>{{"user", "Capital of France?"}}));
        QCOMPARE(records[0].chosen, (std::vector<Message>{{"assistant", "Paris."}}));
        QCOMPARE(records[0].rejected, (std::vector<Message>{{"assistant", "Lyon."}}));
        // Shared turns become the prompt.
        QCOMPARE(records[1].messages, (std::vector<Message>{{"user", "2+2?"}}));
        QCOMPARE(records[1].chosen, (std::vector<Message>{{"assistant", "4"}}));
        QCOMPARE(records[1].rejected, (std::vector<Message>{{"assistant", "5"}}));
        QCOMPARE(reader.rejects().countsByReason.at("identical pair"), int64_t(1));
        QCOMPARE(reader.rejects().total, int64_t(2));
    }

    void plainTextDocumentsWithBomAndCrlf()
    {
        RecordReader reader(fixture("docs.txt"));
        QCOMPARE(reader.format(), DataFormat::Text);
        const auto records = readAll(reader);
        QCOMPARE(records.size(), size_t(3));
        QCOMPARE(records[0].text, std::string("First document,\nsecond line."));
        QCOMPARE(records[1].text, std::string("第二篇文档。"));
        QCOMPARE(records[1].line, int64_t(5));
        QCOMPARE(records[2].text, std::string("Third document."));
    }

    void formatOverrideAndErrors()
    {
        // Forced layout: a pretraining file read as SFT rejects every line, without stopping.
        RecordReader forced(fixture("bad.jsonl"), DataFormat::Sft);
        QCOMPARE(readAll(forced).size(), size_t(0));
        QCOMPARE(forced.rejects().total, int64_t(8));  // every non-blank line

        QTemporaryDir dir;
        const std::string unknown = dir.filePath(QStringLiteral("unknown.jsonl")).toStdString();
        QFile f(QString::fromStdString(unknown));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"foo\": 1, \"bar\": 2}\n");
        f.close();
        try {
            RecordReader reader(unknown);
            QFAIL("an undetectable layout was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("keys: bar, foo") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("--format") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, RecordReader("/nonexistent/file.jsonl"));
        QVERIFY_THROWS_EXCEPTION(Error, RecordReader(dir.path().toStdString()));
    }

    void truncatedJsonArrayIsReported()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("cut.json")).toStdString();
        QFile f(QString::fromStdString(path));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[{\"text\": \"one\"},\n {\"text\": \"two\"},\n {\"text\": \"thr");
        f.close();
        RecordReader reader(path);
        QCOMPARE(readAll(reader).size(), size_t(2));
        QCOMPARE(reader.rejects().total, int64_t(1));
        QCOMPARE(reader.rejects().examples[0].line, int64_t(3));
        QCOMPARE(reader.rejects().examples[0].reason, std::string("truncated record (the file ends inside it)"));
    }

    void largeFilesStreamInBoundedMemory()
    {
        // 3 MB of records in a 1 MB read-ahead: records crossing buffer boundaries must come out whole.
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("big.jsonl")).toStdString();
        QFile f(QString::fromStdString(path));
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 30000; ++i)
            f.write(QStringLiteral("{\"text\": \"document %1 %2\"}\n").arg(i).arg(QString(70, QLatin1Char('x'))).toUtf8());
        f.close();
        RecordReader reader(path);
        Record r;
        int n = 0;
        while (reader.next(r)) {
            QCOMPARE(r.text, "document " + std::to_string(n) + " " + std::string(70, 'x'));
            QCOMPARE(r.line, int64_t(n + 1));
            ++n;
        }
        QCOMPARE(n, 30000);
        QCOMPARE(reader.rejects().total, int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestReader)
#include "tst_reader.moc"
