// The tokenizer trained on the demo corpus: round trips, markers, byte fallback, the files it writes, and
// the chat template's tokens and loss mask on a hand-checked multi-turn conversation.
#include <QFile>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/trainer.h"
#include "core/util/utf8.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core::tokenizer;
using danka::core::data::Message;

namespace {

std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts)
{
    std::vector<int32_t> out;
    for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<Tokenizer> m_tok;

private Q_SLOTS:
    void initTestCase() { m_tok = std::make_unique<Tokenizer>(Tokenizer::load(test::demoTokenizerDir())); }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("chinese") << QStringLiteral("单卡训练一个语言模型。床前明月光，疑是地上霜。");
        QTest::newRow("english") << QStringLiteral("Hello, world! Tokenizers turn text into ids and back.");
        QTest::newRow("emoji") << QStringLiteral("好的😀👍🏽 ok 🇨🇳");
        QTest::newRow("rare") << QStringLiteral("𠀀𪚥 龘 Ж ß");
        QTest::newRow("markers") << QStringLiteral("<think>因为</think><answer>所以</answer>");
        QTest::newRow("code") << QStringLiteral("int main() {\n    return 0;\n}\n");
        QTest::newRow("spaces") << QStringLiteral("  leading and  double  spaces ");
    }
    void roundTrip()
    {
        QFETCH(QString, text);
        const std::string s = text.toStdString();
        // The model applies NFKC, so the round trip returns the NFKC form: these texts are already in it
        // except the full-width comma of the Chinese row, which becomes ','.
        const std::string expected = QTest::currentDataTag() == std::string("chinese")
                                         ? "单卡训练一个语言模型。床前明月光,疑是地上霜。"
                                         : s;
        QCOMPARE(m_tok->decode(m_tok->encode(s)), expected);
        for (int32_t id : m_tok->encode(s)) QVERIFY(id != m_tok->unkId());  // byte fallback: nothing unknown
    }

    void everyMarkerIsOneToken()
    {
        const auto markers = m_tok->markers();
        QCOMPARE(markers, kStandardMarkers);
        for (const std::string &m : markers) {
            const int32_t id = m_tok->pieceId(m);
            QVERIFY2(id > m_tok->padId(), m.c_str());
            QCOMPARE(m_tok->encode(m), std::vector<int32_t>{id});
            QVERIFY(m_tok->isMarker(id));
            // In context, glued to text on both sides, it is still that single id.
            const auto ids = m_tok->encode("abc" + m + "中文");
            QCOMPARE(std::count(ids.begin(), ids.end(), id), 1L);
            QCOMPARE(m_tok->decode(ids), "abc" + m + "中文");
        }
    }

    void specialIdsAndByteFallback()
    {
        QCOMPARE(m_tok->unkId(), 0);
        QCOMPARE(m_tok->bosId(), 1);
        QCOMPARE(m_tok->eosId(), 2);
        QCOMPARE(m_tok->padId(), 3);
        QCOMPARE(m_tok->piece(2), std::string("</s>"));
        QCOMPARE(m_tok->vocabSize(), 2000);
        // A character far outside the training data becomes its UTF-8 bytes.
        const std::string rare = "𪚥";
        const auto ids = m_tok->encode(rare);
        QCOMPARE(ids.size(), size_t(4));
        for (int32_t id : ids) QVERIFY(m_tok->isByte(id));
        QCOMPARE(m_tok->piece(ids[0]), std::string("<0xF0>"));
        QCOMPARE(m_tok->pieceId("no such piece"), -1);
        QVERIFY_THROWS_EXCEPTION(core::Error, m_tok->decode({99999}));
    }

    void folderHoldsModelMetadataAndHuggingFaceFiles()
    {
        const std::string dir = test::demoTokenizerDir();
        std::ifstream in(dir + "/tokenizer_config.json");
        const auto config = nlohmann::json::parse(in);
        QCOMPARE(config["chat_template"].get<std::string>(), jinjaChatTemplate());
        QCOMPARE(config["bos_token"].get<std::string>(), std::string("<s>"));
        QCOMPARE(config["eos_token"].get<std::string>(), std::string("</s>"));
        QCOMPARE(config["pad_token"].get<std::string>(), std::string("<pad>"));
        QCOMPARE(config["added_tokens_decoder"][std::to_string(m_tok->pieceId(kImEnd))]["content"].get<std::string>(),
                 std::string(kImEnd));
        QVERIFY(QFile::exists(QString::fromStdString(dir + "/special_tokens_map.json")));
        const nlohmann::json &meta = m_tok->metadata();
        QCOMPARE(meta["checksum"].get<std::string>(), m_tok->checksum());
        QCOMPARE(meta["normalization"].get<std::string>(), std::string("nfkc"));
        // Plausible compression for a 2000-piece vocabulary: Chinese leans on byte fallback (under one
        // character per token is expected), English words merge into a few pieces.
        const double zh = meta["stats"]["chars_per_token_zh"].get<double>();
        const double en = meta["stats"]["chars_per_token_en"].get<double>();
        QVERIFY2(zh > 0.4 && zh < 3, qPrintable(QString::number(zh)));
        QVERIFY2(en > 1.5 && en < 6, qPrintable(QString::number(en)));
        QVERIFY(meta["single_character_pieces"].get<int64_t>() <= (2000 - 256 - 12 - 4) / 2);
    }

    void measureCountsCharactersOverTokens()
    {
        const std::vector<std::string> zh = {"床前明月光", "疑是地上霜"};
        int64_t tokens = 0, bytes = 0;
        for (const auto &l : zh)
            for (int32_t id : m_tok->encode(l)) {
                ++tokens;
                bytes += m_tok->isByte(id);
            }
        const TokenizerStats s = m_tok->measure(zh, {});
        QCOMPARE(s.charsPerTokenZh, 10.0 / static_cast<double>(tokens));
        QCOMPARE(s.byteFallbackShare, static_cast<double>(bytes) / static_cast<double>(tokens));
        QCOMPARE(s.heldOutLinesZh, int64_t(2));
    }

    void aTamperedOrMissingModelIsRefused()
    {
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("tok"));
        QDir().mkpath(copy);
        for (const char *f : {"tokenizer.model", "danka_tokenizer.json"})
            QVERIFY(QFile::copy(QString::fromStdString(test::demoTokenizerDir() + "/" + f), copy + QLatin1Char('/') + QLatin1String(f)));
        QVERIFY(Tokenizer::load(copy.toStdString()).checksum() == m_tok->checksum());
        QFile model(copy + QStringLiteral("/tokenizer.model"));
        QVERIFY(model.open(QIODevice::Append));
        model.write("x");
        model.close();
        try {
            Tokenizer::load(copy.toStdString());
            QFAIL("a modified tokenizer.model was accepted");
        } catch (const core::Error &e) {
            QVERIFY2(std::string(e.what()).find(copy.toStdString()) != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(core::Error, Tokenizer::load(dir.filePath(QStringLiteral("none")).toStdString()));
    }

    void trainingRefusesBadRequests()
    {
        TokenizerTrainOptions o;
        o.inputs = {test::demoFile("pretrain.jsonl")};
        o.vocabSize = 100;
        std::string error;
        QCOMPARE(test::runJob([&](core::JobContext &job) { trainTokenizer(o, "/tmp/unused", job); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("outside [300, 65536]") != std::string::npos, error.c_str());
        o.vocabSize = 1000;
        o.inputs = {"/nonexistent.jsonl"};
        QCOMPARE(test::runJob([&](core::JobContext &job) { trainTokenizer(o, "/tmp/unused", job); }, &error),
                 core::JobState::Failed);
        QVERIFY2(error.find("/nonexistent.jsonl") != std::string::npos, error.c_str());
    }

    // --- the chat template ---------------------------------------------------------------------------------

    void renderedTextIsChatMl()
    {
        const std::vector<Message> chat = {{"system", "S"}, {"user", "Q"}, {"assistant", "A"}};
        QCOMPARE(renderChat(chat, false),
                 std::string("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n"
                             "<|im_start|>assistant\nA<|im_end|>\n"));
        QCOMPARE(renderChat({{"user", "Q"}}, true), std::string("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"));
    }

    void multiTurnMaskCoversExactlyTheReplies()
    {
        const Tokenizer &t = *m_tok;
        const std::vector<Message> chat = {{"system", "你是助手。"},
                                           {"user", "《静夜思》的作者是谁？"},
                                           {"assistant", "李白。"},
                                           {"user", "Thanks!"},
                                           {"assistant", "<think>礼貌回应</think>You are welcome."}};
        const EncodedSequence seq = encodeConversation(t, chat);
        // Built by hand from the template: <|im_start|> role\n content <|im_end|> \n, per turn.
        const int32_t start = t.pieceId(kImStart), end = t.pieceId(kImEnd);
        const auto nl = t.encode("\n");
        std::vector<int32_t> ids;
        std::vector<uint8_t> mask;
        auto turn = [&](const std::string &role, const std::string &content, bool target) {
            const auto header = concat({{start}, t.encode(role + "\n")});
            const auto body = concat({t.encode(content), {end}});
            ids.insert(ids.end(), header.begin(), header.end());
            mask.insert(mask.end(), header.size(), 0);
            ids.insert(ids.end(), body.begin(), body.end());
            mask.insert(mask.end(), body.size(), target ? 1 : 0);
            ids.insert(ids.end(), nl.begin(), nl.end());
            mask.insert(mask.end(), nl.size(), 0);
        };
        turn("system", "你是助手。", false);
        turn("user", "《静夜思》的作者是谁?", false);  // the model's NFKC turns the full-width ？ into ?
        turn("assistant", "李白。", true);
        turn("user", "Thanks!", false);
        turn("assistant", "<think>礼貌回应</think>You are welcome.", true);
        QCOMPARE(seq.ids, ids);
        QCOMPARE(seq.lossMask, mask);
        // The masked tokens are the two replies with their end markers, nothing else.
        std::vector<int32_t> trained;
        for (size_t i = 0; i < seq.ids.size(); ++i)
            if (seq.lossMask[i]) trained.push_back(seq.ids[i]);
        QCOMPARE(t.decode(trained), std::string("李白。<|im_end|><think>礼貌回应</think>You are welcome.<|im_end|>"));
        // Decoding the whole sequence gives the rendered text (in NFKC form).
        QCOMPARE(t.decode(seq.ids), renderChat({chat[0], {"user", "《静夜思》的作者是谁?"}, chat[2], chat[3], chat[4]}, false));
    }

    void promptAndContinuationJoinIntoTheConversation()
    {
        const Tokenizer &t = *m_tok;
        const std::vector<Message> prompt = {{"user", "1+1=?"}};
        const std::vector<Message> reply = {{"assistant", "2"}};
        std::vector<int32_t> joined = encodePrompt(t, prompt);
        const EncodedSequence cont = encodeContinuation(t, reply);
        QCOMPARE(cont.lossMask.front(), uint8_t(1));
        joined.insert(joined.end(), cont.ids.begin(), cont.ids.end());
        QCOMPARE(joined, encodeConversation(t, {prompt[0], reply[0]}).ids);
        QCOMPARE(t.decode(encodePrompt(t, prompt)), std::string("<|im_start|>user\n1+1=?<|im_end|>\n<|im_start|>assistant\n"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
