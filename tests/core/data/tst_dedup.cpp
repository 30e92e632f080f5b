// Deduplication: exact copies, and MinHash/LSH near duplicates judged against the true Jaccard
// similarity of the shingle sets (computed here, independently).
#include <QtTest>
#include <random>
#include <set>

#include "core/data/dedup.h"
#include "core/util/utf8.h"

using namespace danka::core;
using namespace danka::core::data;

namespace {

// True Jaccard similarity of the k-character shingle sets of two texts.
double jaccard(const std::string &a, const std::string &b, size_t k)
{
    auto shingles = [k](const std::string &t) {
        std::vector<size_t> starts;
        for (size_t pos = 0; pos < t.size();) {
            starts.push_back(pos);
            utf8::next(t, pos);
        }
        starts.push_back(t.size());
        std::set<std::string> s;
        for (size_t i = 0; i + k < starts.size(); ++i) s.insert(t.substr(starts[i], starts[i + k] - starts[i]));
        return s;
    };
    const auto x = shingles(a), y = shingles(b);
    size_t common = 0;
    for (const auto &s : x) common += y.count(s);
    return static_cast<double>(common) / static_cast<double>(x.size() + y.size() - common);
}

std::string randomText(std::mt19937 &rng, size_t words)
{
    static const char *vocabulary[] = {"model", "train", "card", "loss", "token", "data", "batch", "step", "单卡",
                                       "训练", "模型", "数据", "gradient", "memory", "kernel", "attention"};
    std::string out;
    for (size_t i = 0; i < words; ++i) {
        out += vocabulary[rng() % 16];
        out += std::to_string(rng() % 100);
        out += ' ';
    }
    return out;
}

// `base` with `edits` words replaced.
std::string mutate(std::mt19937 &rng, const std::string &base, int edits)
{
    std::vector<std::string> words;
    size_t begin = 0;
    while (begin < base.size()) {
        size_t end = base.find(' ', begin);
        words.push_back(base.substr(begin, end - begin));
        begin = end + 1;
    }
    for (int e = 0; e < edits; ++e) words[rng() % words.size()] = "edit" + std::to_string(rng() % 1000);
    std::string out;
    for (const auto &w : words) out += w + ' ';
    return out;
}

}  // namespace

class TestDedup : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exactDuplicatesAreDropped()
    {
        Deduplicator d(DedupMode::Exact);
        QCOMPARE(d.check(d.fingerprint("hello world")), std::string());
        QCOMPARE(d.check(d.fingerprint("hello world!")), std::string());
        QCOMPARE(d.check(d.fingerprint("hello world")), std::string("exact_duplicate"));
        Deduplicator none(DedupMode::None);
        QCOMPARE(none.check(none.fingerprint("x")), std::string());
        QCOMPARE(none.check(none.fingerprint("x")), std::string());
    }

    void minhashFlagsHighJaccardAndKeepsDistinct()
    {
        std::mt19937 rng(7);
        MinHashOptions options;  // 5-char shingles, 128 permutations, 16 bands, threshold 0.8
        int flaggedHigh = 0, keptLow = 0, pairsHigh = 0, pairsLow = 0;
        for (int trial = 0; trial < 40; ++trial) {
            Deduplicator d(DedupMode::MinHash, options);
            const std::string base = randomText(rng, 120);
            QCOMPARE(d.check(d.fingerprint(base)), std::string());
            // A light edit (high similarity) and a heavy one (low similarity), judged by the true Jaccard.
            for (int edits : {2, 45}) {
                const std::string other = mutate(rng, base, edits);
                const double j = jaccard(base, other, 5);
                const std::string verdict = d.check(d.fingerprint(other));
                if (j >= 0.85) {
                    ++pairsHigh;
                    flaggedHigh += verdict == "near_duplicate";
                } else if (j <= 0.6) {
                    ++pairsLow;
                    keptLow += verdict.empty();
                }
            }
        }
        QVERIFY2(pairsHigh >= 30 && pairsLow >= 30, qPrintable(QStringLiteral("%1 high, %2 low pairs").arg(pairsHigh).arg(pairsLow)));
        // MinHash is an estimate: with 128 permutations the error at J = 0.85 is about +-0.03, so every
        // clearly similar pair is caught and every clearly different one kept.
        QCOMPARE(flaggedHigh, pairsHigh);
        QCOMPARE(keptLow, pairsLow);

        Deduplicator d(DedupMode::MinHash, options);
        for (int i = 0; i < 200; ++i) QCOMPARE(d.check(d.fingerprint(randomText(rng, 60))), std::string());
    }

    void signatureAgreementEstimatesJaccard()
    {
        std::mt19937 rng(11);
        MinHashOptions options;
        options.permutations = 512;
        options.bands = 32;
        Deduplicator d(DedupMode::MinHash, options);
        for (int edits : {3, 10, 25}) {
            const std::string a = randomText(rng, 150), b = mutate(rng, a, edits);
            const double truth = jaccard(a, b, 5);
            const double estimate = Deduplicator::estimateJaccard(d.fingerprint(a).signature, d.fingerprint(b).signature);
            QVERIFY2(std::abs(estimate - truth) < 0.07,
                     qPrintable(QStringLiteral("estimate %1 vs true %2").arg(estimate).arg(truth)));
        }
    }

    void badOptionsAreRefused()
    {
        MinHashOptions o;
        o.permutations = 100;
        o.bands = 16;
        QVERIFY_THROWS_EXCEPTION(std::exception, Deduplicator(DedupMode::MinHash, o));
    }

    void flatMapHoldsManyKeys()
    {
        FlatMap64 map(4);
        for (uint64_t k = 0; k < 100000; ++k) QVERIFY(map.insert(k * 2654435761ULL, static_cast<uint32_t>(k)).second);
        QCOMPARE(map.size(), size_t(100000));
        for (uint64_t k = 0; k < 100000; k += 97) {
            const uint32_t *v = map.find(k * 2654435761ULL);
            QVERIFY(v && *v == k);
        }
        QVERIFY(!map.find(12345));
        QCOMPARE(map.insert(2654435761ULL, 9).first, uint32_t(1));  // present: keeps the first value
    }
};

QTEST_GUILESS_MAIN(TestDedup)
#include "tst_dedup.moc"
