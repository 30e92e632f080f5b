// Chat conversations in the store: every write checked with raw SQL on the same database (the oracle),
// message order, newest-first listing, cascade delete, titles and the sampling settings round trip.
#include <QTemporaryDir>
#include <QtTest>

#include "core/util/error.h"
#include "core/store/conversations.h"
#include "core/store/experiment_store.h"

using namespace danka::core;

class TestConversations : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_counter = 0;
    std::string freshPath()
    {
        return m_dir.filePath(QStringLiteral("db%1.sqlite").arg(++m_counter)).toStdString();
    }

    static int64_t count(const sqlite::Database &db, const std::string &sql) { return db.queryInt(sql); }

private Q_SLOTS:
    void createWritesTheRow()
    {
        ExperimentStore store(freshPath());
        ConversationStore conversations(store);
        const int64_t id = conversations.create("你好 world", "/ws/runs/1/step-00000100", "Be brief.",
                                                R"({"temperature":0.5})");
        auto s = store.database().prepare(
            "SELECT title, checkpoint_path, system_prompt, settings_json, created_at, updated_at "
            "FROM conversations WHERE id = ?");
        s.bind(1, id);
        QVERIFY(s.step());
        QCOMPARE(s.columnText(0), std::string("你好 world"));
        QCOMPARE(s.columnText(1), std::string("/ws/runs/1/step-00000100"));
        QCOMPARE(s.columnText(2), std::string("Be brief."));
        QCOMPARE(s.columnText(3), std::string(R"({"temperature":0.5})"));
        QVERIFY(s.columnDouble(4) > 1.6e9);
        QCOMPARE(s.columnDouble(5), s.columnDouble(4));

        const auto c = conversations.get(id);
        QVERIFY(c.has_value());
        QCOMPARE(c->title, std::string("你好 world"));
        QCOMPARE(c->systemPrompt, std::string("Be brief."));
        QCOMPARE(c->messageCount, int64_t(0));
        QVERIFY(c->messages.empty());
        QVERIFY(!conversations.get(id + 1).has_value());
    }

    void messagesAreAppendedInOrderWithStats()
    {
        ExperimentStore store(freshPath());
        ConversationStore conversations(store);
        const int64_t id = conversations.create("t", "ckpt", "");
        const int64_t other = conversations.create("other", "ckpt", "");
        MessageStats stats;
        stats.tokens = 17;
        stats.tokensPerSecond = 42.5;
        stats.seconds = 0.4;
        stats.finishReason = "eos";
        conversations.appendMessage(id, "user", "question 1");
        conversations.appendMessage(other, "user", "elsewhere");
        const int64_t reply =
            conversations.appendMessage(id, "assistant", "<think>hm</think>answer 1", stats);
        conversations.appendMessage(id, "user", "question 2");

        // Oracle: the rows as SQL sees them.
        auto s = store.database().prepare(
            "SELECT position, role, content, json_extract(stats_json, '$.tokens'), "
            "json_extract(stats_json, '$.finish_reason') FROM messages WHERE conversation_id = ? ORDER BY "
            "id");
        s.bind(1, id);
        std::vector<std::tuple<int64_t, std::string, std::string>> rows;
        while (s.step()) {
            rows.emplace_back(s.columnInt(0), s.columnText(1), s.columnText(2));
            if (s.columnText(1) == "assistant") {
                QCOMPARE(s.columnInt(3), int64_t(17));
                QCOMPARE(s.columnText(4), std::string("eos"));
            } else {
                QVERIFY(s.columnIsNull(3));  // a user's message has no statistics
            }
        }
        QCOMPARE(rows.size(), size_t(3));
        QCOMPARE(rows[0], std::make_tuple(int64_t(0), std::string("user"), std::string("question 1")));
        QCOMPARE(rows[1], std::make_tuple(int64_t(1), std::string("assistant"),
                                          std::string("<think>hm</think>answer 1")));
        QCOMPARE(rows[2], std::make_tuple(int64_t(2), std::string("user"), std::string("question 2")));
        QCOMPARE(count(store.database(), "SELECT position FROM messages WHERE content = 'elsewhere'"),
                 int64_t(0));

        const auto c = conversations.get(id);
        QVERIFY(c.has_value());
        QCOMPARE(c->messageCount, int64_t(3));
        QCOMPARE(c->messages.size(), size_t(3));
        QCOMPARE(c->messages[1].id, reply);
        QCOMPARE(c->messages[1].role, std::string("assistant"));
        QCOMPARE(c->messages[1].stats.tokens, int64_t(17));
        QCOMPARE(c->messages[1].stats.tokensPerSecond, 42.5);
        QCOMPARE(c->messages[1].stats.finishReason, std::string("eos"));
        QCOMPARE(c->messages[2].content, std::string("question 2"));
        QVERIFY(c->messages[0].stats.finishReason.empty());

        try {
            conversations.appendMessage(9999, "user", "x");
            QFAIL("a message was appended to a conversation that does not exist");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("9999") != std::string::npos, e.what());
        }
        QCOMPARE(count(store.database(), "SELECT count(*) FROM messages WHERE conversation_id = 9999"),
                 int64_t(0));
        // The schema refuses an unknown role.
        QVERIFY_THROWS_EXCEPTION(Error, conversations.appendMessage(id, "tool", "x"));
    }

    void listIsNewestFirst()
    {
        ExperimentStore store(freshPath());
        ConversationStore conversations(store);
        const int64_t a = conversations.create("a", "", "");
        const int64_t b = conversations.create("b", "", "");
        const int64_t c = conversations.create("c", "", "");
        // Pin the times so the order does not depend on the clock's resolution.
        store.database().exec("UPDATE conversations SET updated_at = 100 + id");
        auto ids = [&] {
            std::vector<int64_t> out;
            for (const auto &conversation : conversations.list())
                out.push_back(conversation.id);
            return out;
        };
        QCOMPARE(ids(), (std::vector<int64_t>{c, b, a}));
        // A new message makes a conversation the most recent.
        conversations.appendMessage(a, "user", "back to a");
        QCOMPARE(ids(), (std::vector<int64_t>{a, c, b}));
        QCOMPARE(conversations.list()[0].messageCount, int64_t(1));
        QVERIFY(conversations.list()[0].messages.empty());  // list() leaves messages out
        // Oracle: the same order from SQL.
        auto s = store.database().prepare("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC");
        std::vector<int64_t> sqlOrder;
        while (s.step())
            sqlOrder.push_back(s.columnInt(0));
        QCOMPARE(ids(), sqlOrder);
    }

    void updatesChangeTheRow()
    {
        ExperimentStore store(freshPath());
        ConversationStore conversations(store);
        const int64_t id = conversations.create("old", "ckpt-a", "sys a", "{}");
        store.database().exec("UPDATE conversations SET updated_at = 1");
        conversations.setTitle(id, "new title");
        // A checkpoint of the workspace is kept relative to it (a moved workspace still finds it).
        const std::string checkpoint = store.root() + "/runs/2/checkpoints/step-00000010";
        conversations.updateSettings(id, checkpoint, "sys b", R"({"greedy":true})");
        auto s = store.database().prepare(
            "SELECT title, checkpoint_path, system_prompt, json_extract(settings_json, '$.greedy'), "
            "updated_at "
            "FROM conversations WHERE id = ?");
        s.bind(1, id);
        QVERIFY(s.step());
        QCOMPARE(s.columnText(0), std::string("new title"));
        QCOMPARE(s.columnText(1), std::string("runs/2/checkpoints/step-00000010"));
        QCOMPARE(conversations.get(id)->checkpointPath, checkpoint);
        QCOMPARE(conversations.list().front().checkpointPath, checkpoint);
        QCOMPARE(s.columnText(2), std::string("sys b"));
        QCOMPARE(s.columnInt(3), int64_t(1));
        QVERIFY(s.columnDouble(4) > 1);
        QVERIFY_THROWS_EXCEPTION(Error, conversations.setTitle(id + 100, "x"));
        QVERIFY_THROWS_EXCEPTION(Error, conversations.updateSettings(id + 100, "", "", "{}"));
        QVERIFY_THROWS_EXCEPTION(Error, conversations.updateSettings(id, "", "", "not json"));
    }

    void deleteCascadesToMessages()
    {
        ExperimentStore store(freshPath());
        ConversationStore conversations(store);
        const int64_t keep = conversations.create("keep", "", "");
        const int64_t drop = conversations.create("drop", "", "");
        for (int i = 0; i < 3; ++i) {
            conversations.appendMessage(keep, "user", "k" + std::to_string(i));
            conversations.appendMessage(drop, "user", "d" + std::to_string(i));
        }
        QCOMPARE(count(store.database(), "SELECT count(*) FROM messages"), int64_t(6));
        QVERIFY(conversations.remove(drop));
        QVERIFY(!conversations.remove(drop));
        QCOMPARE(count(store.database(), "SELECT count(*) FROM conversations"), int64_t(1));
        QCOMPARE(count(store.database(),
                       "SELECT count(*) FROM messages WHERE conversation_id = " + std::to_string(drop)),
                 int64_t(0));
        QCOMPARE(count(store.database(),
                       "SELECT count(*) FROM messages WHERE conversation_id = " + std::to_string(keep)),
                 int64_t(3));
        QVERIFY(!conversations.get(drop).has_value());
        QCOMPARE(store.database().queryText("PRAGMA foreign_key_check"), std::string());
    }

    void conversationsPersistAcrossConnections()
    {
        const std::string path = freshPath();
        int64_t id;
        {
            ExperimentStore store(path);
            ConversationStore conversations(store);
            id = conversations.create("persist", "ckpt", "sys");
            conversations.appendMessage(id, "user", "hi");
        }
        ExperimentStore store(path);
        const auto c = ConversationStore(store).get(id);
        QVERIFY(c.has_value());
        QCOMPARE(c->messages.size(), size_t(1));
        QCOMPARE(c->messages[0].content, std::string("hi"));
    }

    void titleFromFirstMessage_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("maxChars");
        QTest::addColumn<QString>("title");
        QTest::newRow("short") << QStringLiteral("  hello   there ") << 48 << QStringLiteral("hello there");
        QTest::newRow("first line") << QStringLiteral("\n\nfirst line\nsecond") << 48
                                    << QStringLiteral("first line");
        QTest::newRow("cut") << QStringLiteral("abcdefghij") << 8 << QStringLiteral("abcde...");
        QTest::newRow("exact") << QStringLiteral("abcdefgh") << 8 << QStringLiteral("abcdefgh");
        QTest::newRow("chinese cut on characters")
            << QStringLiteral("你好世界你好世界") << 6 << QStringLiteral("你好世...");
    }
    void titleFromFirstMessage()
    {
        QFETCH(QString, message);
        QFETCH(int, maxChars);
        QFETCH(QString, title);
        QCOMPARE(QString::fromStdString(conversationTitle(message.toStdString(), size_t(maxChars))), title);
    }

    void samplingSettingsRoundTrip()
    {
        GenerateRequest r;
        r.greedy = true;
        r.temperature = 0.3;
        r.topK = 7;
        r.topP = 0.5;
        r.repetitionPenalty = 1.25;
        r.maxNewTokens = 99;
        r.seed = 123456789012ULL;
        GenerateRequest back;
        applySamplingSettings(samplingSettingsJson(r), back);
        QCOMPARE(back.greedy, true);
        QCOMPARE(back.temperature, 0.3);
        QCOMPARE(back.topK, int64_t(7));
        QCOMPARE(back.topP, 0.5);
        QCOMPARE(back.repetitionPenalty, 1.25);
        QCOMPARE(back.maxNewTokens, int64_t(99));
        QCOMPARE(back.seed, uint64_t(123456789012ULL));

        // Missing and mistyped fields keep the request's values; garbage changes nothing.
        GenerateRequest partial;
        applySamplingSettings(R"({"temperature": 1.5, "top_k": "many", "seed": 3})", partial);
        QCOMPARE(partial.temperature, 1.5);
        QCOMPARE(partial.topK, GenerateRequest().topK);
        QCOMPARE(partial.seed, uint64_t(3));
        GenerateRequest untouched;
        applySamplingSettings("not json", untouched);
        QCOMPARE(untouched.temperature, GenerateRequest().temperature);
    }
};

QTEST_GUILESS_MAIN(TestConversations)
#include "tst_conversations.moc"
