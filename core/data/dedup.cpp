// Deduplication (see dedup.h).
#include "core/data/dedup.h"

#include <algorithm>

#include "core/util/utf8.h"
#include "core/util/error.h"
#include "core/util/hashing.h"

namespace danka::core::data {

const char *dedupModeName(DedupMode mode)
{
    switch (mode) {
    case DedupMode::None: return "none";
    case DedupMode::Exact: return "exact";
    case DedupMode::MinHash: return "minhash";
    }
    return "?";
}

bool parseDedupMode(const std::string &name, DedupMode &out)
{
    for (DedupMode m : {DedupMode::None, DedupMode::Exact, DedupMode::MinHash}) {
        if (name == dedupModeName(m)) {
            out = m;
            return true;
        }
    }
    return false;
}

// --- FlatMap64 ---------------------------------------------------------------------------------------------

FlatMap64::FlatMap64(size_t initialCapacity)
{
    size_t capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    m_keys.assign(capacity, 0);
    m_values.assign(capacity, 0);
}

std::pair<uint32_t, bool> FlatMap64::insert(uint64_t key, uint32_t value)
{
    if (key == 0) key = 1;  // 0 marks an empty slot
    if ((m_size + 1) * 10 > m_keys.size() * 7) grow();  // load factor 0.7
    const size_t mask = m_keys.size() - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m_keys[i] == key) return {m_values[i], false};
        if (m_keys[i] == 0) {
            m_keys[i] = key;
            m_values[i] = value;
            ++m_size;
            return {value, true};
        }
    }
}

const uint32_t *FlatMap64::find(uint64_t key) const
{
    if (key == 0) key = 1;
    const size_t mask = m_keys.size() - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m_keys[i] == key) return &m_values[i];
        if (m_keys[i] == 0) return nullptr;
    }
}

void FlatMap64::grow()
{
    std::vector<uint64_t> keys(m_keys.size() * 2, 0);
    std::vector<uint32_t> values(keys.size(), 0);
    const size_t mask = keys.size() - 1;
    for (size_t j = 0; j < m_keys.size(); ++j) {
        if (m_keys[j] == 0) continue;
        size_t i = mix64(m_keys[j]) & mask;
        while (keys[i] != 0) i = (i + 1) & mask;
        keys[i] = m_keys[j];
        values[i] = m_values[j];
    }
    m_keys.swap(keys);
    m_values.swap(values);
}

// --- Deduplicator ------------------------------------------------------------------------------------------

Deduplicator::Deduplicator(DedupMode mode, MinHashOptions options) : m_mode(mode), m_options(options)
{
    if (mode != DedupMode::MinHash) return;
    if (options.permutations <= 0 || options.bands <= 0 || options.permutations % options.bands != 0)
        throw Error("minhash: permutations (" + std::to_string(options.permutations) +
                    ") must be a positive multiple of bands (" + std::to_string(options.bands) + ")");
    if (options.shingleChars <= 0) throw Error("minhash: the shingle size must be at least 1 character");
    if (!(options.threshold > 0 && options.threshold <= 1))
        throw Error("minhash: the threshold must be in (0, 1]");
    // h_i(x) = a_i * x + b_i (mod 2^64), top 32 bits: a multiply-shift universal family (Dietzfelbinger).
    uint64_t state = 0x5eed0fda2caULL;
    for (int i = 0; i < options.permutations; ++i) {
        m_multipliers.push_back(mix64(state += 0x9e3779b97f4a7c15ULL) | 1);
        m_offsets.push_back(mix64(state += 0x9e3779b97f4a7c15ULL));
    }
}

Fingerprint Deduplicator::fingerprint(std::string_view text) const
{
    Fingerprint f;
    if (m_mode == DedupMode::None) return f;
    f.exact = hash64(text, 0xd0d0);
    if (m_mode != DedupMode::MinHash) return f;

    // Shingles: every run of k consecutive code points (one shingle for shorter texts).
    std::vector<size_t> starts;  // byte offset of each code point, plus the end
    for (size_t pos = 0; pos < text.size();) {
        starts.push_back(pos);
        utf8::next(text, pos);
    }
    starts.push_back(text.size());
    const size_t chars = starts.size() - 1;
    const size_t k = static_cast<size_t>(m_options.shingleChars);
    std::vector<uint64_t> shingles;
    if (chars <= k) {
        shingles.push_back(hash64(text, 7));
    } else {
        shingles.reserve(chars - k + 1);
        for (size_t i = 0; i + k <= chars; ++i) shingles.push_back(hash64(text.substr(starts[i], starts[i + k] - starts[i]), 7));
        std::sort(shingles.begin(), shingles.end());
        shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
    }
    f.signature.assign(static_cast<size_t>(m_options.permutations), UINT32_MAX);
    for (size_t p = 0; p < f.signature.size(); ++p) {
        const uint64_t a = m_multipliers[p], b = m_offsets[p];
        uint32_t best = UINT32_MAX;
        for (uint64_t s : shingles) best = std::min(best, static_cast<uint32_t>((a * s + b) >> 32));
        f.signature[p] = best;
    }
    return f;
}

double Deduplicator::estimateJaccard(const std::vector<uint32_t> &a, const std::vector<uint32_t> &b)
{
    if (a.empty() || a.size() != b.size()) return 0;
    size_t equal = 0;
    for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
    return static_cast<double>(equal) / static_cast<double>(a.size());
}

std::string Deduplicator::check(const Fingerprint &f)
{
    if (m_mode == DedupMode::None) return {};
    if (!m_exact.insert(f.exact, 0).second) return "exact_duplicate";
    if (m_mode != DedupMode::MinHash) return {};

    const size_t permutations = f.signature.size();
    const size_t rows = permutations / static_cast<size_t>(m_options.bands);
    const uint32_t index = static_cast<uint32_t>(m_keptSignatures.size() / permutations);
    // Candidates share at least one band; confirm with the kept record's 8-bit signature. With b-bit
    // minhash two values agree by chance with probability 2^-b, so J = (match - 2^-8) / (1 - 2^-8).
    std::vector<uint32_t> candidates;
    std::vector<uint64_t> keys(static_cast<size_t>(m_options.bands));
    for (size_t band = 0; band < keys.size(); ++band) {
        uint64_t h = mix64(band + 1);
        for (size_t r = 0; r < rows; ++r) h = mix64(h ^ f.signature[band * rows + r]);
        keys[band] = h;
    }
    for (uint64_t key : keys)
        if (const uint32_t *owner = m_bands.find(key);
            owner && std::find(candidates.begin(), candidates.end(), *owner) == candidates.end())
            candidates.push_back(*owner);
    for (uint32_t c : candidates) {
        const uint8_t *kept = m_keptSignatures.data() + static_cast<size_t>(c) * permutations;
        size_t equal = 0;
        for (size_t p = 0; p < permutations; ++p) equal += kept[p] == static_cast<uint8_t>(f.signature[p]);
        const double match = static_cast<double>(equal) / static_cast<double>(permutations);
        const double jaccard = (match - 1.0 / 256) / (1 - 1.0 / 256);
        if (jaccard >= m_options.threshold) return "near_duplicate";
    }
    for (uint64_t key : keys) m_bands.insert(key, index);  // the first record with a band value owns it
    for (size_t p = 0; p < permutations; ++p) m_keptSignatures.push_back(static_cast<uint8_t>(f.signature[p]));
    return {};
}

}  // namespace danka::core::data
