// Each cleaning rule with a case it must change or remove and a case it must leave alone.
#include <QtTest>

#include "core/data/cleaning.h"

using namespace danka::core::data;

namespace {

Record text(const std::string &t)
{
    Record r;
    r.kind = RecordKind::Text;
    r.text = t;
    r.file = "in.jsonl";
    r.line = 3;
    return r;
}

struct Outcome {
    bool kept;
    std::string text;
    CleaningReport report;
};

Outcome run(const std::string &input, const CleaningOptions &options = {})
{
    Outcome o;
    Record r = text(input);
    o.kept = Cleaner(options).clean(r, o.report);
    o.text = r.text;
    return o;
}

int64_t removed(const Outcome &o, const char *rule)
{
    auto it = o.report.rules.find(rule);
    return it == o.report.rules.end() ? 0 : it->second.removed;
}

int64_t modified(const Outcome &o, const char *rule)
{
    auto it = o.report.rules.find(rule);
    return it == o.report.rules.end() ? 0 : it->second.modified;
}

}  // namespace

class TestCleaning : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nfkc()
    {
        const Outcome changed = run("Ｈｅｌｌｏ ﬁne ①");  // full-width letters, a ligature, a circled digit
        QVERIFY(changed.kept);
        QCOMPARE(changed.text, std::string("Hello fine 1"));
        QCOMPARE(modified(changed, "nfkc"), int64_t(1));
        const Outcome same = run("Hello, 世界。");
        QCOMPARE(same.text, std::string("Hello, 世界。"));
        QCOMPARE(modified(same, "nfkc"), int64_t(0));
        CleaningOptions off;
        off.nfkc = false;
        QCOMPARE(run("Ｈｅｌｌｏ", off).text, std::string("Ｈｅｌｌｏ"));
    }

    void invisibleCharacters()
    {
        const Outcome changed = run("zero\u200Bwidth\u0007bell\uFEFFbom");
        QCOMPARE(changed.text, std::string("zerowidthbellbom"));
        QCOMPARE(modified(changed, "invisible_chars"), int64_t(1));
        // The zero-width joiner inside an emoji sequence and ordinary tabs and newlines stay.
        const std::string family = "family \U0001F468\u200D\U0001F469\u200D\U0001F467\tok\nnext";
        const Outcome kept = run(family);
        QCOMPARE(kept.text, family);
        QCOMPARE(modified(kept, "invisible_chars"), int64_t(0));
    }

    void whitespace()
    {
        CleaningOptions noNfkc;
        noNfkc.nfkc = false;  // so the exotic space is this rule's work, not NFKC's
        const Outcome changed = run("  line one  \r\nline\u00A0two\r\n\r\n\r\n\r\nline three\n\n", noNfkc);
        QCOMPARE(changed.text, std::string("  line one\nline two\n\nline three"));
        QCOMPARE(modified(changed, "whitespace"), int64_t(1));
        const std::string code = "def f():\n    return 1\n\nprint(f())";
        const Outcome kept = run(code);
        QCOMPARE(kept.text, code);
        QCOMPARE(modified(kept, "whitespace"), int64_t(0));
    }

    void lengthBounds()
    {
        CleaningOptions o;
        o.minChars = 5;
        o.maxChars = 10;
        QVERIFY(!run("四个字儿", o).kept);  // 4 characters (12 bytes)
        QCOMPARE(removed(run("abc", o), "too_short"), int64_t(1));
        QVERIFY(run("五个字儿啊", o).kept);
        QVERIFY(run("0123456789", o).kept);
        QCOMPARE(removed(run("0123456789A", o), "too_long"), int64_t(1));
    }

    void symbolRatio()
    {
        const Outcome garbage = run("@@##$$%%^^&&**!!~~ abc");
        QVERIFY(!garbage.kept);
        QCOMPARE(removed(garbage, "symbol_ratio"), int64_t(1));
        QCOMPARE(garbage.report.rules.at("symbol_ratio").examples[0].toString(),
                 std::string("in.jsonl:3: @@##$$%%^^&&**!!~~ abc"));
        QVERIFY(run("A normal sentence, with some punctuation: fine!").kept);
        QVERIFY(run("这是一个正常的中文句子，有标点。").kept);
    }

    void repeatedCharacters()
    {
        QCOMPARE(removed(run("哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈 ok"), "repeated_chars"), int64_t(1));
        // A separator line in a longer text is a small share: kept.
        QVERIFY(run("Title\n==========\nA paragraph with enough ordinary words to outweigh the separator line above.").kept);
    }

    void repeatedLines()
    {
        QCOMPARE(removed(run("spam\nspam\nspam\nspam\neggs"), "repeated_lines"), int64_t(1));
        QVERIFY(run("one\ntwo\nthree\nfour\nfive").kept);
        QVERIFY(run("same\nsame\nsame").kept);  // fewer than 4 lines: not judged
    }

    void languageTagsAndFilter()
    {
        QCOMPARE(languageTag("今天天气很好。"), std::string("zh"));
        QCOMPARE(languageTag("The weather is nice today."), std::string("en"));
        QCOMPARE(languageTag("Debian 是一个自由的操作系统 Linux distribution"), std::string("mixed"));
        QCOMPARE(languageTag("12345 !!!"), std::string("other"));
        QCOMPARE(languageTag("Debian 是一个自由的操作系统。"), std::string("zh"));  // 6 Latin, 10 Han

        CleaningOptions onlyZh;
        onlyZh.keepLanguages = {"zh"};
        QVERIFY(run("中文文本。", onlyZh).kept);
        const Outcome en = run("English text.", onlyZh);
        QVERIFY(!en.kept);
        QCOMPARE(removed(en, "language"), int64_t(1));
    }

    void controlTokens()
    {
        CleaningOptions o;
        o.languageTokens = true;
        o.domain = "law";
        const Outcome tagged = run("合同法第一条。", o);
        QCOMPARE(tagged.text, std::string("[DOMAIN:law][LANG:zh]合同法第一条。"));
        QCOMPARE(run("合同法第一条。").text, std::string("合同法第一条。"));  // off by default
    }

    void conversationsAreCleanedTurnByTurn()
    {
        Record r;
        r.kind = RecordKind::Conversation;
        r.messages = {{"user", "Ｈｉ\u200B"}, {"assistant", "\u200B"}};
        CleaningReport report;
        QVERIFY(!Cleaner(CleaningOptions{}).clean(r, report));  // the reply is empty after cleaning
        QCOMPARE(report.rules.at("too_short").removed, int64_t(1));
        Record ok;
        ok.kind = RecordKind::Conversation;
        ok.messages = {{"user", "Ｈｉ"}, {"assistant", "Hello"}};
        QVERIFY(Cleaner(CleaningOptions{}).clean(ok, report));
        QCOMPARE(ok.messages[0].content, std::string("Hi"));
        QCOMPARE(ok.language, std::string("en"));
        QCOMPARE(report.recordsIn, int64_t(2));
        QCOMPARE(report.recordsOut, int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestCleaning)
#include "tst_cleaning.moc"
