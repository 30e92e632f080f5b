// Fill-in-the-middle on packed rows and the document segments of a row. Oracle: the PSM layout checked by
// reassembly (prefix + middle + suffix gives back the document), hand-written rows for the segments.
#include <QtTest>

#include <algorithm>

#include "core/train/fim.h"

using namespace danka::core::train;

namespace {

constexpr int32_t kEos = 2, kPre = 100, kSuf = 101, kMid = 102;
const FimMarkers kMarkers{kPre, kSuf, kMid, kEos};

}  // namespace

class TestFim : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rateZeroChangesNothing()
    {
        std::vector<int32_t> row = {5, 6, 7, kEos, 8, 9};
        const auto before = row;
        QCOMPARE(applyFim(row, 0.0, kMarkers, 1), 0);
        QCOMPARE(row, before);
    }

    void everyDocumentInPsmOrder()
    {
        // Two whole documents and the start of a third. With rate 1 both whole ones are rearranged; their three
        // markers each push the third out of the row, which is cut back to its length.
        const std::vector<int32_t> docA = {10, 11, 12, 13, 14, 15}, docB = {20, 21, 22, 23}, docC = {30, 31, 32, 33, 34};
        for (uint64_t seed = 1; seed <= 50; ++seed) {
            std::vector<int32_t> row;
            for (const auto *d : {&docA, &docB}) {
                row.insert(row.end(), d->begin(), d->end());
                row.push_back(kEos);
            }
            row.insert(row.end(), docC.begin(), docC.end());
            const size_t length = row.size();
            QCOMPARE(applyFim(row, 1.0, kMarkers, seed), 2);
            QCOMPARE(row.size(), length);
            // The first document: <pre> p <suf> s <mid> m </s> with p + m + s == docA.
            QCOMPARE(row[0], kPre);
            const auto suf = std::find(row.begin(), row.end(), kSuf), mid = std::find(row.begin(), row.end(), kMid);
            const auto eos = std::find(row.begin(), row.end(), kEos);
            QVERIFY(suf < mid && mid < eos);
            std::vector<int32_t> rebuilt(row.begin() + 1, suf);
            rebuilt.insert(rebuilt.end(), mid + 1, eos);
            rebuilt.insert(rebuilt.end(), suf + 1, mid);
            QCOMPARE(rebuilt, docA);
            QCOMPARE(eos - row.begin(), long(docA.size() + 3));  // three markers longer
            // The second document starts right after the first one's </s>.
            QCOMPARE(eos[1], kPre);
        }
    }

    void deterministicInSeedAndShortPiecesKept()
    {
        std::vector<int32_t> a = {5, 6, 7, 8, 9, kEos, 4, kEos, 10, 11, 12};
        std::vector<int32_t> b = a, c = a;
        applyFim(a, 0.5, kMarkers, 7);
        applyFim(b, 0.5, kMarkers, 7);
        QCOMPARE(a, b);
        // A one-token document is never rearranged (nothing to fill in).
        std::vector<int32_t> single = {4, kEos, 4, kEos};
        QCOMPARE(applyFim(single, 1.0, kMarkers, 3), 0);
        QCOMPARE(single, (std::vector<int32_t>{4, kEos, 4, kEos}));
    }

    void segmentsCountDocuments()
    {
        const std::vector<int32_t> row = {5, 6, kEos, 7, kEos, kEos, 8, 9};
        QCOMPARE(documentSegments(row.data(), 7, kEos), (std::vector<int32_t>{0, 0, 0, 1, 1, 2, 3}));
    }
};

QTEST_APPLESS_MAIN(TestFim)
#include "tst_fim.moc"
