// The alignment stages this version declares but does not train yet (reward model, DPO, PPO, GRPO): in the
// table so configs may name them and validation refuses them by name, not as a typo. Each moves to a file of
// its own, with its factory, when it is built.
#include "core/train/stage_registry.h"
#include "core/util/translate.h"

namespace danka::core::train {

void registerComingStages()
{
    struct Coming {
        const char *name, *summary, *dataset;
    };
    const Coming coming[] = {
        {"reward", translateNoop("danka::core", "reward model on preference pairs (coming)"), "preference"},
        {"dpo", translateNoop("danka::core", "direct preference optimisation on preference pairs (coming)"),
         "preference"},
        {"ppo", translateNoop("danka::core", "PPO against a reward model (coming)"), "prompt"},
        {"grpo", translateNoop("danka::core", "GRPO with group-relative rewards (coming)"), "prompt"},
    };
    for (const Coming &c : coming) {
        StageSpec spec;
        spec.name = c.name;
        spec.summary = c.summary;
        spec.datasetKind = c.dataset;
        spec.base = BaseUse::Required;
        spec.fineTuning = true;
        spec.available = false;
        registerStage(std::move(spec), nullptr);
    }
}

}  // namespace danka::core::train
