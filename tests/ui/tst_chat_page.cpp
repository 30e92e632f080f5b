// The Chat page with real tiny checkpoints: a greedy reply streams into the view in several updates and
// equals an independent InferenceModel::generate; it is saved with the user's message; Stop ends a long reply
// as "cancelled"; stored reasoning renders folded; reopening restores settings and checkpoint; checkpoints
// of runs are offered; a bad folder shows an error naming it; the conversation list passes the model tester.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/infer/inference.h"
#include "core/store/conversations.h"
#include "core/store/experiment_store.h"
#include "core/util/system_info.h"
#include "core/util/utf8.h"
#include "core/train/training_run.h"
#include "ui/chat/chat_page.h"
#include "ui/chat/conversation_list_model.h"
#include "ui/chat/message_view.h"
#include "ui/i18n.h"
#include "ui_test_util.h"

using namespace danka;
using State = ui::ChatPage::State;

namespace {

// A randomly initialised tiny model like makeTinyCheckpoint's, with a context long enough for long replies.
std::string makeLongContextCheckpoint(const core::Workspace &ws, const std::string &outDir)
{
    core::ModelInitOptions o;
    o.config = test::tinyRunConfig();
    o.config.model.maxSeqLen = 2048;
    o.tokenizerDir = test::demoTokenizerDir();
    o.outDir = outDir;
    std::string error, dir;
    if (test::runJob([&](core::JobContext &job) { dir = core::initModel(ws, o, job).dir; }, &error) !=
        core::JobState::Completed)
        throw std::runtime_error("initialising the long-context tiny model failed: " + error);
    return dir;
}

bool waitForState(ui::ChatPage &page, State state, int timeoutMs = 60000)
{
    return test::waitUntil([&] { return page.state() == state; }, timeoutMs);
}

core::GenerateRequest greedyRequest(int64_t maxNewTokens)
{
    core::GenerateRequest r;
    r.greedy = true;
    r.maxNewTokens = maxNewTokens;
    r.seed = 7;
    return r;
}

}  // namespace

class TestChatPage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::optional<core::Workspace> m_ws;
    QString m_tiny;  // context 64
    QString m_long;  // context 2048

    std::unique_ptr<ui::ChatPage> makePage()
    {
        auto page = std::make_unique<ui::ChatPage>();
        page->setDevice(QStringLiteral("cpu"));  // the oracle runs on the CPU too
        page->setWorkspace(m_ws);
        page->resize(1000, 700);
        page->show();
        return page;
    }

    static std::vector<core::Conversation> storedConversations(const core::Workspace &ws)
    {
        core::ExperimentStore store(ws.databasePath());
        std::vector<core::Conversation> out;
        core::ConversationStore conversations(store);
        for (const auto &c : conversations.list())
            out.push_back(*conversations.get(c.id));
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // As the studio starts: English with its plural forms ("1 token").
        QCOMPARE(ui::installTranslations(*qApp, QStringLiteral("en")), QStringLiteral("en"));
        core::initComputeThreads(1);
        m_ws = core::Workspace::open(m_dir.filePath(QStringLiteral("ws")).toStdString());
        m_tiny = QString::fromStdString(
            test::makeTinyCheckpoint(*m_ws, m_dir.filePath(QStringLiteral("tiny")).toStdString()));
        m_long = QString::fromStdString(
            makeLongContextCheckpoint(*m_ws, m_dir.filePath(QStringLiteral("long")).toStdString()));
    }

    void cleanup()
    {
        // Each test starts from an empty conversation list.
        core::ExperimentStore store(m_ws->databasePath());
        store.database().exec("DELETE FROM conversations");
    }

    void replyStreamsAndEqualsAnIndependentGeneration()
    {
        auto page = makePage();
        QCOMPARE(page->state(), State::NoModel);
        page->openCheckpoint(m_long);
        QCOMPARE(page->state(), State::Loading);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QCOMPARE(page->loadedCheckpoint(), QDir::cleanPath(m_long));

        page->setSystemPrompt(QStringLiteral("You are a helpful assistant."));
        page->setSamplingSettings(greedyRequest(1000));
        QSignalSpy updates(page.get(), &ui::ChatPage::replyUpdated);
        QSignalSpy finished(page.get(), &ui::ChatPage::replyFinished);
        QSignalSpy rendered(page->messageView(), &ui::MessageView::rendered);
        const QString prompt = QStringLiteral("你好! Tell me a story.");
        QVERIFY(page->sendMessage(prompt));
        QCOMPARE(page->state(), State::Generating);
        QVERIFY(waitForState(*page, State::Ready));
        QCOMPARE(finished.count(), 1);

        // Oracle: the same request through a separately loaded model.
        const auto model = core::InferenceModel::load(m_long.toStdString(), "cpu");
        core::GenerateRequest request = greedyRequest(1000);
        request.chat = true;
        request.prompt = prompt.toStdString();
        request.systemPrompt = "You are a helpful assistant.";
        const core::GenerateResult expected = model->generate(request);
        QVERIFY2(expected.generatedIds.size() > 20, "the oracle reply is too short to show streaming");

        const QString reply = finished[0][0].toString();
        QCOMPARE(reply, QString::fromStdString(expected.text));
        QCOMPARE(finished[0][1].toString(), QString::fromStdString(expected.finishReason));
        // Streaming: several updates, each one the reply so far (a growing prefix of the final text).
        QVERIFY2(updates.count() > 1, qPrintable(QStringLiteral("%1 updates").arg(updates.count())));
        QVERIFY(rendered.count() > updates.count());
        QString previous;
        for (const QList<QVariant> &u : updates) {
            const QString text = u[0].toString();
            QVERIFY(text.size() > previous.size() && text.startsWith(previous));
            QVERIFY(reply.startsWith(text));
            previous = text;
        }
        QVERIFY(page->messageView()->toPlainText().contains(prompt));
        QVERIFY(page->statsText().contains(QStringLiteral("tokens/s")));
        QVERIFY(page->statsText().contains(QString::number(expected.generatedIds.size())));

        // Saved: the conversation with both messages, titled after the question, with checkpoint and
        // settings.
        const auto stored = storedConversations(*m_ws);
        QCOMPARE(stored.size(), size_t(1));
        const core::Conversation &c = stored[0];
        QCOMPARE(page->conversationId(), std::optional<int64_t>(c.id));
        QCOMPARE(QString::fromStdString(c.title), prompt);
        QCOMPARE(QString::fromStdString(c.checkpointPath), QDir::cleanPath(m_long));
        QCOMPARE(c.systemPrompt, std::string("You are a helpful assistant."));
        core::GenerateRequest settings;
        core::applySamplingSettings(c.settingsJson, settings);
        QVERIFY(settings.greedy);
        QCOMPARE(settings.maxNewTokens, int64_t(1000));
        QCOMPARE(c.messages.size(), size_t(2));
        QCOMPARE(c.messages[0].role, std::string("user"));
        QCOMPARE(QString::fromStdString(c.messages[0].content), prompt);
        QCOMPARE(c.messages[1].role, std::string("assistant"));
        QCOMPARE(c.messages[1].content, expected.text);
        QCOMPARE(c.messages[1].stats.tokens, int64_t(expected.generatedIds.size()));
        QCOMPARE(c.messages[1].stats.finishReason, expected.finishReason);
        QVERIFY(c.messages[1].stats.tokensPerSecond > 0);
        QCOMPARE(page->conversationModel()->rowCount(), 1);

        // A second turn carries the first as history: the oracle gets the same history.
        QVERIFY(page->sendMessage(QStringLiteral("And then?")));
        QVERIFY(waitForState(*page, State::Ready));
        request.prompt = "And then?";
        request.history = {{"user", prompt.toStdString()}, {"assistant", expected.text}};
        QCOMPARE(page->messages().back().content, model->generate(request).text);
        QCOMPARE(storedConversations(*m_ws)[0].messages.size(), size_t(4));
    }

    void stopEndsALongReplyQuickly()
    {
        auto page = makePage();
        page->openCheckpoint(m_long);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        page->setSamplingSettings(greedyRequest(100000));  // the whole context
        QSignalSpy updates(page.get(), &ui::ChatPage::replyUpdated);
        QVERIFY(page->sendMessage(QStringLiteral("Write a very long essay.")));
        QVERIFY(test::waitUntil([&] { return updates.count() > 0; }, 30000));
        QCOMPARE(page->state(), State::Generating);

        QElapsedTimer t;
        t.start();
        page->stop();
        QVERIFY(waitForState(*page, State::Ready, 10000));
        const qint64 stopMs = t.elapsed();
        QVERIFY2(stopMs < 2000, qPrintable(QStringLiteral("stopping took %1 ms").arg(stopMs)));
        QCOMPARE(page->lastFinishReason(), QStringLiteral("cancelled"));

        // The partial reply is kept and saved as cancelled; it is the beginning of the full greedy reply,
        // which (oracle) runs on to the end of the context.
        const auto stored = storedConversations(*m_ws);
        QCOMPARE(stored.size(), size_t(1));
        QCOMPARE(stored[0].messages.size(), size_t(2));
        const core::ConversationMessage &reply = stored[0].messages[1];
        QCOMPARE(reply.stats.finishReason, std::string("cancelled"));
        core::GenerateRequest request = greedyRequest(100000);
        request.chat = true;
        request.prompt = "Write a very long essay.";
        const core::GenerateResult full =
            core::InferenceModel::load(m_long.toStdString(), "cpu")->generate(request);
        QVERIFY(full.generatedIds.size() > size_t(reply.stats.tokens));
        QVERIFY(full.text.compare(0, reply.content.size(), reply.content) == 0);

        // The page is usable again.
        page->setSamplingSettings(greedyRequest(5));
        QVERIFY(page->sendMessage(QStringLiteral("Short, please.")));
        QVERIFY(waitForState(*page, State::Ready));
        QVERIFY(page->lastFinishReason() != QStringLiteral("cancelled"));
    }

    void reasoningIsFoldedAndTextIsNeverHtml()
    {
        int64_t id;
        {
            core::ExperimentStore store(m_ws->databasePath());
            core::ConversationStore conversations(store);
            core::GenerateRequest settings = greedyRequest(33);
            settings.greedy = false;
            settings.temperature = 0.3;
            id = conversations.create("folded", m_tiny.toStdString(), "Be nice.",
                                      core::samplingSettingsJson(settings));
            conversations.appendMessage(id, "user", "<b>not bold</b> & <i>x</i>");
            core::MessageStats stats;
            stats.tokens = 9;
            stats.tokensPerSecond = 12.5;
            stats.finishReason = "eos";
            conversations.appendMessage(id, "assistant", "<think>abc</think>answer", stats);
        }
        auto page = makePage();
        QCOMPARE(page->conversationModel()->rowCount(), 1);
        QVERIFY(page->openConversation(id));

        // Restored: system prompt, settings, and the checkpoint loads.
        QCOMPARE(page->systemPrompt(), QStringLiteral("Be nice."));
        QCOMPARE(page->samplingSettings().temperature, 0.3);
        QCOMPARE(page->samplingSettings().maxNewTokens, int64_t(33));
        QVERIFY(!page->samplingSettings().greedy);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QCOMPARE(page->loadedCheckpoint(), QDir::cleanPath(m_tiny));

        ui::MessageView *view = page->messageView();
        QString text = view->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("<b>not bold</b> & <i>x</i>")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("answer")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Thinking (3 characters)")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("abc")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("12.5 tokens/s")));

        // The link unfolds and folds the reasoning.
        Q_EMIT view->anchorClicked(QUrl(QStringLiteral("think:1")));
        QVERIFY(view->isThinkExpanded(1));
        QVERIFY2(view->toPlainText().contains(QStringLiteral("abc")), qPrintable(view->toPlainText()));
        view->toggleThink(1);
        QVERIFY(!view->toPlainText().contains(QStringLiteral("abc")));

        // While streaming, unfinished reasoning is folded too and its length grows.
        view->setStreamingReply(QStringLiteral("<think>partial reasoning"));
        text = view->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Thinking... (17 characters)")), qPrintable(text));
        QVERIFY(!text.contains(QStringLiteral("partial")));
        view->setStreamingReply(QStringLiteral("<think>partial reasoning</think>the answer"));
        QVERIFY(view->toPlainText().contains(QStringLiteral("the answer")));
        QVERIFY(!view->toPlainText().contains(QStringLiteral("partial")));
        view->clearStreamingReply();
        QVERIFY(!view->toPlainText().contains(QStringLiteral("the answer")));
    }

    // The "choose a checkpoint" hint goes once one is loaded; counts read "1 token", "2 messages" (plural
    // forms through tr's %n and English's own plural file).
    void hintFollowsTheModelAndCountsArePlural()
    {
        auto page = makePage();
        QVERIFY(page->messageView()->toPlainText().contains(QStringLiteral("Choose a checkpoint")));
        page->openCheckpoint(m_tiny);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QVERIFY(!page->messageView()->toPlainText().contains(QStringLiteral("Choose a checkpoint")));
        QVERIFY(page->messageView()->toPlainText().contains(QStringLiteral("Type a message below.")));

        page->setSamplingSettings(greedyRequest(1));
        QVERIFY(page->sendMessage(QStringLiteral("Hi")));
        QVERIFY(waitForState(*page, State::Ready));
        QCOMPARE(page->messages().back().stats.tokens, int64_t(1));
        QVERIFY2(page->statsText().startsWith(QStringLiteral("1 token in ")), qPrintable(page->statsText()));
        const QString listed = page->conversationModel()->index(0, 0).data().toString();
        QVERIFY2(listed.endsWith(QStringLiteral("· 2 messages")), qPrintable(listed));
    }

    // A reasoning block streamed a token at a time and split inside a byte-fallback character (what showed
    // "《金壑��》"): no piece ever holds U+FFFD or half a character, the bytes wait until the character is
    // whole, and bytes that never make one (a small model's stray start of a character) are left out.
    void streamHoldsBackPartialCharactersInsideThink()
    {
        const auto tok = core::tokenizer::Tokenizer::load(test::demoTokenizerDir());
        const std::string replacement = "\xEF\xBF\xBD";
        const std::vector<int32_t> ids = tok.encode("<think>《金壑》是谁的诗？</think>不知道。");
        // 壑 is not among the 2000 pieces: three byte tokens, E5 A3 91.
        std::vector<size_t> bytePositions;
        for (size_t i = 0; i < ids.size(); ++i)
            if (tok.isByte(ids[i])) bytePositions.push_back(i);
        QVERIFY2(bytePositions.size() >= 3, "the demo tokenizer has a piece for 壑: pick a rarer character");
        QCOMPARE(tok.piece(ids[bytePositions[0]]), std::string("<0xE5>"));

        auto streamAll = [&](const std::vector<int32_t> &tokens, std::vector<std::string> *pieces) {
            core::TextStream stream(tok, {});
            std::string shown;
            for (int32_t id : tokens) {
                const std::string piece = stream.push(id);
                pieces->push_back(piece);
                shown += piece;
            }
            const std::string rest = stream.finish();
            shown += rest;
            pieces->push_back(rest);
            return std::make_pair(shown, stream);
        };
        std::vector<std::string> pieces;
        auto [shown, stream] = streamAll(ids, &pieces);
        QCOMPARE(shown, tok.decode(ids));  // whole characters only: the same text as decoding it all
        QCOMPARE(stream.droppedBytes(), int64_t(0));
        QVERIFY(shown.find("壑") != std::string::npos);
        for (const std::string &piece : pieces) {
            QVERIFY(piece.find(replacement) == std::string::npos);
            QCOMPARE(core::utf8::firstInvalid(piece), core::utf8::kValid);
        }
        // After the first and the second byte of 壑 nothing was handed out; the third brought the character.
        QCOMPARE(pieces[bytePositions[0]], std::string());
        QCOMPARE(pieces[bytePositions[0] + 1], std::string());
        QCOMPARE(pieces[bytePositions[0] + 2], std::string("壑"));

        // The reply the review saw: 壑, then the first two bytes of it again, then 》. Those two bytes are no
        // character: left out, not shown as "��".
        std::vector<int32_t> stray(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(bytePositions[0] + 3));
        stray.push_back(ids[bytePositions[0]]);
        stray.push_back(ids[bytePositions[0] + 1]);
        stray.insert(stray.end(), ids.begin() + static_cast<std::ptrdiff_t>(bytePositions[0] + 3), ids.end());
        QVERIFY(tok.decode(stray).find(replacement) != std::string::npos);  // what SentencePiece writes
        pieces.clear();
        auto [strayShown, strayStream] = streamAll(stray, &pieces);
        QCOMPARE(strayShown, tok.decode(ids));
        QCOMPARE(strayStream.droppedBytes(), int64_t(2));
        for (const std::string &piece : pieces)
            QVERIFY(piece.find(replacement) == std::string::npos);

        // The transcript shows the reasoning block built from those pieces without a replacement character.
        ui::MessageView view;
        std::string soFar;
        for (const std::string &piece : pieces) {
            soFar += piece;
            view.setStreamingReply(QString::fromStdString(soFar));
            QVERIFY(!view.toPlainText().contains(QChar(0xFFFD)));
        }
    }

    void thinkSplitting_data()
    {
        QTest::addColumn<QString>("content");
        QTest::addColumn<bool>("hasThink");
        QTest::addColumn<bool>("closed");
        QTest::addColumn<QString>("think");
        QTest::addColumn<QString>("answer");
        QTest::newRow("plain") << QStringLiteral("just text") << false << false << QString()
                               << QStringLiteral("just text");
        QTest::newRow("both") << QStringLiteral("<think>\nwhy\n</think>\n\nbecause") << true << true
                              << QStringLiteral("why") << QStringLiteral("because");
        QTest::newRow("unfinished") << QStringLiteral("<think>still") << true << false
                                    << QStringLiteral("still") << QString();
        QTest::newRow("opening marker arriving")
            << QStringLiteral("<thi") << true << false << QString() << QString();
        QTest::newRow("opened by the template") << QStringLiteral("why</think>because") << true << true
                                                << QStringLiteral("why") << QStringLiteral("because");
        QTest::newRow("marker later in the text")
            << QStringLiteral("a <think> b") << false << false << QString() << QStringLiteral("a <think> b");
    }
    void thinkSplitting()
    {
        QFETCH(QString, content);
        const ui::ThinkSplit s = ui::splitThink(content);
        QTEST(s.hasThink, "hasThink");
        QTEST(s.closed, "closed");
        QTEST(s.think, "think");
        QTEST(s.answer, "answer");
    }

    void conversationListIsAConsistentModel()
    {
        auto page = makePage();
        ui::ConversationListModel *model = page->conversationModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model->rowCount(), 0);

        int64_t older, newer;
        {
            core::ExperimentStore store(m_ws->databasePath());
            core::ConversationStore conversations(store);
            older = conversations.create("older", "", "");
            newer = conversations.create("newer", "", "");
            conversations.appendMessage(newer, "user", "hi");
            store.database().exec("UPDATE conversations SET updated_at = 1000 WHERE id = " +
                                  std::to_string(older));
        }
        page->refreshConversations();
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(model->index(0).data(ui::ConversationListModel::ConversationIdRole).toLongLong(), newer);
        QCOMPARE(model->index(1).data(ui::ConversationListModel::TitleRole).toString(),
                 QStringLiteral("older"));
        QVERIFY(model->index(0).data().toString().startsWith(QStringLiteral("newer\n")));

        // Renaming in place is saved (oracle: the row in SQL).
        QVERIFY(model->setData(model->index(1), QStringLiteral("  renamed   one ")));
        QVERIFY(!model->setData(model->index(1), QStringLiteral("   ")));
        {
            core::ExperimentStore store(m_ws->databasePath());
            QCOMPARE(store.database().queryText("SELECT title FROM conversations WHERE id = " +
                                                std::to_string(older)),
                     std::string("renamed one"));
        }

        page->deleteConversation(newer);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(storedConversations(*m_ws).size(), size_t(1));
        page->newConversation();
        QCOMPARE(page->conversationId(), std::nullopt);
        page->setWorkspace(std::nullopt);
        QCOMPARE(model->rowCount(), 0);
    }

    void checkpointsOfRunsAreOffered()
    {
        {
            core::ExperimentStore store(m_ws->databasePath());
            const int64_t run = store.createRun("demo-pretrain", "pretrain");
            store.addCheckpoint(run, 100, m_tiny.toStdString());
        }
        auto page = makePage();
        QComboBox *box = page->checkpointBox();
        const int index = box->findData(QDir::cleanPath(m_tiny));
        QVERIFY(index > 0);
        QCOMPARE(box->itemText(index), QStringLiteral("demo-pretrain · step 100"));
        QVERIFY(box->itemText(box->count() - 1).startsWith(QStringLiteral("Browse")));
        Q_EMIT box->activated(index);  // the user picks it
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QCOMPARE(page->loadedCheckpoint(), QDir::cleanPath(m_tiny));
        QCOMPARE(box->currentIndex(), box->findData(QDir::cleanPath(m_tiny)));

        // A short context: earlier turns are left out rather than failing the reply.
        page->setSamplingSettings(greedyRequest(8));
        for (int i = 0; i < 4; ++i) {
            QVERIFY(page->sendMessage(QStringLiteral("question number %1 with a few more words").arg(i)));
            QVERIFY(waitForState(*page, State::Ready));
            QVERIFY2(page->errorText().isEmpty(), qPrintable(page->errorText()));
        }
        QCOMPARE(page->messages().size(), size_t(8));
        QVERIFY2(page->statsText().contains(QStringLiteral("left out")), qPrintable(page->statsText()));
    }

    void anAdapterGoesOnTheBaseWithoutMerging()
    {
        // A LoRA run of a few steps on the demo's held-out conversations writes an adapter checkpoint.
        core::data::PrepareOptions o;
        o.inputs = {test::demoFile("sft_val.jsonl")};
        o.tokenizerDir = test::demoTokenizerDir();
        o.outDir = m_dir.filePath(QStringLiteral("sft")).toStdString();
        o.valFraction = 0;
        std::string error;
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::data::prepareDataset(o, job); }, &error),
                 core::JobState::Completed);
        core::RunConfig c = test::tinyRunConfig();
        c.name = "lora";
        c.stage.kind = "sft";
        c.stage.lora.enabled = true;
        c.stage.baseCheckpoint = m_tiny.toStdString();
        c.data.dataset = o.outDir;
        c.data.seqLen = 64;
        c.optim.learningRate = 5e-2;
        c.schedule.maxSteps = 3;
        c.schedule.warmupSteps = 1;
        c.runtime.evalEvery = 0;
        core::train::TrainRequest request;
        request.config = c;
        const core::train::PreparedTraining p = core::train::prepareTraining(*m_ws, request);
        QCOMPARE(test::runJob([&](core::JobContext &job) { core::train::runTraining(*m_ws, p, job, {{}, 1e11}); }, &error),
                 core::JobState::Completed);
        QString adapter;
        {
            core::ExperimentStore store(m_ws->databasePath());
            adapter = QDir::cleanPath(QString::fromStdString(store.checkpoints(p.runId).back().path));
        }

        auto page = makePage();
        page->openCheckpoint(m_tiny);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QComboBox *box = page->adapterBox();
        const int index = box->findData(adapter);
        QVERIFY(index > 0);
        QCOMPARE(box->itemText(index), QStringLiteral("lora · step 3"));
        Q_EMIT box->activated(index);  // the user picks the adapter
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QCOMPARE(page->loadedCheckpoint(), QDir::cleanPath(m_tiny));
        QCOMPARE(page->loadedAdapter(), adapter);

        // The oracle: the same base and adapter loaded by core, greedy.
        page->setSamplingSettings(greedyRequest(12));
        QVERIFY(page->sendMessage(QStringLiteral("你是谁？")));
        QVERIFY(waitForState(*page, State::Ready));
        core::GenerateRequest r = greedyRequest(12);
        r.prompt = "你是谁？";
        r.chat = true;
        const core::GenerateResult expected =
            core::InferenceModel::load(m_tiny.toStdString(), "cpu", adapter.toStdString())->generate(r);
        QCOMPARE(page->messages().back().content, expected.text);

        // Opening the adapter folder itself gives the same pair; "No adapter" takes it off again.
        Q_EMIT box->activated(0);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QVERIFY(page->loadedAdapter().isEmpty());
        page->openCheckpoint(adapter);
        QVERIFY2(waitForState(*page, State::Ready), qPrintable(page->errorText()));
        QCOMPARE(page->loadedCheckpoint(), QDir::cleanPath(m_tiny));
        QCOMPARE(page->loadedAdapter(), adapter);
    }

    void badCheckpointShowsAnErrorNamingIt()
    {
        auto page = makePage();
        const QString empty = m_dir.filePath(QStringLiteral("not-a-checkpoint"));
        QVERIFY(QDir().mkpath(empty));
        QSignalSpy errors(page.get(), &ui::ChatPage::errorOccurred);
        page->openCheckpoint(empty);
        QVERIFY(test::waitUntil([&] { return page->state() == State::NoModel; }, 30000));
        QVERIFY2(page->errorText().contains(empty), qPrintable(page->errorText()));
        QCOMPARE(errors.count(), 1);
        QVERIFY(!page->sendMessage(QStringLiteral("hello?")));
        QVERIFY(!page->errorText().isEmpty());

        const QString missing = m_dir.filePath(QStringLiteral("missing/step-1"));
        page->openCheckpoint(missing);
        QVERIFY(test::waitUntil([&] { return page->state() == State::NoModel; }, 30000));
        QVERIFY2(page->errorText().contains(missing), qPrintable(page->errorText()));

        // Still alive: a good checkpoint loads and clears the error.
        page->openCheckpoint(m_tiny);
        QVERIFY(waitForState(*page, State::Ready));
        QVERIFY(page->errorText().isEmpty());
    }
};

QTEST_MAIN(TestChatPage)
#include "tst_chat_page.moc"
