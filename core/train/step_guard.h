// The trainer's verdict on each optimizer step, before the update: apply it, or skip it because the loss or
// the gradient norm is not finite, is an outlier (running z-score, llm.c's policy), or (fp16) the scaled
// gradients overflowed. It owns the loss scaler and the outlier statistics and counts skips: consecutive
// skips reaching runtime.max_skipped_steps stop the run. An fp16 overflow lowers the loss scale and is the
// scale's fault only while the scale is above its floor; at the floor the gradients are not finite even
// unscaled, so it counts toward the stop like any other non-finite gradient (a NaN bug cannot skip
// silently to the last step). Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/train/loss_scaler.h"
#include "core/train/outlier.h"

namespace danka::core::train {

enum class SkipReason {
    None,             // applied
    NonFiniteLoss,    // the loss is NaN or infinite
    NonFiniteGrad,    // the gradient norm is NaN or infinite (fp16: even at the loss scale's floor)
    LossOutlier,      // the loss is skipZScore standard deviations above the recent steps
    GradNormOutlier,  // the gradient norm is
    Fp16Overflow,     // fp16: the scaled gradients overflowed; the scale is lowered
};

struct StepGuardOptions {
    double skipZScore = 0;         // 0: no outlier skipping
    int64_t maxSkippedSteps = 10;  // consecutive skips (fp16 overflows above the scale's floor excluded)
    LossScalerOptions scaler{false};  // enabled for fp16 only
};

struct StepVerdict {
    bool apply = true;
    SkipReason reason = SkipReason::None;
    std::string message;  // why it was skipped: "the loss is nan", "fp16 gradient overflow, loss scale ..."
    bool stop = false;    // consecutive skips reached maxSkippedSteps: the run must stop
};

class StepGuard {
public:
    explicit StepGuard(const StepGuardOptions &options);

    DynamicLossScaler &scaler() { return m_scaler; }
    const DynamicLossScaler &scaler() const { return m_scaler; }

    // One step's mean loss and the norm of its unscaled gradients. Updates the statistics, the loss scale
    // and the counters; an applied step resets the consecutive count.
    StepVerdict judge(double loss, double gradNorm);

    int64_t skipped() const { return m_skipped; }                    // every skipped step
    int64_t consecutiveSkips() const { return m_consecutive; }       // toward maxSkippedSteps
    int64_t overflowSkips() const { return m_overflows; }            // fp16 overflows among skipped()

    // The keys of the training state (training_state.json) that belong to the guard: "scaler",
    // "loss_outliers", "grad_norm_outliers", "skipped_steps", "consecutive_skips", "overflow_skips".
    void writeState(nlohmann::ordered_json &state) const;
    // Reads them back; missing counters (older states) read as 0. Throws core::Error naming the key.
    void readState(const nlohmann::json &state);

private:
    StepVerdict skip(SkipReason reason, std::string message, bool countsTowardStop);

    StepGuardOptions m_options;
    DynamicLossScaler m_scaler;
    OutlierDetector m_loss, m_norm;
    int64_t m_skipped = 0, m_consecutive = 0, m_overflows = 0;
};

}  // namespace danka::core::train
