// Deleting a run from a workspace: its store records and its folder, unless another run still needs the
// folder's checkpoints (a LoRA adapter trained on one of them is only usable with its base; an unfinished
// distillation reloads its teacher when it resumes). The CLI and the studio both delete through here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace danka::core {

class ExperimentStore;
class Workspace;

struct RunBlocker {
    int64_t runId = 0;   // the run that needs the checkpoints
    std::string reason;  // "run 5 (lora-x) is a LoRA adapter on .../runs/3/checkpoints/step-00000400: ..."
};

// The runs that need run `runId`'s checkpoints; empty when it may be deleted.
std::vector<RunBlocker> runDeletionBlockers(const Workspace &ws, ExperimentStore &store, int64_t runId);

// Deletes the runs `runIds` (records: metrics, events, checkpoints; and, unless `keepFiles`, their folders),
// dependent runs before the runs they depend on, so a run and the adapters trained on it go together.
// Returns, in deletion order, each id with whether a folder was removed. Throws core::Error naming the run
// and every blocker when a run outside `runIds` needs one of them, or an id does not exist; nothing is
// deleted then.
std::vector<std::pair<int64_t, bool>> deleteRuns(const Workspace &ws, ExperimentStore &store,
                                                 const std::vector<int64_t> &runIds, bool keepFiles = false);

}  // namespace danka::core
