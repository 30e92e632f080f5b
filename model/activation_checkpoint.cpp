// Activation checkpointing (see activation_checkpoint.h). A reentrant custom autograd function: backward
// recomputes the segment with grad mode on and backpropagates through that recomputation, which
// accumulates the parameters' gradients and yields the input's.
#include "model/activation_checkpoint.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <optional>

namespace danka::model {

namespace {

struct AutocastState {
    bool cpu = false, cuda = false;
    at::ScalarType cpuType = at::kBFloat16, cudaType = at::kHalf;
    bool cache = true;  // autocast's cache of weight casts (the trainer turns it off: see trainer.cpp)

    static AutocastState current()
    {
        AutocastState s;
        s.cpu = at::autocast::is_autocast_enabled(at::kCPU);
        s.cuda = at::autocast::is_autocast_enabled(at::kCUDA);
        s.cpuType = at::autocast::get_autocast_dtype(at::kCPU);
        s.cudaType = at::autocast::get_autocast_dtype(at::kCUDA);
        s.cache = at::autocast::is_autocast_cache_enabled();
        return s;
    }
    void apply() const
    {
        at::autocast::set_autocast_enabled(at::kCPU, cpu);
        at::autocast::set_autocast_enabled(at::kCUDA, cuda);
        at::autocast::set_autocast_dtype(at::kCPU, cpuType);
        at::autocast::set_autocast_dtype(at::kCUDA, cudaType);
        at::autocast::set_autocast_cache_enabled(cache);
    }
};

// Applies a state for its lifetime, then puts back the one it found.
class AutocastScope {
public:
    explicit AutocastScope(const AutocastState &s) : m_saved(AutocastState::current()) { s.apply(); }
    ~AutocastScope() { m_saved.apply(); }
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    AutocastState m_saved;
};

// The generators a segment on `device` draws from: the CPU's, and the CUDA device's when it runs there.
std::vector<at::Generator> generatorsFor(const at::Device &device)
{
    std::vector<at::Generator> gens = {at::globalContext().defaultGenerator(at::kCPU)};
    if (device.is_cuda()) gens.push_back(at::globalContext().defaultGenerator(device));
    return gens;
}

struct Segment : torch::CustomClassHolder {
    SegmentFn fn;
    AutocastState autocast;
    bool preserveRng = false;
    std::vector<at::Generator> generators;
    std::vector<at::Tensor> rngStates;  // of `generators`, when the segment first ran
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &x,
                              c10::intrusive_ptr<Segment> segment)
    {
        segment->autocast = AutocastState::current();
        if (segment->preserveRng) {
            segment->generators = generatorsFor(x.device());
            for (auto &g : segment->generators) {
                std::lock_guard<std::mutex> lock(g.mutex());
                segment->rngStates.push_back(g.get_state());
            }
        }
        ctx->save_for_backward({x});
        ctx->saved_data["segment"] = c10::IValue::make_capsule(segment);
        return segment->fn(x);  // grad mode is off inside a custom function's forward: nothing is kept
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list gradOutputs)
    {
        auto segment = c10::static_intrusive_pointer_cast<Segment>(ctx->saved_data["segment"].toCapsule());
        const at::Tensor input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        // Replay with the first run's random state; keep the state the rest of backward expects.
        std::vector<at::Tensor> now;
        for (size_t i = 0; i < segment->rngStates.size(); ++i) {
            std::lock_guard<std::mutex> lock(segment->generators[i].mutex());
            now.push_back(segment->generators[i].get_state());
            segment->generators[i].set_state(segment->rngStates[i]);
        }
        at::Tensor output;
        {
            torch::AutoGradMode grad(true);
            AutocastScope autocast(segment->autocast);
            output = segment->fn(input);
        }
        for (size_t i = 0; i < now.size(); ++i) {
            std::lock_guard<std::mutex> lock(segment->generators[i].mutex());
            segment->generators[i].set_state(now[i]);
        }
        torch::autograd::backward({output}, {gradOutputs[0]});
        return {input.grad(), at::Tensor()};
    }
};

}  // namespace

at::Tensor checkpointed(const SegmentFn &fn, const at::Tensor &x, bool preserveRng)
{
    if (!torch::GradMode::is_enabled()) return fn(x);
    auto segment = c10::make_intrusive<Segment>();
    segment->fn = fn;
    segment->preserveRng = preserveRng;
    return CheckpointFunction::apply(x, segment);
}

}  // namespace danka::model
