// One run's curve of a metric on the Compare chart, read from the store: x as the step, the tokens seen
// (train/tokens, linear between its logged points) or the wall time since the run's first point; a
// downsampled bucket drawn as its range, so that no spike is averaged away. Or why the run has no curve.
#pragma once

#include <QCoreApplication>
#include <QPointF>
#include <QString>
#include <QVector>
#include <cstdint>

#include "ui/common/metric_chart.h"

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

struct RunCurve {
    Q_DECLARE_TR_FUNCTIONS(danka::ui::RunCurve)
public:
    QVector<QPointF> points;
    QString problem;  // why the run has no curve ("#3 sft has no train/loss values"); empty when it has one

    // The points of `metric` of run `runId` (`runTitle` names it in problems); maxPoints as for
    // ExperimentStore::series (0: every point).
    static RunCurve load(const core::ExperimentStore &store, int64_t runId, const QString &runTitle,
                         const QString &metric, MetricChart::XKind xKind, int maxPoints);
};

}  // namespace danka::ui
