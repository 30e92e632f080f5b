// Deduplication: exact (a hash of the cleaned text) and near (MinHash signatures with LSH banding,
// Broder 1997; Leskovec, Rajaraman, Ullman, "Mining of Massive Datasets", ch. 3). The first record of a
// group is kept. Fingerprints are computed in parallel; the keep/drop decision runs in input order.
//
// Memory: 8 bytes per kept record for exact dedup; for MinHash another `permutations` bytes (b-bit
// signatures with b = 8, Li & Koenig 2010) plus `bands` table slots per kept record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace danka::core::data {

enum class DedupMode { None, Exact, MinHash };
const char *dedupModeName(DedupMode mode);
bool parseDedupMode(const std::string &name, DedupMode &out);

struct MinHashOptions {
    int shingleChars = 5;     // characters per shingle (code points, so it suits Chinese and English)
    int permutations = 128;   // signature length
    int bands = 16;           // LSH bands; permutations / bands rows each
    double threshold = 0.8;   // estimated Jaccard similarity at or above which a record is a duplicate
};

struct Fingerprint {
    uint64_t exact = 0;
    std::vector<uint32_t> signature;  // MinHash, empty unless mode is MinHash
};

// An open-addressing hash table from non-zero 64-bit keys to 32-bit values (far leaner than
// std::unordered_map for tens of millions of entries).
class FlatMap64 {
public:
    explicit FlatMap64(size_t initialCapacity = 1024);
    // Inserts when absent. Returns the value stored for `key` and whether it was inserted now.
    std::pair<uint32_t, bool> insert(uint64_t key, uint32_t value);
    const uint32_t *find(uint64_t key) const;  // nullptr when absent
    size_t size() const { return m_size; }

private:
    void grow();
    std::vector<uint64_t> m_keys;  // 0 = empty
    std::vector<uint32_t> m_values;
    size_t m_size = 0;
};

class Deduplicator {
public:
    Deduplicator(DedupMode mode, MinHashOptions options = {});

    DedupMode mode() const { return m_mode; }
    // Thread-safe.
    Fingerprint fingerprint(std::string_view text) const;
    // In input order. Returns "" to keep, else the rule: "exact_duplicate" or "near_duplicate".
    std::string check(const Fingerprint &fingerprint);

    // Jaccard similarity estimated from two full signatures (fraction of equal positions).
    static double estimateJaccard(const std::vector<uint32_t> &a, const std::vector<uint32_t> &b);

private:
    DedupMode m_mode;
    MinHashOptions m_options;
    std::vector<uint64_t> m_multipliers, m_offsets;  // one universal hash per permutation
    FlatMap64 m_exact;
    FlatMap64 m_bands;                    // (band, band hash) -> index of the kept record
    std::vector<uint8_t> m_keptSignatures;  // low 8 bits of each kept signature, permutations bytes each
};

}  // namespace danka::core::data
