// Kernel checks (see kernel_checks.h): the kernel lab's table (lab/case_runner.h runs each case), then the
// engine checks, which need a whole model or the optimizer: every input is drawn on the CPU from the seed, the
// fused path runs on the device, the reference in float64 on the CPU on the same values.
#include "core/lab/kernel_checks.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>

#include "core/run/job.h"
#include "core/train/adamw.h"
#include "core/train/autocast_scope.h"
#include "kernels/copy_stream.h"
#include "kernels/runtime.h"
#include "lab/case_runner.h"
#include "lab/tolerances.h"
#include "model/kv_cache.h"
#include "model/transformer.h"

namespace danka::core {

const char *const kCpuFp16TrainingMessage =
    "fp16 training (float16 autocast with loss scaling) needs a CUDA device; the CPU trains in bf16";

namespace {

std::string sci(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

// The errors of one engine check: the worst (what the item is judged on) and each part for the detail.
struct Measurement {
    double worst = 0;
    std::string parts;    // "loss 1.2e-07, worst grad (lm_head.weight) 3.4e-07"
    std::string problem;  // a contract violation found on the way (a missing gradient, host memory)

    void add(const std::string &what, double error)
    {
        parts += (parts.empty() ? "" : ", ") + what + " " + sci(error);
        if (std::isnan(worst)) return;
        if (std::isnan(error) || error > worst) worst = error;
    }
};

// Segment ids (B, L) int32 of packed documents: row b is cut into documents of 3L/8, L/4 and the rest.
at::Tensor documentSegments(int64_t B, int64_t L)
{
    at::Tensor seg = at::zeros({B, L}, at::kInt);
    for (int64_t b = 0; b < B; ++b) {
        const int64_t first = (3 * L) / 8 + b, second = first + L / 4;
        seg[b].narrow(0, first, second - first).fill_(1);
        seg[b].narrow(0, second, L - second).fill_(2);
    }
    return seg;
}

// --- The model checks -------------------------------------------------------------------------------------

// A dense GQA model (8 query / 2 KV heads of 64 dims, per-head QK norm, tied embeddings) and an MLA model
// (192/128 head dims as gpt-1.3b-24gb, a small latent, query compression, untied head), two blocks each.
model::ModelConfig smallConfig(bool mla)
{
    model::ModelConfig c;
    c.vocabSize = 512;
    c.hiddenSize = 256;
    c.nLayers = 2;
    c.ffnHiddenSize = 512;
    c.maxSeqLen = 256;
    if (mla) {
        c.attention = model::AttentionKind::Mla;
        c.nHeads = 4;
        c.mla.qLoraRank = 128;
        c.mla.kvLoraRank = 128;
        c.mla.qkNopeHeadDim = 128;
        c.mla.qkRopeHeadDim = 64;
        c.mla.vHeadDim = 128;
        c.tieEmbeddings = false;
    } else {
        c.attention = model::AttentionKind::Gqa;
        c.nHeads = 8;
        c.nKvHeads = 2;
        c.headDim = 64;
        c.qkNorm = true;
        c.tieEmbeddings = true;
    }
    return c;
}

// Loss and every parameter gradient of one training step (B = 2 sequences of T tokens; packed documents for
// the dense model, no loss across a document boundary) in KernelMode::Fused on the device (float32, or
// bfloat16 / float16 autocast) vs the same weights in KernelMode::Reference in float64 on the CPU. With a
// loss scale, the backward runs on loss x scale and the gradients are divided by it afterwards, as the
// trainer's fp16 step does.
Measurement modelGradientCheck(bool mla, int64_t T, bool autocast, const at::Device &device, double p,
                               at::ScalarType autocastType = at::kBFloat16, double lossScale = 1.0)
{
    const model::ModelConfig c = smallConfig(mla);
    const int64_t B = 2;
    model::Transformer fused(c, model::KernelMode::Fused);
    model::Transformer reference(c, model::KernelMode::Reference);
    {
        torch::NoGradGuard noGrad;
        auto target = reference->named_parameters();
        for (const auto &item : fused->named_parameters())
            target[item.key()].copy_(item.value());
    }
    reference->to(at::kDouble);
    fused->to(device);

    const at::Tensor ids = at::randint(c.vocabSize, {B, T + 1}, at::kLong);
    const at::Tensor inputs = ids.narrow(1, 0, T), targets = ids.narrow(1, 1, T).clone();
    at::Tensor segments;
    if (!mla) {
        segments = documentSegments(B, T).to(at::kLong);
        targets.masked_fill_(segments.ne(segments.roll(-1, 1)), -100);  // no loss across a document boundary
    }
    targets[1][0] = -100;

    auto step = [&](model::TransformerImpl &m, const at::Device &dev, bool amp) {
        model::ForwardOptions o;
        if (segments.defined()) o.segments = segments.to(dev);
        at::Tensor loss;
        {
            train::AutocastScope scope(dev.type(), amp, autocastType);  // as the trainer runs it
            loss = m.loss(m.hidden(inputs.to(dev), o), targets.to(dev));
        }
        return loss;
    };
    at::Tensor lossFused = step(*fused, device, autocast);
    if (p != 0) lossFused = lossFused * (1 + p);
    (lossFused * lossScale).backward();
    if (lossScale != 1.0) {
        torch::NoGradGuard noGrad;
        for (auto &param : fused->parameters())
            if (param.grad().defined()) param.mutable_grad().div_(lossScale);
    }
    const at::Tensor lossReference = step(*reference, at::Device(at::kCPU), false);
    lossReference.backward();

    Measurement m;
    m.add("loss", lab::relativeError(lossFused, lossReference));
    double worst = 0;
    std::string worstName;
    const auto referenceParams = reference->named_parameters();
    for (const auto &item : fused->named_parameters()) {
        const at::Tensor &g = item.value().grad();
        const at::Tensor &r = referenceParams[item.key()].grad();
        double e;
        if (!g.defined() || !r.defined()) {
            e = std::numeric_limits<double>::infinity();
            m.problem = "no gradient for " + item.key();
        } else {
            e = lab::relativeError(g, r);
        }
        if (worstName.empty() || std::isnan(e) || e > worst) {
            worst = e;
            worstName = item.key();
        }
        if (std::isnan(e)) break;
    }
    m.add("worst grad (" + worstName + ")", worst);
    return m;
}

// Prefill of 24 tokens, then 16 tokens one at a time through the KV cache (MLA: the absorbed form over the
// latent cache), vs the full forward's logits of the same 40 tokens; float32, fused kernels, on the device.
Measurement modelDecodeCheck(bool mla, const at::Device &device, double p)
{
    const model::ModelConfig c = smallConfig(mla);
    const int64_t B = 2, prompt = 24, total = 40;
    model::Transformer m(c, model::KernelMode::Fused);
    m->to(device);
    m->eval();
    torch::NoGradGuard noGrad;
    const at::Tensor ids = at::randint(c.vocabSize, {B, total}, at::kLong).to(device);
    const at::Tensor full = m->forward(ids);  // (B, total, V)
    model::KvCache cache(c, B, 64, at::TensorOptions().dtype(at::kFloat).device(device));
    model::ForwardOptions o;
    o.cache = &cache;
    std::vector<at::Tensor> parts = {m->forward(ids.narrow(1, 0, prompt), o)};
    for (int64_t t = prompt; t < total; ++t)
        parts.push_back(m->forward(ids.narrow(1, t, 1), o));
    at::Tensor cached = at::cat(parts, 1);
    if (p != 0) cached = cached * (1 + p);
    Measurement result;
    result.add("logits", lab::relativeError(cached, full));
    return result;
}

// Offloaded AdamW (moments in pinned host memory, streamed through the device in chunks on a copy stream,
// ordered by events) against AdamW with its moments on the device: three steps of the dense model's
// parameters with random gradients; both do the same elementwise arithmetic, so every parameter and moment
// must be bit-identical (tolerance 0; the value is the largest relative difference). Small chunks, so
// parameters span several chunks and the two staging buffers alternate. On a GPU the locked host memory must
// be the flat buffers' bytes in whole pages (no power-of-two rounding).
Measurement offloadedAdamWCheck(const at::Device &device, double p)
{
    const model::ModelConfig c = smallConfig(false);
    model::Transformer net(c, model::KernelMode::Fused);
    std::vector<std::pair<std::string, at::Tensor>> onDevice, offloaded;
    for (const auto &item : net->named_parameters()) {
        onDevice.emplace_back(item.key(), item.value().detach().to(device).requires_grad_(true));
        offloaded.emplace_back(item.key(), item.value().detach().to(device).requires_grad_(true));
    }
    train::AdamWOptions o;
    train::AdamW reference(onDevice, o);
    o.offloadMoments = true;
    o.offloadChunkElements = 100000;  // the 131072-element embedding and MLP weights span two chunks
    const int64_t pinnedBefore = kernels::pinnedHostBytes();
    train::AdamW streamed(offloaded, o);
    for (int step = 0; step < 3; ++step) {
        for (size_t i = 0; i < onDevice.size(); ++i) {
            const at::Tensor g = at::randn(onDevice[i].second.sizes(), at::kFloat).mul(0.01 * (step + 1)).to(device);
            onDevice[i].second.mutable_grad() = g;
            offloaded[i].second.mutable_grad() = g.clone();
        }
        reference.step(1e-3 * (step + 1));
        streamed.step(1e-3 * (step + 1));
    }
    Measurement m;
    double params = 0, moments = 0;
    for (size_t i = 0; i < onDevice.size(); ++i) {
        at::Tensor got = offloaded[i].second;
        if (p != 0) got = got * (1 + p);
        params = std::max(params, lab::relativeError(got, onDevice[i].second));
    }
    const auto want = reference.stateTensors(), got = streamed.stateTensors();
    if (want.size() != got.size()) m.problem = "the offloaded optimizer's state has other tensors";
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
        if (want[i].first.rfind("exp_avg", 0) != 0) continue;
        if (!got[i].second.device().is_cpu()) m.problem = got[i].first + " is not in host memory";
        moments = std::max(moments, lab::relativeError(got[i].second, want[i].second));
    }
    m.add("params", params);
    m.add("moments", moments);
    if (device.is_cuda()) {
        int64_t expected = 0;
        for (const train::AdamW::OffloadBuffer &b : streamed.offloadLayout())
            expected += 2 * kernels::pinnedBlockBytes(b.elements * static_cast<int64_t>(c10::elementSize(b.dtype)));
        const int64_t locked = kernels::pinnedHostBytes() - pinnedBefore;
        if (locked != expected)
            m.problem = "locked host memory " + std::to_string(locked) + " bytes, expected " + std::to_string(expected);
    }
    return m;
}

// --- The plan ---------------------------------------------------------------------------------------------

constexpr int64_t kModelTokens = 64;        // tokens per sequence of the model checks
constexpr double kFp16LossScale = 65536.0;  // the trainer's initial loss scale

const std::vector<std::string> kGroups = {"op", "decode", "model-grad", "model-decode"};

bool selected(const std::vector<std::string> &list, const std::string &value)
{
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

void validate(const KernelCheckOptions &o)
{
    for (const std::string &d : o.dtypes)
        if (!lab::dtypeFromName(d))
            throw std::runtime_error("kernel checks: unknown dtype \"" + d + "\" (fp64, fp32, bf16 or fp16)");
    for (const std::string &g : o.groups)
        if (!selected(kGroups, g) || g.empty())
            throw std::runtime_error("kernel checks: unknown group \"" + g +
                                     "\" (op, decode, model-grad, model-decode)");
    const std::vector<std::string> ops = lab::kernelCaseOps();
    for (const std::string &op : o.ops)
        if (std::find(ops.begin(), ops.end(), op) == ops.end()) {
            std::string known;
            for (const std::string &k : ops) known += (known.empty() ? "" : ", ") + k;
            throw std::runtime_error("kernel checks: unknown op \"" + op + "\" (" + known + ")");
        }
}

// An engine check: its description and how it runs on a device.
struct EngineCheck {
    EngineCheckInfo info;
    std::function<Measurement(const at::Device &, double)> run;  // (device, perturbation)
    bool cudaOnly = false;                                       // float16 training
};

std::vector<EngineCheck> engine(const KernelCheckOptions &o)
{
    std::vector<EngineCheck> checks;
    auto add = [&](const std::string &name, const std::string &dtype, const std::string &group, double tolerance,
                   std::function<Measurement(const at::Device &, double)> run, bool cudaOnly = false) {
        if (!selected(o.groups, group) || !o.ops.empty()) return;
        checks.push_back({{name, dtype, group, tolerance}, std::move(run), cudaOnly});
    };
    const auto has = [&](const char *d) { return std::find(o.dtypes.begin(), o.dtypes.end(), d) != o.dtypes.end(); };
    const std::string T = std::to_string(kModelTokens);
    for (const bool mla : {false, true}) {
        const std::string kind = mla ? "mla" : "dense gqa";
        if (has("fp32"))
            add("model grad fp32 " + kind + " T=" + T, "fp32", "model-grad", lab::tolerance::kModelGradFp32,
                [mla](const at::Device &d, double p) { return modelGradientCheck(mla, kModelTokens, false, d, p); });
        if (has("bf16"))
            add("model grad bf16-autocast " + kind + " T=" + T, "bf16-autocast", "model-grad",
                lab::tolerance::kModelGradBf16,
                [mla](const at::Device &d, double p) { return modelGradientCheck(mla, kModelTokens, true, d, p); });
        // The fp16 training step: float16 autocast with the trainer's loss scaling (fp16 training needs CUDA).
        if (has("fp16"))
            add(
                "model grad fp16-autocast loss-scaled " + kind + " T=" + T, "fp16-autocast", "model-grad",
                lab::tolerance::kModelGradFp16,
                [mla](const at::Device &d, double p) {
                return modelGradientCheck(mla, kModelTokens, true, d, p, at::kHalf, kFp16LossScale);
                },
                true);
    }
    // The optimizer step with offloaded moments (runtime.offload_optimizer), bit for bit.
    if (has("fp32"))
        add("adamw offloaded moments fp32 (bit-identical to on-device)", "fp32", "model-grad",
            lab::tolerance::kOptimizerOffload, [](const at::Device &d, double p) { return offloadedAdamWCheck(d, p); });
    if (has("fp32"))
        for (const bool mla : {false, true})
            add(std::string("model cached decoding fp32 ") + (mla ? "mla" : "dense gqa"), "fp32", "model-decode",
                lab::tolerance::kModelDecode,
                [mla](const at::Device &d, double p) { return modelDecodeCheck(mla, d, p); });
    return checks;
}

std::string firstLine(std::string text)
{
    const auto newline = text.find('\n');  // c10 errors append a backtrace
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

uint64_t nameHash(const std::string &s)  // FNV-1a: a stable per-check seed offset
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
    return h;
}

bool cudaUsable(int index)
{
    return torch::cuda::is_available() && index < static_cast<int>(torch::cuda::device_count());
}

// Runs `measure` into `item`: the status from the error against the item's tolerance, failures from exceptions.
void measureInto(KernelCheckItem &item, const std::function<Measurement()> &measure)
{
    const auto start = std::chrono::steady_clock::now();
    try {
        const Measurement m = measure();
        item.value = m.worst;
        const bool ok = m.problem.empty() && std::isfinite(m.worst) && m.worst <= item.tolerance;
        item.status = ok ? CheckStatus::Pass : CheckStatus::Fail;
        item.detail = "error " + sci(m.worst) + " (" + m.parts + "), tolerance " + sci(item.tolerance) +
                      (m.problem.empty() ? "" : "; " + m.problem);
    } catch (const c10::Error &e) {
        item.status = CheckStatus::Fail;
        item.value = std::numeric_limits<double>::quiet_NaN();
        item.detail = firstLine(e.what_without_backtrace());
    } catch (const std::exception &e) {
        item.status = CheckStatus::Fail;
        item.value = std::numeric_limits<double>::quiet_NaN();
        item.detail = firstLine(e.what());
    }
    item.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::vector<std::string> kernelCheckDevices(const std::string &device)
{
    if (device == "all") {
        std::vector<std::string> devices = {"cpu"};
        if (cudaUsable(0)) devices.push_back("cuda:0");
        return devices;
    }
    if (device == "cpu") return {"cpu"};
    if (device == "cuda") return {"cuda:0"};
    if (device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
        device.find_first_not_of("0123456789", 5) == std::string::npos)
        return {device};
    throw std::runtime_error("kernel checks: unknown device \"" + device + "\" (all, cpu, cuda or cuda:N)");
}

std::vector<lab::KernelCase> kernelCheckCases(const KernelCheckOptions &o)
{
    validate(o);
    std::vector<lab::KernelCase> cases;
    for (const lab::KernelCase &c : lab::kernelCases())
        if (selected(o.dtypes, lab::dtypeName(c.dtype)) && selected(o.groups, c.group) && selected(o.ops, c.op))
            cases.push_back(c);
    return cases;
}

std::vector<EngineCheckInfo> engineChecks(const KernelCheckOptions &o)
{
    validate(o);
    std::vector<EngineCheckInfo> out;
    for (const EngineCheck &c : engine(o)) out.push_back(c.info);
    return out;
}

std::vector<KernelCheckItem> runKernelChecks(JobContext &job, const KernelCheckOptions &options)
{
    const std::vector<std::string> devices = kernelCheckDevices(options.device);
    const std::vector<lab::KernelCase> cases = kernelCheckCases(options);
    const std::vector<EngineCheck> checks = engine(options);
    const double total = static_cast<double>(devices.size() * (cases.size() + checks.size()));
    std::vector<KernelCheckItem> items;
    for (const std::string &deviceName : devices) {
        const at::Device device(deviceName);
        for (const lab::KernelCase &c : cases) {
            job.checkpoint();
            job.setProgress(static_cast<double>(items.size()) / total, deviceName + ": " + c.name);
            KernelCheckItem item;
            item.name = c.name;
            item.device = deviceName;
            item.op = c.op;
            item.dtype = lab::dtypeName(c.dtype);
            item.group = c.group;
            item.tolerance = c.tolerance;
            item.unit = "relative error";
            const lab::Availability a = lab::availability(c, device);
            if (!a.runs()) {
                item.status = CheckStatus::Skip;
                item.skip = a.reason == lab::SkipReason::NoDevice ? KernelSkip::NoDevice : KernelSkip::NotForDevice;
                item.detail = a.message;
                items.push_back(item);
                continue;
            }
            measureInto(item, [&] {
                const lab::CaseMeasurement cm = lab::checkCase(c, device, options.seed, options.perturbation);
                Measurement m;
                m.worst = cm.error;
                m.parts = cm.parts;
                m.problem = cm.problem;
                return m;
            });
            items.push_back(item);
        }
        // The engine checks, where the device can run Danka's kernels at all.
        std::string noDevice;
        if (device.is_cuda()) {
            std::string why;
            if (!cudaUsable(device.index()))
                noDevice = lab::kNoCudaDeviceMessage;
            else if (!kernels::dankaCudaKernelsRunOn(device.index(), &why))
                noDevice = "nothing of Danka's to check: " + why;
        }
        for (const EngineCheck &c : checks) {
            job.checkpoint();
            job.setProgress(static_cast<double>(items.size()) / total, deviceName + ": " + c.info.name);
            KernelCheckItem item;
            item.name = c.info.name;
            item.device = deviceName;
            item.op = c.info.name.rfind("adamw", 0) == 0 ? "optimizer" : "model";
            item.dtype = c.info.dtype;
            item.group = c.info.group;
            item.tolerance = c.info.tolerance;
            item.unit = "relative error";
            if (!noDevice.empty() || (c.cudaOnly && device.is_cpu())) {
                item.status = CheckStatus::Skip;
                item.skip = noDevice.empty() ? KernelSkip::NotForDevice : KernelSkip::NoDevice;
                item.detail = noDevice.empty() ? kCpuFp16TrainingMessage : noDevice;
                items.push_back(item);
                continue;
            }
            measureInto(item, [&] {
                torch::manual_seed(options.seed + nameHash(c.info.name));
                return c.run(device, options.perturbation);
            });
            items.push_back(item);
        }
    }
    job.setProgress(1.0, "done");
    return items;
}

}  // namespace danka::core
