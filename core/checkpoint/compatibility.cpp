// Checkpoints as runs, chat and fine-tuning use them (see compatibility.h).
#include "core/checkpoint/compatibility.h"

#include <algorithm>

#include "core/checkpoint/adapters.h"

namespace danka::core {

std::vector<WorkspaceCheckpoint> workspaceCheckpoints(
    const std::vector<RunRecord> &runs, const std::map<int64_t, std::vector<CheckpointRecord>> &checkpointsByRun)
{
    std::vector<WorkspaceCheckpoint> out;
    for (const RunRecord &run : runs) {
        const auto it = checkpointsByRun.find(run.id);
        if (it == checkpointsByRun.end()) continue;
        for (const CheckpointRecord &c : it->second)
            out.push_back({run.id, run.name, c.step, c.path, c.createdAt, isAdapterCheckpoint(c.path)});
    }
    std::stable_sort(out.begin(), out.end(), [](const WorkspaceCheckpoint &a, const WorkspaceCheckpoint &b) {
        return a.createdAt > b.createdAt;
    });
    return out;
}

std::vector<WorkspaceCheckpoint> adapterCheckpoints(const std::vector<WorkspaceCheckpoint> &checkpoints)
{
    std::vector<WorkspaceCheckpoint> out;
    std::copy_if(checkpoints.begin(), checkpoints.end(), std::back_inserter(out),
                 [](const WorkspaceCheckpoint &c) { return c.adapter; });
    return out;
}

ModelToLoad modelToLoad(const std::string &dir)
{
    if (!isAdapterCheckpoint(dir)) return {dir, std::string()};
    return {adapterBaseCheckpoint(dir), dir};
}

}  // namespace danka::core
