// Step verdicts (see step_guard.h).
#include "core/train/step_guard.h"

#include <cmath>
#include <cstdio>

#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"

namespace danka::core::train {

namespace {

// Why a step was skipped: part of the "step N skipped: ..." event, stored in English and translated where it
// is shown (core/util/translate.h).
const StoredMessage kLossNotFinite = storedMessage("danka::core", "the loss is %1");
const StoredMessage kNormNotFinite = storedMessage("danka::core", "the gradient norm is %1");
const StoredMessage kLossOutlier =
    storedMessage("danka::core", "the loss %1 is %2 standard deviations above the last steps");
const StoredMessage kNormOutlier =
    storedMessage("danka::core", "the gradient norm %1 is %2 standard deviations above the last steps");
const StoredMessage kOverflow = storedMessage("danka::core", "fp16 gradient overflow, loss scale lowered to %1");
const StoredMessage kOverflowAtFloor = storedMessage(
    "danka::core",
    "the gradient norm is %1 at the smallest fp16 loss scale (%2): the gradients are not finite even unscaled");

std::string fixed(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

}  // namespace

StepGuard::StepGuard(const StepGuardOptions &options) : m_options(options), m_scaler(options.scaler) {}

StepVerdict StepGuard::skip(SkipReason reason, std::string message, bool countsTowardStop)
{
    StepVerdict v;
    v.apply = false;
    v.reason = reason;
    v.message = std::move(message);
    ++m_skipped;
    if (countsTowardStop) ++m_consecutive;
    v.stop = m_consecutive >= m_options.maxSkippedSteps;
    return v;
}

StepVerdict StepGuard::judge(double loss, double gradNorm)
{
    const bool lossBad = !std::isfinite(loss), normBad = !std::isfinite(gradNorm);
    if (m_scaler.enabled() && normBad && !lossBad) {
        // fp16: the scaled gradients overflowed. Above the floor that is the scale's fault: lower it and try
        // again without counting toward the stop. At the floor the gradients overflow (nearly) unscaled.
        const bool atFloor = m_scaler.atFloor();
        m_scaler.update(true);
        ++m_overflows;
        if (atFloor)
            return skip(SkipReason::NonFiniteGrad, kOverflowAtFloor(formatNumber(gradNorm), formatNumber(m_scaler.scale())),
                        true);
        return skip(SkipReason::Fp16Overflow, kOverflow(formatNumber(m_scaler.scale())), false);
    }
    StepVerdict v;
    if (lossBad || normBad) {
        v = skip(lossBad ? SkipReason::NonFiniteLoss : SkipReason::NonFiniteGrad,
                 lossBad ? kLossNotFinite(formatNumber(loss)) : kNormNotFinite(formatNumber(gradNorm)), true);
    } else if (m_options.skipZScore > 0) {
        const double zl = m_loss.zScore(loss), zn = m_norm.zScore(gradNorm);
        if (std::isfinite(zl) && zl > m_options.skipZScore)
            v = skip(SkipReason::LossOutlier, kLossOutlier(fixed(loss, 4), fixed(zl, 1)), true);
        else if (std::isfinite(zn) && zn > m_options.skipZScore)
            v = skip(SkipReason::GradNormOutlier, kNormOutlier(fixed(gradNorm, 4), fixed(zn, 1)), true);
    }
    // Every finite value joins the statistics, skipped or not (as llm.c does): a lasting shift (the gradient
    // norm rising after warmup, a harder part of the data) widens the spread and stops being an outlier,
    // instead of skipping every step until the run stops.
    m_loss.add(loss);
    m_norm.add(gradNorm);
    if (m_scaler.enabled()) m_scaler.update(false);  // finite gradients: a clean step for the scaler
    if (v.apply) m_consecutive = 0;
    return v;
}

void StepGuard::writeState(nlohmann::ordered_json &state) const
{
    state["scaler"] = m_scaler.state();
    state["loss_outliers"] = m_loss.state();
    state["grad_norm_outliers"] = m_norm.state();
    state["skipped_steps"] = m_skipped;
    state["consecutive_skips"] = m_consecutive;
    state["overflow_skips"] = m_overflows;
}

void StepGuard::readState(const nlohmann::json &state)
{
    for (const char *key : {"scaler", "loss_outliers", "grad_norm_outliers"})
        if (!state.contains(key)) throw Error(std::string("'") + key + "' is missing");
    m_scaler.setState(state["scaler"]);
    m_loss.setState(state["loss_outliers"]);
    m_norm.setState(state["grad_norm_outliers"]);
    const auto counter = [&](const char *key) {
        if (!state.contains(key)) return int64_t(0);
        if (!state[key].is_number_integer() || state[key].get<int64_t>() < 0)
            throw Error(std::string("'") + key + "' must be an integer >= 0");
        return state[key].get<int64_t>();
    };
    m_skipped = counter("skipped_steps");
    m_consecutive = counter("consecutive_skips");
    m_overflows = counter("overflow_skips");
}

}  // namespace danka::core::train
