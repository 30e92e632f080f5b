// Activation checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"): run a
// piece of the network without keeping its intermediate activations, only its input, and run it again
// during backward to get them back. Trades one extra forward of the piece for its activation memory.
//
// The recomputation must be the same computation: it runs under the autocast state (CPU and CUDA, enabled
// and dtype) of the first run, and, when asked, with the random-number state the first run started from
// (so dropout draws the same masks). The generators' states are restored afterwards, so checkpointing
// never changes the random numbers the rest of the step sees.
#pragma once

#include <ATen/ATen.h>

#include <functional>

namespace danka::model {

using SegmentFn = std::function<at::Tensor(const at::Tensor &)>;

// y = fn(x) without saving fn's activations (x must require grad for gradients to flow back through the
// segment; parameters used by fn receive their gradients during backward). `fn` is kept until backward and
// must stay valid until then; it must be deterministic given the RNG state when `preserveRng` is false.
// Outside grad mode this is just fn(x).
at::Tensor checkpointed(const SegmentFn &fn, const at::Tensor &x, bool preserveRng);

}  // namespace danka::model
