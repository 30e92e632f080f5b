// Checkpoint choices of the studio (see checkpoint_choices.h).
#include "ui/common/checkpoint_choices.h"

#include <QDir>
#include <algorithm>

#include "core/checkpoint/adapters.h"
#include "core/store/experiment_store.h"

namespace danka::ui {

QString CheckpointChoices::label(const QString &runName, qint64 step)
{
    return tr("%1 · step %2").arg(runName).arg(step);
}

std::vector<CheckpointChoice> CheckpointChoices::list(const core::ExperimentStore &store)
{
    std::vector<CheckpointChoice> choices;
    for (const core::RunRecord &run : store.runs())
        for (const core::CheckpointRecord &c : store.checkpoints(run.id))
            choices.push_back({label(QString::fromStdString(run.name), c.step),
                               QDir::cleanPath(QString::fromStdString(c.path)), c.createdAt,
                               core::isAdapterCheckpoint(c.path)});
    std::stable_sort(choices.begin(), choices.end(),
                     [](const CheckpointChoice &a, const CheckpointChoice &b) { return a.createdAt > b.createdAt; });
    return choices;
}

}  // namespace danka::ui
