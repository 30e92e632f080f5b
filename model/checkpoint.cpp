// Checkpoint folders (see checkpoint.h).
#include "model/checkpoint.h"

#include <filesystem>
#include <sstream>
#include <fstream>
#include <map>
#include <set>

#include "model/lora.h"
#include "model/safetensors.h"

namespace fs = std::filesystem;

namespace danka::model {

void writeJsonFile(const std::string &path, const nlohmann::ordered_json &j)
{
    std::ofstream out(path);
    out << j.dump(2) << '\n';
    if (!out) throw CheckpointError("cannot write " + path);
}

namespace {

std::string dtypeName(at::ScalarType t)
{
    switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: throw CheckpointError(std::string("checkpoints hold float32, bfloat16 or float16 weights, not ") + c10::toString(t));
    }
}

// The permutation of r RoPE dims from halves to pairs: new[2i] = old[i], new[2i+1] = old[i + r/2].
at::Tensor interleaveOrder(int64_t r)
{
    at::Tensor order = at::empty({r}, at::kLong);
    for (int64_t i = 0; i < r / 2; ++i) {
        order[2 * i] = i;
        order[2 * i + 1] = i + r / 2;
    }
    return order;
}

}  // namespace

void permuteMlaRopeRows(const ModelConfig &c, std::vector<std::pair<std::string, at::Tensor>> &tensors,
                        bool toInterleaved)
{
    if (c.attention != AttentionKind::Mla || !c.mla.ropeInterleave) return;  // halves on file too
    const int64_t r = c.mla.qkRopeHeadDim, nope = c.mla.qkNopeHeadDim, qkHead = nope + r;
    at::Tensor order = interleaveOrder(r);
    if (!toInterleaved) order = at::argsort(order);  // the inverse permutation
    auto endsWith = [](const std::string &s, const std::string &suffix) {
        return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    for (auto &[name, t] : tensors) {
        const bool queries = endsWith(name, "self_attn.q_proj.weight") || endsWith(name, "self_attn.q_b_proj.weight");
        const bool sharedKey = endsWith(name, "self_attn.kv_a_proj_with_mqa.weight");
        if (!queries && !sharedKey) continue;
        at::Tensor rows;
        if (queries) {
            // Per head: [nope | rope] rows; permute the rope part of every head.
            const at::Tensor perHead = t.view({c.nHeads, qkHead, t.size(1)});
            rows = at::cat({perHead.narrow(1, 0, nope), perHead.narrow(1, nope, r).index_select(1, order)}, 1)
                       .reshape(t.sizes());
        } else {
            // [c_KV (kv_lora_rank) | shared RoPE key (r)] rows.
            rows = at::cat({t.narrow(0, 0, c.mla.kvLoraRank), t.narrow(0, c.mla.kvLoraRank, r).index_select(0, order)}, 0);
        }
        t = rows.contiguous();
    }
}

void saveCheckpoint(TransformerImpl &model, const std::string &dir, const HfExportOptions &options, at::ScalarType dtype)
{
    if (!fs::is_directory(dir)) throw CheckpointError("checkpoint folder " + dir + " does not exist");
    // A checkpoint holds base weights only: adapters are saved apart (saveAdapter) or merged into them.
    if (hasLora(model))
        throw CheckpointError("checkpoint " + dir + ": the model has LoRA adapters: merge the adapter first "
                              "(mergeLora) or save it on its own (saveAdapter)");
    HfExportOptions o = options;
    o.dtype = dtypeName(dtype);
    const ModelConfig &c = model.config();
    torch::NoGradGuard noGrad;
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto &item : model.named_parameters())
        tensors.emplace_back(item.key(), item.value().detach().to(at::kCPU, dtype).contiguous());
    permuteMlaRopeRows(c, tensors, true);
    writeSafetensors((fs::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}});
    writeJsonFile((fs::path(dir) / "config.json").string(), toHuggingFaceConfig(c, o));
    nlohmann::ordered_json generation = {{"bos_token_id", o.bosId}, {"pad_token_id", o.padId}};
    generation["eos_token_id"] = o.eosIds.size() == 1 ? nlohmann::ordered_json(o.eosIds.front()) : nlohmann::ordered_json(o.eosIds);
    writeJsonFile((fs::path(dir) / "generation_config.json").string(), generation);
}

ModelConfig readCheckpointConfig(const std::string &dir)
{
    const fs::path path = fs::path(dir) / "config.json";
    std::ifstream in(path);
    if (!in) {
        if (!fs::is_directory(dir)) throw CheckpointError("checkpoint " + dir + ": no such folder");
        throw CheckpointError("checkpoint " + dir + ": no config.json");
    }
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw CheckpointError(path.string() + ": invalid JSON");
    try {
        return fromHuggingFaceConfig(j, path.string());
    } catch (const ConfigError &e) {
        throw CheckpointError(e.what());
    }
}

void loadWeights(TransformerImpl &model, const std::string &dir)
{
    const fs::path single = fs::path(dir) / "model.safetensors", index = fs::path(dir) / "model.safetensors.index.json";
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    try {
        if (fs::exists(single)) {
            tensors = readSafetensors(single.string()).tensors;
        } else if (fs::exists(index)) {
            for (auto &[name, t] : readShardedSafetensors(index.string())) tensors.emplace_back(name, t);
        } else {
            throw CheckpointError("checkpoint " + dir + ": no model.safetensors (or model.safetensors.index.json)");
        }
    } catch (const SafetensorsError &e) {
        throw CheckpointError(e.what());
    }
    const ModelConfig &c = model.config();
    // A DeepseekV3 checkpoint stores RoPE dims interleaved unless its config.json says otherwise
    // (rope_interleave false: halves, as in memory); the folder's word counts, not the model's.
    ModelConfig layout = c;
    if (c.attention == AttentionKind::Mla && fs::exists(fs::path(dir) / "config.json"))
        layout.mla.ropeInterleave = readCheckpointConfig(dir).mla.ropeInterleave;
    permuteMlaRopeRows(layout, tensors, false);
    std::map<std::string, at::Tensor> byName(tensors.begin(), tensors.end());

    torch::NoGradGuard noGrad;
    // Adapters are not base weights: a base checkpoint loads under attached adapters and leaves them be.
    std::set<std::string> adapters;
    for (const auto &[name, t] : loraParameters(model)) adapters.insert(name);
    std::set<std::string> used;
    for (auto &item : model.named_parameters()) {
        const std::string &name = item.key();
        if (adapters.count(name)) continue;
        auto it = byName.find(name);
        if (it == byName.end())
            throw CheckpointError("checkpoint " + dir + ": missing tensor \"" + name + "\"");
        at::Tensor &p = item.value();
        if (it->second.sizes() != p.sizes()) {
            std::ostringstream shapes;
            shapes << it->second.sizes() << " in the checkpoint, " << p.sizes() << " in the model";
            throw CheckpointError("checkpoint " + dir + ": tensor \"" + name + "\" has shape " + shapes.str());
        }
        p.copy_(it->second.to(p.dtype()));
        used.insert(name);
    }
    for (const auto &[name, t] : byName) {
        if (used.count(name)) continue;
        // Tied checkpoints written by others may carry the head anyway; rotary caches are not weights.
        if ((name == "lm_head.weight" && c.tieEmbeddings) || name.find("rotary_emb") != std::string::npos) continue;
        throw CheckpointError("checkpoint " + dir + ": unexpected tensor \"" + name +
                              "\" (the config describes a model without it)");
    }
}

Transformer loadModel(const std::string &dir, KernelMode mode)
{
    Transformer model(readCheckpointConfig(dir), mode);
    loadWeights(*model, dir);
    return model;
}

}  // namespace danka::model
