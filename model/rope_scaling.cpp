// RoPE frequencies with linear, static-NTK and YaRN scaling (see rope_scaling.h). Formulas: transformers
// 5.23 modeling_rope_utils.py (_compute_default/linear_scaling/yarn_parameters); YaRN: arXiv:2309.00071,
// section 3; NTK-aware: the base change that keeps the highest frequency and stretches the lowest by factor.
#include "model/rope_scaling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace danka::model {

namespace {

constexpr double kPi = 3.14159265358979323846;

// theta^(-2i/d), i in [0, d/2): the plain RoPE inverse frequencies.
at::Tensor plainInverseFrequencies(double theta, int64_t d)
{
    return at::pow(theta, at::arange(0, d / 2, at::kDouble) * (-2.0 / static_cast<double>(d)));  // (d/2)
}

// YaRN's correction range: the (fractional) pair index whose wavelength turns `rotations` times over the
// original context.
double correctionDim(double rotations, int64_t d, double theta, int64_t originalContext)
{
    return static_cast<double>(d) * std::log(static_cast<double>(originalContext) / (rotations * 2 * kPi)) /
           (2 * std::log(theta));
}

}  // namespace

RopeFrequencies ropeFrequencies(const ModelConfig &c)
{
    if (const std::string problem = c.ropeScalingProblem(); !problem.empty()) throw std::invalid_argument(problem);
    const int64_t d = c.rotaryDims();
    const RopeScaling s = c.resolvedRopeScaling();
    RopeFrequencies f;
    switch (s.kind) {
    case RopeScalingKind::None:
        f.invFreq = plainInverseFrequencies(c.ropeTheta, d);
        break;
    case RopeScalingKind::Linear:  // positions divided by factor: every frequency too
        f.invFreq = plainInverseFrequencies(c.ropeTheta, d) / s.factor;
        break;
    case RopeScalingKind::Ntk:
        f.invFreq = plainInverseFrequencies(c.effectiveRopeTheta(), d);
        break;
    case RopeScalingKind::Yarn: {
        // Pairs that turn often over the original context keep their frequency (extrapolation), pairs that
        // turn less than once are interpolated (divided by factor), a linear ramp in between; transformers'
        // default truncate = true rounds the range outwards.
        const double low = std::max(std::floor(correctionDim(s.betaFast, d, c.ropeTheta, s.originalMaxSeqLen)), 0.0);
        double high = std::min(std::ceil(correctionDim(s.betaSlow, d, c.ropeTheta, s.originalMaxSeqLen)),
                               static_cast<double>(d - 1));
        if (low == high) high += 0.001;  // transformers: no division by zero
        const at::Tensor ramp = ((at::arange(0, d / 2, at::kDouble) - low) / (high - low)).clamp(0, 1);
        const at::Tensor extrapolation = 1 - ramp;  // 1: keep the frequency, 0: interpolate
        const at::Tensor plain = plainInverseFrequencies(c.ropeTheta, d);
        f.invFreq = plain / s.factor * (1 - extrapolation) + plain * extrapolation;
        f.attentionFactor = s.attentionFactor;
        break;
    }
    }
    return f;
}

std::pair<at::Tensor, at::Tensor> ropeTables(const ModelConfig &c, const at::Tensor &positions)
{
    const RopeFrequencies f = ropeFrequencies(c);
    const at::Tensor angles = positions.to(at::kDouble).unsqueeze(-1) * f.invFreq.to(positions.device());  // (..., d/2)
    return {(angles.cos() * f.attentionFactor).to(at::kFloat), (angles.sin() * f.attentionFactor).to(at::kFloat)};
}

}  // namespace danka::model
