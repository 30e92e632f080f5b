// Checkpoint folders (see model_io.h).
#include "core/checkpoint/model_io.h"
#include "core/checkpoint/checkpoint_meta.h"

#include <filesystem>
#include <fstream>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/util/staging_dir.h"
#include "core/util/translate.h"
#include "core/store/records.h"
#include "core/store/workspace_paths.h"
#include "core/tokenizer/chat_template.h"
#include "core/version.h"
#include "model/checkpoint.h"
#include "model/lora.h"

namespace fs = std::filesystem;

namespace danka::core {

namespace {

// Stored English (a run that loads a checkpoint records the error), translated when shown.
const StoredMessage kNewerCheckpoint =
    storedMessage("danka::core", "%1: written by a newer Danka (checkpoint version %2; this build reads up to %3)");
const StoredMessage kBadCheckpointVersion =
    storedMessage("danka::core", "%1: \"version\" must be a positive integer, got %2");

const char *dtypeName(at::ScalarType dtype)
{
    return dtype == at::kBFloat16 ? "bfloat16" : dtype == at::kHalf ? "float16" : "float32";
}

// The tokenizer files (with the model's context length) and danka.json (plus `more`'s keys) of a checkpoint.
void writeTokenizerAndMeta(model::TransformerImpl &m, const tokenizer::Tokenizer &tok, const std::string &folder,
                           const CheckpointMeta &meta, const std::string &dtype, const nlohmann::ordered_json &more)
{
    const fs::path out(folder);
    const model::ModelConfig &config = m.config();
    // The tokenizer travels with the model, with the context length of the model. Its files come from the
    // tokenizer object (read when it was loaded), never from its folder, which may be gone by now: a rotated
    // checkpoint a run resumed from, a deleted base run.
    requireCheckpointFiles(tok);
    for (const auto &[name, bytes] : tok.files()) {
        if (name == "tokenizer_config.json") {
            nlohmann::ordered_json tc = nlohmann::ordered_json::parse(bytes, nullptr, false);
            if (tc.is_discarded() || !tc.is_object())
                throw Error("tokenizer " + tok.dir() + ": tokenizer_config.json is not a JSON object");
            tc["model_max_length"] = config.maxSeqLen;
            model::writeJsonFile((out / name).string(), tc);
            continue;
        }
        std::ofstream file(out / name, std::ios::binary);
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        file.close();
        if (!file) throw Error("cannot write " + (out / name).string());
    }
    RunConfig wrapper;
    wrapper.model = config;
    nlohmann::ordered_json danka = {
        {"format", "danka-checkpoint"},
        {"version", kCheckpointVersion},
        {"model", toJson(wrapper)["model"]},
        {"tokenizer_checksum", tok.checksum()},
        {"dtype", dtype},
        {"step", meta.step},
        {"run_name", meta.runName},
        {"run_id", meta.runId ? nlohmann::ordered_json(*meta.runId) : nlohmann::ordered_json(nullptr)},
        {"created_at", nowSeconds()},
        {"danka_version", DANKA_VERSION},
    };
    for (const auto &[key, value] : more.items()) danka[key] = value;
    danka["extra"] = meta.extra;
    model::writeJsonFile((out / "danka.json").string(), danka);
}

}  // namespace

int checkpointVersion(const nlohmann::json &danka, const std::string &file)
{
    const auto it = danka.find("version");
    if (it == danka.end()) return 1;  // written before the field existed
    // Read as unsigned where it is one, so that a huge version reads as newer, not as a wrapped negative.
    const bool positive = (it->is_number_unsigned() && it->get<uint64_t>() > 0) ||
                          (it->is_number_integer() && it->get<int64_t>() > 0);
    if (!positive) throw Error(kBadCheckpointVersion(file, it->dump()));
    if (it->is_number_unsigned() ? it->get<uint64_t>() > uint64_t(kCheckpointVersion)
                                 : it->get<int64_t>() > kCheckpointVersion)
        throw Error(kNewerCheckpoint(file, it->dump(), kCheckpointVersion));
    return static_cast<int>(it->get<int64_t>());
}

nlohmann::json readCheckpointMeta(const std::string &dir)
{
    const fs::path meta = fs::path(dir) / "danka.json";
    if (!fs::exists(meta)) return nlohmann::json::object();
    std::ifstream in(meta);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(meta.string() + ": not a JSON object");
    checkpointVersion(j, meta.string());
    return j;
}

void requireCheckpointFiles(const tokenizer::Tokenizer &tok)
{
    if (tok.files().empty()) throw Error("the tokenizer was not loaded from a folder: it has no files to put in a checkpoint");
    for (const char *name : {"tokenizer_config.json"}) {
        bool found = false;
        for (const auto &f : tok.files()) found |= f.first == name;
        if (!found)
            throw Error("tokenizer " + tok.dir() + ": " + name + " is missing (a checkpoint needs it for transformers)");
    }
}

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
    writeTokenizerAndMeta(m, tok, folder, meta, dtypeName(dtype), {});
}


void writeAdapterFiles(model::TransformerImpl &m, const tokenizer::Tokenizer &tok, const std::string &folder,
                       const CheckpointMeta &meta, const std::string &baseCheckpoint)
{
    try {
        model::saveAdapter(m, folder, baseCheckpoint);
    } catch (const std::exception &e) {
        throw Error("cannot write the adapter " + folder + ": " + e.what());
    }
    // The base relative to the adapter when both are in one workspace, so the workspace can move whole
    // (adapter_config.json keeps the absolute path PEFT loads).
    writeTokenizerAndMeta(m, tok, folder, meta, "float32",
                          {{"adapter", true}, {"base_checkpoint", portablePath(baseCheckpoint, folder)}});
}

bool isAdapterCheckpoint(const std::string &dir)
{
    return fs::exists(fs::path(dir) / "adapter_config.json");
}

std::string adapterBaseCheckpoint(const std::string &dir)
{
    const nlohmann::json danka = readCheckpointMeta(dir);
    std::string base = resolvePortablePath(danka.value("base_checkpoint", std::string()), dir);
    if (base.empty()) {
        try {
            base = model::readAdapterConfig(dir).baseModelNameOrPath;
        } catch (const std::exception &e) {
            throw Error(e.what());
        }
    }
    if (base.empty() || !fs::is_directory(base))
        throw Error("adapter " + dir + ": its base checkpoint " + (base.empty() ? std::string("is not recorded") : base + " does not exist") +
                    "; choose the base explicitly");
    return base;
}

std::string mergeAdapterCheckpoint(const std::string &adapter, const std::string &base, const std::string &out)
{
    if (!isAdapterCheckpoint(adapter)) throw Error(adapter + ": not an adapter folder (it has no adapter_config.json)");
    const std::string baseDir = base.empty() ? adapterBaseCheckpoint(adapter) : base;
    LoadedCheckpoint loaded = loadModelCheckpoint(baseDir, model::KernelMode::Fused, "cpu", adapter);
    model::mergeLora(*loaded.model);
    CheckpointMeta meta;
    meta.runName = loaded.danka.value("run_name", std::string());
    if (loaded.danka.contains("run_id") && loaded.danka["run_id"].is_number_integer())
        meta.runId = loaded.danka["run_id"].get<int64_t>();
    meta.step = loaded.danka.value("step", int64_t(0));
    meta.extra = loaded.danka.value("extra", nlohmann::json::object());
    meta.extra["merged_adapter"] = fs::absolute(adapter).lexically_normal().string();
    meta.extra["merged_base"] = fs::absolute(baseDir).lexically_normal().string();
    return writeModelCheckpoint(*loaded.model, *loaded.tokenizer, out, meta, at::kFloat);
}

model::Transformer extendContext(model::Transformer m, int64_t maxSeqLen, const model::RopeScaling &scaling)
{
    if (maxSeqLen <= m->config().maxSeqLen && scaling.kind == model::RopeScalingKind::None) return m;
    if (model::hasLora(*m)) throw Error("extendContext: attach adapters after extending the context");
    const model::ModelConfig config = model::extendedConfig(m->config(), maxSeqLen, scaling);
    if (const std::string problem = config.ropeScalingProblem(); !problem.empty())
        throw Error("model.rope_scaling: " + problem);
    model::Transformer longer(config, m->kernelMode());
    const at::Device device = m->parameters().front().device();
    longer->to(device);
    torch::NoGradGuard noGrad;
    const auto from = m->named_parameters();
    for (auto &p : longer->named_parameters()) p.value().copy_(from[p.key()]);
    longer->train(m->is_training());
    return longer;
}

LoadedCheckpoint loadModelCheckpoint(const std::string &dir, model::KernelMode mode, const std::string &device,
                                     const std::string &adapter)
{
    // danka.json first: a folder written by a newer Danka is refused by its version before anything in it
    // is misread.
    nlohmann::json danka = readCheckpointMeta(dir);
    LoadedCheckpoint out;
    if (isAdapterCheckpoint(dir)) {
        if (adapter.empty()) return loadModelCheckpoint(adapterBaseCheckpoint(dir), mode, device, dir);
        // An adapter trained on a base that is itself an adapter: that one is folded into its base first.
        out = loadModelCheckpoint(dir, mode, "cpu");
        model::mergeLora(*out.model);
    } else {
        try {
            out.model = model::loadModel(dir, mode);
        } catch (const std::exception &e) {
            throw Error(e.what());
        }
        out.tokenizer = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir));
    }
    if (out.tokenizer->vocabSize() > out.model->config().vocabSize)
        throw Error("checkpoint " + dir + ": its tokenizer has more pieces (" + std::to_string(out.tokenizer->vocabSize()) +
                    ") than the model's vocabulary (" + std::to_string(out.model->config().vocabSize) + ")");
    out.danka = std::move(danka);
    {
        const std::string recorded = out.danka.value("tokenizer_checksum", std::string());
        if (!recorded.empty() && recorded != out.tokenizer->checksum())
            throw Error("checkpoint " + dir + ": its tokenizer files do not match the one it was trained with "
                        "(checksum in danka.json); the folder was edited");
    }
    if (!adapter.empty()) {
        // The adapter's folder carries the tokenizer it was trained with: it must be the base's.
        const nlohmann::json adapterMeta = readCheckpointMeta(adapter);
        const std::string checksum = adapterMeta.value("tokenizer_checksum", std::string());
        if (!checksum.empty() && checksum != out.tokenizer->checksum())
            throw Error("adapter " + adapter + " was trained with another tokenizer than the one of " + dir);
        // The context and rope scaling the adapter was trained at (long-context continuation).
        const nlohmann::json section = adapterMeta.value("model", nlohmann::json::object());
        const model::ModelConfig trained = fromJson(nlohmann::json{{"model", section}}).config.model;
        const int64_t context = section.value("max_seq_len", int64_t(0));
        const model::RopeScaling &now = out.model->config().ropeScaling, &then = trained.ropeScaling;
        const bool rescaled = then.kind != model::RopeScalingKind::None &&
                              (then.kind != now.kind || then.factor != now.factor ||
                               then.originalMaxSeqLen != now.originalMaxSeqLen);
        if (context > out.model->config().maxSeqLen || rescaled)
            out.model = extendContext(out.model, context, trained.ropeScaling);
        try {
            model::loadAdapter(*out.model, adapter);
        } catch (const std::exception &e) {
            throw Error("cannot attach the adapter " + adapter + " to " + dir + ": " + e.what());
        }
        out.danka = adapterMeta;
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
