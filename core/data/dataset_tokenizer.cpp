// The tokenizer of a prepared dataset (see dataset_tokenizer.h).
#include "core/data/dataset_tokenizer.h"

#include <utility>

#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/translate.h"

namespace danka::core::data {

namespace {

std::string stringAt(const nlohmann::json &object, const char *key)
{
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

DatasetTokenizer findDatasetTokenizer(const nlohmann::json &datasetInfo, const std::vector<TokenizerRecord> &known)
{
    const nlohmann::json recorded = datasetInfo.is_object() ? datasetInfo.value("tokenizer", nlohmann::json::object())
                                                            : nlohmann::json();
    const std::string checksum = stringAt(recorded, "checksum");
    std::vector<std::pair<std::string, bool>> candidates;  // folder, registered in the store
    for (const TokenizerRecord &t : known)
        if (!checksum.empty() && t.checksum == checksum) candidates.emplace_back(t.path, true);
    if (const std::string dir = stringAt(recorded, "dir"); !dir.empty()) candidates.emplace_back(dir, false);

    DatasetTokenizer out;
    for (const auto &[dir, fromStore] : candidates) {
        try {
            auto t = std::make_shared<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir));
            if (!checksum.empty() && t->checksum() != checksum) {
                out.problem = formatMessage(
                    translate("danka::core", "%1 has changed since the dataset was prepared (checksum %2)"), dir,
                    t->checksum().substr(0, 12));
                continue;
            }
            out.tokenizer = std::move(t);
            out.dir = dir;
            out.fromStore = fromStore;
            out.problem.clear();
            return out;
        } catch (const Error &e) {
            out.problem = e.what();
        }
    }
    return out;
}

}  // namespace danka::core::data
