// Deleting runs (see run_deletion.h).
#include "core/run/run_deletion.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/util/translate.h"
#include "core/store/workspace.h"

namespace fs = std::filesystem;

namespace danka::core {

namespace {

// `path` (relative paths are the workspace's) lies inside `folder`.
bool isInside(const Workspace &ws, const std::string &path, const fs::path &folder)
{
    if (path.empty()) return false;
    fs::path p(path);
    if (p.is_relative()) p = fs::path(ws.path()) / p;
    std::error_code ec;
    const fs::path a = fs::weakly_canonical(p, ec).lexically_normal();
    const fs::path b = fs::weakly_canonical(folder, ec).lexically_normal();
    const auto rel = a.lexically_relative(b);
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::vector<RunBlocker> runDeletionBlockers(const Workspace &ws, ExperimentStore &store, int64_t runId)
{
    std::vector<RunBlocker> out;
    const fs::path folder = ws.runDir(runId);
    for (const RunRecord &other : store.runs()) {
        if (other.id == runId) continue;
        const ConfigLoadResult parsed = parseConfigText(other.configJson);
        if (!parsed.ok()) continue;  // a config this version cannot read names no checkpoint it could load
        const RunConfig &c = parsed.config;
        if (c.stage.lora.enabled && isInside(ws, c.stage.baseCheckpoint, folder))
            out.push_back({other.id, formatMessage(translate("danka::core",
                                                             "run %1 (%2) is a LoRA adapter on %3: its checkpoints "
                                                             "load only with that base"),
                                                   other.id, other.name, c.stage.baseCheckpoint)});
        else if (!c.stage.distill.teacherCheckpoint.empty() && other.status != RunStatus::Completed &&
                 isInside(ws, c.stage.distill.teacherCheckpoint, folder))
            out.push_back({other.id, formatMessage(translate("danka::core",
                                                             "run %1 (%2) is unfinished and distills from %3: it "
                                                             "reloads its teacher when it resumes"),
                                                   other.id, other.name, c.stage.distill.teacherCheckpoint)});
    }
    return out;
}

std::vector<std::pair<int64_t, bool>> deleteRuns(const Workspace &ws, ExperimentStore &store,
                                                 const std::vector<int64_t> &runIds, bool keepFiles)
{
    const auto chosen = [&](int64_t id) { return std::find(runIds.begin(), runIds.end(), id) != runIds.end(); };
    // Check everything first: delete nothing when one id is wrong or still needed by a run that stays.
    for (int64_t id : runIds) {
        const std::optional<RunRecord> run = store.run(id);
        if (!run)
            throw Error(formatMessage(translate("danka::core", "run %1 does not exist in %2"), id, ws.path()));
        std::string reasons;
        for (const RunBlocker &b : runDeletionBlockers(ws, store, id))
            if (!chosen(b.runId)) reasons += (reasons.empty() ? "" : "; ") + b.reason;
        if (!reasons.empty())
            throw Error(formatMessage(translate("danka::core",
                                                "run %1 (%2) is still needed: %3. Delete those runs first, or with it."),
                                      id, run->name, reasons));
    }
    // Then in passes: each deletes the runs nothing left depends on.
    std::vector<std::pair<int64_t, bool>> deleted;
    std::vector<int64_t> left = runIds;
    std::sort(left.begin(), left.end());
    left.erase(std::unique(left.begin(), left.end()), left.end());
    while (!left.empty()) {
        std::vector<int64_t> next;
        for (int64_t id : left) {
            if (!runDeletionBlockers(ws, store, id).empty()) {
                next.push_back(id);
                continue;
            }
            store.deleteRun(id);
            deleted.emplace_back(id, !keepFiles && ws.removeRunFiles(id));
        }
        if (next.size() == left.size())
            throw Error(translate("danka::core", "runs depend on each other in a cycle; nothing more was deleted"));
        left.swap(next);
    }
    return deleted;
}

}  // namespace danka::core
