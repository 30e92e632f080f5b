// The learning-rate schedule (see schedule.h).
#include "core/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/error.h"
#include "core/util/text_util.h"

namespace danka::core::train {

double learningRate(const LrSchedule &s, int64_t step)
{
    if (step < 0) throw Error("learning-rate schedule: step must be >= 0, got " + std::to_string(step));
    if (!std::isfinite(s.peak) || s.peak < 0)
        throw Error("learning-rate schedule: the peak must be finite and >= 0, got " + formatNumber(s.peak));
    if (s.warmupSteps < 0 || s.maxSteps < 0)
        throw Error("learning-rate schedule: warmupSteps and maxSteps must be >= 0, got " +
                    std::to_string(s.warmupSteps) + " and " + std::to_string(s.maxSteps));
    if (!(s.minRatio >= 0 && s.minRatio <= 1))
        throw Error("learning-rate schedule: minRatio must be in [0, 1], got " + formatNumber(s.minRatio));

    if (step < s.warmupSteps)
        return s.peak * static_cast<double>(step + 1) / static_cast<double>(s.warmupSteps);
    const double decaySteps = static_cast<double>(std::max<int64_t>(1, s.maxSteps - s.warmupSteps));
    const double progress = std::clamp(static_cast<double>(step - s.warmupSteps) / decaySteps, 0.0, 1.0);
    const double minLr = s.peak * s.minRatio;
    switch (s.decay) {
        case LrDecay::Cosine:
            return minLr + (s.peak - minLr) * 0.5 * (1 + std::cos(M_PI * progress));
        case LrDecay::Linear:
            return s.peak - (s.peak - minLr) * progress;
        case LrDecay::Constant:
            return s.peak;
    }
    throw Error("learning-rate schedule: unknown decay shape");
}

}  // namespace danka::core::train
