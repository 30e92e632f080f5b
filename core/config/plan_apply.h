// A memory plan (model::MemoryPlan: the estimator's, or the one it recommends for a budget) written back into
// a run config: the settings a user changes to follow the plan. Torch-free; the Configure page's "Apply this
// plan" calls it.
#pragma once

#include "core/config/run_config.h"
#include "model/estimate.h"

namespace danka::core {

// runtime.precision for a plan's precision (fp32, bf16, fp16).
Precision precisionOfPlan(model::PlanPrecision precision);

// `config` with `plan`'s micro-batch (data.micro_batch_size), precision (runtime.precision), activation
// checkpointing (runtime.activation_checkpointing) and AdamW offloading (runtime.offload_optimizer). The
// sequences per optimizer step (micro_batch_size x grad_accum_steps) stay the same when the new micro-batch
// divides them: optim.grad_accum_steps becomes sequences / micro-batch (at least 1); otherwise it is left as it
// was. Everything else is `config`'s.
RunConfig applyMemoryPlan(const RunConfig &config, const model::MemoryPlan &plan);

}  // namespace danka::core
