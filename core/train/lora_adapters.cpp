// LoRA adapters on a run's model (see lora_adapters.h).
#include "core/train/lora_adapters.h"

#include <set>

#include "core/config/memory_plan.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"

namespace danka::core::train {

namespace {

// The run's event when the adapters are attached: stored in English, translated where it is shown.
const StoredMessage kLoraAttached =
    storedMessage("danka::core", "LoRA r=%1, alpha %2 on %3 projections (%4): %5 of %6 parameters train");

}  // namespace

model::LoraSettings loraSettingsOf(const LoraConfig &c, const model::ModelConfig &model)
{
    model::LoraSettings s;
    s.rank = c.rank;
    s.alpha = c.alpha;
    s.dropout = c.dropout;
    s.targetModules = loraTargets(c, model);
    if (s.targetModules.empty())
        throw Error("stage.lora.target_modules: names no projection: list module names (q_proj,v_proj...), "
                    "all-linear or re:REGEX");
    return s;
}

std::string attachLoraAdapters(model::TransformerImpl &m, const LoraConfig &c)
{
    const model::LoraSettings s = loraSettingsOf(c, m.config());
    std::vector<std::string> adapted;
    try {
        adapted = model::attachLora(m, s);
    } catch (const model::LoraError &e) {
        throw Error(std::string("stage.lora.target_modules: ") + e.what());
    }
    int64_t trainable = 0, total = 0;
    for (const at::Tensor &p : m.parameters()) {
        total += p.numel();
        if (p.requires_grad()) trainable += p.numel();
    }
    std::set<std::string> leaves;
    for (const std::string &name : adapted) leaves.insert(name.substr(name.rfind('.') + 1));
    std::string list;
    for (const std::string &leaf : leaves) list += (list.empty() ? "" : ", ") + leaf;
    return kLoraAttached(s.rank, formatNumber(s.alpha), adapted.size(), list, formatCount(double(trainable)),
                         formatCount(double(total)));
}

}  // namespace danka::core::train
