// One run's curve on the Compare chart (see run_curve.h).
#include "ui/compare/run_curve.h"

#include <algorithm>
#include <cmath>

#include "core/store/experiment_store.h"
#include "core/util/error.h"

namespace danka::ui {

namespace {

constexpr const char *kTokensMetric = "train/tokens";

// Tokens seen at `step`, linear between the logged points of "train/tokens" (ascending steps) and extended
// along the nearest segment beyond them; a single point scales with the step.

double tokensAt(const std::vector<core::SeriesPoint> &tokens, double step)
{
    if (tokens.size() == 1) return tokens[0].step > 0 ? tokens[0].value * step / tokens[0].step : tokens[0].value;
    auto it = std::lower_bound(tokens.begin(), tokens.end(), step,
                               [](const core::SeriesPoint &p, double s) { return p.step < s; });
    size_t i = static_cast<size_t>(it - tokens.begin());
    i = std::clamp<size_t>(i, 1, tokens.size() - 1);
    const core::SeriesPoint &a = tokens[i - 1], &b = tokens[i];
    if (b.step == a.step) return b.value;
    return a.value + (b.value - a.value) * (step - a.step) / (b.step - a.step);
}

}  // namespace

RunCurve RunCurve::load(const core::ExperimentStore &store, int64_t runId, const QString &runTitle,
                        const QString &metricName, MetricChart::XKind xKind, int maxPoints)
{
    RunCurve curve;
    const std::string metric = metricName.toStdString();
    try {
        const std::vector<core::SeriesPoint> series = store.series(runId, metric, maxPoints);
        if (series.empty()) {
            curve.problem = tr("%1 has no %2 values").arg(runTitle, metricName);
            return curve;
        }
        std::vector<core::SeriesPoint> tokens;
        if (xKind == MetricChart::XKind::Tokens) {
            for (const core::SeriesPoint &p : store.series(runId, kTokensMetric, maxPoints))
                if (std::isfinite(p.value)) tokens.push_back(p);
            if (tokens.empty()) {
                curve.problem =
                    tr("%1 has no %2 values for the x axis").arg(runTitle, QString::fromLatin1(kTokensMetric));
                return curve;
            }
        }
        const double t0 = series.front().wallTime;  // wall time counts from the run's first point
        curve.points.reserve(static_cast<int>(series.size()));
        double previous = NAN;
        for (const core::SeriesPoint &p : series) {
            const double x = xKind == MetricChart::XKind::Tokens    ? tokensAt(tokens, p.step)
                             : xKind == MetricChart::XKind::Seconds ? p.wallTime - t0
                                                                    : p.step;
            if (p.count > 1 && p.min < p.max) {
                // A downsampled bucket: draw its range (in the direction the curve moves), so that no spike
                // is averaged away; the chart's own thinning works the same way.
                const bool rising = !(p.value < previous);
                curve.points.append(QPointF(x, rising ? p.min : p.max));
                curve.points.append(QPointF(x, rising ? p.max : p.min));
            } else {
                curve.points.append(QPointF(x, p.value));
            }
            if (std::isfinite(p.value)) previous = p.value;
        }
    } catch (const core::Error &e) {
        curve.problem = tr("%1: %2").arg(runTitle, QString::fromStdString(e.what()));
    }
    return curve;
}

}  // namespace danka::ui
