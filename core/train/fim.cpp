// Fill-in-the-middle (see fim.h).
#include "core/train/fim.h"

#include <algorithm>
#include <random>

namespace danka::core::train {

int applyFim(std::vector<int32_t> &row, double rate, const FimMarkers &m, uint64_t seed)
{
    if (rate <= 0 || row.empty()) return 0;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    const size_t length = row.size();
    std::vector<int32_t> out;
    out.reserve(length + 16);
    int transformed = 0;
    size_t begin = 0;
    while (begin < length && out.size() < length) {
        size_t end = begin;
        while (end < length && row[end] != m.eos) ++end;
        const bool closed = end < length;  // the piece ends with </s> inside the row
        const size_t n = end - begin;      // tokens of the piece without its </s>
        if (n >= 2 && coin(rng) < rate) {
            std::uniform_int_distribution<size_t> cut(0, n);
            size_t a = cut(rng), b = cut(rng);
            if (a > b) std::swap(a, b);
            const auto *p = row.data() + begin;
            out.push_back(m.prefix);
            out.insert(out.end(), p, p + a);
            out.push_back(m.suffix);
            out.insert(out.end(), p + b, p + n);
            out.push_back(m.middle);
            out.insert(out.end(), p + a, p + b);
            ++transformed;
        } else {
            out.insert(out.end(), row.begin() + static_cast<long>(begin), row.begin() + static_cast<long>(end));
        }
        if (closed) out.push_back(m.eos);
        begin = closed ? end + 1 : end;
    }
    out.resize(length);
    row.swap(out);
    return transformed;
}

std::vector<int32_t> documentSegments(const int32_t *row, int64_t count, int32_t eos)
{
    std::vector<int32_t> segments(static_cast<size_t>(count));
    int32_t doc = 0;
    for (int64_t t = 0; t < count; ++t) {
        segments[static_cast<size_t>(t)] = doc;
        if (row[t] == eos) ++doc;
    }
    return segments;
}

}  // namespace danka::core::train
