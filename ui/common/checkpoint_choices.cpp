// Checkpoint choices of the studio (see checkpoint_choices.h).
#include "ui/common/checkpoint_choices.h"

#include <QDir>

#include "core/checkpoint/compatibility.h"
#include "core/store/experiment_store.h"
#include "ui/common/workspace_session.h"

namespace danka::ui {

namespace {

std::vector<CheckpointChoice> labelled(const std::vector<core::WorkspaceCheckpoint> &checkpoints)
{
    std::vector<CheckpointChoice> choices;
    for (const core::WorkspaceCheckpoint &c : checkpoints)
        choices.push_back({CheckpointChoices::label(QString::fromStdString(c.runName), c.step),
                           QDir::cleanPath(QString::fromStdString(c.path)), c.createdAt, c.adapter});
    return choices;
}

}  // namespace

QString CheckpointChoices::label(const QString &runName, qint64 step)
{
    return tr("%1 · step %2").arg(runName).arg(step);
}

std::vector<CheckpointChoice> CheckpointChoices::list(const WorkspaceSession &session)
{
    return labelled(core::workspaceCheckpoints(session.runs(), session.allCheckpoints()));
}

std::vector<CheckpointChoice> CheckpointChoices::list(const core::ExperimentStore &store)
{
    const std::vector<core::RunRecord> runs = store.runs();
    std::map<int64_t, std::vector<core::CheckpointRecord>> checkpoints;
    for (const core::RunRecord &run : runs) checkpoints[run.id] = store.checkpoints(run.id);
    return labelled(core::workspaceCheckpoints(runs, checkpoints));
}

}  // namespace danka::ui
