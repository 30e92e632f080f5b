// Sharded safetensors checkpoints (model.safetensors.index.json, as transformers and huggingface_hub write
// them): the index and every shard header are validated against each other before any tensor is read.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "model/safetensors.h"
#include "model/safetensors_detail.h"

namespace fs = std::filesystem;

namespace danka::model {

namespace {

using Json = nlohmann::ordered_json;
using detail::failSafetensors;

// Index files list names, never data: one of this size is damaged, and is not read into memory.
constexpr uint64_t kMaxIndexBytes = kSafetensorsMaxHeaderBytes;

std::string readIndexText(const std::string &path)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) failSafetensors(path, "cannot read the index: " + ec.message());
    if (size > kMaxIndexBytes)
        failSafetensors(path, "the index is " + std::to_string(size) + " bytes, larger than any real index");
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) failSafetensors(path, "cannot read the index");
    return text;
}

// A shard name must stay inside the index's folder: an index downloaded from anywhere must not make Danka
// open files elsewhere.
fs::path shardPath(const std::string &indexPath, const std::string &tensor, const std::string &file)
{
    const fs::path relative(file);
    bool escapes = file.empty() || relative.is_absolute();
    for (const fs::path &part : relative)
        escapes = escapes || part == "..";
    if (escapes) {
        failSafetensors(indexPath, "tensor \"" + tensor + "\" is mapped to \"" + file +
                                       "\", which is not a file name inside the index's folder");
    }
    return fs::path(indexPath).parent_path() / relative;
}

// Every tensor a shard holds must be mapped to that shard (a tensor in two shards, or one the index does
// not list, makes the checkpoint ambiguous).
void checkShardNames(const SafetensorsIndex &index, const std::string &file,
                     const std::vector<std::string> &names)
{
    for (const std::string &name : names) {
        const auto mapped = index.weightMap.find(name);
        if (mapped == index.weightMap.end())
            failSafetensors(index.path, "shard \"" + file + "\" holds tensor \"" + name +
                                            "\", which the index does not list");
        if (mapped->second != file) {
            failSafetensors(index.path, "shard \"" + file + "\" holds tensor \"" + name +
                                            "\", which the index maps to \"" + mapped->second + "\"");
        }
    }
}

}  // namespace

SafetensorsIndex readSafetensorsIndex(const std::string &indexPath)
{
    SafetensorsIndex index;
    index.path = indexPath;
    const std::string text = readIndexText(indexPath);
    if (const auto bad = detail::firstInvalidUtf8(text))
        failSafetensors(indexPath, "the index is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
    const Json root = detail::parseJsonRejectingDuplicates(indexPath, text.data(), text.size(), "the index");
    if (!root.is_object()) failSafetensors(indexPath, "the index is not a JSON object");

    if (root.contains("metadata")) {
        const Json &metadata = root["metadata"];
        if (!metadata.is_object() && !metadata.is_null())
            failSafetensors(indexPath, "\"metadata\" must be an object");
        if (metadata.is_object() && metadata.contains("total_size")) {
            // Some writers store it as a float ("total_size": 1.4e10): accepted when it is a whole number.
            const Json &total = metadata["total_size"];
            const bool whole =
                total.is_number_unsigned() || (total.is_number_integer() && total.get<int64_t>() >= 0) ||
                (total.is_number_float() && total.get<double>() >= 0 && total.get<double>() < 1.8e19 &&
                 total.get<double>() == std::floor(total.get<double>()));
            if (!whole) failSafetensors(indexPath, "\"metadata.total_size\" must be a non-negative integer");
            index.totalSize =
                total.is_number_float() ? static_cast<uint64_t>(total.get<double>()) : total.get<uint64_t>();
        }
    }

    if (!root.contains("weight_map") || !root["weight_map"].is_object())
        failSafetensors(indexPath, "\"weight_map\" must be an object mapping tensor names to shard files");
    for (const auto &[name, file] : root["weight_map"].items()) {
        if (!file.is_string())
            failSafetensors(indexPath,
                            "\"weight_map\": tensor \"" + name + "\" must map to a file name (a string)");
        index.weightMap.emplace(name, file.get<std::string>());
    }

    for (const auto &[name, file] : index.weightMap) {
        if (index.shards.count(file)) continue;
        const fs::path path = shardPath(indexPath, name, file);
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            failSafetensors(indexPath, "shard \"" + file + "\" (of tensor \"" + name +
                                           "\") does not exist (looked for " + path.string() + ")");
        }
        index.shards.emplace(file, readSafetensorsHeader(path.string()));
    }

    std::set<std::string> found;  // every one is in the shard it is mapped to, once checkShardNames passed
    for (const auto &[file, header] : index.shards) {
        std::vector<std::string> names;
        for (const SafetensorsTensorInfo &info : header.tensors)
            names.push_back(info.name);
        checkShardNames(index, file, names);
        found.insert(names.begin(), names.end());
    }
    for (const auto &[name, file] : index.weightMap) {
        if (!found.count(name)) {
            failSafetensors(indexPath, "tensor \"" + name + "\" is mapped to shard \"" + file +
                                           "\", which does not hold it");
        }
    }
    return index;
}

std::map<std::string, at::Tensor> readShardedSafetensors(const std::string &indexPath)
{
    const SafetensorsIndex index = readSafetensorsIndex(indexPath);
    std::map<std::string, at::Tensor> tensors;
    for (const auto &[file, header] : index.shards) {
        SafetensorsFile shard = readSafetensors(header.path);
        // The shard was checked a moment ago; checking what was actually read again costs nothing and catches
        // a file replaced in between.
        std::vector<std::string> names;
        for (auto &[name, tensor] : shard.tensors) {
            names.push_back(name);
            tensors.emplace(name, std::move(tensor));
        }
        checkShardNames(index, file, names);
    }
    if (tensors.size() != index.weightMap.size())
        failSafetensors(indexPath, "a shard changed while the checkpoint was read");
    return tensors;
}

}  // namespace danka::model
