// Batches from a prepared dataset, deterministic and resumable: the loader's whole state is one counter
// (items consumed since the start), so a run restored from a checkpoint sees exactly the batches an
// uninterrupted run would have seen. Plain vectors out (no torch here): the trainer makes tensors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/data/dataset.h"

namespace danka::core::data {

// A pseudo-random permutation of [0, n) keyed by a seed: a 4-round Feistel network on the next even
// power of two, cycle-walking back into range. O(1) memory for any n (no shuffled index table).
class IndexPermutation {
public:
    IndexPermutation(uint64_t n, uint64_t seed);
    uint64_t operator()(uint64_t i) const;
    uint64_t size() const { return m_n; }

private:
    uint64_t m_n;
    int m_halfBits;
    uint64_t m_mask;
    uint64_t m_keys[4];
};

struct Batch {
    int64_t rows = 0;                 // B (the last SFT batch of an epoch may be smaller)
    int64_t length = 0;               // tokens per row, L: inputs are tokens[:, :L-1], targets tokens[:, 1:]
    std::vector<int32_t> tokens;      // (B, L)
    std::vector<uint8_t> targetMask;  // (B, L-1): 1 where predicting the target counts in the loss
    std::vector<int32_t> segments;    // (B, L-1): document index of each input position within its row
                                      // (0, 1, 2...), for document-masked attention; empty when not asked
    std::vector<int64_t> rowTokens;   // (B): tokens of each row before its padding (SFT; empty for
                                      // pretraining windows, which have no padding)
    uint64_t epoch = 0;
};

struct LoaderState {
    uint64_t position = 0;   // windows (pretraining) or batches (SFT) consumed since the start
    nlohmann::json toJson() const;
};

// Pretraining: windows of seqLen + 1 tokens over the split's token stream (consecutive windows share one
// token), shuffled per epoch with (seed, epoch). A batch takes the next `batchSize` windows, across epoch
// boundaries if need be.
class PretrainLoader {
public:
    PretrainLoader(const DatasetSplit &split, int64_t seqLen, int64_t batchSize, bool shuffle, uint64_t seed,
                   bool documentSegments = false);

    Batch next();
    // Uses only windows [first, first + count) of the split (a held-out tail for validation, or the rest for
    // training). Call before the first next(); throws core::Error when out of range.
    void restrictWindows(int64_t first, int64_t count);
    int64_t totalWindows() const { return m_totalWindows; }
    int64_t windowsPerEpoch() const { return m_windows; }
    uint64_t epoch() const { return m_position / static_cast<uint64_t>(m_windows); }
    LoaderState state() const { return {m_position}; }
    void setState(const LoaderState &state) { m_position = state.position; }
    // Reads window `index` of the stream into `row` (L tokens) and, when asked, its segment ids.
    void readWindow(uint64_t index, int32_t *row, int32_t *segments) const;

private:
    const DatasetSplit &m_split;
    int64_t m_seqLen, m_batchSize;
    bool m_shuffle;
    uint64_t m_seed;
    bool m_documentSegments;
    int64_t m_windows;
    int64_t m_totalWindows;
    int64_t m_firstWindow = 0;
    uint64_t m_position = 0;
    mutable uint64_t m_permutationEpoch = UINT64_MAX;
    mutable std::unique_ptr<IndexPermutation> m_permutation;
};

// SFT: one conversation per row, truncated to seqLen + 1 tokens (seqLen input positions); the inputs of a
// batch are padded (with padId, no loss) to its longest row rounded up to a multiple of padMultiple, and
// never beyond seqLen (choose seqLen a multiple of padMultiple). Per epoch the records are shuffled,
// cut into groups of 64 batches, sorted by length inside a group (little padding), cut into batches, and
// the batches shuffled. With dropLonger, records longer than seqLen + 1 tokens are left out instead of cut.
class SftLoader {
public:
    SftLoader(const DatasetSplit &split, int64_t seqLen, int64_t batchSize, int64_t padMultiple, int32_t padId,
              bool shuffle, uint64_t seed, bool dropLonger = false);

    Batch next();
    int64_t batchesPerEpoch() const { return static_cast<int64_t>(m_batchStarts.size()); }
    uint64_t epoch() const { return m_position / m_batchStarts.size(); }
    LoaderState state() const { return {m_position}; }
    void setState(const LoaderState &state) { m_position = state.position; }
    int64_t records() const { return m_records; }  // records the loader serves (the dropped ones excluded)
    int64_t dropped() const { return m_dropped; }  // records left out for being too long

private:
    void planEpoch(uint64_t epoch);
    const DatasetSplit &m_split;
    int64_t m_maxTokens, m_batchSize, m_padMultiple;
    int32_t m_padId;
    bool m_shuffle;
    uint64_t m_seed;
    int64_t m_records;
    int64_t m_dropped = 0;
    std::vector<uint32_t> m_kept;         // with dropLonger: the records served (split indices); else empty
    uint64_t m_position = 0;
    uint64_t m_plannedEpoch = UINT64_MAX;
    std::vector<uint32_t> m_order;        // record indices of the planned epoch, batch after batch
    std::vector<uint32_t> m_batchStarts;  // offsets into m_order (batch i = [start_i, start_{i+1}))
    std::vector<uint32_t> m_batchOrder;   // the shuffled order of batches
};

}  // namespace danka::core::data
