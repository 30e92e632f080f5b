// Checkpoint folders (see model_io.h).
#include "core/model_io.h"

#include <filesystem>
#include <fstream>

#include "core/config/config_io.h"
#include "core/error.h"
#include "core/staging_dir.h"
#include "core/store/records.h"
#include "core/tokenizer/chat_template.h"
#include "core/version.h"
#include "model/checkpoint.h"

namespace fs = std::filesystem;

namespace danka::core {

std::string writeModelCheckpoint(model::TransformerImpl &m, const tokenizer::Tokenizer &tok, const std::string &dir,
                                 const CheckpointMeta &meta, at::ScalarType dtype)
{
    StagingDir staging(dir);
    writeModelFiles(m, tok, staging.path().string(), meta, dtype);
    return staging.publish(true);
}

void writeModelFiles(model::TransformerImpl &m, const tokenizer::Tokenizer &tok, const std::string &folder,
                     const CheckpointMeta &meta, at::ScalarType dtype)
{
    const fs::path out(folder);
    const model::ModelConfig &config = m.config();
    if (tok.vocabSize() > config.vocabSize)
        throw Error("the tokenizer has " + std::to_string(tok.vocabSize()) + " pieces but model.vocab_size is " +
                    std::to_string(config.vocabSize) + ": set model.vocab_size to at least " +
                    std::to_string(tok.vocabSize()));
    if (tok.dir().empty()) throw Error("writeModelCheckpoint: the tokenizer has no folder to copy");
    model::HfExportOptions hf;
    hf.bosId = tok.bosId();
    hf.padId = tok.padId();
    hf.eosIds = {tok.eosId()};
    if (const int32_t end = tok.pieceId(tokenizer::kImEnd); end >= 0) hf.eosIds.push_back(end);
    try {
        model::saveCheckpoint(m, folder, hf, dtype);
    } catch (const std::exception &e) {
        throw Error("cannot write the checkpoint " + folder + ": " + e.what());
    }
    // The tokenizer travels with the model, with the context length of the model.
    for (const char *file : {"tokenizer.model", "tokenizer.json", "special_tokens_map.json", "danka_tokenizer.json"}) {
        const fs::path from = fs::path(tok.dir()) / file;
        std::error_code ec;
        if (fs::exists(from)) fs::copy_file(from, out / file, fs::copy_options::overwrite_existing, ec);
        if (ec) throw Error("cannot copy " + from.string() + ": " + ec.message());
    }
    {
        std::ifstream in(fs::path(tok.dir()) / "tokenizer_config.json");
        nlohmann::ordered_json tc = nlohmann::ordered_json::parse(in, nullptr, false);
        if (tc.is_discarded()) throw Error(tok.dir() + "/tokenizer_config.json: invalid JSON");
        tc["model_max_length"] = config.maxSeqLen;
        model::writeJsonFile((out / "tokenizer_config.json").string(), tc);
    }
    RunConfig wrapper;
    wrapper.model = config;
    nlohmann::ordered_json danka = {
        {"format", "danka-checkpoint"},
        {"version", 1},
        {"model", toJson(wrapper)["model"]},
        {"tokenizer_checksum", tok.checksum()},
        {"dtype", dtype == at::kBFloat16 ? "bfloat16" : dtype == at::kHalf ? "float16" : "float32"},
        {"step", meta.step},
        {"run_name", meta.runName},
        {"run_id", meta.runId ? nlohmann::ordered_json(*meta.runId) : nlohmann::ordered_json(nullptr)},
        {"created_at", nowSeconds()},
        {"danka_version", DANKA_VERSION},
    };
    danka["extra"] = meta.extra;
    model::writeJsonFile((out / "danka.json").string(), danka);
}

LoadedCheckpoint loadModelCheckpoint(const std::string &dir, model::KernelMode mode, const std::string &device)
{
    LoadedCheckpoint out;
    try {
        out.model = model::loadModel(dir, mode);
    } catch (const std::exception &e) {
        throw Error(e.what());
    }
    out.tokenizer = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir));
    if (out.tokenizer->vocabSize() > out.model->config().vocabSize)
        throw Error("checkpoint " + dir + ": its tokenizer has more pieces (" + std::to_string(out.tokenizer->vocabSize()) +
                    ") than the model's vocabulary (" + std::to_string(out.model->config().vocabSize) + ")");
    const fs::path meta = fs::path(dir) / "danka.json";
    if (fs::exists(meta)) {
        std::ifstream in(meta);
        out.danka = nlohmann::json::parse(in, nullptr, false);
        if (out.danka.is_discarded()) throw Error(meta.string() + ": invalid JSON");
        const std::string recorded = out.danka.value("tokenizer_checksum", std::string());
        if (!recorded.empty() && recorded != out.tokenizer->checksum())
            throw Error("checkpoint " + dir + ": its tokenizer files do not match the one it was trained with "
                        "(checksum in danka.json); the folder was edited");
    }
    try {
        out.model->to(torch::Device(device));
    } catch (const c10::Error &e) {
        throw Error("cannot move the model to " + device + ": " + e.what_without_backtrace());
    }
    out.model->eval();
    return out;
}

}  // namespace danka::core
