// The checkpoints of a workspace as runs, chat and fine-tuning use them (torch-free): every checkpoint of every
// run in the order people choose from (newest first) with whether it is a LoRA adapter, and what loading a
// checkpoint folder means (full weights as they are; an adapter on its recorded base). The studio's Chat and
// Configure pages list and open checkpoints with these; they decide nothing themselves.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/records.h"

namespace danka::core {

struct WorkspaceCheckpoint {
    int64_t runId = 0;
    std::string runName;
    int64_t step = 0;
    std::string path;      // the folder, as the store gives it (absolute inside the workspace)
    double createdAt = 0;  // Unix seconds
    bool adapter = false;  // a LoRA adapter (adapter_config.json, isAdapterCheckpoint): loads on its base
};

// Every checkpoint of `runs` (checkpointsByRun: the store's checkpoints of each run, by run id), newest first by
// creation time; checkpoints written at the same time keep the runs' order (newest run first) and then the
// store's (by step).
std::vector<WorkspaceCheckpoint> workspaceCheckpoints(
    const std::vector<RunRecord> &runs, const std::map<int64_t, std::vector<CheckpointRecord>> &checkpointsByRun);

// The LoRA adapters among `checkpoints`, in their order: what can be put on a loaded base.
std::vector<WorkspaceCheckpoint> adapterCheckpoints(const std::vector<WorkspaceCheckpoint> &checkpoints);

// What loading checkpoint folder `dir` loads: full weights are the model themselves (base = dir, no adapter); a
// LoRA adapter loads its base checkpoint (adapterBaseCheckpoint) with the adapter on it, unmerged.
struct ModelToLoad {
    std::string base;
    std::string adapter;  // "" = none
};
// Throws core::Error naming the folder when `dir` is an adapter whose base is not recorded or gone.
ModelToLoad modelToLoad(const std::string &dir);

}  // namespace danka::core
