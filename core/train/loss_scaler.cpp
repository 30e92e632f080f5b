// Dynamic loss scaling (see loss_scaler.h).
#include "core/train/loss_scaler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/error.h"
#include "core/util/text_util.h"

namespace danka::core::train {

DynamicLossScaler::DynamicLossScaler(const LossScalerOptions &options)
    : m_options(options), m_scale(options.initScale)
{
    const auto fail = [](const std::string &what) { throw Error("loss scaler: " + what); };
    if (!std::isfinite(options.initScale) || options.initScale <= 0)
        fail("initScale must be finite and > 0, got " + formatNumber(options.initScale));
    if (!std::isfinite(options.growthFactor) || options.growthFactor <= 1)
        fail("growthFactor must be finite and > 1, got " + formatNumber(options.growthFactor));
    if (!(options.backoffFactor > 0 && options.backoffFactor < 1))
        fail("backoffFactor must be in (0, 1), got " + formatNumber(options.backoffFactor));
    if (!(std::isfinite(options.minScale) && options.minScale > 0 && options.minScale <= options.initScale))
        fail("minScale must be in (0, initScale], got " + formatNumber(options.minScale));
    if (options.growthInterval < 1)
        fail("growthInterval must be >= 1, got " + std::to_string(options.growthInterval));
}

bool DynamicLossScaler::update(bool foundInf)
{
    if (!m_options.enabled) return true;
    if (foundInf) {
        m_scale = std::max(m_scale * m_options.backoffFactor, m_options.minScale);
        m_growthTracker = 0;
        return false;
    }
    // >= rather than ==: a run resumed with a smaller growthInterval still grows at its next clean step.
    if (++m_growthTracker >= m_options.growthInterval) {
        // torch's _amp_update_scale_ keeps the scale when growing it would overflow to inf.
        const double grown = m_scale * m_options.growthFactor;
        if (std::isfinite(grown)) m_scale = grown;
        m_growthTracker = 0;
    }
    return true;
}

nlohmann::json DynamicLossScaler::state() const
{
    return {{"scale", m_scale}, {"growth_tracker", m_growthTracker}};
}

void DynamicLossScaler::setState(const nlohmann::json &state)
{
    if (!state.is_object()) throw Error("loss scaler state: expected a JSON object, got " + state.dump());
    const auto scaleIt = state.find("scale");
    if (scaleIt == state.end() || !scaleIt->is_number())
        throw Error("loss scaler state: 'scale' is missing or not a number");
    const double scale = scaleIt->get<double>();
    if (!std::isfinite(scale) || scale <= 0)
        throw Error("loss scaler state: 'scale' must be finite and > 0, got " + formatNumber(scale));
    const auto trackerIt = state.find("growth_tracker");
    if (trackerIt == state.end() || !trackerIt->is_number_integer())
        throw Error("loss scaler state: 'growth_tracker' is missing or not an integer");
    const int64_t tracker = trackerIt->get<int64_t>();
    if (tracker < 0)
        throw Error("loss scaler state: 'growth_tracker' must be >= 0, got " + std::to_string(tracker));
    m_scale = scale;
    m_growthTracker = tracker;
}

}  // namespace danka::core::train
