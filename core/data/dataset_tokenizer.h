// The tokenizer a prepared dataset was made with (torch-free): the workspace's registered tokenizer whose
// checksum dataset.json records, else the folder dataset.json names when its checksum still matches. A
// tokenizer retrained in place has another checksum and does not match: its ids would mean other pieces.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/store/records.h"

namespace danka::core::tokenizer {
class Tokenizer;
}

namespace danka::core::data {

struct DatasetTokenizer {
    std::shared_ptr<const tokenizer::Tokenizer> tokenizer;  // null: none matches
    std::string dir;                                        // the folder it was loaded from
    bool fromStore = false;  // a registered tokenizer of the workspace (else dataset.json's folder)
    std::string problem;     // without a tokenizer: why the last candidate did not do ("" when none was named)
};

// `datasetInfo` is the dataset's dataset.json ({"tokenizer": {"checksum", "dir"}}); `known` the workspace's
// registered tokenizers. Candidates in order: every registered tokenizer with the recorded checksum, then the
// recorded folder; the first that loads with that checksum wins (any that loads, when no checksum is recorded).
DatasetTokenizer findDatasetTokenizer(const nlohmann::json &datasetInfo, const std::vector<TokenizerRecord> &known);

}  // namespace danka::core::data
