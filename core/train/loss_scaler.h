// Dynamic loss scaling for fp16 training (Micikevicius et al. 2018, "Mixed Precision Training"), with the
// policy of torch.cuda.amp.GradScaler: multiply the loss by a large scale so that small fp16 gradients do not
// flush to zero, halve the scale and skip the step when a gradient overflows, double it after a long run of
// clean steps. Torch-free: the trainer multiplies the loss and unscales the gradients itself.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace danka::core::train {

struct LossScalerOptions {
    bool enabled = true;            // false (fp32, bf16): scale() is 1 and update() never skips
    double initScale = 65536.0;     // 2^16: fp16's largest finite value is 65504, gradients are mostly << 1
    double growthFactor = 2.0;      // scale *= growthFactor after growthInterval clean steps in a row
    double backoffFactor = 0.5;     // scale *= backoffFactor after an overflow
    int64_t growthInterval = 2000;  // clean steps in a row before the scale grows
    // The scale never goes below this (DeepSpeed's min_loss_scale, 1 by default): an overflow at the floor
    // means the gradients are not finite unscaled, which the trainer counts as a bad step, not as the
    // scale's fault. Without a floor a NaN bug halves the scale to 0 and skips every step silently.
    double minScale = 1.0;
};

class DynamicLossScaler {
public:
    // Throws core::Error for a non-finite or non-positive initScale, growthFactor <= 1, backoffFactor
    // outside (0, 1), growthInterval < 1, or minScale not in (0, initScale].
    explicit DynamicLossScaler(const LossScalerOptions &options = {});

    bool enabled() const { return m_options.enabled; }
    const LossScalerOptions &options() const { return m_options; }
    // The factor to multiply the loss by for the coming backward pass (1 when disabled).
    double scale() const { return m_options.enabled ? m_scale : 1.0; }
    // The scale is at options().minScale: lowering it further is impossible.
    bool atFloor() const { return m_options.enabled && m_scale <= m_options.minScale; }
    // Clean steps in a row since the last overflow or growth (0 when disabled).
    int64_t growthTracker() const { return m_options.enabled ? m_growthTracker : 0; }

    // Called once per optimizer step with whether the (scaled) gradients held an inf or NaN. Returns true
    // when the step should be applied. On an overflow: scale = max(scale * backoff, minScale), the tracker
    // restarts, returns false.
    // Otherwise the tracker counts the clean step and, reaching growthInterval, scale *= growth (only if the
    // result is finite, like torch) and the tracker restarts. Disabled: always true, nothing changes.
    bool update(bool foundInf);

    // {"scale": double, "growth_tracker": int} for an exact resume (nlohmann writes doubles so that they read
    // back bit-identical). setState throws core::Error naming the field that is missing or bad.
    nlohmann::json state() const;
    void setState(const nlohmann::json &state);

private:
    LossScalerOptions m_options;
    double m_scale;
    int64_t m_growthTracker = 0;
};

}  // namespace danka::core::train
