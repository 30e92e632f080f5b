// Resumable loaders (see loader.h).
#include "core/data/loader.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "core/util/error.h"
#include "core/util/hashing.h"

namespace danka::core::data {

// --- IndexPermutation --------------------------------------------------------------------------------------

IndexPermutation::IndexPermutation(uint64_t n, uint64_t seed) : m_n(n)
{
    int bits = 2;
    while (bits < 64 && (uint64_t(1) << bits) < n) bits += 2;
    m_halfBits = bits / 2;
    m_mask = (uint64_t(1) << m_halfBits) - 1;
    uint64_t state = seed;
    for (uint64_t &k : m_keys) k = mix64(state += 0x9e3779b97f4a7c15ULL);
}

uint64_t IndexPermutation::operator()(uint64_t i) const
{
    if (m_n <= 1) return 0;
    uint64_t x = i;
    do {
        uint64_t left = x >> m_halfBits, right = x & m_mask;
        for (uint64_t key : m_keys) {
            const uint64_t f = mix64(right ^ key) & m_mask;
            const uint64_t newRight = left ^ f;
            left = right;
            right = newRight;
        }
        x = (left << m_halfBits) | right;
    } while (x >= m_n);  // cycle-walk: a permutation of the larger domain restricted to [0, n)
    return x;
}

nlohmann::json LoaderState::toJson() const
{
    return {{"position", position}};
}

// --- PretrainLoader ----------------------------------------------------------------------------------------

PretrainLoader::PretrainLoader(const DatasetSplit &split, int64_t seqLen, int64_t batchSize, bool shuffle,
                               uint64_t seed, bool documentSegments)
    : m_split(split), m_seqLen(seqLen), m_batchSize(batchSize), m_shuffle(shuffle), m_seed(seed),
      m_documentSegments(documentSegments)
{
    if (seqLen <= 0 || batchSize <= 0) throw Error("loader: sequence length and batch size must be positive");
    m_windows = split.numTokens() > 1 ? (split.numTokens() - 1) / seqLen : 0;
    if (m_windows <= 0)
        throw Error("loader: the split has " + std::to_string(split.numTokens()) +
                    " tokens, fewer than one sequence of " + std::to_string(seqLen + 1));
    m_totalWindows = m_windows;
}

void PretrainLoader::restrictWindows(int64_t first, int64_t count)
{
    if (first < 0 || count <= 0 || first + count > m_totalWindows)
        throw Error("loader: windows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                    ") are outside the split's " + std::to_string(m_totalWindows));
    m_firstWindow = first;
    m_windows = count;
    m_permutation.reset();
    m_permutationEpoch = UINT64_MAX;
}

void PretrainLoader::readWindow(uint64_t index, int32_t *row, int32_t *segments) const
{
    const int64_t begin = static_cast<int64_t>(index) * m_seqLen;
    m_split.readTokens(begin, m_seqLen + 1, row);
    if (!segments) return;
    // Document index of each input position relative to the window's first document.
    int64_t segment = m_split.segmentAt(begin);
    int64_t end = m_split.segment(segment).second;
    int32_t local = 0;
    for (int64_t t = 0; t < m_seqLen; ++t) {
        while (begin + t >= end) {
            ++segment;
            ++local;
            end = m_split.segment(segment).second;
        }
        segments[t] = local;
    }
}

Batch PretrainLoader::next()
{
    Batch b;
    b.rows = m_batchSize;
    b.length = m_seqLen + 1;
    b.tokens.resize(static_cast<size_t>(b.rows * b.length));
    b.targetMask.assign(static_cast<size_t>(b.rows * m_seqLen), 1);
    if (m_documentSegments) b.segments.resize(static_cast<size_t>(b.rows * m_seqLen));
    b.epoch = epoch();
    const auto windows = static_cast<uint64_t>(m_windows);
    for (int64_t r = 0; r < b.rows; ++r, ++m_position) {
        const uint64_t ep = m_position / windows, i = m_position % windows;
        uint64_t window = i;
        if (m_shuffle) {
            if (ep != m_permutationEpoch) {
                m_permutation = std::make_unique<IndexPermutation>(windows, mix64(m_seed) ^ mix64(ep + 1));
                m_permutationEpoch = ep;
            }
            window = (*m_permutation)(i);
        }
        readWindow(window + static_cast<uint64_t>(m_firstWindow), b.tokens.data() + r * b.length,
                   m_documentSegments ? b.segments.data() + r * m_seqLen : nullptr);
    }
    return b;
}

// --- SftLoader ---------------------------------------------------------------------------------------------

SftLoader::SftLoader(const DatasetSplit &split, int64_t seqLen, int64_t batchSize, int64_t padMultiple,
                     int32_t padId, bool shuffle, uint64_t seed, bool dropLonger)
    : m_split(split), m_maxTokens(seqLen + 1), m_batchSize(batchSize), m_padMultiple(std::max<int64_t>(1, padMultiple)),
      m_padId(padId), m_shuffle(shuffle), m_seed(seed), m_records(split.numSegments())
{
    if (seqLen < 1 || batchSize <= 0) throw Error("loader: SFT needs a positive sequence length and batch size");
    if (m_records == 0) throw Error("loader: the split has no conversations");
    if (m_records > UINT32_MAX) throw Error("loader: more than 4 billion records in one split");
    if (dropLonger) {
        for (int64_t r = 0; r < m_records; ++r) {
            const auto [b, e] = split.segment(r);
            if (e - b <= m_maxTokens) m_kept.push_back(static_cast<uint32_t>(r));
        }
        m_dropped = m_records - static_cast<int64_t>(m_kept.size());
        m_records = static_cast<int64_t>(m_kept.size());
        if (m_records == 0)
            throw Error("loader: every conversation is longer than " + std::to_string(m_maxTokens) +
                        " tokens, so dropping the long ones leaves none");
    }
    planEpoch(0);
}

void SftLoader::planEpoch(uint64_t epoch)
{
    if (epoch == m_plannedEpoch) return;
    const auto n = static_cast<uint64_t>(m_records);
    m_order.resize(n);
    if (m_shuffle) {
        const IndexPermutation perm(n, mix64(m_seed) ^ mix64(epoch + 1));
        for (uint64_t i = 0; i < n; ++i) m_order[i] = static_cast<uint32_t>(perm(i));
    } else {
        std::iota(m_order.begin(), m_order.end(), 0u);
    }
    if (!m_kept.empty())
        for (uint32_t &r : m_order) r = m_kept[r];
    // Length buckets: groups of 64 batches sorted by length, so a batch holds similar lengths.
    const uint64_t group = static_cast<uint64_t>(m_batchSize) * 64;
    auto length = [this](uint32_t r) {
        const auto [b, e] = m_split.segment(r);
        return std::min(e - b, m_maxTokens);
    };
    for (uint64_t g = 0; g < n; g += group) {
        auto first = m_order.begin() + static_cast<long>(g);
        auto last = m_order.begin() + static_cast<long>(std::min(n, g + group));
        std::stable_sort(first, last, [&](uint32_t a, uint32_t b) { return length(a) < length(b); });
    }
    m_batchStarts.clear();
    for (uint64_t g = 0; g < n; g += group)
        for (uint64_t s = g; s < std::min(n, g + group); s += static_cast<uint64_t>(m_batchSize))
            m_batchStarts.push_back(static_cast<uint32_t>(s));
    m_batchOrder.resize(m_batchStarts.size());
    std::iota(m_batchOrder.begin(), m_batchOrder.end(), 0u);
    if (m_shuffle) {
        std::mt19937_64 rng(mix64(m_seed ^ 0x5f7) ^ mix64(epoch + 1));
        for (size_t i = m_batchOrder.size(); i > 1; --i)
            std::swap(m_batchOrder[i - 1], m_batchOrder[static_cast<size_t>(rng() % i)]);
    }
    m_plannedEpoch = epoch;
}

Batch SftLoader::next()
{
    const uint64_t batches = m_batchStarts.size();
    const uint64_t ep = m_position / batches;
    planEpoch(ep);
    const uint32_t which = m_batchOrder[m_position % batches];
    ++m_position;
    const uint32_t begin = m_batchStarts[which];
    const uint32_t end = which + 1 < m_batchStarts.size() ? m_batchStarts[which + 1]
                                                          : static_cast<uint32_t>(m_order.size());
    Batch b;
    b.epoch = ep;
    b.rows = end - begin;
    int64_t longest = 2;
    for (uint32_t k = begin; k < end; ++k) {
        const auto [s, e] = m_split.segment(m_order[k]);
        longest = std::max(longest, std::min(e - s, m_maxTokens));
    }
    // Inputs (L - 1) padded to a multiple of padMultiple, never beyond maxTokens - 1.
    int64_t inputs = (longest - 1 + m_padMultiple - 1) / m_padMultiple * m_padMultiple;
    inputs = std::min(inputs, m_maxTokens - 1);
    b.length = inputs + 1;
    b.tokens.assign(static_cast<size_t>(b.rows * b.length), m_padId);
    b.targetMask.assign(static_cast<size_t>(b.rows * inputs), 0);
    std::vector<uint8_t> mask(static_cast<size_t>(b.length));
    for (int64_t r = 0; r < b.rows; ++r) {
        const auto [s, e] = m_split.segment(m_order[begin + static_cast<uint32_t>(r)]);
        const int64_t n = std::min(e - s, b.length);
        b.rowTokens.push_back(n);
        m_split.readTokens(s, n, b.tokens.data() + r * b.length);
        m_split.readMask(s, n, mask.data());
        for (int64_t t = 0; t + 1 < n; ++t) b.targetMask[static_cast<size_t>(r * inputs + t)] = mask[static_cast<size_t>(t + 1)];
    }
    return b;
}

}  // namespace danka::core::data
