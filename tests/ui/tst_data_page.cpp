// The Data page on real files: rows against the file read independently (QFile, QJsonDocument), models under
// QAbstractItemModelTester, role-coloured conversations, preference pairs side by side, the length
// histogram against hand-computed token counts, the rejected-lines report with file:line, a prepared
// dataset's segments against core::data::Dataset, and the Prepare dialog running a real prepare into a
// workspace.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>
#include <QtTest>

#include "core/data/dataset.h"
#include "core/data/record_index.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/store/workspace.h"
#include "ui/common/job_runner.h"
#include "ui/data/data_page.h"
#include "ui/data/data_stats.h"
#include "ui/data/histogram_view.h"
#include "ui/data/prepare_dialog.h"
#include "ui/data/record_html.h"
#include "ui/data/records_model.h"
#include "ui/data/segments_model.h"
#include "ui_test_util.h"

using namespace danka;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

// The oracle of a pretraining JSONL file: its non-blank lines, and the text of those QJsonDocument reads as
// {"text": "<non-blank string>"} (null when it does not).
struct Line {
    int number = 0;
    std::optional<QString> text;
};
std::vector<Line> readJsonl(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    std::vector<Line> out;
    int number = 0;
    for (const QByteArray &l : f.readAll().split('\n')) {
        ++number;
        if (l.trimmed().isEmpty()) continue;
        Line line{number, std::nullopt};
        const QJsonDocument doc = QJsonDocument::fromJson(l);
        const QJsonValue text = doc.object().value(QStringLiteral("text"));
        if (doc.isObject() && text.isString() && !text.toString().trimmed().isEmpty())
            line.text = text.toString();
        out.push_back(line);
    }
    return out;
}

// The two-column table of a rendered HTML document whose first row holds these titles, or null.
QTextTable *findSideBySide(QTextDocument &doc, const QString &left, const QString &right)
{
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
        QTextCursor c(b);
        QTextTable *t = c.currentTable();
        while (t) {
            if (t->columns() == 2) {
                QTextCursor l = t->cellAt(0, 0).firstCursorPosition(),
                            r = t->cellAt(0, 1).firstCursorPosition();
                l.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
                r.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
                if (l.selectedText() == left && r.selectedText() == right) return t;
            }
            QTextFrame *parent = t->parentFrame();
            t = parent ? qobject_cast<QTextTable *>(parent) : nullptr;
        }
    }
    return nullptr;
}

QString cellText(QTextTable *t, int row, int column)
{
    QTextCursor c = t->cellAt(row, column).firstCursorPosition();
    c.setPosition(t->cellAt(row, column).lastCursorPosition().position(), QTextCursor::KeepAnchor);
    return c.selectedText();
}

// Power-of-two buckets computed here, independently of LengthHistogram: [0, 16), [16, 32), [32, 64)...
int bucketOf(qint64 length)
{
    int b = 0;
    for (qint64 edge = 16; length >= edge; edge *= 2)
        ++b;
    return b;
}

}  // namespace

class TestDataPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("danka-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_data_page"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void rowsAreTheEntriesOfTheFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("mixed.jsonl"));
        writeFile(path,
                  "{\"text\": \"Alpha document.\\nsecond line\"}\n\n"
                  "{\"text\": \"第二篇文档\"}\n"
                  "{\"text\": \"unterminated}\n"
                  "   \n"
                  "{\"txt\": \"wrong key\"}\n"
                  "{\"text\": \"Last.\"}\n");
        const std::vector<Line> oracle = readJsonl(path);
        QCOMPARE(oracle.size(), size_t(5));

        ui::DataPage page;
        QAbstractItemModelTester tester(page.fileModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&page, &ui::DataPage::loaded);
        QVERIFY(page.openPath(path));
        QVERIFY(page.isBusy());  // indexing runs as a job, not in openPath
        QVERIFY(page.waitForIdle(20000));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(page.source(), ui::DataPage::Source::RawFile);
        QAbstractItemModel *model = page.recordsModel();
        QCOMPARE(model, static_cast<QAbstractItemModel *>(page.fileModel()));
        QCOMPARE(model->rowCount(), int(oracle.size()));
        for (int row = 0; row < model->rowCount(); ++row) {
            const Line &l = oracle[size_t(row)];
            QCOMPARE(model->index(row, ui::RecordsModel::LineColumn).data().toInt(), l.number);
            QCOMPARE(model->index(row, 0).data(ui::RecordsModel::ValidRole).toBool(), l.text.has_value());
            const QString preview = model->index(row, ui::RecordsModel::PreviewColumn).data().toString();
            if (l.text) {
                QString expected = *l.text;
                expected.replace(QLatin1Char('\n'), QChar(0x23CE));
                QCOMPARE(preview, expected);
                QCOMPARE(model->index(row, ui::RecordsModel::CharactersColumn).data().toLongLong(),
                         qint64(l.text->toUcs4().size()));
            } else {
                QCOMPARE(model->index(row, ui::RecordsModel::KindColumn).data().toString(),
                         QStringLiteral("rejected"));
                QVERIFY(model->index(row, 0)
                            .data(Qt::ToolTipRole)
                            .toString()
                            .contains(QString::number(l.number)));
            }
        }
        // The detail pane shows the selected record, and a rejected entry with file:line and reason.
        QVERIFY(page.selectRecord(1));
        QVERIFY2(page.detailText().contains(QStringLiteral("第二篇文档")), qPrintable(page.detailText()));
        QVERIFY(page.selectRecord(2));
        QVERIFY2(page.detailText().contains(path + QStringLiteral(":4: invalid JSON (unterminated string)")),
                 qPrintable(page.detailText()));
        QVERIFY(page.detailText().contains(QStringLiteral("{\"text\": \"unterminated}")));
    }

    void conversationTurnsAreColouredByRole()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("chat.jsonl"));
        writeFile(
            path,
            R"({"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "1+1?"}, )"
            R"({"role": "assistant", "content": "2", "reasoning_content": "one plus one"}]})"
            "\n");
        ui::DataPage page;
        QVERIFY(page.openPath(path));
        QVERIFY(page.waitForIdle(20000));
        QCOMPARE(page.recordsModel()->rowCount(), 1);
        QVERIFY(page.selectRecord(0));
        const QString text = page.detailText();
        // Every role, in order, with its content; the reasoning set apart from the answer.
        const QStringList expected = {QStringLiteral("System"),       QStringLiteral("Be brief."),
                                      QStringLiteral("User"),         QStringLiteral("1+1?"),
                                      QStringLiteral("Assistant"),    QStringLiteral("Reasoning"),
                                      QStringLiteral("one plus one"), QStringLiteral("2")};
        qsizetype at = 0;
        for (const QString &part : expected) {
            const qsizetype found = text.indexOf(part, at);
            QVERIFY2(found >= 0, qPrintable(part + QStringLiteral(" missing or out of order in:\n") + text));
            at = found + part.size();
        }
        // Each role in its own colour, and the colours differ.
        const QString html = page.detailHtml();
        QStringList colours;
        for (const char *role : {"system", "user", "assistant", "reasoning"}) {
            const QString colour = ui::roleColor(QString::fromLatin1(role), page.palette()).name();
            QVERIFY2(html.contains(colour, Qt::CaseInsensitive), role);
            QVERIFY(!colours.contains(colour));
            colours << colour;
        }
        // Readable in a dark palette too: the colours are lighter than the dark base.
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        for (const char *role : {"system", "user", "assistant", "reasoning"})
            QVERIFY(ui::roleColor(QString::fromLatin1(role), dark).lightness() > 128);
    }

    void preferencePairsSideBySide()
    {
        const QString path = QString::fromStdString(test::demoFile("preference.jsonl"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject first = QJsonDocument::fromJson(f.readLine()).object();
        const QString prompt = first.value(QStringLiteral("prompt"))
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value(QStringLiteral("content"))
                                   .toString();
        const QString chosen = first.value(QStringLiteral("chosen"))
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value(QStringLiteral("content"))
                                   .toString();
        const QString rejected = first.value(QStringLiteral("rejected"))
                                     .toArray()
                                     .at(0)
                                     .toObject()
                                     .value(QStringLiteral("content"))
                                     .toString();
        QVERIFY(!prompt.isEmpty() && !chosen.isEmpty() && !rejected.isEmpty());

        ui::DataPage page;
        QVERIFY(page.openPath(path));
        QVERIFY(page.waitForIdle(30000));
        QVERIFY(page.selectRecord(0));
        QTextDocument doc;
        doc.setHtml(page.detailHtml());
        QVERIFY(doc.toPlainText().contains(prompt));
        QTextTable *pair = findSideBySide(doc, QStringLiteral("Chosen"), QStringLiteral("Rejected"));
        QVERIFY2(pair, qPrintable(page.detailHtml()));
        QVERIFY2(cellText(pair, 0, 0).contains(chosen), qPrintable(cellText(pair, 0, 0)));
        QVERIFY(!cellText(pair, 0, 0).contains(rejected));
        QVERIFY2(cellText(pair, 0, 1).contains(rejected), qPrintable(cellText(pair, 0, 1)));
    }

    void histogramCountsEveryRecord()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lengths.jsonl"));
        QByteArray bytes;
        for (int i = 0; i < 200; ++i)
            bytes += "{\"text\": \"" + QByteArray((i * 37) % 300 + 1, 'a' + char(i % 26)) + " 单卡 " +
                     QByteArray::number(i) + "\"}\n";
        bytes += "{\"text\": 3}\n";  // rejected: not in the histogram
        writeFile(path, bytes);
        std::vector<Line> oracle = readJsonl(path);
        const qint64 records =
            std::count_if(oracle.begin(), oracle.end(), [](const Line &l) { return l.text.has_value(); });
        QCOMPARE(records, qint64(200));

        ui::DataPage page;
        QSignalSpy ready(&page, &ui::DataPage::statisticsReady);
        QVERIFY(page.openPath(path));
        QVERIFY(page.waitForIdle(30000));
        QCOMPARE(ready.count(), 1);
        QCOMPARE(page.statisticsTokenizer(), QString());  // no workspace: characters
        QCOMPARE(page.histogram()->total(), records);
        QVector<qint64> expected;
        for (const Line &l : oracle) {
            if (!l.text) continue;
            const int b = bucketOf(l.text->toUcs4().size());
            if (expected.size() <= b) expected.resize(b + 1);
            ++expected[b];
        }
        QCOMPARE(page.histogram()->counts(), expected);
        QVERIFY(page.statisticsText().contains(QStringLiteral("200")));

        // In tokens of the demo tokenizer: every text's tokens plus </s>, counted here with the tokenizer.
        const std::string tokDir = test::demoTokenizerDir();
        page.setStatisticsTokenizer(QString::fromStdString(tokDir));
        QVERIFY(page.waitForIdle(60000));
        QCOMPARE(ready.count(), 2);
        const auto tok = core::tokenizer::Tokenizer::load(tokDir);
        expected.clear();
        for (const Line &l : oracle) {
            if (!l.text) continue;
            const int b = bucketOf(qint64(tok.encode(l.text->toStdString()).size()) + 1);
            if (expected.size() <= b) expected.resize(b + 1);
            ++expected[b];
        }
        QCOMPARE(page.histogram()->counts(), expected);
        QCOMPARE(page.histogram()->total(), records);
    }

    void malformedInputNamesFileAndLine()
    {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.jsonl"));
        writeFile(bad, "{\"text\": \"fine\"}\n{\"text\": \"broken\n{\"text\": 7}\n");
        ui::DataPage page;
        QVERIFY(page.openPath(bad));
        QVERIFY(page.waitForIdle(20000));
        QCOMPARE(page.recordsModel()->rowCount(), 3);
        const QString report = page.rejectedText();
        QVERIFY2(report.contains(bad + QStringLiteral(":2: invalid JSON")), qPrintable(report));
        QVERIFY2(report.contains(bad + QStringLiteral(":3: malformed record")), qPrintable(report));
        QVERIFY2(page.messageText().contains(bad + QStringLiteral(":2:")), qPrintable(page.messageText()));

        // Nothing valid at all: an error naming the file and the first bad line.
        const QString none = dir.filePath(QStringLiteral("none.jsonl"));
        writeFile(none, "{\"text\": 1}\n{\"text\": \"cut\n");
        QVERIFY(page.openPath(none));
        QVERIFY(page.waitForIdle(20000));
        QVERIFY2(page.messageText().contains(none + QStringLiteral(":1:")), qPrintable(page.messageText()));

        // A layout that cannot be told: the load fails with the file named, and the page goes on.
        const QString unknown = dir.filePath(QStringLiteral("unknown.jsonl"));
        writeFile(unknown, "{\"foo\": 1}\n");
        QSignalSpy failed(&page, &ui::DataPage::loadFailed);
        QVERIFY(page.openPath(unknown));
        QVERIFY(page.waitForIdle(20000));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed[0][0].toString().contains(unknown), qPrintable(failed[0][0].toString()));
        QVERIFY(page.messageText().contains(unknown));
        QCOMPARE(page.recordsModel()->rowCount(), 0);

        // Paths that cannot be opened at all are refused at once.
        QString error;
        QVERIFY(!page.openPath(dir.filePath(QStringLiteral("missing.jsonl")), &error));
        QVERIFY(error.contains(QStringLiteral("missing.jsonl")));
        QVERIFY(!page.openPath(dir.path(), &error));  // a folder without dataset.json
        QVERIFY(error.contains(QStringLiteral("dataset.json")));
    }

    void largeFilesOpenInAJobAndReadOnlyVisibleRows()
    {
        // 200k records (about 25 MB): the page indexes in a job and parses only the rows it shows.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.jsonl"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QByteArray chunk;
            for (int i = 0; i < 200000; ++i) {
                chunk += "{\"text\": \"record " + QByteArray::number(i) + " " + QByteArray(80 + i % 64, 'x') +
                         "\"}\n";
                if (chunk.size() > (1 << 20)) {
                    f.write(chunk);
                    chunk.clear();
                }
            }
            f.write(chunk);
        }
        ui::DataPage page;
        page.resize(1200, 700);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        test::LatencyProbe probe;
        probe.start();
        QVERIFY(page.openPath(path));
        QCOMPARE(page.recordsModel()->rowCount(), 0);
        QVERIFY(test::waitUntil([&] { return page.recordsModel()->rowCount() == 200000; }, 30000));
        QVERIFY(page.selectRecord(199999));
        QCoreApplication::processEvents();
        QVERIFY(page.detailText().contains(QStringLiteral("record 199999 ")));
        QVERIFY(page.selectRecord(100000));
        QCoreApplication::processEvents();
        QVERIFY(page.waitForIdle(60000));
        probe.stop();
        // Only rows that were on screen were read, never the whole file.
        QVERIFY2(page.fileModel()->cachedRows() < 500,
                 qPrintable(QString::number(page.fileModel()->cachedRows())));
        // A generous bound: the point is that nothing proportional to the file ran on the GUI thread.
        QVERIFY2(probe.worstGapMs() < 1500, qPrintable(QString::number(probe.worstGapMs())));
    }

    void preparedDatasetSegments()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath(QStringLiteral("demo")).toStdString();
        test::prepareDemoPretrain(out);
        const auto dataset = core::data::Dataset::open(out);
        const auto tok = core::tokenizer::Tokenizer::load(test::demoTokenizerDir());
        const core::data::DatasetSplit &train = dataset.split("train");
        const int64_t segments =
            train.numSegments() + (dataset.hasSplit("val") ? dataset.split("val").numSegments() : 0);

        ui::DataPage page;
        QVERIFY(page.openPath(QString::fromStdString(out)));
        QVERIFY(page.waitForIdle(30000));
        QCOMPARE(page.source(), ui::DataPage::Source::Dataset);
        ui::SegmentsModel *model = page.datasetModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(qint64(model->rowCount()), segments);
        QCOMPARE(page.histogram()->total(), segments);
        // Row 2 is the third training segment: its token count and decoded text, from the shards directly.
        const auto [begin, end] = train.segment(2);
        QCOMPARE(model->index(2, ui::SegmentsModel::TokensColumn).data().toLongLong(), end - begin);
        std::vector<int32_t> ids(size_t(end - begin));
        train.readTokens(begin, end - begin, ids.data());
        const QString text = QString::fromStdString(tok.decode(ids));
        QVERIFY(page.selectRecord(2));
        QVERIFY2(page.detailText().contains(text.left(40)), qPrintable(page.detailText()));
        std::vector<int32_t> head(
            ids.begin(), ids.begin() + std::min<long>(ids.size(), ui::SegmentsModel::kPreviewTokens));
        QString preview = QString::fromStdString(tok.decode(head));
        preview.replace(QLatin1Char('\n'), QChar(0x23CE));
        QVERIFY(model->index(2, ui::SegmentsModel::PreviewColumn).data().toString().startsWith(preview));
        // Statistics from dataset.json.
        QVERIFY2(page.statisticsText().contains(QLocale().toString(qlonglong(train.numTokens()))),
                 qPrintable(page.statisticsText()));
        QVERIFY(page.statisticsText().contains(QStringLiteral("named in dataset.json")));
    }

    void prepareDialogValidatesItsFields()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::PrepareDialog dialog(ws);
        QVERIFY(dialog.validationError().contains(QStringLiteral("input file")));
        const QString missing = dir.filePath(QStringLiteral("nope.jsonl"));
        dialog.setInputs({missing});
        QCOMPARE(dialog.outputName(), QStringLiteral("nope"));  // named after the first input
        QVERIFY(dialog.validationError().contains(missing));
        QVERIFY(dialog.validationError().contains(QStringLiteral("tokenizer")));
        dialog.setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        dialog.setTokenizerDir(dir.path());  // no tokenizer.model there
        QVERIFY(dialog.validationError().contains(QStringLiteral("tokenizer.model")));
        dialog.setTokenizerDir(QString::fromStdString(test::demoTokenizerDir()));
        dialog.setOutputName(QStringLiteral("../escape"));
        QVERIFY(dialog.validationError().contains(QStringLiteral("../escape")));
        dialog.setOutputName(QStringLiteral("good name"));
        QCOMPARE(dialog.validationError(), QString());

        // Cancel while it runs: nothing is written and the dialog closes once the job has stopped.
        QVERIFY(dialog.startPreparing());
        QVERIFY(dialog.isRunning());
        QVERIFY(!dialog.startPreparing());  // one job at a time
        QSignalSpy closed(&dialog, &QDialog::finished);
        dialog.reject();
        QVERIFY(dialog.runner()->waitForFinished(60000));
        QCOMPARE(dialog.runner()->state(), core::JobState::Cancelled);
        QCOMPARE(closed.count(), 1);
        QVERIFY(!QFileInfo::exists(dialog.outputDir()));
        QVERIFY(dialog.statusText().contains(QStringLiteral("Cancelled")));
    }

    void prepareDialogPreparesIntoTheWorkspace()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::DataPage page;
        QVERIFY(!page.showPrepareDialog());  // no workspace yet
        page.setWorkspace(ws);
        QVERIFY(page.workspaceDatasets().isEmpty());
        QPointer<ui::PrepareDialog> dialog = page.showPrepareDialog();
        QVERIFY(dialog);
        dialog->setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        dialog->setTokenizerDir(QString::fromStdString(test::demoTokenizerDir()));
        dialog->setOutputName(QStringLiteral("demo-pretrain"));
        dialog->setValidationFraction(0.05);
        const QString outDir = dialog->outputDir();
        QSignalSpy progress(dialog->runner(), &ui::JobRunner::progressChanged);
        QSignalSpy loaded(&page, &ui::DataPage::loaded);
        QVERIFY2(dialog->startPreparing(), qPrintable(dialog->statusText()));
        QVERIFY(test::waitUntil([&] { return loaded.count() > 0; }, 180000));
        QVERIFY(progress.count() > 0);
        QVERIFY(page.waitForIdle(30000));
        QVERIFY(test::waitUntil([&] { return dialog.isNull(); }, 5000));  // accepted and closed

        // Recorded in the store, listed on the page, and open.
        core::ExperimentStore store(ws.databasePath());
        const auto datasets = store.datasets();
        QCOMPARE(datasets.size(), size_t(1));
        QCOMPARE(QFileInfo(QString::fromStdString(datasets[0].path)).canonicalFilePath(),
                 QFileInfo(outDir).canonicalFilePath());
        QCOMPARE(page.workspaceDatasets().size(), 1);
        QCOMPARE(page.source(), ui::DataPage::Source::Dataset);
        QCOMPARE(QFileInfo(page.currentPath()).canonicalFilePath(), QFileInfo(outDir).canonicalFilePath());
        const auto dataset = core::data::Dataset::open(outDir.toStdString());
        const int64_t segments = dataset.split("train").numSegments() +
                                 (dataset.hasSplit("val") ? dataset.split("val").numSegments() : 0);
        QCOMPARE(qint64(page.recordsModel()->rowCount()), segments);
        // The tokenizer is now the workspace's: found by its checksum.
        QVERIFY2(page.statisticsText().contains(QStringLiteral("from the workspace")),
                 qPrintable(page.statisticsText()));
    }
};

QTEST_MAIN(TestDataPage)
#include "tst_data_page.moc"
