// Sliding-window z-scores (see outlier.h).
#include "core/train/outlier.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace danka::core::train {

OutlierDetector::OutlierDetector(const OutlierDetectorOptions &options) : m_options(options)
{
    if (options.window < 1) throw Error("outlier detector: window must be >= 1");
    if (options.minCount < 1 || options.minCount > options.window)
        throw Error("outlier detector: minCount must be in [1, window = " + std::to_string(options.window) +
                    "], got " + std::to_string(options.minCount));
}

double OutlierDetector::zScore(double x) const
{
    const size_t n = m_values.size();
    if (n < m_options.minCount) return std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    for (const double v : m_values)
        sum += v;
    const double mean = sum / static_cast<double>(n);
    // Two-pass variance: sum of squared deviations from the mean, exact enough where E[x^2] - mean^2 would
    // cancel catastrophically (a loss of 3.2 +/- 0.001).
    double squares = 0;
    for (const double v : m_values)
        squares += (v - mean) * (v - mean);
    const double stdev = std::sqrt(squares / static_cast<double>(n));
    if (stdev == 0) {
        if (x == mean) return 0.0;
        return x > mean ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    return (x - mean) / stdev;
}

void OutlierDetector::add(double x)
{
    if (!std::isfinite(x)) return;
    m_values.push_back(x);
    if (m_values.size() > m_options.window) m_values.pop_front();
}

nlohmann::json OutlierDetector::state() const
{
    return {{"values", std::vector<double>(m_values.begin(), m_values.end())}};
}

void OutlierDetector::setState(const nlohmann::json &state)
{
    const auto it = state.is_object() ? state.find("values") : state.end();
    if (it == state.end() || !it->is_array())
        throw Error("outlier detector state: 'values' is missing or not an array");
    std::deque<double> values;
    for (size_t i = 0; i < it->size(); ++i) {
        const auto &v = (*it)[i];
        if (!v.is_number())
            throw Error("outlier detector state: values[" + std::to_string(i) +
                        "] is not a number: " + v.dump());
        values.push_back(v.get<double>());
    }
    while (values.size() > m_options.window)
        values.pop_front();
    m_values = std::move(values);
}

}  // namespace danka::core::train
