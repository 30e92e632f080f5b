// Danka's AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
// Regularization", Algorithm 2), the same update as torch.optim.AdamW (amsgrad off, maximize off), with
// parameter groups chosen by Hugging Face parameter names, the global gradient norm and clipping, and its
// state as named tensors for an exact resume. Engine-internal: this header shows torch types.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace danka::core::train {

struct AdamWOptions {
    double beta1 = 0.9;                    // first-moment (mean of gradients) decay
    double beta2 = 0.95;                   // second-moment (mean of squared gradients) decay
    double eps = 1e-8;                     // added to sqrt(v_hat): bounds the step where v is ~0
    double weightDecay = 0.1;              // decoupled: p *= 1 - lr * weightDecay, for decayed tensors only
    bool decayNormsAndEmbeddings = false;  // also decay 1-D tensors (norms, biases) and embeddings
    // Keep the moments in (pinned) host memory instead of on the parameters' device; each step streams them
    // through the device in chunks of `offloadChunkElements`, two chunks in flight so the copies of one
    // overlap the update of the other. The update is the same elementwise arithmetic, so the results equal
    // the on-device optimizer's. Parameters must be contiguous. The host memory is two flat buffers per
    // moment dtype (m and v of every parameter, views into them; see offloadLayout()): exactly the 8 bytes
    // per float32 parameter the memory estimator counts, locked in whole pages.
    bool offloadMoments = false;
    int64_t offloadChunkElements = int64_t(1) << 24;
};

// The grouping rule: a tensor decays when it has dim >= 2 and is not an embedding (its name contains
// "embed_tokens"); norms, biases and embeddings do not, unless decayNormsAndEmbeddings. Decaying a norm's
// gain pulls it towards 0 instead of its natural value 1, and an embedding row only gets a gradient when its
// token occurs, so decay would shrink rare tokens' rows without any opposing signal.
bool decaysByName(const std::string &name, int64_t dim, bool decayNormsAndEmbeddings);

class AdamW {
public:
    // Takes the model's parameters by name (the order is kept for stateTensors()). Each tensor must be a
    // defined, floating-point tensor, every name and tensor must be unique (tied weights are passed once).
    // Throws core::Error on bad options, duplicates or unsupported tensors.
    AdamW(std::vector<std::pair<std::string, at::Tensor>> namedParams, const AdamWOptions &options = {});

    // One update with learning rate `lr` for every parameter with a defined gradient; parameters without a
    // gradient are left untouched and their step count does not advance (as in torch). For parameter p with
    // gradient g at its step t (1-based, per parameter):
    //   p *= 1 - lr * weightDecay                         (decayed tensors only, before the Adam step)
    //   m  = beta1 * m + (1 - beta1) * g
    //   v  = beta2 * v + (1 - beta2) * g^2
    //   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    void step(double lr);
    int64_t steps() const { return m_steps; }  // step() calls so far (restored by loadState)

    const AdamWOptions &options() const { return m_options; }
    // True when the named parameter is in the weight-decay group; throws core::Error for an unknown name.
    bool decays(const std::string &name) const;
    std::vector<std::string> parameterNames() const;  // in construction order
    std::vector<std::string> decayedNames() const;    // the weight-decay group, in construction order
    std::vector<std::string> undecayedNames() const;  // the no-decay group, in construction order

    // Global L2 norm of all defined gradients: sqrt(sum over tensors of ||g||^2), each ||g|| computed with
    // float64 accumulation (a float64 temporary the size of the largest gradient) and summed in float64.
    // Infinite or NaN when a gradient holds a non-finite value, so it doubles as the overflow check. 0 when
    // no parameter has a gradient. One device synchronisation.
    double gradNorm() const;
    // Scales every gradient by maxNorm / (norm + 1e-6) when norm > maxNorm (norm from gradNorm(), passed in
    // so that it is computed once per step); otherwise leaves them alone. maxNorm must be > 0 and norm
    // finite: a step with a non-finite norm is to be skipped, not clipped.
    void clipGradients(double maxNorm, double norm);
    // Multiplies every gradient by `factor` (1 / loss scale before clipping and stepping).
    void scaleGradients(double factor);
    // Drops the gradients (set_to_none): the next backward allocates fresh ones instead of adding to zeros.
    void zeroGrad();

    // The state of every parameter that has taken a step, in parameter order: "exp_avg.<name>" and
    // "exp_avg_sq.<name>" (the moments themselves, not copies: write them out before the next step(); on
    // the host with offloadMoments),
    // "step.<name>" (1-element int64 on the CPU), then "steps" (1-element int64: steps()).
    std::vector<std::pair<std::string, at::Tensor>> stateTensors() const;
    // Replaces the whole state with `tensors` as written by stateTensors(): parameters not named there start
    // afresh. Values are copied bit-exactly onto each parameter's device. Everything is checked before
    // anything changes; throws core::Error naming the tensor for an unknown name or parameter, a missing
    // moment or step, a wrong shape or dtype, or a bad step count. Without "steps", steps() becomes the
    // largest per-parameter step count.
    void loadState(const std::map<std::string, at::Tensor> &tensors);

    // offloadMoments: the host buffers that hold the moments, one m buffer and one v buffer per moment dtype
    // (normally one dtype: two buffers), with the elements of every parameter in construction order, no
    // padding. Fixed at construction; the buffers themselves are allocated (and zeroed) at the first step or
    // loadState(). Empty without offloadMoments.
    struct OffloadBuffer {
        at::ScalarType dtype;
        int64_t elements = 0;  // of m (and of v)
    };
    std::vector<OffloadBuffer> offloadLayout() const;
    // Host bytes of the moments with offloadMoments: sum over offloadLayout() of 2 x elements x element size
    // (what is locked once they exist, each buffer rounded up to whole pages); 0 without.
    int64_t offloadHostBytes() const;

    // Moment dtype for a parameter dtype: float32 for float32 and lower precision (bf16/fp16 moments would
    // lose the small (1 - beta2) * g^2 increments), float64 for float64 parameters (tests, exact
    // comparisons).
    static at::ScalarType momentDtype(at::ScalarType paramDtype);

private:
    struct Param {
        std::string name;
        at::Tensor tensor;
        bool decay = false;
        at::Tensor expAvg;    // m, momentDtype, on the parameter's device (host with offloadMoments);
                              // undefined before the first step
        at::Tensor expAvgSq;  // v, like m
        int64_t step = 0;     // steps this parameter has taken (t)
        int hostBuffer = -1;     // offloadMoments: index of its buffers in m_host
        int64_t hostOffset = 0;  // and the element where its moments start there
    };
    struct HostBuffer {
        OffloadBuffer layout;
        at::Tensor m, v;  // (elements) pinned host tensors; undefined until first needed
    };

    const Param &param(const std::string &name) const;
    at::TensorOptions momentOptions(const Param &p) const;
    void offloadedStep(std::vector<Param *> &params, double lr);
    void allocateHostBuffers();                              // offloadMoments: the flat buffers, zeroed
    at::Tensor hostView(const Param &p, bool second) const;  // p's m (or v) inside the flat buffers
    std::vector<std::string> namesWhere(const std::function<bool(const Param &)> &keep) const;

    AdamWOptions m_options;
    std::vector<Param> m_params;
    std::unordered_map<std::string, size_t> m_index;  // name -> position in m_params
    int64_t m_steps = 0;
    std::vector<HostBuffer> m_host;     // offloadMoments: the flat host buffers of the moments
    std::vector<at::Tensor> m_staging;  // offloadMoments: two chunks of m and v on the device
};

}  // namespace danka::core::train
