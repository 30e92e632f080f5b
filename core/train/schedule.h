// The learning-rate schedule of a training run: linear warmup, then cosine, linear or constant decay to a
// floor. Torch-free, so the studio can draw the curve of a config before the run starts.
#pragma once

#include <cstdint>

#include "core/config/run_config.h"

namespace danka::core::train {

struct LrSchedule {
    using Decay = LrDecay;        // Cosine, Linear, Constant (shared with the run config)
    double peak = 5e-4;           // learning rate at the end of warmup
    int64_t warmupSteps = 0;      // optimizer steps of linear warmup; 0 = start at the peak
    int64_t maxSteps = 1000;      // optimizer steps of the run; decay ends here and the floor holds after
    Decay decay = Decay::Cosine;  // shape after warmup
    double minRatio = 0.1;        // the floor as a fraction of the peak: min = peak * minRatio
};

// The learning rate for the optimizer step about to be taken, `step` counted from 0:
//   warmup (step < warmupSteps):  lr = peak * (step + 1) / warmupSteps
//       (the first step already moves, and step warmupSteps - 1 reaches the peak)
//   after warmup, with progress p = clamp((step - warmupSteps) / max(1, maxSteps - warmupSteps), 0, 1)
//   and min = peak * minRatio:
//       Cosine:   lr = min + (peak - min) * 0.5 * (1 + cos(pi * p))     (Loshchilov & Hutter 2017, SGDR)
//       Linear:   lr = peak - (peak - min) * p
//       Constant: lr = peak
// So the last step of the run (maxSteps - 1) is just above min, and steps past maxSteps stay at min.
// Throws core::Error for step < 0, a negative or non-finite peak, negative warmupSteps or maxSteps, or
// minRatio outside [0, 1].
double learningRate(const LrSchedule &schedule, int64_t step);

}  // namespace danka::core::train
