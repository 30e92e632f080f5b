// The stages this build ships, in the order a user meets them (stage.kind's choices). A new stage is a file in
// this folder with its register function, named here once.
#include "core/train/stage_catalog.h"

namespace danka::core {

namespace train {
void registerPretrainStage();  // pretrain_stage.cpp
void registerSftStage();       // sft_stage.cpp
void registerDistillStage();   // distill_stage.cpp
void registerComingStages();   // coming_stages.cpp: reward, dpo, ppo, grpo
}  // namespace train

namespace detail {

void registerBuiltinStages()
{
    train::registerPretrainStage();
    train::registerSftStage();
    train::registerDistillStage();
    train::registerComingStages();
}

}  // namespace detail

}  // namespace danka::core
