// RecordIndex: entry starts and lines against independent oracles (lines counted and parsed with QFile and
// QJsonDocument; the streaming RecordReader), for JSONL, JSON arrays and text documents, with chunk
// boundaries everywhere, malformed lines reported as the reader reports them, cancel and a changed file.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/reader.h"
#include "core/data/record_index.h"
#include "core/util/error.h"
#include "core/run/job.h"

using namespace danka::core;
using namespace danka::core::data;

namespace {

std::string fixture(const char *name)
{
    return std::string(DANKA_TEST_DATA "/data/") + name;
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

struct Entry {
    int64_t line = 0;
    bool ok = false;
    Record record;
    std::string error;
};

std::vector<Entry> readEntries(const RecordIndex &index)
{
    std::vector<Entry> out;
    for (int64_t i = 0; i < index.size(); ++i) {
        Entry e;
        e.line = index.line(i);
        e.ok = index.read(i, e.record, e.error);
        out.push_back(std::move(e));
    }
    return out;
}

// The index agrees with the streaming reader: its valid entries are the reader's records (text, turns, file,
// line), and its invalid entries are the reader's rejects (same lines, same reasons).
void compareWithReader(const std::string &path, const RecordIndex &index)
{
    RecordReader reader(path);
    QCOMPARE(index.format(), reader.format());
    std::vector<Record> records;
    Record r;
    while (reader.next(r))
        records.push_back(r);
    std::vector<std::string> rejects;
    for (const auto &e : reader.rejects().examples)
        rejects.push_back(e.toString());

    std::vector<Record> valid;
    std::vector<std::string> invalid;
    for (const Entry &e : readEntries(index)) {
        if (e.ok)
            valid.push_back(e.record);
        else
            invalid.push_back(path + ":" + std::to_string(e.line) + ": " + e.error);
    }
    QCOMPARE(valid.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        QCOMPARE(valid[i].line, records[i].line);
        QCOMPARE(valid[i].file, records[i].file);
        QCOMPARE(valid[i].text, records[i].text);
        QVERIFY(valid[i].messages == records[i].messages);
        QVERIFY(valid[i].chosen == records[i].chosen);
        QVERIFY(valid[i].rejected == records[i].rejected);
    }
    if (reader.rejects().total > static_cast<int64_t>(reader.rejects().maxExamples)) return;
    if (index.format() != DataFormat::Text) {
        QCOMPARE(invalid, rejects);
    } else {
        // A bad line inside a text document is skipped by both, but is an entry of its own only when nothing
        // valid follows it in the document.
        for (const std::string &e : invalid)
            QVERIFY2(std::count(rejects.begin(), rejects.end(), e) == 1, e.c_str());
    }
}

void compareIndexes(const RecordIndex &a, const RecordIndex &b)
{
    QCOMPARE(a.size(), b.size());
    for (int64_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a.offset(i), b.offset(i));
        QCOMPARE(a.line(i), b.line(i));
    }
}

}  // namespace

class TestRecordIndex : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jsonlAgainstQJsonDocument()
    {
        // Blank and whitespace-only lines, CRLF endings, a byte-order mark, no newline at the end.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("mixed.jsonl"));
        QByteArray bytes("\xEF\xBB\xBF");
        for (int i = 0; i < 300; ++i) {
            if (i % 7 == 3) bytes += "\n";
            if (i % 11 == 5) bytes += " \t \r\n";
            bytes += "{\"text\": \"doc " + QByteArray::number(i) + " \xE5\x8D\x95\xE5\x8D\xA1 " +
                     QByteArray(i % 50, 'x') + "\"}";
            bytes += i % 2 ? "\r\n" : "\n";
        }
        bytes += "{\"text\": \"last, no newline\"}";
        writeFile(path, bytes);

        // Oracle: the non-blank lines of the file, counted and parsed by Qt.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        std::vector<std::pair<int64_t, QString>> expected;
        int64_t lineNo = 0;
        for (QByteArray l : f.readAll().split('\n')) {
            ++lineNo;
            if (lineNo == 1) l = l.mid(3);
            if (l.trimmed().isEmpty()) continue;
            const QJsonDocument doc = QJsonDocument::fromJson(l);
            QVERIFY(doc.isObject());
            expected.emplace_back(lineNo, doc.object().value(QStringLiteral("text")).toString());
        }
        QCOMPARE(expected.size(), size_t(301));

        const RecordIndex index = RecordIndex::build(path.toStdString());
        QCOMPARE(index.format(), DataFormat::Pretrain);
        QVERIFY(!index.isJsonArray());
        QCOMPARE(index.size(), int64_t(expected.size()));
        QCOMPARE(index.fileSize(), uint64_t(bytes.size()));
        for (int64_t i = 0; i < index.size(); ++i) {
            Record r;
            std::string error;
            QVERIFY2(index.read(i, r, error), error.c_str());
            QCOMPARE(r.line, expected[size_t(i)].first);
            QCOMPARE(QString::fromStdString(r.text), expected[size_t(i)].second);
            QCOMPARE(r.file, path.toStdString());
        }
        QCOMPARE(index.offset(0), uint64_t(3));  // after the byte-order mark
        compareWithReader(path.toStdString(), index);

        // Every chunk boundary gives the same index.
        for (size_t chunk : {1, 2, 3, 5, 64, 4096})
            compareIndexes(RecordIndex::build(path.toStdString(), DataFormat::Auto, nullptr, chunk), index);

        // The entry of a line: the last one starting at or before it.
        QCOMPARE(index.entryAtLine(0), int64_t(-1));
        QCOMPARE(index.entryAtLine(expected[10].first), int64_t(10));
        QCOMPARE(index.entryAtLine(expected[11].first - 1), int64_t(10));
    }

    void malformedLinesGiveTheReadersReasons()
    {
        const std::string path = fixture("bad.jsonl");
        const RecordIndex index = RecordIndex::build(path);
        QCOMPARE(index.size(), int64_t(8));  // 9 lines, one blank
        const auto entries = readEntries(index);
        QCOMPARE(entries[2].line, int64_t(4));
        QVERIFY(!entries[2].ok);
        QCOMPARE(entries[2].error, std::string("missing field (no \"text\")"));
        QCOMPARE(entries[5].error, std::string("invalid JSON (unterminated string)"));
        QCOMPARE(index.rawText(5), std::string("{\"text\": \"unterminated}"));
        compareWithReader(path, index);
    }

    void otherLayoutsAgreeWithTheReader_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("sft") << QStringLiteral("sft.jsonl");
        QTest::newRow("sharegpt") << QStringLiteral("sharegpt.jsonl");
        QTest::newRow("dpo") << QStringLiteral("dpo.jsonl");
        QTest::newRow("alpaca array") << QStringLiteral("alpaca.json");
        QTest::newRow("text") << QStringLiteral("docs.txt");
    }

    void otherLayoutsAgreeWithTheReader()
    {
        QFETCH(QString, name);
        const std::string path = fixture(name.toUtf8().constData());
        const RecordIndex index = RecordIndex::build(path);
        compareWithReader(path, index);
        for (size_t chunk : {1, 2, 7})
            compareIndexes(RecordIndex::build(path, DataFormat::Auto, nullptr, chunk), index);
    }

    void jsonArrayElements()
    {
        const std::string path = fixture("alpaca.json");
        const RecordIndex index = RecordIndex::build(path);
        QVERIFY(index.isJsonArray());
        QCOMPARE(index.format(), DataFormat::Alpaca);
        QCOMPARE(index.size(), int64_t(3));
        QCOMPARE(index.line(0), int64_t(2));
        QCOMPARE(index.line(1), int64_t(14));
        QCOMPARE(index.line(2), int64_t(18));
        Record r;
        std::string error;
        QVERIFY(!index.read(2, r, error));
        QVERIFY(error.find("no \"output\"") != std::string::npos);

        // Scalars, nested brackets inside strings, and a truncated last element.
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("odd.json"));
        writeFile(p,
                  "[{\"text\": \"a ] } [ {\"}, 7,\n\"str, ]\" , {\"text\": \"b \\\" ]\"},\n{\"text\": \"cut");
        const RecordIndex odd = RecordIndex::build(p.toStdString());
        QCOMPARE(odd.size(), int64_t(5));
        const auto entries = readEntries(odd);
        QCOMPARE(entries[0].record.text, std::string("a ] } [ {"));
        QCOMPARE(entries[1].error, std::string("malformed record (expected a JSON object)"));
        QCOMPARE(entries[2].error, std::string("malformed record (expected a JSON object)"));
        QCOMPARE(entries[3].record.text, std::string("b \" ]"));
        QCOMPARE(entries[4].line, int64_t(3));
        QCOMPARE(entries[4].error, std::string("truncated record (the file ends inside it)"));
        compareWithReader(p.toStdString(), odd);
    }

    void textDocumentsAndTheirLines()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("docs.txt"));
        // Blank lines of spaces, tabs, \f and a lone \r; a '\r' inside a line is text; an invalid UTF-8 line
        // inside a document is skipped without ending it.
        writeFile(path, "\n\none\ntwo\r\n \t\f\r\nthree\n\r\n \r x\n\nfour \xFF\xFE\nfive\n\n\n\xC3\n");
        const RecordIndex index = RecordIndex::build(path.toStdString());
        QCOMPARE(index.format(), DataFormat::Text);
        const auto entries = readEntries(index);
        QCOMPARE(entries.size(), size_t(5));
        QCOMPARE(entries[0].line, int64_t(3));
        QCOMPARE(entries[0].record.text, std::string("one\ntwo"));
        QCOMPARE(entries[1].line, int64_t(6));
        QCOMPARE(entries[1].record.text, std::string("three"));
        QCOMPARE(entries[2].line, int64_t(8));
        QCOMPARE(entries[2].record.text, std::string(" \r x"));
        QCOMPARE(entries[3].line, int64_t(10));
        QCOMPARE(entries[3].record.text, std::string("five"));
        QCOMPARE(entries[3].record.line, int64_t(11));  // the invalid line 10 is not part of it
        QCOMPARE(entries[4].line, int64_t(14));
        QVERIFY(!entries[4].ok);
        QCOMPARE(entries[4].error, std::string("invalid UTF-8 (at byte 1 of the line)"));
        compareWithReader(path.toStdString(), index);
        for (size_t chunk : {1, 2, 3})
            compareIndexes(RecordIndex::build(path.toStdString(), DataFormat::Auto, nullptr, chunk), index);
    }

    void hugeTextDocumentsAreCutAsTheReaderCutsThem()
    {
        // 20 MiB without a blank line: pieces of at most kMaxTextDocumentBytes, cut at line breaks.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("huge.txt"));
        const QByteArray line = QByteArray(999, 'a') + '\n';
        QByteArray bytes;
        for (int i = 0; i < 20 * 1024; ++i)
            bytes += line;
        writeFile(path, bytes);
        const RecordIndex index = RecordIndex::build(path.toStdString());
        QCOMPARE(index.size(), int64_t(3));
        const int64_t linesPerPiece = RecordReader::kMaxTextDocumentBytes / 1000;
        QCOMPARE(index.line(1), linesPerPiece + 1);
        QCOMPARE(index.line(2), 2 * linesPerPiece + 1);
        compareWithReader(path.toStdString(), index);
    }

    void progressAndCancel()
    {
        const std::string path = fixture("sft.jsonl");
        double lastFraction = -1;
        JobCallbacks callbacks;
        callbacks.progress = [&](const JobProgress &p) { lastFraction = p.fraction; };
        int64_t size = -1;
        {
            Job job(
                "index",
                [&](JobContext &ctx) { size = RecordIndex::build(path, DataFormat::Auto, &ctx, 16).size(); },
                callbacks);
            job.start();
            QCOMPARE(job.wait(), JobState::Completed);
        }
        QCOMPARE(lastFraction, 1.0);
        QCOMPARE(size, RecordIndex::build(path).size());

        size = -1;
        Job cancelled("index", [&](JobContext &ctx) {
            size = RecordIndex::build(path, DataFormat::Auto, &ctx, 16).size();
        });
        cancelled.cancel();  // before it starts: the first checkpoint stops it
        cancelled.start();
        QCOMPARE(cancelled.wait(), JobState::Cancelled);
        QCOMPARE(size, int64_t(-1));
    }

    void errorsNameTheFile()
    {
        QTemporaryDir dir;
        const std::string missing = dir.filePath(QStringLiteral("missing.jsonl")).toStdString();
        try {
            RecordIndex::build(missing);
            QFAIL("expected an error");
        } catch (const Error &e) {
            QVERIFY(std::string(e.what()).find(missing) != std::string::npos);
        }
        const QString unknown = dir.filePath(QStringLiteral("unknown.jsonl"));
        writeFile(unknown, "{\"foo\": 1}\n");
        QVERIFY_THROWS_EXCEPTION(Error, RecordIndex::build(unknown.toStdString()));
    }

    void aChangedFileIsReportedNotMisread()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.jsonl"));
        writeFile(path, "{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
        const RecordIndex index = RecordIndex::build(path.toStdString());
        writeFile(path, "{\"text\": \"changed\"}\n");
        Record r;
        std::string error;
        QVERIFY(!index.read(1, r, error));
        QVERIFY(error.find("changed since it was opened") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestRecordIndex)
#include "tst_record_index.moc"
