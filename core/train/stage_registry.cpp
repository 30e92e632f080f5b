// Stage factories (see stage_registry.h).
#include "core/train/stage_registry.h"

#include <map>

#include "core/checkpoint/model_io.h"
#include "core/util/error.h"

namespace danka::core::train {

namespace {

std::map<std::string, StageFactory> &factories()
{
    static std::map<std::string, StageFactory> f;
    return f;
}

}  // namespace

void registerStage(StageSpec spec, StageFactory factory)
{
    const std::string name = spec.name;
    registerStageSpec(std::move(spec));  // throws on a taken name, before the factory is kept
    if (factory) factories()[name] = std::move(factory);
}

std::unique_ptr<TrainingStage> createStage(const StageSetup &setup)
{
    const std::string &name = setup.config.stage.kind;
    const StageSpec *spec = findStage(name);
    if (!spec) throw Error("stage.kind: unknown stage \"" + name + "\"; stages: " + availableStageList());
    const auto it = factories().find(name);
    if (!spec->available || it == factories().end())
        throw Error("stage.kind: \"" + name + "\" is not available in this version yet; it trains " +
                    availableStageList());
    std::unique_ptr<TrainingStage> stage = it->second(setup);
    if (!stage) throw Error("stage.kind: the factory of \"" + name + "\" built nothing");
    return stage;
}

model::Transformer loadFrozenModel(const std::string &dir, const at::Device &device, const char *field,
                                   const tokenizer::Tokenizer &tok, int64_t minContext)
{
    LoadedCheckpoint loaded;
    try {
        loaded = loadModelCheckpoint(dir, model::KernelMode::Fused, device.str());
    } catch (const Error &e) {
        throw Error(std::string(field) + ": " + e.what());
    }
    if (loaded.tokenizer->checksum() != tok.checksum())
        throw Error(std::string(field) + ": " + dir +
                    " uses another tokenizer than the trained model (tokenizer.model " + "checksums " +
                    loaded.tokenizer->checksum().substr(0, 12) + " and " + tok.checksum().substr(0, 12) +
                    "); the two models must score the same tokens");
    if (loaded.model->config().maxSeqLen < minContext)
        throw Error(std::string(field) + ": the context of " + dir + " (" +
                    std::to_string(loaded.model->config().maxSeqLen) + " tokens) is shorter than data.seq_len " +
                    std::to_string(minContext));
    model::Transformer m = loaded.model;
    m->eval();
    for (at::Tensor &p : m->parameters()) p.set_requires_grad(false);
    return m;
}

}  // namespace danka::core::train
