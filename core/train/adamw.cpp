// Danka's AdamW (see adamw.h): the update with in-place ATen ops, groups by name, norms and resume state.
#include "core/train/adamw.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/DeviceGuard.h>
#include <c10/util/irange.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/util/error.h"
#include "kernels/copy_stream.h"

namespace danka::core::train {

namespace {

const char *const kExpAvgPrefix = "exp_avg.";
const char *const kExpAvgSqPrefix = "exp_avg_sq.";
const char *const kStepPrefix = "step.";
const char *const kStepsName = "steps";

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

std::string shapeText(at::IntArrayRef shape)
{
    return c10::str(shape);
}

// A 1-element int64 tensor's value, or an error naming the tensor.
int64_t scalarInt64(const std::string &name, const at::Tensor &t)
{
    if (!t.defined() || t.numel() != 1 || t.scalar_type() != at::kLong)
        throw Error("optimizer state '" + name + "' must be a 1-element int64 tensor, got " +
                    (t.defined() ? std::string(c10::toString(t.scalar_type())) + " " + shapeText(t.sizes())
                                 : std::string("an undefined tensor")));
    return t.to(at::kCPU).item<int64_t>();
}

void checkMoment(const std::string &name, const at::Tensor &t, const at::Tensor &param, at::ScalarType dtype)
{
    if (!t.defined()) throw Error("optimizer state '" + name + "' is an undefined tensor");
    if (t.sizes() != param.sizes())
        throw Error("optimizer state '" + name + "' has shape " + shapeText(t.sizes()) +
                    " but the parameter has shape " + shapeText(param.sizes()));
    if (t.scalar_type() != dtype)
        throw Error("optimizer state '" + name + "' has dtype " + c10::toString(t.scalar_type()) +
                    ", expected " + c10::toString(dtype));
}

}  // namespace

bool decaysByName(const std::string &name, int64_t dim, bool decayNormsAndEmbeddings)
{
    if (decayNormsAndEmbeddings) return true;
    return dim >= 2 && name.find("embed_tokens") == std::string::npos;
}

at::ScalarType AdamW::momentDtype(at::ScalarType paramDtype)
{
    return paramDtype == at::kDouble ? at::kDouble : at::kFloat;
}

AdamW::AdamW(std::vector<std::pair<std::string, at::Tensor>> namedParams, const AdamWOptions &options)
    : m_options(options)
{
    const auto checkRange = [](const char *what, double value, bool ok) {
        if (!ok) throw Error(std::string("AdamW: ") + what + " " + c10::str(value));
    };
    checkRange("beta1 must be in [0, 1), got", options.beta1, options.beta1 >= 0 && options.beta1 < 1);
    checkRange("beta2 must be in [0, 1), got", options.beta2, options.beta2 >= 0 && options.beta2 < 1);
    checkRange("eps must be finite and >= 0, got", options.eps,
               std::isfinite(options.eps) && options.eps >= 0);
    checkRange("weightDecay must be finite and >= 0, got", options.weightDecay,
               std::isfinite(options.weightDecay) && options.weightDecay >= 0);

    // Tied weights registered under two names would be stepped twice per step(): refuse them.
    std::unordered_map<const void *, std::string> seen;
    m_params.reserve(namedParams.size());
    for (auto &[name, tensor] : namedParams) {
        if (name.empty()) throw Error("AdamW: a parameter has an empty name");
        if (!tensor.defined()) throw Error("AdamW: parameter '" + name + "' is an undefined tensor");
        if (!at::isFloatingType(tensor.scalar_type()))
            throw Error("AdamW: parameter '" + name + "' must be floating point, got " +
                        c10::toString(tensor.scalar_type()));
        if (tensor.is_sparse()) throw Error("AdamW: parameter '" + name + "' is sparse (not supported)");
        if (m_index.count(name)) throw Error("AdamW: parameter name '" + name + "' is given twice");
        const auto [it, fresh] = seen.emplace(tensor.unsafeGetTensorImpl(), name);
        if (!fresh)
            throw Error("AdamW: parameter '" + name + "' is the same tensor as '" + it->second +
                        "' (tied weights): pass it once");
        m_index.emplace(name, m_params.size());
        Param p;
        p.name = name;
        p.tensor = tensor;
        p.decay = decaysByName(name, tensor.dim(), options.decayNormsAndEmbeddings);
        if (options.offloadMoments) {
            // The host layout: this parameter's moments follow the previous ones' in its dtype's buffers.
            const at::ScalarType dtype = momentDtype(tensor.scalar_type());
            auto buffer = std::find_if(m_host.begin(), m_host.end(),
                                       [dtype](const HostBuffer &b) { return b.layout.dtype == dtype; });
            if (buffer == m_host.end()) buffer = m_host.insert(m_host.end(), HostBuffer{{dtype, 0}, {}, {}});
            p.hostBuffer = static_cast<int>(buffer - m_host.begin());
            p.hostOffset = buffer->layout.elements;
            buffer->layout.elements += tensor.numel();
        }
        m_params.push_back(std::move(p));
    }
}

std::vector<AdamW::OffloadBuffer> AdamW::offloadLayout() const
{
    std::vector<OffloadBuffer> out;
    for (const HostBuffer &b : m_host)
        out.push_back(b.layout);
    return out;
}

int64_t AdamW::offloadHostBytes() const
{
    int64_t bytes = 0;
    for (const HostBuffer &b : m_host)
        bytes += 2 * b.layout.elements * static_cast<int64_t>(c10::elementSize(b.layout.dtype));
    return bytes;
}

void AdamW::allocateHostBuffers()
{
    if (m_host.empty() || m_host.front().m.defined()) return;
    // Pinned memory is locked through the CUDA context of the current device: the parameters' own.
    const at::Device device = m_params.front().tensor.device();
    const c10::OptionalDeviceGuard guard(device.is_cuda() ? std::optional<at::Device>(device) : std::nullopt);
    for (HostBuffer &b : m_host) {
        // A few large blocks instead of two per parameter: LibTorch's pinned allocator rounded each of those
        // up to a power of two (gpt-1.3b-24gb locked ~13 GiB for 9.6 GiB of moments).
        b.m = kernels::pinnedHostEmpty({b.layout.elements}, b.layout.dtype).zero_();
        b.v = kernels::pinnedHostEmpty({b.layout.elements}, b.layout.dtype).zero_();
    }
}

at::Tensor AdamW::hostView(const Param &p, bool second) const
{
    const HostBuffer &b = m_host.at(static_cast<size_t>(p.hostBuffer));
    return (second ? b.v : b.m).narrow(0, p.hostOffset, p.tensor.numel()).view(p.tensor.sizes());
}

const AdamW::Param &AdamW::param(const std::string &name) const
{
    const auto it = m_index.find(name);
    if (it == m_index.end()) throw Error("AdamW: no parameter named '" + name + "'");
    return m_params[it->second];
}

bool AdamW::decays(const std::string &name) const
{
    return param(name).decay;
}

std::vector<std::string> AdamW::namesWhere(const std::function<bool(const Param &)> &keep) const
{
    std::vector<std::string> names;
    for (const Param &p : m_params)
        if (keep(p)) names.push_back(p.name);
    return names;
}

std::vector<std::string> AdamW::parameterNames() const
{
    return namesWhere([](const Param &) { return true; });
}
std::vector<std::string> AdamW::decayedNames() const
{
    return namesWhere([](const Param &p) { return p.decay; });
}
std::vector<std::string> AdamW::undecayedNames() const
{
    return namesWhere([](const Param &p) { return !p.decay; });
}

namespace {

// One AdamW update of p (in place) from its gradient g and moments m, v (in place); any matching views.
void adamUpdate(at::Tensor &p, const at::Tensor &g, at::Tensor &m, at::Tensor &v, bool decay, double lr,
                const AdamWOptions &o, double biasCorrection1, double biasCorrection2)
{
    // Decoupled decay (Loshchilov & Hutter, Alg. 2 line 12): shrinks the weights directly, independent of the
    // gradient's scale, instead of adding wd * p to the gradient as L2 regularisation would.
    if (decay && o.weightDecay != 0) p.mul_(1 - lr * o.weightDecay);
    m.mul_(o.beta1).add_(g, 1 - o.beta1);           // m = b1 m + (1 - b1) g
    v.mul_(o.beta2).addcmul_(g, g, 1 - o.beta2);    // v = b2 v + (1 - b2) g^2
    // sqrt(v_hat) + eps with v_hat = v / bc2, in the order torch uses (eps is added after the correction).
    const at::Tensor denom = (v.sqrt() / std::sqrt(biasCorrection2)).add_(o.eps);
    p.addcdiv_(m, denom, -lr / biasCorrection1);   // p -= lr / bc1 * m / denom
}

}  // namespace

at::TensorOptions AdamW::momentOptions(const Param &p) const
{
    return p.tensor.options().dtype(momentDtype(p.tensor.scalar_type()));
}

void AdamW::step(double lr)
{
    if (!std::isfinite(lr) || lr < 0)
        throw Error("AdamW: the learning rate must be finite and >= 0, got " + c10::str(lr));
    at::NoGradGuard noGrad;  // the parameters are autograd leaves: in-place updates must not be recorded
    std::vector<Param *> stepping;
    for (Param &p : m_params) {
        const at::Tensor &grad = p.tensor.grad();
        if (!grad.defined()) continue;
        TORCH_CHECK(!grad.is_sparse(), "AdamW: parameter '", p.name,
                    "' has a sparse gradient (not supported)");
        TORCH_CHECK(grad.sizes() == p.tensor.sizes(), "AdamW: the gradient of '", p.name, "' has shape ",
                    grad.sizes(), ", the parameter ", p.tensor.sizes());
        if (!p.expAvg.defined()) {
            if (m_options.offloadMoments) {
                // Its slots in the flat buffers (zeroed again: a parameter can start afresh after loadState).
                allocateHostBuffers();
                p.expAvg = hostView(p, false).zero_();
                p.expAvgSq = hostView(p, true).zero_();
            } else {
                p.expAvg = at::zeros(p.tensor.sizes(), momentOptions(p));
                p.expAvgSq = at::zeros(p.tensor.sizes(), momentOptions(p));
            }
        }
        ++p.step;
        stepping.push_back(&p);
    }
    if (m_options.offloadMoments) {
        offloadedStep(stepping, lr);
    } else {
        for (Param *p : stepping) {
            const double bc1 = 1 - std::pow(m_options.beta1, static_cast<double>(p->step));
            const double bc2 = 1 - std::pow(m_options.beta2, static_cast<double>(p->step));
            at::Tensor grad = p->tensor.grad();
            adamUpdate(p->tensor, grad, p->expAvg, p->expAvgSq, p->decay, lr, m_options, bc1, bc2);
        }
    }
    ++m_steps;
}

// The moments live on the host. Every parameter is cut into chunks; chunk k's moments are copied into
// staging buffer k % 2 on the device, updated there with the parameter's chunk, and copied back. On a GPU the
// copies run on a side stream: while chunk k is updated, chunk k + 1 is loading, and chunk k - 1 storing.
// Order on the copy stream: load 0, load 1, store 0, load 2, store 1, ... so load k + 2 (which reuses chunk
// k's buffer) always comes after store k, which itself waits for chunk k's update.
void AdamW::offloadedStep(std::vector<Param *> &params, double lr)
{
    if (params.empty()) return;
    struct Chunk {
        Param *p;
        int64_t offset, count;
    };
    const int64_t chunkSize = std::max<int64_t>(1, m_options.offloadChunkElements);
    std::vector<Chunk> chunks;
    int64_t largest = 0;
    for (Param *p : params) {
        // Checked before any chunk changes, so a refused step leaves every parameter as it was.
        if (!p->tensor.is_contiguous())
            throw Error("AdamW: parameter '" + p->name + "' is not contiguous (offloaded moments need flat views)");
        if (p->tensor.scalar_type() != params.front()->tensor.scalar_type())
            throw Error("AdamW: offloaded parameters must share one dtype ('" + p->name + "' differs from '" +
                        params.front()->name + "')");
        const int64_t n = p->tensor.numel();
        for (int64_t offset = 0; offset < n; offset += chunkSize)
            chunks.push_back({p, offset, std::min(chunkSize, n - offset)});
        largest = std::max(largest, std::min(chunkSize, n));
    }
    const at::Device device = params.front()->tensor.device();
    const auto stagingOptions = params.front()->tensor.options().dtype(momentDtype(params.front()->tensor.scalar_type()));
    if (m_staging.size() != 4 || m_staging[0].numel() < largest || m_staging[0].device() != device ||
        m_staging[0].scalar_type() != stagingOptions.dtype().toScalarType())
        m_staging = {at::empty({largest}, stagingOptions), at::empty({largest}, stagingOptions),
                     at::empty({largest}, stagingOptions), at::empty({largest}, stagingOptions)};
    kernels::CopyStream copies(device);
    // The staging buffers come from LibTorch's caching allocator on the compute stream, whose earlier work
    // may still use that memory (the allocator only orders reuse within a stream), and the copy stream writes
    // them first: it starts after the compute stream's work so far (this also covers the gradients), and the
    // allocator learns that the copy stream uses them, so it waits for it before handing them out again.
    copies.copiesWaitFor(copies.markCompute());
    for (const at::Tensor &buffer : m_staging)
        copies.recordUse(buffer);
    std::vector<int> loaded(chunks.size(), -1);
    auto staged = [&](size_t k, int which) { return m_staging[2 * (k % 2) + which].narrow(0, 0, chunks[k].count); };
    auto hostSlice = [&](size_t k, const at::Tensor &moment) {
        return moment.view({-1}).narrow(0, chunks[k].offset, chunks[k].count);
    };
    auto load = [&](size_t k) {
        at::Tensor m = staged(k, 0), v = staged(k, 1);
        copies.copy(m, hostSlice(k, chunks[k].p->expAvg));
        copies.copy(v, hostSlice(k, chunks[k].p->expAvgSq));
        loaded[k] = copies.markCopies();
    };
    load(0);
    for (size_t k = 0; k < chunks.size(); ++k) {
        if (k + 1 < chunks.size()) load(k + 1);
        copies.computeWaitsFor(loaded[k]);
        Param &p = *chunks[k].p;
        const double bc1 = 1 - std::pow(m_options.beta1, static_cast<double>(p.step));
        const double bc2 = 1 - std::pow(m_options.beta2, static_cast<double>(p.step));
        at::Tensor weights = p.tensor.view({-1}).narrow(0, chunks[k].offset, chunks[k].count);
        const at::Tensor grad = p.tensor.grad().reshape({-1}).narrow(0, chunks[k].offset, chunks[k].count);
        at::Tensor m = staged(k, 0), v = staged(k, 1);
        adamUpdate(weights, grad, m, v, p.decay, lr, m_options, bc1, bc2);
        copies.copiesWaitFor(copies.markCompute());
        at::Tensor hostM = hostSlice(k, p.expAvg), hostV = hostSlice(k, p.expAvgSq);
        copies.copy(hostM, m);
        copies.copy(hostV, v);
    }
    copies.synchronize();  // the host moments are current (checkpoints read them) and the buffers free
}

double AdamW::gradNorm() const
{
    std::vector<at::Tensor> norms;  // one float64 scalar per gradient, on the first gradient's device
    for (const Param &p : m_params) {
        const at::Tensor &grad = p.tensor.grad();
        if (!grad.defined()) continue;
        at::Tensor norm = at::linalg_vector_norm(grad, 2, std::nullopt, false, at::kDouble);
        if (!norms.empty()) norm = norm.to(norms.front().device());
        norms.push_back(std::move(norm));
    }
    if (norms.empty()) return 0.0;
    // Squares summed in float64: inf stays inf and NaN stays NaN, so a non-finite gradient shows here.
    return at::stack(norms).square().sum().sqrt().item<double>();
}

void AdamW::clipGradients(double maxNorm, double norm)
{
    if (!(maxNorm > 0) || !std::isfinite(maxNorm))
        throw Error("AdamW: the gradient clip norm must be finite and > 0, got " + c10::str(maxNorm));
    if (!std::isfinite(norm))
        throw Error("AdamW: cannot clip gradients with a non-finite norm (" + c10::str(norm) +
                    "); skip the step instead");
    if (norm <= maxNorm) return;
    // The 1e-6 keeps the factor finite for tiny norms and matches torch.nn.utils.clip_grad_norm_.
    scaleGradients(maxNorm / (norm + 1e-6));
}

void AdamW::scaleGradients(double factor)
{
    at::NoGradGuard noGrad;
    for (Param &p : m_params) {
        at::Tensor grad = p.tensor.grad();
        if (grad.defined()) grad.mul_(factor);
    }
}

void AdamW::zeroGrad()
{
    for (Param &p : m_params)
        p.tensor.mutable_grad() = at::Tensor();
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::stateTensors() const
{
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const Param &p : m_params) {
        if (!p.expAvg.defined()) continue;
        out.emplace_back(kExpAvgPrefix + p.name, p.expAvg);
        out.emplace_back(kExpAvgSqPrefix + p.name, p.expAvgSq);
        out.emplace_back(kStepPrefix + p.name, at::full({1}, p.step, at::kLong));
    }
    out.emplace_back(kStepsName, at::full({1}, m_steps, at::kLong));
    return out;
}

void AdamW::loadState(const std::map<std::string, at::Tensor> &tensors)
{
    // Pass 1: sort every tensor to its parameter and check it; nothing changes until all is known good.
    struct Loaded {
        at::Tensor expAvg, expAvgSq;
        int64_t step = -1;
    };
    std::vector<Loaded> loaded(m_params.size());
    std::vector<bool> named(m_params.size(), false);
    int64_t steps = -1;
    for (const auto &[key, tensor] : tensors) {
        if (key == kStepsName) {
            steps = scalarInt64(key, tensor);
            if (steps < 0) throw Error("optimizer state 'steps' must be >= 0, got " + c10::str(steps));
            continue;
        }
        std::string paramName;
        int kind = -1;  // 0 exp_avg, 1 exp_avg_sq, 2 step
        const std::string prefixes[] = {kExpAvgPrefix, kExpAvgSqPrefix, kStepPrefix};
        for (int k = 0; k < 3 && kind < 0; ++k) {
            if (!startsWith(key, prefixes[k])) continue;
            paramName = key.substr(prefixes[k].size());
            kind = k;
        }
        if (kind < 0)
            throw Error(
                "unknown optimizer state tensor '" + key +
                "' (expected exp_avg.<parameter>, exp_avg_sq.<parameter>, step.<parameter> or steps)");
        const auto it = m_index.find(paramName);
        if (it == m_index.end())
            throw Error("optimizer state '" + key + "' is for an unknown parameter '" + paramName + "'");
        const size_t i = it->second;
        const Param &p = m_params[i];
        named[i] = true;
        if (kind == 2) {
            loaded[i].step = scalarInt64(key, tensor);
            if (loaded[i].step < 1)
                throw Error("optimizer state '" + key + "' must be >= 1, got " + c10::str(loaded[i].step));
        } else {
            checkMoment(key, tensor, p.tensor, momentDtype(p.tensor.scalar_type()));
            (kind == 0 ? loaded[i].expAvg : loaded[i].expAvgSq) = tensor;
        }
    }
    int64_t largestStep = 0;
    for (const auto i : c10::irange(m_params.size())) {
        if (!named[i]) continue;
        const std::string &name = m_params[i].name;
        if (!loaded[i].expAvg.defined())
            throw Error("optimizer state for '" + name + "' lacks exp_avg." + name);
        if (!loaded[i].expAvgSq.defined())
            throw Error("optimizer state for '" + name + "' lacks exp_avg_sq." + name);
        if (loaded[i].step < 0) throw Error("optimizer state for '" + name + "' lacks step." + name);
        largestStep = std::max(largestStep, loaded[i].step);
    }

    // Pass 2: copy (bit-exact: same dtype, copy_ only moves bytes between devices).
    for (const auto i : c10::irange(m_params.size())) {
        Param &p = m_params[i];
        if (!named[i]) {
            p.expAvg = at::Tensor();
            p.expAvgSq = at::Tensor();
            p.step = 0;
            continue;
        }
        if (m_options.offloadMoments) {
            allocateHostBuffers();
            p.expAvg = hostView(p, false);
            p.expAvgSq = hostView(p, true);
        } else {
            p.expAvg = at::empty(p.tensor.sizes(), momentOptions(p));
            p.expAvgSq = at::empty(p.tensor.sizes(), momentOptions(p));
        }
        p.expAvg.copy_(loaded[i].expAvg);
        p.expAvgSq.copy_(loaded[i].expAvgSq);
        p.step = loaded[i].step;
    }
    m_steps = steps >= 0 ? steps : largestStep;
}

}  // namespace danka::core::train
