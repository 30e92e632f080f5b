// danka.json, the metadata file of Danka's checkpoint folders (full weights and LoRA adapters alike), as
// readers see it (torch-free). Its "version" says which layout of the folder a Danka wrote; a build reads
// every version up to its own and refuses newer ones by name instead of misreading them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace danka::core {

// The danka.json version this build writes and reads up to. A danka.json without "version" predates the
// field: version 1, the oldest format. Raise it when a checkpoint folder changes in a way older builds
// would misread, and teach the reader the older versions.
constexpr int kCheckpointVersion = 1;

// danka.json of the checkpoint folder `dir`, or {} when there is none (a Hugging Face folder). Throws
// core::Error naming the file when it is not a JSON object, its "version" is not a positive integer, or it
// was written by a newer Danka ("<dir>/danka.json: written by a newer Danka (checkpoint version N; this
// build reads up to M)").
nlohmann::json readCheckpointMeta(const std::string &dir);

// The version of a danka.json object (1 when it has none); throws core::Error naming `file` when "version"
// is not a positive integer or is newer than kCheckpointVersion.
int checkpointVersion(const nlohmann::json &danka, const std::string &file);

}  // namespace danka::core
