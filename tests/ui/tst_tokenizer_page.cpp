// The Tokenizer page on real tokenizers: training from the form into a workspace (registered, listed,
// selected), cancel, the form's messages for bad input, and the tester's chips, ids and chars per token
// checked against an independent Tokenizer of the same folder.
#include <QAbstractItemModelTester>
#include <QListView>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/data/prepare.h"
#include "core/store/experiment_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/trainer.h"
#include "core/util/utf8.h"
#include "core/store/workspace.h"
#include "ui/common/job_runner.h"
#include "ui/tokenizer/token_chip_delegate.h"
#include "ui/tokenizer/token_pieces_model.h"
#include "ui/tokenizer/tokenizer_page.h"
#include "ui/tokenizer/tokenizer_train_form.h"
#include "ui/tokenizer/tokenizers_model.h"
#include "ui_test_util.h"

using namespace danka;
using core::tokenizer::Tokenizer;

namespace {

QString normalized(const std::string &path)
{
    return ui::TokenizersModel::normalizedPath(QString::fromStdString(path));
}

// Waits until the tester shows its text encoded by the tokenizer in `dir`.
bool waitForTester(ui::TokenizerPage &page, const std::string &dir)
{
    return test::waitUntil(
        [&] { return page.testerIsCurrent() && page.testerTokenizerPath() == normalized(dir); }, 10000);
}

// The tester's rows against an independent Tokenizer of the same folder: pieces from encodePieces, ids from
// encode, kinds from isByte / isMarker / isControl; and the figures from a code-point count of the text.
void checkTester(const ui::TokenizerPage &page, const Tokenizer &oracle, const std::string &text)
{
    const std::vector<int32_t> ids = oracle.encode(text);
    const std::vector<std::string> pieces = oracle.encodePieces(text);
    QCOMPARE(pieces.size(), ids.size());
    const ui::TokenPiecesModel *model = page.piecesModel();
    QCOMPARE(model->rowCount(), static_cast<int>(ids.size()));
    for (int i = 0; i < model->rowCount(); ++i) {
        const QModelIndex index = model->index(i, 0);
        const int32_t id = ids[size_t(i)];
        QCOMPARE(index.data(ui::TokenPiecesModel::PieceRole).toString(),
                 QString::fromStdString(pieces[size_t(i)]));
        QCOMPARE(index.data(ui::TokenPiecesModel::IdRole).toInt(), id);
        const auto kind = static_cast<ui::TokenKind>(index.data(ui::TokenPiecesModel::KindRole).toInt());
        QCOMPARE(kind == ui::TokenKind::Byte, oracle.isByte(id));
        QCOMPARE(kind == ui::TokenKind::Marker, oracle.isMarker(id));
        QCOMPARE(kind == ui::TokenKind::Control, oracle.isControl(id));
    }
    const auto chars = static_cast<qint64>(core::utf8::length(text));
    QCOMPARE(page.testerTokenCount(), static_cast<qint64>(ids.size()));
    QCOMPARE(page.testerCharacterCount(), chars);
    if (ids.empty()) {
        QCOMPARE(page.testerCharsPerToken(), 0.0);
    } else {
        const double expected = double(chars) / double(ids.size());
        QCOMPARE(page.testerCharsPerToken(), expected);
        QVERIFY2(page.testerSummary().contains(QString::number(expected, 'f', 2)),
                 qPrintable(page.testerSummary()));
    }
}

}  // namespace

class TestTokenizerPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void withoutWorkspaceTrainingIsDisabledWithAHint()
    {
        ui::TokenizerPage page;
        QCOMPARE(page.model()->rowCount(), 0);
        page.trainForm()->setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        page.trainForm()->setVocabSize(500);
        QVERIFY(!page.startTraining());
        QVERIFY(!page.isTraining());
        QVERIFY2(page.trainForm()->validationText().contains(QStringLiteral("Open a workspace")),
                 qPrintable(page.trainForm()->validationText()));
        // The tester has nothing to encode with: no chips, no figures.
        QVERIFY(test::waitUntil([&] { return page.testerIsCurrent(); }, 5000));
        QCOMPARE(page.piecesModel()->rowCount(), 0);
        QCOMPARE(page.testerTokenCount(), qint64(0));
    }

    void badInputIsExplained_data()
    {
        QTest::addColumn<QStringList>("inputs");
        QTest::addColumn<int>("vocabSize");
        QTest::addColumn<QString>("domains");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("message");
        const QString demo = QString::fromStdString(test::demoFile("pretrain.jsonl"));
        QTest::newRow("no files") << QStringList() << 500 << QString() << QStringLiteral("t")
                                  << QStringLiteral("Add at least one input file.");
        QTest::newRow("vocabulary too small")
            << QStringList{demo} << 299 << QString() << QString()
            << QStringLiteral("Vocabulary size 299 is too small: at least 300");
        QTest::newRow("vocabulary too large")
            << QStringList{demo} << 65537 << QString() << QString()
            << QStringLiteral("Vocabulary size 65537 is too large: at most 65536");
        QTest::newRow("missing file")
            << QStringList{QStringLiteral("/nonexistent/corpus.jsonl")} << 500 << QString() << QString()
            << QStringLiteral("corpus.jsonl does not exist");
        QTest::newRow("bad domain") << QStringList{demo} << 500 << QStringLiteral("code, my domain")
                                    << QString() << QStringLiteral("Domain \"my domain\" may hold only");
        QTest::newRow("bad name") << QStringList{demo} << 500 << QString() << QStringLiteral("../elsewhere")
                                  << QStringLiteral("Name \"../elsewhere\" may hold only");
    }
    void badInputIsExplained()
    {
        QFETCH(QStringList, inputs);
        QFETCH(int, vocabSize);
        QFETCH(QString, domains);
        QFETCH(QString, name);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::TokenizerPage page;
        page.setWorkspace(ws);
        ui::TokenizerTrainForm *form = page.trainForm();
        form->setInputs(inputs);
        form->setVocabSize(vocabSize);
        form->setDomains(domains);
        if (!name.isEmpty()) form->setName(name);

        QVERIFY(!form->validate().ok());
        QVERIFY2(form->validationText().contains(message), qPrintable(form->validationText()));
        QVERIFY(!page.startTraining());
        QVERIFY(!page.isTraining());

        // The same form with the fault repaired is accepted: the message was about that field.
        form->setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        form->setVocabSize(500);
        form->setDomains(QStringLiteral("code"));
        form->setName(QStringLiteral("fine"));
        QVERIFY2(form->validate().ok(), qPrintable(form->validationText()));
        QCOMPARE(form->outputDir(),
                 QDir(QString::fromStdString(ws.tokenizersDir())).filePath(QStringLiteral("fine")));
    }

    void trainsRegistersListsAndSelects()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::TokenizerPage page;
        QAbstractItemModelTester listTester(page.model(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester chipsTester(page.piecesModel(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setWorkspace(ws);
        QCOMPARE(page.model()->rowCount(), 0);

        ui::TokenizerTrainForm *form = page.trainForm();
        form->setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        QCOMPARE(form->name(), QStringLiteral("pretrain"));  // follows the first input until typed
        form->setName(QStringLiteral("page_tok"));
        form->setVocabSize(500);
        form->setMaxSentences(3000);
        form->setDomains(QStringLiteral("code"));
        QVERIFY2(form->validate().ok(), qPrintable(form->validationText()));
        const QString out = form->outputDir();

        QSignalSpy finished(&page, &ui::TokenizerPage::trainingFinished);
        QSignalSpy progress(page.trainRunner(), &ui::JobRunner::progressChanged);
        QVERIFY(page.startTraining());
        QVERIFY(page.isTraining() && finished.isEmpty());  // it runs on a worker: the call returned at once
        QVERIFY(!page.startTraining());  // one at a time
        QVERIFY(test::waitUntil([&] { return !finished.isEmpty(); }, 120000));
        QCOMPARE(finished[0][0].toInt(), int(core::JobState::Completed));
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last()[0].toDouble(), 1.0);

        // Registered in the store, as an independent connection reads it.
        core::ExperimentStore store(ws.databasePath());
        const auto records = store.tokenizers();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(normalized(records[0].path), ui::TokenizersModel::normalizedPath(out));
        QCOMPARE(records[0].name, std::string("page_tok"));
        QCOMPARE(records[0].vocabSize, int64_t(500));
        const Tokenizer oracle = Tokenizer::load(out.toStdString());
        QCOMPARE(records[0].checksum, oracle.checksum());
        QCOMPARE(oracle.vocabSize(), 500);
        QVERIFY(oracle.pieceId("[DOMAIN:code]") >= 0);
        const auto info = nlohmann::json::parse(records[0].infoJson);
        // The figures the list shows without loading are the ones the trainer measured and wrote.
        for (const char *key : {"chars_per_token_zh", "chars_per_token_en", "byte_fallback_share"}) {
            QVERIFY2(info.at(key).get<double>() > 0, key);
            QCOMPARE(info.at(key).get<double>(), oracle.metadata().at("stats").at(key).get<double>());
        }

        // Listed and selected; the result names what was trained.
        QCOMPARE(page.model()->rowCount(), 1);
        QCOMPARE(page.model()->rowOfPath(out), 0);
        QCOMPARE(ui::TokenizersModel::normalizedPath(page.selectedTokenizerPath()),
                 ui::TokenizersModel::normalizedPath(out));
        QCOMPARE(page.model()->index(0, ui::TokenizersModel::VocabColumn).data().toInt(), 500);
        QCOMPARE(page.model()->index(0, ui::TokenizersModel::ZhColumn).data().toString(),
                 QString::number(info.at("chars_per_token_zh").get<double>(), 'f', 2));
        const QString result = page.trainResultText();
        QVERIFY2(result.contains(QStringLiteral("500 pieces")), qPrintable(result));
        QVERIFY2(result.contains(QString::fromStdString(oracle.checksum().substr(0, 16))),
                 qPrintable(result));

        // Training again would replace it: allowed, with a warning.
        QVERIFY(form->validate().ok());
        QVERIFY2(form->validationText().contains(QStringLiteral("A tokenizer named page_tok exists")),
                 qPrintable(form->validationText()));

        // The tester now uses it.
        QVERIFY(waitForTester(page, out.toStdString()));
        checkTester(page, oracle, page.testerText().toStdString());
        QVERIFY(page.detailsText().contains(QStringLiteral("[DOMAIN:code]")));
    }

    void theListKeepsItsFiguresOnceADatasetUsesTheTokenizer()
    {
        // The list showed empty chars/token columns while the details showed the figures: preparing a
        // dataset registered its tokenizer again without them. Oracle: danka_tokenizer.json's stats.
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        const std::string tokDir = ws.tokenizersDir() + "/demo";
        std::filesystem::copy(test::demoTokenizerDir(), tokDir, std::filesystem::copy_options::recursive);
        const Tokenizer tok = Tokenizer::load(tokDir);
        const nlohmann::json stats = tok.metadata().at("stats");
        core::tokenizer::TokenizerTrainResult trained;
        trained.dir = tokDir;
        trained.vocabSize = tok.vocabSize();
        trained.checksum = tok.checksum();
        trained.stats.charsPerTokenZh = stats.at("chars_per_token_zh").get<double>();
        trained.stats.charsPerTokenEn = stats.at("chars_per_token_en").get<double>();
        trained.stats.byteFallbackShare = stats.at("byte_fallback_share").get<double>();
        core::tokenizer::recordTokenizer(ws.databasePath(), trained, "demo");
        std::string error;
        QCOMPARE(test::runJob(
                     [&](core::JobContext &job) {
                         core::data::PrepareOptions o;
                         o.inputs = {test::demoFile("sft.jsonl")};
                         o.tokenizerDir = tokDir;
                         o.outDir = ws.datasetsDir() + "/sft";
                         o.threads = 1;
                         core::data::recordDataset(ws.databasePath(), core::data::prepareDataset(o, job), tokDir);
                     },
                     &error),
                 core::JobState::Completed);

        ui::TokenizerPage page;
        page.setWorkspace(ws);
        QCOMPARE(page.model()->rowCount(), 1);
        QCOMPARE(page.model()->index(0, ui::TokenizersModel::NameColumn).data().toString(), QStringLiteral("demo"));
        QCOMPARE(page.model()->index(0, ui::TokenizersModel::ZhColumn).data().toString(),
                 QString::number(stats.at("chars_per_token_zh").get<double>(), 'f', 2));
        QCOMPARE(page.model()->index(0, ui::TokenizersModel::EnColumn).data().toString(),
                 QString::number(stats.at("chars_per_token_en").get<double>(), 'f', 2));
        QVERIFY(!page.model()->index(0, ui::TokenizersModel::ByteFallbackColumn).data().toString().isEmpty());
    }

    void cancelLeavesNothingBehind()
    {
        QTemporaryDir dir;
        const auto ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
        ui::TokenizerPage page;
        page.setWorkspace(ws);
        ui::TokenizerTrainForm *form = page.trainForm();
        form->setInputs({QString::fromStdString(test::demoFile("pretrain.jsonl"))});
        form->setVocabSize(500);
        QSignalSpy finished(&page, &ui::TokenizerPage::trainingFinished);
        QVERIFY(page.startTraining());
        // Before the reader's first batch: the job stops at its first step boundary.
        page.cancelTraining();
        QVERIFY(test::waitUntil([&] { return !finished.isEmpty(); }, 60000));
        QCOMPARE(finished[0][0].toInt(), int(core::JobState::Cancelled));
        QVERIFY(!page.isTraining());
        QVERIFY(!QFileInfo::exists(form->outputDir()));
        QVERIFY(core::ExperimentStore(ws.databasePath()).tokenizers().empty());
        QCOMPARE(page.model()->rowCount(), 0);
        QVERIFY2(page.trainResultText().contains(QStringLiteral("cancelled")),
                 qPrintable(page.trainResultText()));
    }

    void testerShowsPiecesIdsAndCharsPerToken_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("chinese") << QStringLiteral("单卡训练一个语言模型。床前明月光，疑是地上霜。");
        QTest::newRow("english") << QStringLiteral("Hello, world! Tokenizers turn text into ids and back.");
        QTest::newRow("markers") << QStringLiteral("<|im_start|>user\n你好<|im_end|><think>因为</think>");
        QTest::newRow("spaces") << QStringLiteral("  leading and  double  spaces ");
        QTest::newRow("byte fallback") << QStringLiteral("𠀀𪚥 龘 😀");
        QTest::newRow("empty") << QString();
    }
    void testerShowsPiecesIdsAndCharsPerToken()
    {
        QFETCH(QString, text);
        ui::TokenizerPage page;
        QAbstractItemModelTester chipsTester(page.piecesModel(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester listTester(page.model(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Without a workspace: an opened folder is listed (not registered) and tried.
        QVERIFY(page.openTokenizerFolder(QString::fromStdString(test::demoTokenizerDir())));
        QVERIFY(test::waitUntil([&] { return page.model()->rowCount() == 1; }, 10000));
        QVERIFY(!page.model()->index(0, 0).data(ui::TokenizersModel::RegisteredRole).toBool());
        page.setTesterText(text);
        QVERIFY(waitForTester(page, test::demoTokenizerDir()));

        const Tokenizer oracle = Tokenizer::load(test::demoTokenizerDir());
        checkTester(page, oracle, text.toStdString());

        // The rows that exist to show a style do show it.
        auto count = [&](ui::TokenKind kind) {
            int n = 0;
            for (const ui::TokenPiece &t : page.piecesModel()->tokens()) n += t.kind == kind;
            return n;
        };
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        if (tag == QStringLiteral("markers")) {
            QCOMPARE(count(ui::TokenKind::Marker), 4);
            // The newline piece is shown as a visible symbol, never as a raw line break.
            for (const ui::TokenPiece &t : page.piecesModel()->tokens())
                QVERIFY(!ui::TokenPiecesModel::displayText(t.piece).contains(QLatin1Char('\n')));
        }
        if (tag == QStringLiteral("byte fallback")) QVERIFY(count(ui::TokenKind::Byte) > 0);
        if (tag == QStringLiteral("spaces"))  // SentencePiece writes a space as ▁ (U+2581)
            QVERIFY(page.piecesModel()->index(0, 0).data().toString().startsWith(QChar(0x2581)));
    }

    void typingIsDebounced()
    {
        ui::TokenizerPage page;
        QVERIFY(page.openTokenizerFolder(QString::fromStdString(test::demoTokenizerDir())));
        QVERIFY(waitForTester(page, test::demoTokenizerDir()));
        QSignalSpy updated(&page, &ui::TokenizerPage::testerUpdated);
        for (const char *t : {"H", "He", "Hel", "Hell", "Hello"}) page.setTesterText(QString::fromLatin1(t));
        QVERIFY(!page.testerIsCurrent());
        QVERIFY(test::waitUntil([&] { return page.testerIsCurrent(); }, 5000));
        QCOMPARE(updated.count(), 1);  // one encoding for the burst, of the last text
        checkTester(page, Tokenizer::load(test::demoTokenizerDir()), "Hello");
    }

    void openingABadFolderSaysWhy()
    {
        ui::TokenizerPage page;
        QTemporaryDir dir;
        QVERIFY(!page.openTokenizerFolder(dir.path()));
        QVERIFY2(page.messageText().contains(QStringLiteral("tokenizer.model")),
                 qPrintable(page.messageText()));

        // A folder whose tokenizer.model is not a model: the load fails on the worker and the page says so.
        const QString broken = dir.filePath(QStringLiteral("broken"));
        QVERIFY(QDir().mkpath(broken));
        std::ofstream(QDir(broken).filePath(QStringLiteral("tokenizer.model")).toStdString())
            << "not a model";
        QVERIFY(page.openTokenizerFolder(broken));
        QVERIFY(test::waitUntil([&] { return page.messageText().contains(QStringLiteral("Cannot load")); },
                                10000));
        QCOMPARE(page.model()->rowCount(), 0);
        QVERIFY(page.testerIsCurrent());
    }

    void chipsPaintAndFollowTheIdsSwitch()
    {
        ui::TokenizerPage page;
        page.resize(900, 600);
        page.show();
        QVERIFY(page.openTokenizerFolder(QString::fromStdString(test::demoTokenizerDir())));
        QVERIFY(waitForTester(page, test::demoTokenizerDir()));
        QVERIFY(page.piecesModel()->rowCount() > 0);
        QStyleOptionViewItem option;
        option.initFrom(page.chipsView());
        const QModelIndex first = page.piecesModel()->index(0, 0);
        const int withIds = page.chipDelegate()->sizeHint(option, first).height();
        page.chipDelegate()->setShowIds(false);
        QVERIFY(page.chipDelegate()->sizeHint(option, first).height() < withIds);
        QVERIFY(!page.grab().isNull());  // paints every kind of chip without trouble
    }
};

QTEST_MAIN(TestTokenizerPage)
#include "tst_tokenizer_page.moc"
