// The field table of a run config (see config_fields.h).
#include "core/config/config_fields.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/train/stage_catalog.h"
#include "core/util/translate.h"

namespace danka::core::config_fields {

using nlohmann::json;

namespace {

template <typename Enum>
void choice(Visitor &v, const char *key, Enum &value, const std::vector<std::string> &names, const char *help)
{
    int index = static_cast<int>(value);
    v.choice(key, index, names, {help});
    value = static_cast<Enum>(index);
}

const std::vector<std::string> kAttentionNames = {"mha", "gqa", "mla"};
const std::vector<std::string> kDeviceNames = {"auto", "cpu", "cuda"};
const std::vector<std::string> kPrecisionNames = {"fp32", "bf16", "fp16"};
const std::vector<std::string> kDecayNames = {"cosine", "linear", "constant"};
const std::vector<std::string> kOverlongNames = {"truncate", "drop"};
const std::vector<std::string> kRopeScalingNames = {"none", "linear", "ntk", "yarn"};

constexpr double kMaxVocab = 1 << 24;  // token ids are stored as uint16 or uint32

// A choice stored as its name (stage.kind): a name the list does not know is kept, for validation to name.
void nameChoice(Visitor &v, const char *key, std::string &value, std::vector<std::string> names, const char *help)
{
    auto it = std::find(names.begin(), names.end(), value);
    if (it == names.end()) it = names.insert(names.end(), value);
    int index = static_cast<int>(it - names.begin());
    v.choice(key, index, names, {help});
    value = names.at(static_cast<size_t>(index));
}

// A setting a stage declares in its own file (StageSpec::params), kept in StageConfig::options.
void stageParam(Visitor &v, nlohmann::json &section, const StageParam &p)
{
    Range range;
    range.lo = p.min;
    range.hi = p.max;
    const Meta meta{p.help, range};
    const json given = section.contains(p.key) ? section.at(p.key) : p.defaultValue;
    auto as = [&](auto fallback) {
        try {
            return given.get<decltype(fallback)>();
        } catch (const json::exception &) {
            return fallback;
        }
    };
    switch (p.type) {
    case StageParam::Type::Integer: {
        int64_t x = as(p.defaultValue.get<int64_t>());
        v.field(p.key.c_str(), x, meta);
        section[p.key] = x;
        break;
    }
    case StageParam::Type::Number: {
        double x = as(p.defaultValue.get<double>());
        v.field(p.key.c_str(), x, meta);
        section[p.key] = x;
        break;
    }
    case StageParam::Type::Boolean: {
        bool x = as(p.defaultValue.get<bool>());
        v.field(p.key.c_str(), x, meta);
        section[p.key] = x;
        break;
    }
    case StageParam::Type::Text: {
        std::string x = as(p.defaultValue.get<std::string>());
        v.field(p.key.c_str(), x, meta);
        section[p.key] = x;
        break;
    }
    }
}

}  // namespace

void visitConfig(RunConfig &c, Visitor &v)
{
    v.field("name", c.name,
            {translateNoop("danka::core", "Run name shown in the studio; empty = stage and start time")});

    v.section("model", [&] {
        model::ModelConfig &m = c.model;
        v.field(
            "vocab_size", m.vocabSize,
            {translateNoop("danka::core", "Vocabulary size; must match the tokenizer"), Range::closed(1, kMaxVocab)});
        v.field("hidden_size", m.hiddenSize, {translateNoop("danka::core", "Model width d"), Range::positive()});
        v.field("n_layers", m.nLayers, {translateNoop("danka::core", "Transformer blocks"), Range::positive()});
        v.field("n_heads", m.nHeads, {translateNoop("danka::core", "Query heads"), Range::positive()});
        v.field("n_kv_heads", m.nKvHeads,
                {translateNoop("danka::core", "Key/value heads for gqa (divides n_heads); 0 = n_heads"),
                 Range::nonNegative()});
        v.field("head_dim", m.headDim,
                {translateNoop("danka::core", "Per-head dims for mha/gqa; 0 = hidden_size / n_heads"),
                 Range::nonNegative()});
        v.field("ffn_hidden_size", m.ffnHiddenSize,
                {translateNoop("danka::core", "SwiGLU inner width"), Range::positive()});
        choice(v, "attention", m.attention, kAttentionNames,
               translateNoop("danka::core",
                             "Attention: mha (multi-head), gqa (grouped-query), mla (multi-head latent, DeepSeek-V2)"));
        v.section("mla", [&] {
            model::MlaConfig &a = m.mla;
            v.field("q_lora_rank", a.qLoraRank,
                    {translateNoop("danka::core", "Query compression rank; 0 = no query compression"),
                     Range::nonNegative()});
            v.field(
                "kv_lora_rank", a.kvLoraRank,
                {translateNoop("danka::core", "Key/value latent rank (what the KV cache stores)"), Range::positive()});
            v.field("qk_nope_head_dim", a.qkNopeHeadDim,
                    {translateNoop("danka::core", "Per-head query/key dims without RoPE"), Range::positive()});
            v.field("qk_rope_head_dim", a.qkRopeHeadDim,
                    {translateNoop("danka::core", "Decoupled RoPE dims (one shared key head)"), Range::positive()});
            v.field("v_head_dim", a.vHeadDim, {translateNoop("danka::core", "Per-head value dims"), Range::positive()});
        });
        v.field("max_seq_len", m.maxSeqLen,
                {translateNoop("danka::core", "Longest context (RoPE tables, KV cache)"), Range::positive()});
        v.field("rope_theta", m.ropeTheta, {translateNoop("danka::core", "RoPE base frequency"), Range::positive()});
        v.section("rope_scaling", [&] {
            model::RopeScaling &r = m.ropeScaling;
            choice(v, "type", r.kind, kRopeScalingNames,
                   translateNoop("danka::core",
                                 "RoPE scaling, to run at a longer context than the weights were trained at: none, "
                                 "linear (position interpolation), ntk (static NTK-aware: a larger base) or yarn. "
                                 "The one model setting a run from a base checkpoint takes (none keeps the "
                                 "checkpoint's own)"));
            v.field("factor", r.factor,
                    {translateNoop("danka::core",
                                   "RoPE scaling: context multiplier, >= 1; 0 = max_seq_len (from a base "
                                   "checkpoint: the context it is extended to) / original_max_seq_len"),
                     Range::nonNegative()});
            v.field("original_max_seq_len", r.originalMaxSeqLen,
                    {translateNoop("danka::core",
                                   "RoPE scaling: context the weights were trained at; 0 = the base checkpoint's "
                                   "(without one, yarn and a derived factor need it)"),
                     Range::nonNegative()});
            v.field("beta_fast", r.betaFast,
                    {translateNoop("danka::core",
                                   "YaRN: dims turning more often than this over the original context keep their "
                                   "frequency"),
                     Range::positive()});
            v.field("beta_slow", r.betaSlow,
                    {translateNoop("danka::core",
                                   "YaRN: dims turning less often than this over the original context are fully "
                                   "interpolated"),
                     Range::positive()});
            v.field("attention_factor", r.attentionFactor,
                    {translateNoop("danka::core", "YaRN: scale of cos and sin; 0 = 0.1 ln(factor) + 1"),
                     Range::nonNegative()});
        });
        v.field("rms_norm_eps", m.rmsNormEps,
                {translateNoop("danka::core", "Epsilon inside RMSNorm"), Range::open(0, 1)});
        v.field("tie_embeddings", m.tieEmbeddings,
                {translateNoop("danka::core", "The LM head shares the token embedding matrix")});
        v.field("qk_norm", m.qkNorm, {translateNoop("danka::core", "RMSNorm on queries and keys before RoPE")});
        v.field("dropout", m.dropout,
                {translateNoop("danka::core", "Dropout probability during training"), Range::halfOpen(0, 1)});
        v.field("init_std", m.initStd,
                {translateNoop("danka::core", "Standard deviation of the initial weights"), Range::positive()});
    });

    v.section("data", [&] {
        DataConfig &d = c.data;
        v.field("dataset", d.dataset,
                {translateNoop("danka::core", "Prepared dataset folder (danka-cli data prepare)")});
        v.field("val_dataset", d.valDataset,
                {translateNoop("danka::core", "Separate validation dataset; empty = split from dataset")});
        v.field("val_fraction", d.valFraction,
                {translateNoop("danka::core", "Share held out for validation"), Range::halfOpen(0, 1)});
        v.field("seq_len", d.seqLen, {translateNoop("danka::core", "Tokens per training sequence"), Range::positive()});
        v.field("micro_batch_size", d.microBatchSize,
                {translateNoop("danka::core", "Sequences per forward/backward pass"), Range::positive()});
        v.field(
            "pad_to_multiple", d.padToMultiple,
            {translateNoop("danka::core", "SFT: pad each batch's length to a multiple of this"), Range::positive()});
        v.field("shuffle", d.shuffle, {translateNoop("danka::core", "Shuffle the sequence order (seeded)")});
        choice(v, "overlong", d.overlong, kOverlongNames,
               translateNoop("danka::core",
                             "SFT: conversations longer than seq_len + 1 tokens are truncated (the last "
                             "reply loses its end "
                             "marker; the run reports how many) or dropped"));
    });

    v.section("optim", [&] {
        OptimConfig &o = c.optim;
        v.field("learning_rate", o.learningRate,
                {translateNoop("danka::core", "Peak learning rate after warmup"), Range::positive()});
        v.field("beta1", o.beta1, {translateNoop("danka::core", "AdamW first-moment decay"), Range::halfOpen(0, 1)});
        v.field("beta2", o.beta2, {translateNoop("danka::core", "AdamW second-moment decay"), Range::halfOpen(0, 1)});
        v.field("eps", o.eps, {translateNoop("danka::core", "AdamW epsilon"), Range::positive()});
        v.field("weight_decay", o.weightDecay,
                {translateNoop("danka::core", "Decoupled weight decay on weight matrices"), Range::nonNegative()});
        v.field("decay_norms_and_embeddings", o.decayNormsAndEmbeddings,
                {translateNoop("danka::core", "Also apply weight decay to norms, biases and embeddings")});
        v.field("grad_clip", o.gradClip,
                {translateNoop("danka::core", "Clip the global gradient norm to this; 0 = off"), Range::nonNegative()});
        v.field("grad_accum_steps", o.gradAccumSteps,
                {translateNoop("danka::core", "Micro-batches per optimizer step"), Range::positive()});
    });

    v.section("schedule", [&] {
        ScheduleConfig &s = c.schedule;
        v.field("max_steps", s.maxSteps,
                {translateNoop("danka::core", "Optimizer steps of the run"), Range::positive()});
        v.field("warmup_steps", s.warmupSteps,
                {translateNoop("danka::core", "Linear warmup steps"), Range::nonNegative()});
        choice(v, "decay", s.decay, kDecayNames,
               translateNoop("danka::core", "Learning-rate shape after warmup: cosine, linear or constant"));
        v.field("min_lr_ratio", s.minLrRatio,
                {translateNoop("danka::core", "Final learning rate as a fraction of the peak"), Range::closed(0, 1)});
    });

    v.section("stage", [&] {
        StageConfig &s = c.stage;
        nameChoice(v, "kind", s.kind, stageNames(),
                   translateNoop("danka::core",
                                 "Training stage: pretrain, sft or distill, with LoRA as stage.lora.enabled "
                                 "(reward, dpo, ppo and grpo are coming; validation refuses them)"));
        v.field("base_checkpoint", s.baseCheckpoint,
                {translateNoop("danka::core", "Checkpoint folder to start from; empty = random init")});
        v.field("fim_rate", s.fimRate,
                {translateNoop("danka::core", "Pretraining: share of documents in fill-in-the-middle form"),
                 Range::closed(0, 1)});
        v.field("document_mask", s.documentMask,
                {translateNoop("danka::core", "Pretraining: attention stays within each document")});
        v.section("lora", [&] {
            LoraConfig &l = s.lora;
            v.field("enabled", l.enabled,
                    {translateNoop("danka::core",
                                   "LoRA: train low-rank adapters on the frozen base instead of every weight "
                                   "(fine-tuning stages)")});
            v.field("rank", l.rank,
                    {translateNoop("danka::core", "LoRA: inner dimension r of each adapter"), Range::closed(1, 4096)});
            v.field("alpha", l.alpha,
                    {translateNoop("danka::core", "LoRA: the adapter's update is scaled by alpha / rank"),
                     Range::positive()});
            v.field("dropout", l.dropout,
                    {translateNoop("danka::core", "LoRA: dropout on the adapter input in training"),
                     Range::halfOpen(0, 1)});
            v.field(
                "target_modules", l.targetModules,
                {translateNoop("danka::core",
                               "LoRA: projections with adapters: comma-separated module names as PEFT matches them "
                               "(q_proj,v_proj,mlp.down_proj; MLA: q_a_proj,q_b_proj,kv_a_proj_with_mqa,kv_b_proj), "
                               "all-linear, or re:REGEX")});
        });
        v.section("distill", [&] {
            DistillConfig &d = s.distill;
            v.field("markers", d.markers,
                    {translateNoop("danka::core", "Distill: comma-separated marker tokens that get marker_weight")});
            v.field("marker_weight", d.markerWeight,
                    {translateNoop("danka::core", "Distill: loss weight of marker tokens"), Range::nonNegative()});
            v.field("answer_weight", d.answerWeight,
                    {translateNoop("danka::core", "Distill: loss weight of the reply after </think> (the answer)"),
                     Range::nonNegative()});
            v.field("teacher_checkpoint", d.teacherCheckpoint,
                    {translateNoop("danka::core",
                                   "Distill: teacher checkpoint for white-box distillation (same tokenizer); "
                                   "empty = R1-style "
                                   "only")});
            v.field("kl_weight", d.klWeight,
                    {translateNoop("danka::core", "Distill: share of the KL term in the loss"), Range::closed(0, 1)});
            v.field("temperature", d.temperature,
                    {translateNoop("danka::core", "Distill: softening temperature of both distributions"),
                     Range::positive()});
        });
        // The settings stages declare in their own files (stage_catalog.h), a section per stage.
        if (!s.options.is_object()) s.options = json::object();
        for (const StageSpec *spec : stageCatalog()) {
            if (spec->params.empty()) continue;
            v.section(spec->name.c_str(), [&] {
                json &section = s.options[spec->name];
                if (!section.is_object()) section = json::object();
                for (const StageParam &p : spec->params) stageParam(v, section, p);
            });
        }
    });

    v.section("runtime", [&] {
        RuntimeConfig &r = c.runtime;
        choice(v, "device", r.device, kDeviceNames,
               translateNoop("danka::core", "Device: auto (CUDA when available), cpu or cuda"));
        choice(v, "precision", r.precision, kPrecisionNames,
               translateNoop("danka::core", "Arithmetic: fp32, bf16 autocast, or fp16 with loss scaling (CUDA only)"));
        v.field("threads", r.threads,
                {translateNoop("danka::core", "LibTorch intra-op threads; 0 = all cores"), Range::nonNegative()});
        v.field(
            "seed", r.seed,
            {translateNoop("danka::core", "Seed of weights, data order, dropout and sampling"), Range::nonNegative()});
        v.field(
            "activation_checkpointing", r.activationCheckpointing,
            {translateNoop("danka::core", "Recompute every k-th block in backward; 0 = off"), Range::nonNegative()});
        v.field("log_every", r.logEvery,
                {translateNoop("danka::core", "Steps between metric points"), Range::positive()});
        v.field("eval_every", r.evalEvery,
                {translateNoop("danka::core", "Steps between validation passes; 0 = at the end only"),
                 Range::nonNegative()});
        v.field("eval_batches", r.evalBatches,
                {translateNoop("danka::core", "Micro-batches per validation pass"), Range::positive()});
        v.field("checkpoint_every", r.checkpointEvery,
                {translateNoop("danka::core", "Steps between checkpoints; 0 = at the end only"), Range::nonNegative()});
        v.field("keep_checkpoints", r.keepCheckpoints,
                {translateNoop("danka::core", "Most recent checkpoints kept (plus the best)"), Range::positive()});
        v.field("sample_every", r.sampleEvery,
                {translateNoop("danka::core", "Steps between sample generations; 0 = off"), Range::nonNegative()});
        v.field("sample_prompt", r.samplePrompt,
                {translateNoop(
                    "danka::core",
                    "Prompt of the sample generations; empty = the first tokens of three validation documents")});
        v.field("sample_tokens", r.sampleTokens,
                {translateNoop("danka::core", "Tokens generated per sample"), Range::closed(1, 4096)});
        v.field("skip_z_score", r.skipZScore,
                {translateNoop("danka::core",
                               "Skip an update whose loss or gradient norm lies this many standard "
                               "deviations above the last 128 steps; 0 = skip only NaN/Inf"),
                 Range::nonNegative()});
        v.field("max_skipped_steps", r.maxSkippedSteps,
                {translateNoop("danka::core", "Consecutive skipped updates that stop the run"), Range::positive()});
        v.field("memory_budget_gib", r.memoryBudgetGib,
                {translateNoop("danka::core", "GPU memory the plan must fit, GiB"), Range::positive()});
        v.field("memory_cap", r.memoryCap,
                {translateNoop("danka::core",
                               "Cap the memory allocator at memory_budget_gib, so that a bigger card behaves "
                               "like one of the budget (on the CPU: LibTorch's allocations); past it the run "
                               "stops with advice")});
        v.field("offload_optimizer", r.offloadOptimizer,
                {translateNoop("danka::core",
                               "Keep AdamW's moments in pinned CPU memory, streamed through the GPU each "
                               "step: frees 8 bytes per trained parameter of GPU memory for a slower step")});
    });
}

}  // namespace danka::core::config_fields
