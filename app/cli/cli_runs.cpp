// `danka-cli runs list|show|delete`: the runs of a workspace.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

#include "app/cli/commands.h"
#include "core/util/error.h"
#include "core/run/run_deletion.h"
#include "core/store/experiment_store.h"
#include "core/util/text_util.h"
#include "core/store/workspace.h"

namespace danka::cli {

namespace {

using nlohmann::json;

core::Workspace openWorkspace(const Options &options)
{
    return core::Workspace::open(core::Workspace::resolvePath(options.workspace));
}

json optionalJson(const std::optional<double> &v)
{
    return v ? json(*v) : json(nullptr);
}

json runJson(const core::RunRecord &r, bool withConfig)
{
    json j = {{"id", r.id},
              {"name", r.name},
              {"stage", r.stage},
              {"status", core::runStatusName(r.status)},
              {"parent_run_id", r.parentRunId ? json(*r.parentRunId) : json(nullptr)},
              {"created_at", r.createdAt},
              {"updated_at", r.updatedAt},
              {"started_at", optionalJson(r.startedAt)},
              {"finished_at", optionalJson(r.finishedAt)},
              {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
    if (withConfig) j["config"] = json::parse(r.configJson, nullptr, false);
    return j;
}

std::string runDuration(const core::RunRecord &r)
{
    if (!r.startedAt) return "";
    const double end = r.finishedAt ? *r.finishedAt : core::nowSeconds();
    return core::formatDuration(end - *r.startedAt);
}

json metricJson(double value)
{
    return std::isfinite(value) ? json(value) : json(core::formatNumber(value));  // JSON has no NaN
}

int listRuns(const Options &options)
{
    const core::Workspace ws = openWorkspace(options);
    const core::ExperimentStore store(ws.databasePath());
    const auto runs = store.runs();
    if (options.json) {
        json out = json::array();
        for (const auto &r : runs) out.push_back(runJson(r, false));
        printJson({{"workspace", ws.path()}, {"runs", out}});
        return kExitOk;
    }
    if (runs.empty()) {
        std::cout << "No runs in " << ws.path() << " yet.\n";
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto &r : runs)
        rows.push_back({std::to_string(r.id), r.name, r.stage, core::runStatusName(r.status),
                        core::formatTimestamp(r.createdAt), runDuration(r),
                        r.parentRunId ? std::to_string(*r.parentRunId) : ""});
    printTable({"ID", "NAME", "STAGE", "STATUS", "CREATED", "DURATION", "PARENT"}, rows);
    return kExitOk;
}

int showRun(const Options &options, int64_t id)
{
    const core::Workspace ws = openWorkspace(options);
    const core::ExperimentStore store(ws.databasePath());
    const auto run = store.run(id);
    if (!run) throw core::Error("run " + std::to_string(id) + " does not exist in " + ws.path());
    const auto latest = store.latestMetrics(id);
    const auto checkpoints = store.checkpoints(id);
    const auto events = store.events(id, 20);

    if (options.json) {
        json j = runJson(*run, true);
        j["directory"] = ws.runDir(id);
        json metrics = json::object();
        for (const auto &[name, p] : latest) metrics[name] = {{"step", p.step}, {"value", metricJson(p.value)}};
        j["latest_metrics"] = metrics;
        j["metric_points"] = store.metricCount(id);
        json cks = json::array();
        for (const auto &c : checkpoints)
            cks.push_back({{"id", c.id}, {"step", c.step}, {"path", c.path},
                           {"metrics", json::parse(c.metricsJson, nullptr, false)}, {"created_at", c.createdAt}});
        j["checkpoints"] = cks;
        json evs = json::array();
        for (const auto &e : events)
            evs.push_back({{"time", e.time}, {"level", core::eventLevelName(e.level)}, {"text", e.text}});
        j["recent_events"] = evs;
        printJson(j);
        return kExitOk;
    }
    std::cout << "Run " << run->id << ": " << run->name << "\n"
              << "  stage      " << run->stage << "\n"
              << "  status     " << core::runStatusName(run->status) << "\n"
              << "  created    " << core::formatTimestamp(run->createdAt) << "\n";
    if (run->startedAt) std::cout << "  started    " << core::formatTimestamp(*run->startedAt) << "\n";
    if (run->finishedAt) std::cout << "  finished   " << core::formatTimestamp(*run->finishedAt) << "\n";
    if (!runDuration(*run).empty()) std::cout << "  duration   " << runDuration(*run) << "\n";
    if (run->parentRunId) std::cout << "  parent run " << *run->parentRunId << "\n";
    std::cout << "  directory  " << ws.runDir(id) << "\n";
    if (!run->error.empty()) std::cout << "  error      " << run->error << "\n";
    if (!latest.empty()) {
        std::cout << "\nLatest metrics (" << store.metricCount(id) << " points):\n";
        for (const auto &[name, p] : latest)
            std::cout << "  " << name << " = " << core::formatNumber(p.value) << "  (step " << p.step << ")\n";
    }
    if (!checkpoints.empty()) {
        std::cout << "\nCheckpoints:\n";
        for (const auto &c : checkpoints) std::cout << "  step " << c.step << "  " << c.path << "\n";
    }
    if (!events.empty()) {
        std::cout << "\nRecent events:\n";
        for (const auto &e : events)
            std::cout << "  " << core::formatTimestamp(e.time) << "  " << core::eventLevelName(e.level) << "  "
                      << e.text << "\n";
    }
    const json config = json::parse(run->configJson, nullptr, false);
    std::cout << "\nConfig:\n" << (config.is_discarded() ? run->configJson : config.dump(2)) << std::endl;
    return kExitOk;
}

int deleteRuns(const Options &options, const std::vector<int64_t> &ids, bool keepFiles)
{
    const core::Workspace ws = openWorkspace(options);
    core::ExperimentStore store(ws.databasePath());
    json deleted = json::array();
    for (const auto &[id, hadFiles] : core::deleteRuns(ws, store, ids, keepFiles)) {
        deleted.push_back({{"id", id}, {"files_removed", hadFiles}});
        if (!options.json)
            std::cout << "Deleted run " << id << (hadFiles ? " and its folder " + ws.runDir(id) : "") << "\n";
    }
    if (options.json) printJson({{"deleted", deleted}});
    return kExitOk;
}

}  // namespace

void addRunsCommands(CLI::App &app, const Options &options, Action &action)
{
    CLI::App *runs = app.add_subcommand("runs", "List, inspect and delete the runs of the workspace");
    runs->require_subcommand(1);

    CLI::App *list = runs->add_subcommand("list", "List runs, newest first");
    list->callback([&] { action = [&] { return listRuns(options); }; });

    auto showId = std::make_shared<int64_t>(0);
    CLI::App *show = runs->add_subcommand("show", "Show a run: status, latest metrics, checkpoints, events, config");
    show->add_option("ID", *showId, "Run id")->required();
    show->callback([&, showId] { action = [&, showId] { return showRun(options, *showId); }; });

    auto deleteIds = std::make_shared<std::vector<int64_t>>();
    auto keepFiles = std::make_shared<bool>(false);
    CLI::App *del = runs->add_subcommand("delete", "Delete runs with their metrics, events and files");
    del->add_option("ID", *deleteIds, "Run ids")->required();
    del->add_flag("--keep-files", *keepFiles, "Keep the run folders (checkpoints) on disk");
    del->callback([&, deleteIds, keepFiles] {
        action = [&, deleteIds, keepFiles] { return deleteRuns(options, *deleteIds, *keepFiles); };
    });
}

}  // namespace danka::cli
