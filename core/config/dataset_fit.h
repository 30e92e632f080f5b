// Which prepared datasets fit a run: the kind of dataset each stage reads (from the stage table,
// core/train/stage_catalog.h), the workspace's datasets a stage can train on, and what stops a config from
// starting on the datasets it names. Torch-free: the studio offers and checks datasets with these, before a run
// exists; the trainer refuses the same mistakes when it opens the data.
#pragma once

#include <string>
#include <vector>

#include "core/config/config_io.h"
#include "core/store/records.h"

namespace danka::core {

// The kind of prepared dataset (dataset.json's "kind") stage `stage` trains on; "" for a stage this build does
// not train (unknown, or declared and not yet available).
std::string stageDatasetKind(const std::string &stage);

// The datasets of `datasets` that stage `stage` can train on, in their order; every one when the stage reads no
// known kind (nothing to filter by).
std::vector<DatasetRecord> datasetsForStage(const std::string &stage, const std::vector<DatasetRecord> &datasets);

// What stops a run of `config` from starting on its datasets (data.dataset, data.val_dataset), given the
// workspace's prepared `datasets`: none chosen (the message says whether the workspace has datasets of the
// stage's kind), a folder that does not exist, a folder without dataset.json, or a dataset of another kind (the
// store's record, else the folder's own dataset.json, says its kind). Empty when the stage is not trainable:
// validation says that.
std::vector<ConfigProblem> datasetProblems(const RunConfig &config, const std::vector<DatasetRecord> &datasets);

}  // namespace danka::core
