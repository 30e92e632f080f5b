// Fill-in-the-middle for pretraining (Bavarian et al. 2022, "Efficient Training of Language Models to Fill
// in the Middle"): a share of documents is rearranged as <|fim_prefix|> prefix <|fim_suffix|> suffix
// <|fim_middle|> middle (PSM order), so a decoder-only model also learns to infill, at no cost to
// left-to-right ability. It is the decoder-only counterpart of mixing masked and causal LM objectives.
//
// Danka applies it to the packed token windows the loader produces, at the token level: each document
// piece of a row (pieces end after </s>) is transformed with probability `rate`, cut at two uniformly drawn
// token positions (the closing </s> stays at the end); the three markers make the row longer, and the row
// is cut back to its length. Deterministic in (seed, row).
#pragma once

#include <cstdint>
#include <vector>

namespace danka::core::train {

struct FimMarkers {
    int32_t prefix = -1, suffix = -1, middle = -1;
    int32_t eos = -1;  // document end
};

// Rearranges `row` (length L) in place; returns how many pieces were transformed.
int applyFim(std::vector<int32_t> &row, double rate, const FimMarkers &markers, uint64_t seed);

// Segment id of each of the first `count` positions: the number of </s> before it in the row (documents are
// separated by </s>, so this is the document index, for document-masked attention).
std::vector<int32_t> documentSegments(const int32_t *row, int64_t count, int32_t eos);

}  // namespace danka::core::train
