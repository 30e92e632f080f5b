// Packing and loading: prepared shards hold exactly the cleaned records (checked by decoding them), the
// output does not depend on the thread count, damaged files are refused with their name, and loaders
// resumed from a saved position yield exactly the batches of an uninterrupted loader.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/data/prepare.h"
#include "core/util/error.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

using namespace danka;
using namespace danka::core::data;

namespace {

// A pretraining file of `docs` distinct documents plus `duplicates` exact copies and two broken lines.
std::vector<std::string> writeCorpus(const std::string &path, int docs, int duplicates)
{
    std::mt19937 rng(3);
    const char *words[] = {"单卡", "模型", "训练", "数据", "card", "model", "loss", "token", "step", "batch"};
    std::vector<std::string> texts;
    std::ofstream out(path);
    for (int d = 0; d < docs; ++d) {
        std::string t = "doc " + std::to_string(d) + ":";
        const int n = 5 + static_cast<int>(rng() % 60);
        for (int w = 0; w < n; ++w) t += std::string(" ") + words[rng() % 10];
        texts.push_back(t);
        out << nlohmann::json{{"text", t}}.dump() << "\n";
        if (d < duplicates) out << nlohmann::json{{"text", t}}.dump() << "\n";
        if (d == 10) out << "{\"text\": broken\n";
    }
    out << "{\"no_text\": 1}\n";
    return texts;
}

PrepareResult prepare(const PrepareOptions &o)
{
    PrepareResult r;
    std::string error;
    const auto state = test::runJob([&](core::JobContext &job) { r = prepareDataset(o, job); }, &error);
    if (state != core::JobState::Completed) throw core::Error("prepare failed: " + error);
    return r;
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::vector<int32_t> tokensOf(const DatasetSplit &split, int64_t segment)
{
    const auto [b, e] = split.segment(segment);
    std::vector<int32_t> ids(static_cast<size_t>(e - b));
    split.readTokens(b, e - b, ids.data());
    return ids;
}

}  // namespace

class TestDataset : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_corpus;
    std::vector<std::string> m_texts;
    std::unique_ptr<core::tokenizer::Tokenizer> m_tok;

    PrepareOptions options(const std::string &out, int threads) const
    {
        PrepareOptions o;
        o.inputs = {m_corpus};
        o.tokenizerDir = test::demoTokenizerDir();
        o.outDir = m_dir.filePath(QString::fromStdString(out)).toStdString();
        o.valFraction = 0.1;
        o.threads = threads;
        o.maxShardTokens = 4000;  // several shards, so reads cross shard boundaries
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_corpus = m_dir.filePath(QStringLiteral("corpus.jsonl")).toStdString();
        m_texts = writeCorpus(m_corpus, 400, 25);
        m_tok = std::make_unique<core::tokenizer::Tokenizer>(core::tokenizer::Tokenizer::load(test::demoTokenizerDir()));
    }

    void shardsHoldExactlyTheUniqueDocuments()
    {
        const PrepareResult r = prepare(options("pre", 2));
        QCOMPARE(r.kind, DatasetKind::Pretrain);
        QCOMPARE(r.rejects.total, int64_t(2));  // the broken line and the record without "text"
        QCOMPARE(r.cleaning.rules.at("exact_duplicate").removed, int64_t(25));
        QCOMPARE(r.trainRecords + r.valRecords, int64_t(400));
        QVERIFY(r.valRecords > 10 && r.valRecords < 80);  // about 10%

        const Dataset ds = Dataset::open(r.dir, m_tok->checksum());
        QCOMPARE(ds.tokenBytes(), 2);
        QVERIFY(ds.info()["splits"]["train"]["shards"].size() > 3);
        // Oracle: every segment decodes to one of the original documents followed by </s>, and together the
        // splits hold each document exactly once.
        std::multiset<std::string> seen;
        int64_t tokens = 0;
        for (const char *name : {"train", "val"}) {
            const DatasetSplit &split = ds.split(name);
            for (int64_t s = 0; s < split.numSegments(); ++s) {
                std::vector<int32_t> ids = tokensOf(split, s);
                QCOMPARE(ids.back(), m_tok->eosId());
                ids.pop_back();
                seen.insert(m_tok->decode(ids));
                tokens += static_cast<int64_t>(ids.size()) + 1;
            }
        }
        QCOMPARE(seen, std::multiset<std::string>(m_texts.begin(), m_texts.end()));
        int64_t expectedTokens = 0;
        for (const auto &t : m_texts) expectedTokens += static_cast<int64_t>(m_tok->encode(t).size()) + 1;
        QCOMPARE(tokens, expectedTokens);
        QCOMPARE(r.trainTokens + r.valTokens, expectedTokens);
        // The length histogram counts every training record.
        int64_t histogram = 0;
        for (const auto &c : ds.info()["length_histogram"]["counts"]) histogram += c.get<int64_t>();
        QCOMPARE(histogram, r.trainRecords);
    }

    void outputDoesNotDependOnTheThreadCount()
    {
        const PrepareResult one = prepare(options("t1", 1));
        const PrepareResult two = prepare(options("t2", 2));
        const QStringList files = QDir(QString::fromStdString(one.dir)).entryList(QDir::Files);
        QVERIFY(files.size() > 6);
        QCOMPARE(files, QDir(QString::fromStdString(two.dir)).entryList(QDir::Files));
        for (const QString &f : files) {
            if (f == QStringLiteral("dataset.json")) continue;  // holds timings
            QVERIFY2(fileBytes(QString::fromStdString(one.dir) + QLatin1Char('/') + f) ==
                         fileBytes(QString::fromStdString(two.dir) + QLatin1Char('/') + f),
                     qPrintable(f));
        }
    }

    void sftShardsCarryTheTemplateMask()
    {
        PrepareOptions o = options("sft", 2);
        o.inputs = {test::demoFile("sft.jsonl")};
        o.maxLength = 60;
        const PrepareResult r = prepare(o);
        QCOMPARE(r.kind, DatasetKind::Sft);
        QVERIFY(r.tooLong > 0);  // the demo has replies longer than 60 tokens: dropped and counted
        const Dataset ds = Dataset::open(r.dir);
        const DatasetSplit &train = ds.split("train");
        QVERIFY(train.hasMask());
        for (int64_t s = 0; s < std::min<int64_t>(train.numSegments(), 50); ++s) {
            const auto [b, e] = train.segment(s);
            QVERIFY(e - b <= 60);
            std::vector<int32_t> ids(static_cast<size_t>(e - b));
            std::vector<uint8_t> mask(ids.size());
            train.readTokens(b, e - b, ids.data());
            train.readMask(b, e - b, mask.data());
            // Re-encoding the decoded conversation's turns is not possible from ids alone, so check the
            // invariant instead: every masked run ends with <|im_end|> and every <|im_end|> after an
            // assistant header is masked.
            const int32_t end = m_tok->pieceId(core::tokenizer::kImEnd);
            for (size_t i = 0; i < ids.size(); ++i)
                if (mask[i] && (i + 1 == ids.size() || !mask[i + 1])) QCOMPARE(ids[i], end);
            QVERIFY(std::count(mask.begin(), mask.end(), 1) > 0);
        }
    }

    void preferenceRecordsAreThreeSegments()
    {
        PrepareOptions o = options("pref", 2);
        o.inputs = {test::demoFile("preference.jsonl")};
        const PrepareResult r = prepare(o);
        const Dataset ds = Dataset::open(r.dir);
        QCOMPARE(ds.kind(), DatasetKind::Preference);
        QCOMPARE(ds.segmentsPerRecord(), 3);
        const DatasetSplit &train = ds.split("train");
        QCOMPARE(train.numSegments(), 3 * r.trainRecords);
        const std::string prompt = m_tok->decode(tokensOf(train, 0));
        QVERIFY2(prompt.rfind("<|im_start|>user\n", 0) == 0, prompt.c_str());
        const std::string header = "<|im_start|>assistant\n";
        QVERIFY2(prompt.size() > header.size() && prompt.compare(prompt.size() - header.size(), header.size(), header) == 0,
                 prompt.c_str());
        QVERIFY(m_tok->decode(tokensOf(train, 1)) != m_tok->decode(tokensOf(train, 2)));
    }

    void damagedFilesAreRefusedByName()
    {
        const PrepareResult r = prepare(options("damaged", 1));
        const QString dir = QString::fromStdString(r.dir);
        auto expectError = [&](const char *needle) {
            try {
                Dataset::open(r.dir);
                QFAIL(qPrintable(QStringLiteral("opened a damaged dataset (expected: %1)").arg(QLatin1String(needle))));
            } catch (const core::Error &e) {
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            }
        };
        const QString tokens = dir + QStringLiteral("/train-00000.tokens");
        const QByteArray original = fileBytes(tokens);
        // Truncated: two bytes short.
        QFile f(tokens);
        QVERIFY(f.resize(original.size() - 2));
        expectError("train-00000.tokens: size mismatch");
        // A header announcing more tokens than there are (lying), with the file size unchanged.
        QByteArray lying = original;
        lying[16] = static_cast<char>(lying[16] + 1);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(lying);
        f.close();
        expectError("size mismatch");
        // Not a shard at all.
        QByteArray foreign = original;
        foreign[0] = 'X';
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(foreign);
        f.close();
        expectError("bad magic number");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(original);
        f.close();
        QCOMPARE(Dataset::open(r.dir).split("train").numTokens(), r.trainTokens);
        // An index that does not span its shard.
        const QString index = dir + QStringLiteral("/train-00000.index");
        QByteArray idx = fileBytes(index);
        idx[idx.size() - 8] = static_cast<char>(idx[idx.size() - 8] + 1);
        QFile fi(index);
        QVERIFY(fi.open(QIODevice::WriteOnly));
        fi.write(idx);
        fi.close();
        expectError("train-00000.index: the offsets do not span");
        // Another tokenizer.
        QVERIFY_THROWS_EXCEPTION(core::Error, Dataset::open(options("t1", 1).outDir, "0000"));
        QVERIFY_THROWS_EXCEPTION(core::Error, Dataset::open(m_dir.filePath(QStringLiteral("nothing")).toStdString()));
    }

    void permutationIsABijection()
    {
        for (uint64_t n : {1ULL, 2ULL, 3ULL, 10ULL, 1000ULL, 12345ULL}) {
            const IndexPermutation p(n, 42);
            std::vector<bool> hit(n, false);
            for (uint64_t i = 0; i < n; ++i) {
                const uint64_t v = p(i);
                QVERIFY(v < n && !hit[v]);
                hit[v] = true;
            }
        }
        const IndexPermutation a(1000, 1), b(1000, 2);
        int same = 0;
        for (uint64_t i = 0; i < 1000; ++i) same += a(i) == b(i);
        QVERIFY(same < 20);  // different seeds, different orders
    }

    void windowsAreSlicesOfTheStreamAndResumeExactly()
    {
        const Dataset ds = Dataset::open(options("t1", 1).outDir);
        const DatasetSplit &train = ds.split("train");
        const int64_t T = 16, B = 4;
        PretrainLoader straight(train, T, B, true, 9, true);
        const uint64_t total = static_cast<uint64_t>(straight.windowsPerEpoch()) * 2 + 7;  // across two epochs
        std::vector<Batch> reference;
        for (uint64_t consumed = 0; consumed < total; consumed += B) reference.push_back(straight.next());

        // Each row is a slice of the stream starting at a multiple of T, and each epoch visits every window
        // once (compared as multisets of content: a small corpus can repeat a window's tokens).
        std::multiset<std::vector<int32_t>> allWindows, firstEpoch;
        for (int64_t w = 0; w < straight.windowsPerEpoch(); ++w) {
            std::vector<int32_t> slice(static_cast<size_t>(T + 1));
            train.readTokens(w * T, T + 1, slice.data());
            allWindows.insert(slice);
        }
        int64_t position = 0;  // rows consumed: a batch may straddle two epochs
        for (const Batch &b : reference) {
            QCOMPARE(b.length, T + 1);
            for (int64_t r = 0; r < b.rows; ++r, ++position) {
                const int32_t *row = b.tokens.data() + r * b.length;
                const std::vector<int32_t> content(row, row + b.length);
                QVERIFY(allWindows.count(content) > 0);
                if (position < straight.windowsPerEpoch()) firstEpoch.insert(content);
                // Segment ids rise by one exactly after each </s> in the inputs.
                const int32_t *seg = b.segments.data() + r * T;
                QCOMPARE(seg[0], 0);
                for (int64_t t = 1; t < T; ++t) QCOMPARE(seg[t], seg[t - 1] + (row[t - 1] == m_tok->eosId() ? 1 : 0));
            }
        }
        QCOMPARE(firstEpoch, allWindows);

        // Stop after k batches, save, restore into a fresh loader: the rest is identical.
        for (size_t k : {size_t(1), reference.size() / 2, reference.size() - 1}) {
            PretrainLoader first(train, T, B, true, 9, true);
            for (size_t i = 0; i < k; ++i) first.next();
            const LoaderState saved = first.state();
            PretrainLoader resumed(train, T, B, true, 9, true);
            resumed.setState(saved);
            for (size_t i = k; i < reference.size(); ++i) {
                const Batch b = resumed.next();
                QCOMPARE(b.tokens, reference[i].tokens);
                QCOMPARE(b.segments, reference[i].segments);
                QCOMPARE(b.epoch, reference[i].epoch);
            }
        }
        // Another seed, another order.
        PretrainLoader other(train, T, B, true, 10, false);
        QVERIFY(other.next().tokens != reference[0].tokens);
    }

    void sftBatchesPadMaskAndResume()
    {
        const Dataset ds = Dataset::open(options("sft", 2).outDir);
        const DatasetSplit &train = ds.split("train");
        const int64_t seqLen = 48, B = 8, multiple = 8;
        SftLoader straight(train, seqLen, B, multiple, ds.padId(), true, 5);
        const int64_t perEpoch = straight.batchesPerEpoch();
        std::vector<Batch> reference;
        std::map<std::vector<int32_t>, int> rowsSeen;
        for (int64_t i = 0; i < perEpoch + 3; ++i) {
            reference.push_back(straight.next());
            const Batch &b = reference.back();
            QCOMPARE((b.length - 1) % multiple, int64_t(0));
            QVERIFY(b.length <= seqLen + 1);
            for (int64_t r = 0; r < b.rows; ++r) {
                const int32_t *row = b.tokens.data() + r * b.length;
                const uint8_t *mask = b.targetMask.data() + r * (b.length - 1);
                for (int64_t t = 0; t + 1 < b.length; ++t)
                    if (row[t + 1] == ds.padId()) QCOMPARE(mask[t], uint8_t(0));  // padding is never a target
                if (i < perEpoch) ++rowsSeen[std::vector<int32_t>(row, row + b.length)];
            }
        }
        // One epoch holds every record once (as a row, truncated to seqLen + 1 tokens).
        int64_t rows = 0;
        for (const auto &[row, n] : rowsSeen) rows += n;
        QCOMPARE(rows, straight.records());
        // The target mask is the record's mask shifted by one.
        const Batch &b = reference[0];
        const int32_t *row = b.tokens.data();
        int64_t matched = -1;
        for (int64_t s = 0; s < train.numSegments() && matched < 0; ++s) {
            const auto ids = tokensOf(train, s);
            if (std::equal(ids.begin(), ids.begin() + std::min<int64_t>(static_cast<int64_t>(ids.size()), b.length), row))
                matched = s;
        }
        QVERIFY(matched >= 0);
        const auto [begin, end] = train.segment(matched);
        std::vector<uint8_t> recordMask(static_cast<size_t>(end - begin));
        train.readMask(begin, end - begin, recordMask.data());
        for (int64_t t = 0; t + 1 < std::min<int64_t>(end - begin, b.length); ++t)
            QCOMPARE(b.targetMask[static_cast<size_t>(t)], recordMask[static_cast<size_t>(t + 1)]);

        SftLoader first(train, seqLen, B, multiple, ds.padId(), true, 5);
        for (int i = 0; i < 5; ++i) first.next();
        SftLoader resumed(train, seqLen, B, multiple, ds.padId(), true, 5);
        resumed.setState(first.state());
        for (size_t i = 5; i < reference.size(); ++i) {
            const Batch r = resumed.next();
            QCOMPARE(r.tokens, reference[i].tokens);
            QCOMPARE(r.targetMask, reference[i].targetMask);
        }
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "tst_dataset.moc"
