// `danka-cli model init`, `model merge`, `generate`, `bench model` and `estimate`: models as objects, before training.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli/cli_bench.h"
#include "app/cli/commands.h"
#include "app/cli/config_source.h"
#include "app/cli/validators.h"
#include "core/checkpoint/adapters.h"
#include "core/config/config_io.h"
#include "core/config/memory_plan.h"
#include "core/config/presets.h"
#include "core/util/error.h"
#include "core/infer/inference.h"
#include "core/run/job.h"
#include "core/lab/model_bench.h"
#include "core/checkpoint/model_init.h"
#include "core/util/text_util.h"
#include "core/store/workspace.h"
#include "model/estimate.h"

namespace fs = std::filesystem;

namespace danka::cli {

namespace {

using nlohmann::json;

// --- model init --------------------------------------------------------------------------------------------

struct InitArgs {
    ConfigSource source;
    uint64_t seed = 1234;
    std::string tokenizer, out;
};

int initModel(const Options &options, const InitArgs &a)
{
    int code = kExitOk;
    const auto config = loadConfig(options, a.source, code);
    if (!config) return code;
    const core::Workspace ws = core::Workspace::open(core::Workspace::resolvePath(options.workspace));
    core::ModelInitOptions o{*config, a.seed, a.tokenizer, a.out};
    core::ModelInitResult r;
    code = runJob(options, "model init", [&](core::JobContext &job) { r = core::initModel(ws, o, job); });
    if (code != kExitOk) return code;
    if (options.json) {
        printJson({{"checkpoint", r.dir}, {"parameters", r.parameters}, {"tokenizer", r.tokenizerDir},
                   {"trained_demo_tokenizer", r.trainedTokenizer}});
        return kExitOk;
    }
    if (r.trainedTokenizer) std::cout << "Trained the demo tokenizer " << r.tokenizerDir << "\n";
    std::cout << "Initialised a " << core::formatCount(static_cast<double>(r.parameters)) << "-parameter "
              << model::attentionKindName(config->model.attention) << " model in " << r.dir << " (tokenizer "
              << r.tokenizerDir << ")" << std::endl;
    return kExitOk;
}

// --- generate ----------------------------------------------------------------------------------------------

std::atomic<bool> g_stop{false};
extern "C" void onGenerateInterrupt(int)
{
    g_stop = true;
}

struct GenerateArgs {
    std::string checkpoint, adapter, prompt, system, device = "cpu";
    bool chat = false;
    core::GenerateRequest request;
};

int generateText(const Options &options, GenerateArgs &a)
{
    auto model = core::InferenceModel::load(a.checkpoint, a.device, a.adapter);
    a.request.prompt = a.prompt;
    a.request.chat = a.chat;
    a.request.systemPrompt = a.system;
    g_stop = false;
    auto previous = std::signal(SIGINT, onGenerateInterrupt);
    const bool stream = !options.json;
    const core::GenerateResult r = model->generate(a.request, [&](const std::string &piece) {
        if (stream) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
        return !g_stop;
    });
    std::signal(SIGINT, previous);
    if (options.json) {
        printJson({{"prompt_ids", r.promptIds},
                   {"generated_ids", r.generatedIds},
                   {"text", r.text},
                   {"finish_reason", r.finishReason},
                   {"tokens_per_s", r.tokensPerSecond}});
        return kExitOk;
    }
    char line[160];
    std::snprintf(line, sizeof line, "\n[%s, %zu tokens, %.1f tokens/s]", r.finishReason.c_str(), r.generatedIds.size(),
                  r.tokensPerSecond);
    std::cerr << line << std::endl;
    return r.finishReason == "cancelled" ? 130 : kExitOk;
}

// --- model merge -------------------------------------------------------------------------------------------

struct MergeArgs {
    std::string adapter, base, out;
};

int mergeAdapter(const Options &options, const MergeArgs &a)
{
    const std::string written = core::mergeAdapterCheckpoint(a.adapter, a.base, a.out);
    if (options.json) printJson({{"checkpoint", written}, {"adapter", a.adapter}});
    else std::cout << "Merged " << a.adapter << " into a full checkpoint: " << written << std::endl;
    return kExitOk;
}

// --- bench model -------------------------------------------------------------------------------------------

struct BenchArgs {
    ConfigSource source;
    core::ModelBenchOptions options;
    bool reference = false;  // --reference: --kernels reference
};

const char *kernelsDescription(const std::string &kernels)
{
    if (kernels == "aten") return "LibTorch ops as a LibTorch user writes them (scaled_dot_product_attention...)";
    if (kernels == "danka-flash") return "Danka's fused kernels, Danka's own flash attention everywhere";
    if (kernels == "reference") return "Danka's test oracles (plain compositions)";
    return "Danka's fused kernels";
}

int benchModel(const Options &options, BenchArgs &a)
{
    int code = kExitOk;
    const auto config = loadConfig(options, a.source, code);
    if (!config) return code;
    a.options.config = config->model;
    if (a.reference) a.options.kernels = "reference";
    core::ModelBenchResult r;
    code = runJob(options, "model benchmark", [&](core::JobContext &job) { r = core::benchModel(a.options, job); });
    if (code != kExitOk) return code;
    if (options.json) {
        printJson({{"parameters", r.parameters},
                   {"kernels", a.options.kernels},
                   {"dtype", a.options.dtype},
                   {"batch", a.options.batch},
                   {"seq_len", a.options.seqLen},
                   {"train_tokens_per_s", r.trainTokensPerSecond},
                   {"train_step_seconds", r.stepSeconds},
                   {"train_step_seconds_min", r.stepSecondsMin},
                   {"train_step_seconds_max", r.stepSecondsMax},
                   {"train_flops_per_token", r.trainFlopsPerToken},
                   {"achieved_flops", r.achievedFlops},
                   {"peak_flops", r.peakFlops},
                   {"peak_flops_rated", r.peakRated},
                   {"peak_flops_basis", r.peakBasis},
                   {"mfu", r.mfu},
                   {"train_peak_bytes", r.trainPeakBytes},
                   {"decode_tokens_per_s_batch1", r.decodeTokensPerSecondB1},
                   {"decode_tokens_per_s_batch8", r.decodeTokensPerSecondB8},
                   {"kv_cache_bytes_per_token", r.kvCacheBytesPerToken}});
        return kExitOk;
    }
    auto fmt = [](const char *f, double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, f, v);
        return std::string(buf);
    };
    printTable({"MEASURE", "VALUE"},
               {{"parameters", core::formatCount(static_cast<double>(r.parameters))},
                {"kernels", kernelsDescription(a.options.kernels)},
                {"training (forward + backward)", fmt("%.0f tokens/s", r.trainTokensPerSecond) + " (batch " +
                                                      std::to_string(a.options.batch) + " x " +
                                                      std::to_string(a.options.seqLen) + ", " + a.options.dtype + ")"},
                {"model FLOPs utilisation", fmt("%.1f%%", 100 * r.mfu) + " of " + r.peakBasis},
                {"training step peak memory", core::formatBytes(static_cast<double>(r.trainPeakBytes)) +
                                                  " above the weights (activations, logits, gradients)"},
                {"decoding, batch 1", fmt("%.1f tokens/s", r.decodeTokensPerSecondB1)},
                {"decoding, batch 8", fmt("%.1f tokens/s", r.decodeTokensPerSecondB8)},
                {"KV cache per token", core::formatBytes(static_cast<double>(r.kvCacheBytesPerToken))}});
    return kExitOk;
}

// --- estimate ----------------------------------------------------------------------------------------------

// "24GiB", "24GB", "24G", "1.5TiB", or plain bytes.
double parseBytes(const std::string &text)
{
    size_t end = 0;
    double value = 0;
    try {
        value = std::stod(text, &end);
    } catch (const std::exception &) {
        throw core::Error("--budget: cannot read \"" + text + "\" (e.g. 24GiB)");
    }
    std::string unit = text.substr(end);
    for (auto &ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const double kib = 1024;
    if (unit.empty() || unit == "b") return value;
    if (unit == "k" || unit == "kib") return value * kib;
    if (unit == "m" || unit == "mib") return value * kib * kib;
    if (unit == "g" || unit == "gib") return value * kib * kib * kib;
    if (unit == "t" || unit == "tib") return value * kib * kib * kib * kib;
    if (unit == "kb") return value * 1e3;
    if (unit == "mb") return value * 1e6;
    if (unit == "gb") return value * 1e9;
    if (unit == "tb") return value * 1e12;
    throw core::Error("--budget: unknown unit \"" + text.substr(end) + "\" (use GiB, GB, MiB...)");
}

struct EstimateArgs {
    ConfigSource source;
    std::string budget;
    bool cpu = false;
};

// Byte counts are whole numbers in JSON (the estimator computes in double).
int64_t wholeBytes(double bytes)
{
    return static_cast<int64_t>(std::llround(bytes));
}

json estimateJson(const model::MemoryEstimate &e)
{
    json lines = json::array();
    for (const auto &l : e.lines) lines.push_back({{"name", l.name}, {"bytes", wholeBytes(l.bytes)}, {"detail", l.detail}});
    return {{"total_bytes", wholeBytes(e.total())}, {"host_bytes", wholeBytes(e.hostBytes)},
            {"activations_per_layer_bytes", wholeBytes(e.activationsPerLayer)}, {"lines", lines}};
}

std::string planText(const model::MemoryPlan &p)
{
    std::string s = std::string(model::planPrecisionName(p.precision)) + ", micro-batch " + std::to_string(p.microBatch);
    s += p.checkpointEvery ? ", checkpoint every " + std::to_string(p.checkpointEvery) : ", no checkpointing";
    if (p.optimizerOnCpu) s += ", AdamW on CPU";
    return s;
}

int estimate(const Options &options, const EstimateArgs &a)
{
    int code = kExitOk;
    auto config = loadConfig(options, a.source, code);
    if (!config) return code;
    if (a.cpu) config->runtime.device = core::Device::Cpu;
    const double budget = a.budget.empty() ? config->runtime.memoryBudgetGib * core::kBytesPerGib : parseBytes(a.budget);
    const core::ConfigEstimate r = core::estimateConfigMemory(*config, budget);
    const model::MemoryPlan &plan = r.plan;
    const model::MemoryEstimate &e = r.estimate;
    const model::PlanOption *best = r.recommendedIndex ? &r.plans[*r.recommendedIndex] : nullptr;
    if (options.json) {
        json plans = json::array();
        for (const auto &o : r.plans)
            plans.push_back({{"plan", planText(o.plan)}, {"micro_batch", o.plan.microBatch},
                             {"precision", model::planPrecisionName(o.plan.precision)},
                             {"checkpoint_every", o.plan.checkpointEvery}, {"optimizer_on_cpu", o.plan.optimizerOnCpu},
                             {"total_bytes", wholeBytes(o.estimate.total())}, {"fits", o.fits}});
        printJson({{"parameters", e.parameters},
                   {"model_from", r.modelFromCheckpoint ? json(config->stage.baseCheckpoint) : json("config")},
                   {"budget_bytes", wholeBytes(budget)},
                   {"plan", planText(plan)},
                   {"estimate", estimateJson(e)},
                   {"fits", r.fits},
                   {"kv_cache_bytes_per_token", wholeBytes(model::kvCacheBytes(r.model, 1, 1, 2))},
                   {"plans", plans},
                   {"recommended", best ? json(planText(best->plan)) : json(nullptr)}});
        return r.fits ? kExitOk : kExitError;
    }
    if (r.modelFromCheckpoint)
        std::cout << "The model of the base checkpoint " << config->stage.baseCheckpoint << "\n";
    std::cout << core::formatCount(static_cast<double>(e.parameters)) << " parameters (" << e.parameters
              << "), sequence " << plan.seqLen << ", " << planText(plan) << (plan.gpu ? "" : ", on the CPU");
    if (plan.trainableParameters >= 0)
        std::cout << ", LoRA: " << core::formatCount(static_cast<double>(plan.trainableParameters)) << " adapter parameters train";
    std::cout << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto &l : e.lines) rows.push_back({l.name, core::formatBytes(l.bytes), l.detail});
    rows.push_back({"total", core::formatBytes(e.total()), ""});
    if (e.hostBytes > 0) rows.push_back({"host memory", core::formatBytes(e.hostBytes), "offloaded AdamW moments"});
    printTable({"MEMORY", "BYTES", "WHAT"}, rows);
    std::cout << (r.fits ? "Fits" : "Does NOT fit") << " the budget of " << core::formatBytes(budget) << " ("
              << core::formatBytes(std::abs(budget - e.total())) << (r.fits ? " to spare)." : " over).") << "\n";
    std::cout << "KV cache for generation: " << core::formatBytes(model::kvCacheBytes(r.model, 1, 1, 2))
              << " per token (bf16)\n\nPlans for " << core::formatBytes(budget) << " at sequence " << plan.seqLen << ":\n";
    std::vector<std::vector<std::string>> planRows;
    for (const auto &o : r.plans) {
        if (o.plan.microBatch != 1 && o.plan.microBatch != 8 && !o.fits) continue;  // keep the table short
        planRows.push_back({planText(o.plan), core::formatBytes(o.estimate.total()), o.fits ? "fits" : "-",
                            best == &o ? "<- recommended" : ""});
    }
    printTable({"PLAN", "DEVICE MEMORY", "FITS", ""}, planRows);
    if (best && best->plan.optimizerOnCpu)
        std::cout << "Only plans with AdamW on the CPU fit: set runtime.offload_optimizer (slower steps).\n";
    else if (!best)
        std::cout << "No plan fits: use a smaller model, a shorter sequence or a larger card.\n";
    std::cout.flush();
    return r.fits ? kExitOk : kExitError;
}

}  // namespace

void addModelCommands(CLI::App &app, const Options &options, Action &action)
{
    CLI::App *model = app.add_subcommand("model", "Create model checkpoints, merge LoRA adapters");
    model->require_subcommand(1);
    auto init = std::make_shared<InitArgs>();
    CLI::App *initCmd = model->add_subcommand("init", "A randomly initialised checkpoint folder with its tokenizer");
    addConfigSource(initCmd, init->source);
    initCmd->add_option("--seed", init->seed, "Initialisation seed")->capture_default_str();
    initCmd->add_option("--tokenizer", init->tokenizer, "Tokenizer folder (default: the demo tokenizer, trained once)");
    initCmd->add_option("--out", init->out, "Checkpoint folder to write")->required();
    initCmd->callback([&, init] { action = [&, init] { return initModel(options, *init); }; });

    auto merge = std::make_shared<MergeArgs>();
    CLI::App *mergeCmd = model->add_subcommand("merge", "Fold a LoRA adapter into its base: a new full checkpoint");
    mergeCmd->add_option("--adapter", merge->adapter, "Adapter folder (a LoRA run's checkpoint, PEFT layout)")->required();
    mergeCmd->add_option("--base", merge->base, "Base checkpoint (default: the one the adapter records)");
    mergeCmd->add_option("--out", merge->out, "Checkpoint folder to write")->required();
    mergeCmd->callback([&, merge] { action = [&, merge] { return mergeAdapter(options, *merge); }; });

    auto gen = std::make_shared<GenerateArgs>();
    CLI::App *genCmd = app.add_subcommand("generate", "Generate text from a checkpoint, streaming it as it comes");
    genCmd->add_option("--checkpoint", gen->checkpoint, "Checkpoint folder (a LoRA adapter folder loads onto its base)")->required();
    genCmd->add_option("--adapter", gen->adapter, "LoRA adapter folder to attach to the checkpoint, unmerged");
    genCmd->add_option("--prompt", gen->prompt, "Prompt text")->required();
    genCmd->add_flag("--chat", gen->chat, "Wrap the prompt as a user turn of the chat template; stop at the end marker");
    genCmd->add_option("--system", gen->system, "System prompt (with --chat)");
    auto *greedy = genCmd->add_flag("--greedy", gen->request.greedy, "Plain argmax (no sampling, no repetition penalty)");
    genCmd->add_option("--temperature", gen->request.temperature, "Sampling temperature (0 = greedy)")->check(atLeast(0))->capture_default_str()->excludes(greedy);
    genCmd->add_option("--top-k", gen->request.topK, "Keep the k most likely tokens (0 = all)")->check(atLeast(0))->capture_default_str()->excludes(greedy);
    genCmd->add_option("--top-p", gen->request.topP, "Nucleus sampling threshold, in (0, 1]")->check(greaterThan(0))->check(atMost(1))->capture_default_str()->excludes(greedy);
    genCmd->add_option("--repetition-penalty", gen->request.repetitionPenalty, "> 1 discourages repeated tokens")->check(greaterThan(0))
        ->capture_default_str()
        ->excludes(greedy);
    genCmd->add_option("--max-new-tokens", gen->request.maxNewTokens, "Most tokens to generate")->check(atLeast(0))->capture_default_str();
    genCmd->add_option("--stop", gen->request.stopStrings, "Stop where this string appears in the text, which ends before it (repeatable)");
    genCmd->add_option("--seed", gen->request.seed, "Sampling seed")->capture_default_str();
    genCmd->add_option("--device", gen->device, "cpu or cuda:N")->capture_default_str();
    genCmd->callback([&, gen] { action = [&, gen] { return generateText(options, *gen); }; });

    CLI::App *bench = app.add_subcommand("bench", "Benchmarks");
    bench->require_subcommand(1);
    auto b = std::make_shared<BenchArgs>();
    CLI::App *benchModelCmd = bench->add_subcommand("model", "Training and decoding throughput, MFU, KV-cache size");
    addConfigSource(benchModelCmd, b->source);
    benchModelCmd->add_option("--batch", b->options.batch, "Training micro-batch")->check(atLeast(1))->capture_default_str();
    benchModelCmd->add_option("--seq-len", b->options.seqLen, "Training sequence length")->capture_default_str();
    benchModelCmd->add_option("--steps", b->options.steps, "Timed training steps (the median counts)")->check(atLeast(1))->capture_default_str();
    benchModelCmd->add_option("--dtype", b->options.dtype, "fp32 or bf16")->check(CLI::IsMember({"fp32", "bf16"}))->capture_default_str();
    benchModelCmd->add_option("--device", b->options.device, "cpu or cuda:N")->capture_default_str();
    benchModelCmd->add_option("--kernels", b->options.kernels,
                              "danka (Danka's fused kernels, attention dispatched as kernels::attention does), "
                              "danka-flash (the same with Danka's own flash attention everywhere), aten (LibTorch's "
                              "own ops as a user writes the model: scaled_dot_product_attention, rms_norm, "
                              "cross_entropy; the baseline) or reference (Danka's test oracles)")
        ->check(CLI::IsMember({"danka", "danka-flash", "aten", "reference"}))
        ->capture_default_str();
    benchModelCmd->add_flag("--reference", b->reference, "Same as --kernels reference");
    benchModelCmd->callback([&, b] { action = [&, b] { return benchModel(options, *b); }; });
    addBenchCommands(*bench, options, action);  // bench attention, bench kernels (cli_bench.cpp)

    auto e = std::make_shared<EstimateArgs>();
    CLI::App *estimateCmd = app.add_subcommand("estimate", "Memory needed to train a config, and the plans that fit a budget");
    addConfigSource(estimateCmd, e->source);
    estimateCmd->add_option("--budget", e->budget, "Device memory, e.g. 24GiB (default: runtime.memory_budget_gib)");
    estimateCmd->add_flag("--cpu", e->cpu, "Estimate for training on the CPU (no CUDA context; default: runtime.device)");
    estimateCmd->callback([&, e] { action = [&, e] { return estimate(options, *e); }; });
}

}  // namespace danka::cli
