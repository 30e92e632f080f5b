// Model benchmark (see model_bench.h).
#include "core/lab/model_bench.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/util/error.h"
#include "core/run/job.h"
#include "core/lab/peak_flops.h"
#include "kernels/attention.h"
#include "kernels/memory_stats.h"
#include "kernels/runtime.h"
#include "model/flops.h"
#include "model/generation.h"
#include "model/kv_cache.h"
#include "model/transformer.h"

namespace danka::core {

namespace {

model::KernelMode kernelModeOf(const std::string &kernels)
{
    if (kernels == "danka" || kernels == "danka-flash") return model::KernelMode::Fused;
    if (kernels == "aten") return model::KernelMode::Aten;
    if (kernels == "reference") return model::KernelMode::Reference;
    throw Error("bench: unknown kernels \"" + kernels + "\" (danka, aten or reference)");
}

double seconds(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double decodeRate(model::TransformerImpl &m, int64_t batch, int64_t promptTokens, int64_t newTokens)
{
    std::vector<std::vector<int32_t>> prompts(static_cast<size_t>(batch));
    for (auto &p : prompts)
        for (int64_t t = 0; t < promptTokens; ++t) p.push_back(static_cast<int32_t>((t * 7 + 3) % m.config().vocabSize));
    model::GenerationOptions o;
    o.sampling.greedy = true;
    o.maxNewTokens = newTokens;
    const model::GenerationResult r = model::generate(m, prompts, o);
    // Decode steps only: the first token comes from the prefill.
    return r.decodeSeconds > 0 ? static_cast<double>(r.generatedTokens - batch) / r.decodeSeconds : 0;
}

}  // namespace

ModelBenchResult benchModel(const ModelBenchOptions &o, JobContext &job)
{
    ModelBenchResult r;
    const model::ModelConfig &c = o.config;
    if (o.batch < 1) throw Error("bench: batch must be at least 1 (got " + std::to_string(o.batch) + ")");
    if (o.seqLen < 2) throw Error("bench: sequence length must be at least 2 (got " + std::to_string(o.seqLen) + ")");
    if (o.steps < 1) throw Error("bench: steps must be at least 1 (got " + std::to_string(o.steps) + ")");
    if (o.seqLen > c.maxSeqLen)
        throw Error("bench: sequence length " + std::to_string(o.seqLen) + " exceeds max_seq_len " + std::to_string(c.maxSeqLen));
    const at::ScalarType dtype = o.dtype == "bf16" ? at::kBFloat16 : at::kFloat;
    const torch::Device device(o.device);
    const model::KernelMode mode = kernelModeOf(o.kernels);
    if (device.is_cpu()) kernels::enableHostMemoryTracking();
    // danka-flash: Danka's own attention kernel even where the default is LibTorch's SDPA; restored on return.
    struct SdpaSwitch {
        bool was = kernels::cpuSdpaAllowed();
        ~SdpaSwitch() { kernels::setCpuSdpaAllowed(was); }
    } sdpaSwitch;
    kernels::setCpuSdpaAllowed(sdpaSwitch.was && o.kernels != "danka-flash");
    torch::manual_seed(0);
    model::Transformer m(c, mode);
    m->to(device, dtype);
    r.parameters = c.parameterCount();

    job.setProgress(0.05, "finding the peak FLOP/s");
    const PeakFlops peak = mfuPeakFlops(o.device, o.dtype == "bf16" ? "bf16" : "fp32", 1.0);
    r.peakFlops = peak.flops;
    r.peakRated = peak.rated;
    r.peakBasis = peak.basis;

    // Training: forward + loss + backward, no optimizer (that is the trainer's business).
    m->train();
    const auto ids = torch::randint(c.vocabSize, {o.batch, o.seqLen + 1}, torch::TensorOptions().dtype(torch::kLong).device(device));
    auto step = [&] {
        const at::Tensor h = m->hidden(ids.narrow(1, 0, o.seqLen));
        m->loss(h, ids.narrow(1, 1, o.seqLen)).backward();
        m->zero_grad();
    };
    step();  // warm-up
    {
        // Peak memory of one step, above what was alive before it.
        if (device.is_cuda()) {
            torch::cuda::synchronize(device.index());
            const int64_t before = kernels::cudaMemoryStats(device.index()).allocatedBytes;
            kernels::resetCudaPeakMemory(device.index());
            step();
            torch::cuda::synchronize(device.index());
            r.trainPeakBytes = kernels::cudaMemoryStats(device.index()).peakAllocatedBytes - before;
        } else {
            const int64_t before = kernels::hostMemoryStats().currentBytes;
            kernels::resetHostMemoryPeak();
            step();
            r.trainPeakBytes = kernels::hostMemoryStats().peakBytes - before;
        }
    }
    std::vector<double> stepSeconds;  // the median step is the result: robust to a neighbour's burst
    for (int s = 0; s < o.steps; ++s) {
        job.checkpoint();
        job.setProgress(0.1 + 0.6 * s / o.steps, "training step " + std::to_string(s + 1) + "/" + std::to_string(o.steps));
        const auto start = std::chrono::steady_clock::now();
        step();
        if (device.is_cuda()) torch::cuda::synchronize(device.index());
        stepSeconds.push_back(seconds(start));
    }
    std::sort(stepSeconds.begin(), stepSeconds.end());
    const size_t mid = stepSeconds.size() / 2;
    r.stepSeconds = stepSeconds.size() % 2 ? stepSeconds[mid] : (stepSeconds[mid - 1] + stepSeconds[mid]) / 2;
    r.stepSecondsMin = stepSeconds.front();
    r.stepSecondsMax = stepSeconds.back();
    r.trainTokensPerSecond = static_cast<double>(o.batch * o.seqLen) / r.stepSeconds;
    r.trainFlopsPerToken = model::trainingFlopsPerToken(c, model::causalContext(static_cast<double>(o.seqLen)));
    r.achievedFlops = r.trainTokensPerSecond * r.trainFlopsPerToken;
    r.mfu = r.peakFlops > 0 ? r.achievedFlops / r.peakFlops : 0;

    job.setProgress(0.75, "decoding, batch 1");
    r.decodeTokensPerSecondB1 = decodeRate(*m, 1, o.promptTokens, o.decodeTokens);
    job.checkpoint();
    job.setProgress(0.9, "decoding, batch 8");
    r.decodeTokensPerSecondB8 = decodeRate(*m, 8, o.promptTokens, o.decodeTokens);
    r.kvCacheBytesPerToken = model::KvCache(c, 1, 1, torch::TensorOptions().dtype(dtype)).bytesPerPosition();
    job.setProgress(1.0, "done");
    return r;
}

}  // namespace danka::core
