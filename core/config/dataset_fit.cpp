// Datasets a stage trains on (see dataset_fit.h).
#include "core/config/dataset_fit.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/store/workspace_paths.h"
#include "core/train/stage_catalog.h"
#include "core/util/translate.h"

namespace danka::core {

namespace fs = std::filesystem;

std::string stageDatasetKind(const std::string &stage)
{
    const StageSpec *spec = findStage(stage);
    return spec && spec->available ? spec->datasetKind : std::string();
}

std::vector<DatasetRecord> datasetsForStage(const std::string &stage, const std::vector<DatasetRecord> &datasets)
{
    const std::string kind = stageDatasetKind(stage);
    std::vector<DatasetRecord> out;
    std::copy_if(datasets.begin(), datasets.end(), std::back_inserter(out),
                 [&](const DatasetRecord &d) { return kind.empty() || d.kind == kind; });
    return out;
}

namespace {

// The kind a dataset folder's own dataset.json declares; "" when it declares none or cannot be read.
std::string declaredKind(const fs::path &folder)
{
    std::ifstream in(folder / "dataset.json");
    const nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
    if (info.is_object() && info.contains("kind") && info["kind"].is_string()) return info["kind"].get<std::string>();
    return {};
}

// The problem of one dataset field ("" folder: whether one is required), appended to `out`.
void checkDatasetField(const RunConfig &config, const std::vector<DatasetRecord> &datasets, const std::string &kind,
                       const char *key, const std::string &folder, bool required, std::vector<ConfigProblem> &out)
{
    if (folder.empty()) {
        if (!required) return;
        const bool offered =
            std::any_of(datasets.begin(), datasets.end(), [&](const DatasetRecord &d) { return d.kind == kind; });
        out.push_back({key, formatMessage(offered ? translate("danka::core",
                                                              "Choose the dataset to train on: this workspace's "
                                                              "prepared %1 datasets are in the list.")
                                                  : translate("danka::core",
                                                              "Choose the dataset to train on. This workspace has no "
                                                              "prepared %1 dataset yet: prepare one on the Data page."),
                                          kind)});
        return;
    }
    const std::string path = cleanAbsolutePath(folder);
    std::string found;
    for (const DatasetRecord &d : datasets)
        if (cleanAbsolutePath(d.path) == path) found = d.kind;
    const std::string shown = fs::path(folder).make_preferred().string();
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        out.push_back({key, formatMessage(translate("danka::core", "The folder %1 does not exist."), shown)});
        return;
    }
    if (!fs::exists(fs::path(path) / "dataset.json", ec)) {
        out.push_back({key, formatMessage(translate("danka::core",
                                                    "%1 is not a prepared dataset (it has no "
                                                    "dataset.json): prepare it on the Data page."),
                                          shown)});
        return;
    }
    if (found.empty()) found = declaredKind(path);  // a folder the store does not know
    if (!found.empty() && found != kind)
        out.push_back({key, formatMessage(translate("danka::core", "%1 holds %2 data; the %3 stage trains on %4 data."),
                                          shown, found, config.stage.kind, kind)});
}

}  // namespace

std::vector<ConfigProblem> datasetProblems(const RunConfig &config, const std::vector<DatasetRecord> &datasets)
{
    std::vector<ConfigProblem> out;
    const std::string kind = stageDatasetKind(config.stage.kind);
    if (kind.empty()) return out;
    checkDatasetField(config, datasets, kind, "data.dataset", config.data.dataset, true, out);
    checkDatasetField(config, datasets, kind, "data.val_dataset", config.data.valDataset, false, out);
    return out;
}

}  // namespace danka::core
