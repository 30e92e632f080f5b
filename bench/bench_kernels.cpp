// Benchmark of the fused CPU kernels (attention, RMSNorm, SwiGLU, RoPE, cross-entropy) against their
// references, forward and forward+backward, at training-sized shapes in float32 and bfloat16 on LibTorch's
// intra-op threads; and the peak host memory of attention forward+backward at T = 2048, flash against the
// unfused composition (counted by Danka's allocator wrapper).
//
//   bench_kernels [--threads N] [--seconds S] [--only OP]   (N = 0, the default: every hardware thread)
//
// "aten" is the plain composition a model would otherwise run in the input dtype (Hugging Face style), where
// it differs from the reference (which upcasts bfloat16 to float once, like the fused kernels); for attention
// it is at::scaled_dot_product_attention (LibTorch's fused CPU kernel), and "fused" is Danka's own flash kernel
// (cpuSdpa off: kernels::attention's default runs SDPA for these inputs, attention.h).
#include <ATen/Version.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/cpu_simd.h"
#include "kernels/cross_entropy.h"
#include "kernels/memory_stats.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/runtime.h"
#include "kernels/swiglu.h"

namespace {

using namespace danka::kernels;
using Clock = std::chrono::steady_clock;
using TensorFn = std::function<torch::Tensor(const std::vector<torch::Tensor> &)>;

double g_seconds = 1.0;  // time budget per measurement
std::string g_only;      // run only the op whose name contains this

// Median milliseconds of `step` over repeated runs (after one warm-up), for about g_seconds.
double medianMs(const std::function<void()> &step)
{
    step();
    std::vector<double> times;
    const auto start = Clock::now();
    while (times.size() < 3 ||
           (times.size() < 200 && std::chrono::duration<double>(Clock::now() - start).count() < g_seconds)) {
        const auto t0 = Clock::now();
        step();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

struct Timing {
    double forwardMs = 0;
    double forwardBackwardMs = 0;
};

// Forward only (no graph), and forward + backward with a fixed upstream gradient into fresh leaves.
Timing timeOp(const TensorFn &op, const std::vector<torch::Tensor> &inputs)
{
    Timing t;
    t.forwardMs = medianMs([&] {
        torch::NoGradGuard noGrad;
        op(inputs);
    });
    std::vector<torch::Tensor> leaves;
    for (const auto &x : inputs)
        leaves.push_back(x.is_floating_point() ? x.detach().requires_grad_(true) : x);
    torch::Tensor upstream;
    {
        torch::NoGradGuard noGrad;
        upstream = torch::randn_like(op(inputs));
    }
    t.forwardBackwardMs = medianMs([&] {
        for (auto &x : leaves)
            if (x.requires_grad()) x.mutable_grad() = torch::Tensor();
        op(leaves).backward(upstream);
    });
    return t;
}

void printRow(const std::string &op, const std::string &shape, torch::ScalarType type,
              const std::string &impl, const Timing &t, const Timing &reference)
{
    std::printf("%-14s %-18s %-9s %-10s %9.2f %12.2f %9.2fx\n", op.c_str(), shape.c_str(),
                c10::toString(type), impl.c_str(), t.forwardMs, t.forwardBackwardMs,
                reference.forwardBackwardMs / t.forwardBackwardMs);
}

void compare(const std::string &op, const std::string &shape, torch::ScalarType type, const TensorFn &fused,
             const TensorFn &reference, const TensorFn &aten, const std::vector<torch::Tensor> &inputs)
{
    if (op.find(g_only) == std::string::npos) return;
    const Timing r = timeOp(reference, inputs);
    printRow(op, shape, type, "fused", timeOp(fused, inputs), r);
    printRow(op, shape, type, "reference", r, r);
    if (aten) printRow(op, shape, type, "aten", timeOp(aten, inputs), r);
}

torch::Tensor rotateHalf(const torch::Tensor &x)
{
    const int64_t half = x.size(-1) / 2;
    return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

const AttentionOptions kDankaOwn{0, true, false};  // Danka's flash kernel, never SDPA

torch::Tensor sdpa(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v)
{
    return at::scaled_dot_product_attention(q, k, v, {}, 0.0, true, std::nullopt, k.size(1) != q.size(1));
}

// Peak LibTorch CPU bytes allocated on top of the inputs while running attention forward + backward once:
// `which` 0 Danka's flash kernel, 1 SDPA, 2 the unfused reference.
int64_t attentionPeakBytes(int which, const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v)
{
    auto ql = q.detach().requires_grad_(true), kl = k.detach().requires_grad_(true),
         vl = v.detach().requires_grad_(true);
    const int64_t before = hostMemoryStats().currentBytes;
    resetHostMemoryPeak();
    {
        const auto out = which == 0 ? attention(ql, kl, vl, kDankaOwn) : which == 1 ? sdpa(ql, kl, vl)
                                                                                    : attentionReference(ql, kl, vl);
        out.sum().backward();
    }
    return hostMemoryStats().peakBytes - before;
}

void attentionMemory(torch::ScalarType type)
{
    if (std::string("attention-memory").find(g_only) == std::string::npos) return;
    // minimind-26m's heads (8 query heads of 64, 2 key/value heads), one sequence of T tokens
    for (const int64_t T : {512, 2048}) {
        const auto opts = torch::TensorOptions().dtype(type);
        const auto q = torch::randn({1, 8, T, 64}, opts), k = torch::randn({1, 2, T, 64}, opts),
                   v = torch::randn({1, 2, T, 64}, opts);
        const double mib = 1024.0 * 1024.0;
        const double flash = attentionPeakBytes(0, q, k, v) / mib;
        const double fusedSdpa = attentionPeakBytes(1, q, k, v) / mib;
        const double unfused = attentionPeakBytes(2, q, k, v) / mib;
        std::printf("attention-memory B1 H8 Hkv2 D64 T%-5lld %-9s peak fwd+bwd: flash %.1f MiB, sdpa %.1f MiB, "
                    "unfused %.1f MiB (%.1fx)\n",
                    static_cast<long long>(T), c10::toString(type), flash, fusedSdpa, unfused, unfused / flash);
    }
}

}  // namespace

int main(int argc, char **argv)
{
    int threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--seconds") == 0) g_seconds = std::atof(argv[i + 1]);
        if (std::strcmp(argv[i], "--only") == 0) g_only = argv[i + 1];
    }
    setThreadCount(threads);
    enableHostMemoryTracking();
    torch::manual_seed(0);
    std::printf(
        "bench_kernels: LibTorch %s (CPU capability %s), fused kernels %s, %d intra-op threads, "
        "median of runs over ~%.1f s each\n",
        runtimeInfo().torchVersion.c_str(), at::get_cpu_capability().c_str(), cpu::cpuIsaName(cpu::cpuIsa()),
        at::get_num_threads(), g_seconds);
    std::printf("%-14s %-18s %-9s %-10s %9s %12s %10s\n", "op", "shape", "dtype", "impl", "fwd ms",
                "fwd+bwd ms", "vs ref");

    for (const auto type : {torch::kFloat32, torch::kBFloat16}) {
        const auto opts = torch::TensorOptions().dtype(type);
        {  // causal GQA attention, minimind-26m's heads, 8 sequences of 512 tokens
            const auto q = torch::randn({8, 8, 512, 64}, opts), k = torch::randn({8, 2, 512, 64}, opts),
                       v = torch::randn({8, 2, 512, 64}, opts);
            compare(
                "attention", "(8, 8/2, 512, 64)", type,
                [](const auto &x) { return attention(x[0], x[1], x[2], kDankaOwn); },
                [](const auto &x) { return attentionReference(x[0], x[1], x[2]); },
                [](const auto &x) { return sdpa(x[0], x[1], x[2]); }, {q, k, v});
        }
        {  // RMSNorm over the hidden size of 16 sequences of 512 tokens
            const auto x = torch::randn({16 * 512, 512}, opts), w = torch::randn({512}, opts);
            compare(
                "rmsNorm", "(8192, 512)", type, [](const auto &v) { return rmsNorm(v[0], v[1], 1e-6); },
                [](const auto &v) { return rmsNormReference(v[0], v[1], 1e-6); }, nullptr, {x, w});
        }
        {  // SwiGLU over the MLP width
            const auto g = torch::randn({16 * 512, 1408}, opts), u = torch::randn({16 * 512, 1408}, opts);
            compare(
                "swiglu", "(8192, 1408)", type, [](const auto &v) { return swiglu(v[0], v[1]); },
                [](const auto &v) { return swigluReference(v[0], v[1]); },
                [](const auto &v) { return at::silu(v[0]) * v[1]; }, {g, u});
        }
        {  // RoPE on (B, T, H, D) query heads
            const auto x = torch::randn({16, 512, 8, 64}, opts);
            const auto [cos, sin] = ropeTables(torch::arange(512), 64, 10000.0);  // (T, D/2) float32
            const auto cosFull = torch::cat({cos, cos}, -1).to(type).view({1, 512, 1, 64});
            const auto sinFull = torch::cat({sin, sin}, -1).to(type).view({1, 512, 1, 64});
            compare(
                "applyRope", "(16, 512, 8, 64)", type,
                [c = cos, s = sin](const auto &v) { return applyRope(v[0], c, s); },
                [c = cos, s = sin](const auto &v) { return applyRopeReference(v[0], c, s); },
                [&](const auto &v) { return v[0] * cosFull + rotateHalf(v[0]) * sinFull; }, {x});
        }
        {  // cross-entropy over a 6400-token vocabulary, 8 sequences of 512 tokens, 10% ignored
            const int64_t N = 8 * 512, V = 6400;
            const auto logits = torch::randn({N, V}, opts) * 2;
            auto targets = torch::randint(0, V, {N}, torch::kLong);
            targets.masked_fill_(torch::rand({N}) < 0.1, -100);
            compare(
                "crossEntropy", "(4096, 6400)", type,
                [targets](const auto &v) { return crossEntropy(v[0], targets); },
                [targets](const auto &v) { return crossEntropyReference(v[0], targets); },
                [targets](const auto &v) { return at::cross_entropy_loss(v[0], targets); }, {logits});
        }
    }
    for (const auto type : {torch::kFloat32, torch::kBFloat16}) attentionMemory(type);
    return 0;
}
