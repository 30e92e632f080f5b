// Attention benchmark (see attention_bench.h). Both implementations get the same contiguous (B, H, T, D)
// inputs and the same scale; the lab's timer (lab/timing.h) synchronises the device around every timed call,
// so a time is the whole call, launch overheads included.
#include "core/lab/attention_bench.h"

#include <ATen/SDPBackend.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/util/error.h"
#include "core/run/job.h"
#include "kernels/attention.h"
#include "kernels/memory_stats.h"
#include "kernels/runtime.h"
#include "lab/timing.h"

namespace danka::core {

double teraflopsPerSecond(double flops, double ms)
{
    return ms > 0 ? flops / (ms * 1e-3) / 1e12 : 0;
}

namespace {

using AttendFn = std::function<at::Tensor(const at::Tensor &, const at::Tensor &, const at::Tensor &)>;

const char *const kFlopsFormula =
    "causal forward = 2 B H (Dqk + Dv) T^2 / 2 (scores 2 Dqk and weighted sum 2 Dv per visible query-key "
    "pair, "
    "half the pairs visible); forward+backward = 3.5 x forward (backward = 2.5 x forward, FlashAttention-2's "
    "convention)";

std::string firstLine(std::string text)
{
    const auto newline = text.find('\n');
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

const char *backendName(int64_t backend)
{
    switch (static_cast<at::SDPBackend>(backend)) {
        case at::SDPBackend::math:
            return "math";
        case at::SDPBackend::flash_attention:
            return "flash";
        case at::SDPBackend::efficient_attention:
            return "efficient";
        case at::SDPBackend::cudnn_attention:
            return "cudnn";
        case at::SDPBackend::overrideable:
            return "overrideable";
        default:
            return "none";
    }
}

// The backend SDPA picks for these inputs (their requires_grad matters), or -1 when it cannot tell.
int64_t sdpaChoice(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale, bool gqa)
{
    try {
        return at::_fused_sdp_choice(q, k, v, {}, 0.0, true, scale, gqa);
    } catch (const std::exception &) {
        return -1;
    }
}

// Forward (no autograd, as inference runs it) and forward+backward (gradients of q, k, v for one upstream
// gradient, returned by autograd::grad so nothing accumulates between calls), timed by the lab's timer.
AttentionTiming timeAttention(const lab::Timer &timer, const AttendFn &attend, const at::Tensor &q, const at::Tensor &k,
                              const at::Tensor &v, const at::Tensor &dout)
{
    AttentionTiming t;
    try {
        {
            torch::NoGradGuard noGrad;
            t.forwardMs = timer.medianMs([&] { attend(q, k, v); });
        }
        const at::Tensor qg = q.detach().requires_grad_(true), kg = k.detach().requires_grad_(true),
                         vg = v.detach().requires_grad_(true);
        auto forwardBackward = [&] {
            const at::Tensor out = attend(qg, kg, vg);
            torch::autograd::grad({out}, {qg, kg, vg}, {dout});
        };
        t.forwardBackwardMs = timer.medianMs(forwardBackward);
        t.forwardBackwardPeakBytes = timer.peakBytes(forwardBackward);
        t.ran = true;
    } catch (const JobCancelled &) {
        throw;
    } catch (const c10::Error &e) {
        t = AttentionTiming{};
        t.note = firstLine(e.what_without_backtrace());
    } catch (const std::exception &e) {
        t = AttentionTiming{};
        t.note = firstLine(e.what());
    }
    return t;
}

struct Shape {
    std::string name;
    int64_t heads, kvHeads, dqk, dv;
};

}  // namespace

AttentionBenchResult benchAttention(const AttentionBenchOptions &o, JobContext &job)
{
    AttentionBenchResult result;
    std::string device = o.device;
    if (device == "auto") device = torch::cuda::is_available() ? "cuda:0" : "cpu";
    if (device == "cuda") device = "cuda:0";
    if (device != "cpu" && device.rfind("cuda:", 0) != 0)
        throw Error("bench attention: unknown device \"" + o.device + "\" (auto, cpu, cuda or cuda:N)");
    const at::Device dev(device);
    if (dev.is_cuda() &&
        (!torch::cuda::is_available() || dev.index() >= static_cast<int>(torch::cuda::device_count())))
        throw Error("bench attention: no CUDA device " + device + " (use --device cpu)");
    at::ScalarType type;
    if (o.dtype == "fp32")
        type = at::kFloat;
    else if (o.dtype == "bf16")
        type = at::kBFloat16;
    else if (o.dtype == "fp16")
        type = at::kHalf;
    else
        throw Error("bench attention: unknown dtype \"" + o.dtype + "\" (fp32, bf16 or fp16)");

    result.device = device;
    result.dtype = o.dtype;
    result.flopsFormula = kFlopsFormula;
    if (dev.is_cuda()) {
        for (const kernels::GpuInfo &g : kernels::runtimeInfo().gpus)
            if (g.index == dev.index()) result.deviceName = g.name;
    } else {
        result.deviceName = "CPU (" + std::to_string(at::get_num_threads()) + " threads)";
    }

    // Head dims 64 (MHA), 128 (GQA, 4 query heads per K/V head) and MLA's 192/128 (DeepSeek-V2 training
    // form: 128 + 64 RoPE dims for queries and keys, 128 for values); B shrinks as T grows so that each
    // shape holds 2048 tokens (4096 at T = 4096, B = 1).
    const int64_t H = o.quick ? 4 : 16;
    const std::vector<Shape> shapes = {
        {"d64 mha", H, H, 64, 64}, {"d128 gqa", H, H / 4, 128, 128}, {"mla 192/128", H, H, 192, 128}};
    const std::vector<int64_t> lengths = !o.lengths.empty() ? o.lengths
                                         : o.quick           ? std::vector<int64_t>{64, 128}
                                                             : std::vector<int64_t>{512, 1024, 2048, 4096};
    for (const int64_t T : lengths)
        if (T < 1) throw Error("bench attention: sequence lengths must be positive (got " + std::to_string(T) + ")");
    if (dev.is_cpu()) kernels::enableHostMemoryTracking();  // before q, k, v exist, so they count as alive
    lab::Timer timer;
    timer.device = dev;
    timer.seconds = o.quick ? std::min(o.secondsPerMeasure, 0.1) : o.secondsPerMeasure;
    timer.poll = [&job] { job.checkpoint(); };
    const auto options = at::TensorOptions().dtype(type).device(dev);

    const size_t total = shapes.size() * lengths.size();
    for (const Shape &s : shapes) {
        for (const int64_t T : lengths) {
            job.setProgress(static_cast<double>(result.rows.size()) / static_cast<double>(total),
                            s.name + " T=" + std::to_string(T));
            AttentionBenchRow row;
            row.shape = s.name;
            row.batch = o.quick ? 1 : std::max<int64_t>(1, 2048 / T);
            row.heads = s.heads;
            row.kvHeads = s.kvHeads;
            row.length = T;
            row.dqk = s.dqk;
            row.dv = s.dv;
            const double b = static_cast<double>(row.batch), h = static_cast<double>(row.heads),
                         t = static_cast<double>(T);
            row.forwardFlops = 2 * b * h * static_cast<double>(s.dqk + s.dv) * t * t / 2;
            row.forwardBackwardFlops = 3.5 * row.forwardFlops;

            torch::manual_seed(0);
            const at::Tensor q = torch::randn({row.batch, s.heads, T, s.dqk}, options);
            const at::Tensor k = torch::randn({row.batch, s.kvHeads, T, s.dqk}, options);
            const at::Tensor v = torch::randn({row.batch, s.kvHeads, T, s.dv}, options);
            const at::Tensor dout = torch::randn({row.batch, s.heads, T, s.dv}, options);
            const double scale = 1.0 / std::sqrt(static_cast<double>(s.dqk));

            // Danka's own kernel, even where kernels::attention's default is SDPA (the rule this bench informs).
            const kernels::AttentionOptions ao{scale, true, false};
            {
                const kernels::AttentionOptions defaults{scale, true};
                row.defaultPath = kernels::attentionPathName(kernels::attentionPath(
                    q.detach().requires_grad_(true), k.detach().requires_grad_(true), v.detach().requires_grad_(true),
                    defaults));
            }
            row.danka = timeAttention(
                timer,
                [&](const at::Tensor &a, const at::Tensor &bb, const at::Tensor &c) {
                return kernels::attention(a, bb, c, ao);
                },
                q, k, v, dout);

            // SDPA: grouped K/V heads through enable_gqa, unless that would send it to the math backend on a
            // GPU while repeated heads get a fused one: then K/V are repeated once, outside the timed region.
            const bool grouped = s.kvHeads < s.heads;
            bool gqa = grouped;
            at::Tensor sk = k, sv = v;
            std::string how;
            const at::Tensor qg = q.detach().requires_grad_(true);
            auto withGrad = [](const at::Tensor &x) { return x.detach().requires_grad_(true); };
            if (grouped && dev.is_cuda() &&
                sdpaChoice(qg, withGrad(k), withGrad(v), scale, true) ==
                    static_cast<int64_t>(at::SDPBackend::math)) {
                sk = k.repeat_interleave(s.heads / s.kvHeads, 1).contiguous();
                sv = v.repeat_interleave(s.heads / s.kvHeads, 1).contiguous();
                gqa = false;
                how = ", K/V repeated outside the timing";
            } else if (grouped) {
                how = ", enable_gqa";
            }
            const int64_t forwardBackend = sdpaChoice(q, sk, sv, scale, gqa);
            const int64_t trainingBackend = sdpaChoice(qg, withGrad(sk), withGrad(sv), scale, gqa);
            row.sdpa = timeAttention(
                timer,
                [&](const at::Tensor &a, const at::Tensor &bb, const at::Tensor &c) {
                return at::scaled_dot_product_attention(a, bb, c, {}, 0.0, true, scale, gqa);
                },
                q, sk, sv, dout);
            if (row.sdpa.ran) {
                row.sdpa.note = std::string("backend ") + backendName(forwardBackend);
                if (trainingBackend != forwardBackend)
                    row.sdpa.note += std::string(" (fwd+bwd ") + backendName(trainingBackend) + ")";
                row.sdpa.note += how;
            }
            result.rows.push_back(row);
        }
    }
    job.setProgress(1.0, "done");
    return result;
}

}  // namespace danka::core
