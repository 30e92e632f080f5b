// Tests of core/train/adamw: Danka's AdamW against LibTorch's torch::optim::AdamW (20 steps, float64, two
// groups, per-step learning rates, parameters that skip steps), the first step worked out by hand, the
// decay groups by Hugging Face name, an exact resume from stateTensors(), loadState's errors, the gradient
// norm against a hand computation, clipping, scaling, zeroGrad and moment dtypes.
#include <torch/torch.h>

#include <QtTest>
#include <map>
#include <set>

#include "core/config/presets.h"
#include "core/train/adamw.h"
#include "kernels/copy_stream.h"
#include "kernels/memory_stats.h"
#include "model/estimate.h"
#include "model/transformer.h"
#include "train_test_util.h"

using danka::core::train::AdamW;
using danka::core::train::AdamWOptions;
using danka::core::train::decaysByName;
using danka::test::expectThrowsWithMessage;

namespace {

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

struct ParamSpec {
    const char *name;
    std::vector<int64_t> shape;
};

// A small model with the names and kinds of tensors of Danka's (Hugging Face named) transformers.
const std::vector<ParamSpec> kModel = {
    {"model.embed_tokens.weight", {11, 6}},
    {"model.layers.0.input_layernorm.weight", {6}},
    {"model.layers.0.self_attn.q_proj.weight", {6, 6}},
    {"model.layers.0.self_attn.q_proj.bias", {6}},
    {"model.layers.0.self_attn.q_a_layernorm.weight", {4}},
    {"model.layers.0.self_attn.kv_a_layernorm.weight", {4}},
    {"model.layers.0.self_attn.q_norm.weight", {3}},
    {"model.layers.0.mlp.gate_proj.weight", {8, 6}},
    {"model.norm.weight", {6}},
    {"lm_head.weight", {11, 6}},
};
// The oracle for the grouping: written out, not derived from the rule under test.
const std::set<std::string> kDecayed = {"model.layers.0.self_attn.q_proj.weight",
                                        "model.layers.0.mlp.gate_proj.weight", "lm_head.weight"};
const std::string kNeverGrad = "model.layers.0.self_attn.kv_a_layernorm.weight";  // never has a gradient
const std::string kOddGrad = "model.layers.0.self_attn.q_norm.weight";  // gradient on odd steps only

NamedParams makeParams(torch::ScalarType dtype, uint64_t seed = 1)
{
    torch::manual_seed(seed);
    NamedParams params;
    for (const ParamSpec &s : kModel)
        params.emplace_back(s.name, torch::randn(s.shape, torch::kFloat64).to(dtype).requires_grad_(true));
    return params;
}

// Independent copies (same values, fresh leaves).
NamedParams copyParams(const NamedParams &params)
{
    NamedParams out;
    for (const auto &[name, t] : params)
        out.emplace_back(name, t.detach().clone().requires_grad_(true));
    return out;
}

// The gradient of step `step` for parameter `index` (deterministic), or undefined when it has none.
torch::Tensor gradFor(size_t index, int step, const torch::Tensor &param)
{
    const std::string name = kModel[index].name;
    if (name == kNeverGrad || (name == kOddGrad && step % 2 == 0)) return {};
    torch::manual_seed(1000 * static_cast<uint64_t>(step) + index);
    // Varying magnitudes across steps, so v (and with it the bias correction) matters.
    return torch::randn(param.sizes(), torch::kFloat64).mul(0.1 + 0.05 * step).to(param.scalar_type());
}

void setGrads(const NamedParams &params, int step)
{
    for (size_t i = 0; i < params.size(); ++i) {
        torch::Tensor p = params[i].second;
        p.mutable_grad() = gradFor(i, step, p);
    }
}

double lrFor(int step)
{
    return 1e-2 * (1.0 + 0.1 * step);  // a different learning rate each step, as a schedule gives
}

AdamWOptions options()
{
    AdamWOptions o;
    o.beta1 = 0.9;
    o.beta2 = 0.95;
    o.eps = 1e-8;
    o.weightDecay = 0.1;
    return o;
}

std::map<std::string, torch::Tensor> stateMap(const AdamW &opt)
{
    std::map<std::string, torch::Tensor> m;
    for (const auto &[name, t] : opt.stateTensors())
        m.emplace(name, t);
    return m;
}

}  // namespace

class TestAdamW : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesLibTorchAdamW()
    {
        const NamedParams ours = makeParams(torch::kFloat64);
        const NamedParams theirs = copyParams(ours);
        const NamedParams initial = copyParams(ours);

        AdamW danka(ours, options());
        // LibTorch's AdamW with two groups built from the written-out decay list: weight decay 0.1 and 0.
        std::vector<torch::Tensor> decayed, undecayed;
        for (const auto &[name, t] : theirs)
            (kDecayed.count(name) ? decayed : undecayed).push_back(t);
        const auto torchOptions = [](double wd) {
            return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-2)
                                                                    .betas({0.9, 0.95})
                                                                    .eps(1e-8)
                                                                    .weight_decay(wd)
                                                                    .amsgrad(false));
        };
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(decayed, torchOptions(0.1));
        groups.emplace_back(undecayed, torchOptions(0.0));
        torch::optim::AdamW reference(groups, torch::optim::AdamWOptions(1e-2));

        for (int step = 0; step < 20; ++step) {
            setGrads(ours, step);
            setGrads(theirs, step);
            for (auto &group : reference.param_groups())
                group.options().set_lr(lrFor(step));
            danka.step(lrFor(step));
            reference.step();
        }
        QCOMPARE(danka.steps(), int64_t(20));

        const auto state = stateMap(danka);
        for (size_t i = 0; i < ours.size(); ++i) {
            const std::string &name = ours[i].first;
            const torch::Tensor &p = ours[i].second;
            const double diff = (p - theirs[i].second).abs().max().item<double>();
            QVERIFY2(diff <= 1e-12, (name + ": max |danka - torch| = " + std::to_string(diff)).c_str());
            if (name == kNeverGrad) {
                QVERIFY2(torch::equal(p, initial[i].second), "a parameter without gradients moved");
                QVERIFY(!state.count("exp_avg." + name) && !state.count("step." + name));
                QVERIFY(!reference.state().count(theirs[i].second.unsafeGetTensorImpl()));
                continue;
            }
            QVERIFY2(!torch::equal(p, initial[i].second), name.c_str());  // the comparison is not vacuous
            const auto &ts = static_cast<const torch::optim::AdamWParamState &>(
                *reference.state().at(theirs[i].second.unsafeGetTensorImpl()));
            QVERIFY2((state.at("exp_avg." + name) - ts.exp_avg()).abs().max().item<double>() <= 1e-12,
                     name.c_str());
            QVERIFY2((state.at("exp_avg_sq." + name) - ts.exp_avg_sq()).abs().max().item<double>() <= 1e-12,
                     name.c_str());
            const int64_t step = state.at("step." + name).item<int64_t>();
            QCOMPARE(step, ts.step());
            QCOMPARE(step, int64_t(name == kOddGrad ? 10 : 20));
        }
    }

    void offloadedMomentsGiveTheSameSteps()
    {
        // The offloaded optimizer streams the moments through staging buffers in chunks (7 elements here, so
        // parameters span several chunks and end in partial ones, and the two buffers alternate); the oracle
        // is the on-device optimizer, which must agree bit for bit: the same elementwise arithmetic.
        for (const torch::ScalarType dtype : {torch::kFloat32, torch::kFloat64}) {
            const NamedParams onDevice = makeParams(dtype);
            const NamedParams offloaded = copyParams(onDevice);
            AdamW reference(onDevice, options());
            AdamWOptions o = options();
            o.offloadMoments = true;
            o.offloadChunkElements = 7;
            AdamW streamed(offloaded, o);
            for (int step = 0; step < 6; ++step) {
                setGrads(onDevice, step);
                setGrads(offloaded, step);
                reference.step(lrFor(step));
                streamed.step(lrFor(step));
            }
            for (size_t i = 0; i < onDevice.size(); ++i)
                QVERIFY2(torch::equal(onDevice[i].second, offloaded[i].second), onDevice[i].first.c_str());
            const auto want = stateMap(reference), got = stateMap(streamed);
            QCOMPARE(got.size(), want.size());
            for (const auto &[name, t] : want) {
                QVERIFY2(torch::equal(got.at(name), t), name.c_str());
                QVERIFY2(got.at(name).device().is_cpu(), name.c_str());
            }

            // Its state resumes the on-device optimizer and the other way round.
            const NamedParams resumed = copyParams(offloaded);
            AdamW back(resumed, options());
            back.loadState(got);
            o.offloadChunkElements = 5;
            const NamedParams resumedOffloaded = copyParams(offloaded);
            AdamW again(resumedOffloaded, o);
            again.loadState(want);
            setGrads(onDevice, 6);
            setGrads(resumed, 6);
            setGrads(resumedOffloaded, 6);
            reference.step(lrFor(6));
            back.step(lrFor(6));
            again.step(lrFor(6));
            for (size_t i = 0; i < onDevice.size(); ++i) {
                QVERIFY2(torch::equal(onDevice[i].second, resumed[i].second), onDevice[i].first.c_str());
                QVERIFY2(torch::equal(onDevice[i].second, resumedOffloaded[i].second), onDevice[i].first.c_str());
            }
        }
    }

    void offloadedMomentsLiveInTwoFlatBuffers()
    {
        // One block per parameter made LibTorch's pinned allocator round each up to a power of two (~13 GiB
        // locked for gpt-1.3b-24gb's 9.6 GiB of moments). The moments are now views into one flat m and one
        // flat v buffer, parameters in construction order, no padding: written out by hand from kModel.
        const std::vector<int64_t> numel = {66, 6, 36, 6, 4, 4, 3, 48, 6, 66};  // kModel's shapes
        const int64_t total = 245;
        const NamedParams params = makeParams(torch::kFloat32);
        AdamWOptions o = options();
        o.offloadMoments = true;
        o.offloadChunkElements = 7;
        AdamW opt(params, o);
        const auto layout = opt.offloadLayout();
        QCOMPARE(layout.size(), size_t(1));
        QCOMPARE(layout[0].dtype, torch::kFloat32);
        QCOMPARE(layout[0].elements, total);
        QCOMPARE(opt.offloadHostBytes(), int64_t(2 * total * 4));
        for (int step = 0; step < 3; ++step) {
            setGrads(params, step);
            opt.step(lrFor(step));
        }
        const auto state = stateMap(opt);
        const void *m0 = state.at("exp_avg." + std::string(kModel[0].name)).data_ptr();
        const void *v0 = state.at("exp_avg_sq." + std::string(kModel[0].name)).data_ptr();
        int64_t offset = 0;
        for (size_t i = 0; i < kModel.size(); ++i) {
            const std::string name = kModel[i].name;
            if (name != kNeverGrad) {  // a parameter without a step has no state, only its slot
                const torch::Tensor m = state.at("exp_avg." + name), v = state.at("exp_avg_sq." + name);
                QCOMPARE(m.numel(), numel[i]);
                QVERIFY2(m.storage().is_alias_of(state.at("exp_avg." + std::string(kModel[0].name)).storage()),
                         name.c_str());
                QCOMPARE(static_cast<const char *>(m.data_ptr()) - static_cast<const char *>(m0), 4 * offset);
                QCOMPARE(static_cast<const char *>(v.data_ptr()) - static_cast<const char *>(v0), 4 * offset);
                QVERIFY2(m.sizes() == params[i].second.sizes(), name.c_str());
            }
            offset += numel[i];
        }
        QCOMPARE(offset, total);
        // Without offloading there is no host layout.
        QVERIFY(AdamW(copyParams(params), options()).offloadLayout().empty());
        QCOMPARE(AdamW(copyParams(params), options()).offloadHostBytes(), int64_t(0));
        // What is locked per buffer: whole 4 KiB pages (980 bytes -> one page), never a power of two.
        QCOMPARE(danka::kernels::pinnedBlockBytes(980), int64_t(4096));
        QCOMPARE(danka::kernels::pinnedBlockBytes(4096), int64_t(4096));
        QCOMPARE(danka::kernels::pinnedBlockBytes((int64_t(4800) << 20) + 1), (int64_t(4800) << 20) + 4096);
    }

    void offloadedHostBytesAreTheEstimatorsOffloadTerm()
    {
        // The estimator counts 8 bytes per trained parameter in host memory for offloaded AdamW
        // (model/estimate.cpp). Measured here with the counting CPU allocator (on the CPU pinnedHostEmpty is an
        // ordinary allocation of the same bytes): the first offloaded step allocates exactly the flat buffers,
        // plus the four device staging chunks (here on the CPU device too), for the demo preset (tied
        // embeddings, GQA) and an untied MLA model.
        danka::kernels::enableHostMemoryTracking();
        danka::model::ModelConfig mla = danka::core::findPreset("demo")->config.model;
        mla.attention = danka::model::AttentionKind::Mla;
        mla.tieEmbeddings = false;
        mla.mla.qLoraRank = 32;
        mla.mla.kvLoraRank = 32;
        mla.mla.qkNopeHeadDim = 16;
        mla.mla.qkRopeHeadDim = 8;
        mla.mla.vHeadDim = 16;
        for (const danka::model::ModelConfig &c : {danka::core::findPreset("demo")->config.model, mla}) {
            torch::manual_seed(3);
            danka::model::Transformer model(c);
            NamedParams params;
            int64_t largest = 0;
            for (const auto &item : model->named_parameters()) {
                params.emplace_back(item.key(), item.value());
                largest = std::max(largest, item.value().numel());
            }
            danka::model::MemoryPlan plan;
            plan.optimizerOnCpu = true;
            const double estimated = danka::model::estimateTraining(c, plan).hostBytes;
            AdamWOptions o = options();
            o.offloadMoments = true;
            AdamW opt(params, o);
            QCOMPARE(static_cast<double>(opt.offloadHostBytes()), estimated);
            QCOMPARE(estimated, 8.0 * c.parameterCount());
            for (auto &[name, t] : params)
                t.mutable_grad() = torch::full_like(t, 1e-3);
            const int64_t before = danka::kernels::hostMemoryStats().currentBytes;
            const int64_t pinnedBefore = danka::kernels::pinnedHostBytes();
            opt.step(1e-3);
            const int64_t staging = 4 * 4 * std::min(o.offloadChunkElements, largest);
            const int64_t allocated = danka::kernels::hostMemoryStats().currentBytes - before;
            const int64_t pinned = danka::kernels::pinnedHostBytes() - pinnedBefore;
            if (torch::cuda::is_available()) {
                // Locked by cudaHostAlloc (not LibTorch's CPU allocator): each flat buffer in whole pages.
                int64_t pages = 0;
                for (const AdamW::OffloadBuffer &b : opt.offloadLayout())
                    pages += 2 * danka::kernels::pinnedBlockBytes(4 * b.elements);
                QCOMPARE(pinned, pages);
                QVERIFY(pinned - opt.offloadHostBytes() < 2 * 4096);
                QCOMPARE(allocated, staging);
            } else {
                QCOMPARE(pinned, int64_t(0));  // nothing is locked without CUDA
                QCOMPARE(allocated, opt.offloadHostBytes() + staging);
            }
        }
    }

    void firstStepByHand()
    {
        // At t = 1: m = (1 - b1) g, v = (1 - b2) g^2, so m / bc1 = g and sqrt(v / bc2) = |g|; the update is
        // p = p (1 - lr wd) - lr g / (|g| + eps) for decayed tensors and without the factor for the others.
        const NamedParams params = makeParams(torch::kFloat64);
        const NamedParams before = copyParams(params);
        AdamW opt(params, options());
        setGrads(params, 1);
        const double lr = 0.05;
        opt.step(lr);
        for (size_t i = 0; i < params.size(); ++i) {
            const auto &[name, p] = params[i];
            const torch::Tensor g = p.grad();
            if (!g.defined()) continue;
            const double decayFactor = kDecayed.count(name) ? 1 - lr * 0.1 : 1.0;
            const torch::Tensor expected = before[i].second * decayFactor - lr * g / (g.abs() + 1e-8);
            QVERIFY2(torch::allclose(p, expected, 1e-14, 1e-15), name.c_str());
        }
    }

    void decayGroupsByName()
    {
        const NamedParams params = makeParams(torch::kFloat32);
        const AdamW opt(params, options());
        for (const ParamSpec &s : kModel)
            QVERIFY2(opt.decays(s.name) == (kDecayed.count(s.name) == 1), s.name);
        QCOMPARE(opt.decayedNames(),
                 std::vector<std::string>({"model.layers.0.self_attn.q_proj.weight",
                                           "model.layers.0.mlp.gate_proj.weight", "lm_head.weight"}));
        QCOMPARE(opt.undecayedNames().size(), kModel.size() - 3);
        QCOMPARE(opt.parameterNames().size(), kModel.size());
        QCOMPARE(opt.parameterNames().front(), std::string("model.embed_tokens.weight"));

        AdamWOptions all = options();
        all.decayNormsAndEmbeddings = true;
        const AdamW everything(params, all);
        QCOMPARE(everything.decayedNames().size(), kModel.size());
        QVERIFY(everything.undecayedNames().empty());

        // The rule alone: matrices decay, embeddings (2-D) and 1-D tensors do not.
        QVERIFY(decaysByName("model.layers.3.self_attn.o_proj.weight", 2, false));
        QVERIFY(!decaysByName("model.embed_tokens.weight", 2, false));
        QVERIFY(!decaysByName("model.layers.0.self_attn.kv_a_layernorm.weight", 1, false));
        QVERIFY(decaysByName("model.norm.weight", 1, true));

        expectThrowsWithMessage([&] { opt.decays("model.nothing.weight"); },
                                "no parameter named 'model.nothing.weight'");
    }

    void resumeFromStateIsBitExact()
    {
        const NamedParams a = makeParams(torch::kFloat32);
        AdamW first(a, options());
        // q_norm gets its first gradient at step 1, kv_a_layernorm never: both kinds of "no state" appear.
        for (int step = 0; step < 5; ++step) {
            setGrads(a, step);
            first.step(lrFor(step));
        }
        const auto saved = stateMap(first);
        QVERIFY(saved.count("exp_avg." + kOddGrad));
        QVERIFY(!saved.count("exp_avg." + kNeverGrad));
        QCOMPARE(saved.at("steps").item<int64_t>(), int64_t(5));

        const NamedParams b = copyParams(a);
        AdamW resumed(b, options());
        resumed.loadState(saved);
        QCOMPARE(resumed.steps(), int64_t(5));
        for (int step = 5; step < 10; ++step) {
            setGrads(a, step);
            setGrads(b, step);
            first.step(lrFor(step));
            resumed.step(lrFor(step));
        }
        QCOMPARE(resumed.steps(), first.steps());
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
        const auto s1 = first.stateTensors(), s2 = resumed.stateTensors();
        QCOMPARE(s1.size(), s2.size());
        for (size_t i = 0; i < s1.size(); ++i) {
            QCOMPARE(s1[i].first, s2[i].first);
            QVERIFY2(torch::equal(s1[i].second, s2[i].second), s1[i].first.c_str());
        }

        // Without a resume the next steps differ (bias correction and moments restart): the test can fail.
        const NamedParams c = copyParams(b);
        AdamW fresh(c, options());
        setGrads(c, 10);
        setGrads(b, 10);
        fresh.step(lrFor(10));
        resumed.step(lrFor(10));
        QVERIFY(!torch::equal(b[2].second, c[2].second));
    }

    void stepsFallBackToTheLargestParameterStep()
    {
        const NamedParams params = makeParams(torch::kFloat32);
        AdamW opt(params, options());
        for (int step = 0; step < 3; ++step) {
            setGrads(params, step);
            opt.step(lrFor(step));
        }
        auto state = stateMap(opt);
        state.erase("steps");
        AdamW other(copyParams(params), options());
        other.loadState(state);
        QCOMPARE(other.steps(), int64_t(3));
    }

    void loadStateErrorsNameTheTensor()
    {
        const NamedParams params = makeParams(torch::kFloat64);
        AdamW opt(params, options());
        setGrads(params, 1);
        opt.step(1e-3);
        const auto good = stateMap(opt);
        const std::string lm = "lm_head.weight";

        auto bad = good;
        bad["exp_avg.model.layers.9.mlp.up_proj.weight"] = torch::zeros({2, 2}, torch::kFloat64);
        expectThrowsWithMessage(
            [&] { opt.loadState(bad); },
            "optimizer state 'exp_avg.model.layers.9.mlp.up_proj.weight' is for an unknown "
            "parameter 'model.layers.9.mlp.up_proj.weight'");
        bad = good;
        bad["momentum." + lm] = good.at("exp_avg." + lm);
        expectThrowsWithMessage([&] { opt.loadState(bad); },
                                "unknown optimizer state tensor 'momentum.lm_head.weight'");
        bad = good;
        bad["exp_avg_sq." + lm] = torch::zeros({3, 3}, torch::kFloat64);
        expectThrowsWithMessage(
            [&] { opt.loadState(bad); },
            "optimizer state 'exp_avg_sq.lm_head.weight' has shape [3, 3] but the parameter has "
            "shape [11, 6]");
        bad = good;
        bad["exp_avg." + lm] = good.at("exp_avg." + lm).to(torch::kFloat32);
        expectThrowsWithMessage([&] { opt.loadState(bad); },
                                "optimizer state 'exp_avg.lm_head.weight' has dtype Float, expected Double");
        bad = good;
        bad.erase("exp_avg_sq." + lm);
        expectThrowsWithMessage([&] { opt.loadState(bad); },
                                "optimizer state for 'lm_head.weight' lacks exp_avg_sq.lm_head.weight");
        bad = good;
        bad.erase("step." + lm);
        expectThrowsWithMessage([&] { opt.loadState(bad); },
                                "optimizer state for 'lm_head.weight' lacks step.lm_head.weight");
        bad = good;
        bad["step." + lm] = torch::full({1}, 2.0);
        expectThrowsWithMessage(
            [&] { opt.loadState(bad); },
            "optimizer state 'step.lm_head.weight' must be a 1-element int64 tensor, got Float");

        // A failed load changes nothing: the state is still the one of the step taken.
        const auto after = stateMap(opt);
        QCOMPARE(after.size(), good.size());
        for (const auto &[name, t] : good)
            QVERIFY2(torch::equal(after.at(name), t), name.c_str());
    }

    void gradNormByHand()
    {
        NamedParams params = {{"a.weight", torch::zeros({2, 2}, torch::kFloat32).requires_grad_(true)},
                              {"b.bias", torch::zeros({2}, torch::kFloat32).requires_grad_(true)},
                              {"c.bias", torch::zeros({3}, torch::kFloat32).requires_grad_(true)}};
        AdamW opt(params, options());
        QCOMPARE(opt.gradNorm(), 0.0);  // no gradients at all
        params[0].second.mutable_grad() =
            torch::tensor({1.f, 2.f, 2.f, 4.f}).reshape({2, 2});      // ||.||^2 = 25
        params[1].second.mutable_grad() = torch::tensor({3.f, 4.f});  // ||.||^2 = 25
        // c has no gradient and is left out.
        QCOMPARE(opt.gradNorm(), 7.0710678118654755);  // sqrt(50)

        // Clipping to 1: every gradient times 1 / (sqrt(50) + 1e-6).
        opt.clipGradients(1.0, opt.gradNorm());
        const double factor = 1.0 / (7.0710678118654755 + 1e-6);
        QVERIFY(torch::allclose(params[1].second.grad(), torch::tensor({3.f, 4.f}) * factor, 1e-6, 0));
        QVERIFY(std::abs(opt.gradNorm() - 7.0710678118654755 * factor) < 1e-6);
        // Below the threshold nothing changes.
        const torch::Tensor g = params[0].second.grad().clone();
        opt.clipGradients(10.0, opt.gradNorm());
        QVERIFY(torch::equal(params[0].second.grad(), g));

        opt.scaleGradients(0.5);
        QVERIFY(torch::equal(params[0].second.grad(), g * 0.5));

        // Non-finite gradients show as a non-finite norm, and cannot be clipped.
        params[1].second.mutable_grad() = torch::tensor({1.f, std::numeric_limits<float>::infinity()});
        QVERIFY(std::isinf(opt.gradNorm()));
        expectThrowsWithMessage([&] { opt.clipGradients(1.0, opt.gradNorm()); }, "non-finite norm");
        params[1].second.mutable_grad() = torch::tensor({1.f, std::nanf("")});
        QVERIFY(std::isnan(opt.gradNorm()));

        opt.zeroGrad();
        for (const auto &[name, p] : params)
            QVERIFY2(!p.grad().defined(), name.c_str());
        QCOMPARE(opt.gradNorm(), 0.0);
    }

    void gradNormAccumulatesInDouble()
    {
        // 2^24 + 1 squared elements of 1: a float32 sum of squares would stall at 2^24.
        NamedParams params = {
            {"w.weight", torch::zeros({(1 << 24) + 1}, torch::kFloat32).requires_grad_(true)}};
        AdamW opt(params, options());
        params[0].second.mutable_grad() = torch::ones({(1 << 24) + 1}, torch::kFloat32);
        QCOMPARE(opt.gradNorm(), std::sqrt(static_cast<double>((1 << 24) + 1)));
    }

    void momentDtypes()
    {
        NamedParams params = {{"x.weight", torch::randn({4, 4}).to(torch::kBFloat16).requires_grad_(true)},
                              {"y.weight", torch::randn({4, 4}, torch::kFloat64).requires_grad_(true)},
                              {"z.weight", torch::randn({4, 4}).requires_grad_(true)}};
        const torch::Tensor before = params[0].second.detach().clone();
        AdamW opt(params, options());
        for (auto &[name, p] : params)
            p.mutable_grad() = torch::ones_like(p);
        opt.step(1e-1);
        const auto state = stateMap(opt);
        QCOMPARE(state.at("exp_avg.x.weight").scalar_type(), torch::kFloat32);
        QCOMPARE(state.at("exp_avg_sq.x.weight").scalar_type(), torch::kFloat32);
        QCOMPARE(state.at("exp_avg.y.weight").scalar_type(), torch::kFloat64);
        QCOMPARE(state.at("exp_avg.z.weight").scalar_type(), torch::kFloat32);
        QCOMPARE(params[0].second.scalar_type(), torch::kBFloat16);
        QVERIFY(!torch::equal(params[0].second, before));
        QVERIFY(!params[0].second.grad_fn());  // the update was not recorded by autograd
    }

    void badConstruction()
    {
        const torch::Tensor w = torch::zeros({2, 2}).requires_grad_(true);
        expectThrowsWithMessage(
            [&] {
                AdamW({{"lm_head.weight", w}, {"model.embed_tokens.weight", w}});
            },
            "parameter 'model.embed_tokens.weight' is the same tensor as 'lm_head.weight'");
        expectThrowsWithMessage(
            [&] {
                AdamW({{"a", w}, {"a", torch::zeros({2})}});
            },
            "parameter name 'a' is given twice");
        expectThrowsWithMessage(
            [&] {
                AdamW({{"a", torch::zeros({2}, torch::kLong)}});
            },
            "parameter 'a' must be floating point, got Long");
        AdamWOptions o = options();
        o.beta2 = 1.0;
        expectThrowsWithMessage([&] { AdamW({{"a", w}}, o); }, "beta2 must be in [0, 1), got 1");
        AdamW opt({{"a", w}}, options());
        expectThrowsWithMessage([&] { opt.step(-1); }, "learning rate must be finite and >= 0, got -1");
        expectThrowsWithMessage([&] { opt.clipGradients(0, 1); }, "clip norm must be finite and > 0, got 0");
    }

    void cudaMatchesCpu()
    {
        if (!torch::cuda::is_available()) QSKIP("no CUDA device");
        const NamedParams cpu = makeParams(torch::kFloat32);
        NamedParams gpu;
        for (const auto &[name, t] : cpu)
            gpu.emplace_back(name, t.detach().to(torch::kCUDA).requires_grad_(true));
        AdamW a(cpu, options()), b(gpu, options());
        for (int step = 0; step < 5; ++step) {
            setGrads(cpu, step);
            for (size_t i = 0; i < gpu.size(); ++i) {
                const torch::Tensor g = cpu[i].second.grad();
                gpu[i].second.mutable_grad() = g.defined() ? g.to(torch::kCUDA) : torch::Tensor();
            }
            a.step(lrFor(step));
            b.step(lrFor(step));
        }
        QVERIFY(std::abs(a.gradNorm() - b.gradNorm()) <= 1e-9 * a.gradNorm());
        for (const auto &[name, t] : b.stateTensors())
            if (name.rfind("exp_avg", 0) == 0) QVERIFY2(t.device().is_cuda(), name.c_str());
        for (size_t i = 0; i < cpu.size(); ++i)
            QVERIFY2(torch::allclose(cpu[i].second, gpu[i].second.cpu(), 1e-5, 1e-6), cpu[i].first.c_str());
        // Resume on the GPU from state saved on the CPU.
        NamedParams gpu2;
        for (const auto &[name, t] : cpu)
            gpu2.emplace_back(name, t.detach().to(torch::kCUDA).requires_grad_(true));
        AdamW c(gpu2, options());
        c.loadState(stateMap(a));
        for (const auto &[name, t] : c.stateTensors())
            if (name.rfind("exp_avg", 0) == 0) QVERIFY2(t.device().is_cuda(), name.c_str());
    }
};

QTEST_GUILESS_MAIN(TestAdamW)
#include "tst_adamw.moc"
