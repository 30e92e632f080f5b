// Loss and gradient-norm outlier detection as in llm.c (outlier_detector.h): the z-score of a new value
// against a sliding window of recent ones, so the trainer can skip an update whose loss or gradient norm is
// many standard deviations off instead of letting one bad batch wreck the run. Torch-free.
#pragma once

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>

namespace danka::core::train {

struct OutlierDetectorOptions {
    size_t window = 128;   // values kept: the statistics describe the recent past, not the whole run
    size_t minCount = 16;  // fewer values than this give no z-score (NaN): too few to estimate a spread
};

class OutlierDetector {
public:
    // Throws core::Error when window < 1 or minCount is not in [1, window].
    explicit OutlierDetector(const OutlierDetectorOptions &options = {});

    const OutlierDetectorOptions &options() const { return m_options; }
    size_t count() const { return m_values.size(); }

    // (x - mean) / std over the window (population std, dividing by n), without adding x. NaN while fewer
    // than minCount values are in the window. When std == 0: 0 if x == mean, else +inf or -inf. Mean and
    // variance are recomputed from the window at every call (two passes in double, W is small), so the result
    // depends only on the window's contents: no running-sum drift, and a resumed run gives the same values.
    double zScore(double x) const;
    // Appends x, dropping the oldest value when the window is full. Non-finite values are ignored: one NaN
    // would make every z-score NaN for the next W steps, and JSON cannot store it.
    void add(double x);

    // {"values": [...]} oldest first; setState replaces the window with them (keeping the newest `window`
    // values if there are more) and throws core::Error when "values" is missing or holds a non-number.
    nlohmann::json state() const;
    void setState(const nlohmann::json &state);

private:
    OutlierDetectorOptions m_options;
    std::deque<double> m_values;  // oldest first
};

}  // namespace danka::core::train
