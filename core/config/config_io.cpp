// RunConfig <-> JSON. One field table (visitConfig) drives writing, reading, range checks and the schema,
// so a key is declared once: its JSON name, its meaning and its allowed range.
#include "core/config/config_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/config/config_rules.h"
#include "core/config/presets.h"
#include "core/train/stage_catalog.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/util/translate.h"

namespace danka::core {

using nlohmann::json;

namespace {

// --- The field table ---------------------------------------------------------------------------------------

struct Range {
    std::optional<double> lo, hi;
    bool loOpen = false, hiOpen = false;

    static Range none() { return {}; }
    static Range positive() { return {0.0, std::nullopt, true, false}; }
    static Range nonNegative() { return {0.0, std::nullopt, false, false}; }
    static Range atLeast(double v) { return {v, std::nullopt, false, false}; }
    static Range closed(double a, double b) { return {a, b, false, false}; }
    static Range halfOpen(double a, double b) { return {a, b, false, true}; }     // [a, b)
    static Range openClosed(double a, double b) { return {a, b, true, false}; }   // (a, b]
    static Range open(double a, double b) { return {a, b, true, true}; }          // (a, b)

    bool bounded() const { return lo || hi; }
    bool contains(double v) const
    {
        if (lo && (loOpen ? !(v > *lo) : !(v >= *lo))) return false;
        if (hi && (hiOpen ? !(v < *hi) : !(v <= *hi))) return false;
        return true;
    }
    std::string text() const
    {
        if (lo && hi)
            return std::string("in ") + (loOpen ? "(" : "[") + formatNumber(*lo) + ", " + formatNumber(*hi) +
                   (hiOpen ? ")" : "]");
        if (lo) return std::string(loOpen ? "> " : ">= ") + formatNumber(*lo);
        if (hi) return std::string(hiOpen ? "< " : "<= ") + formatNumber(*hi);
        return "";
    }
};

struct Meta {
    const char *help;
    Range range = Range::none();
};

class Visitor {
public:
    virtual ~Visitor() = default;
    virtual void section(const char *key, const std::function<void()> &body) = 0;
    virtual void field(const char *key, int64_t &value, const Meta &meta) = 0;
    virtual void field(const char *key, double &value, const Meta &meta) = 0;
    virtual void field(const char *key, bool &value, const Meta &meta) = 0;
    virtual void field(const char *key, std::string &value, const Meta &meta) = 0;
    virtual void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &meta) = 0;
};

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

void visitConfig(RunConfig &c, Visitor &v)
{
    v.field("name", c.name,
            {translateNoop("danka::core", "Run name shown in the studio; empty = stage and start time")});

    v.section("model", [&] {
        model::ModelConfig &m = c.model;
        v.field("vocab_size", m.vocabSize,
                {translateNoop("danka::core", "Vocabulary size; must match the tokenizer"),
                 Range::closed(1, kMaxVocab)});
        v.field("hidden_size", m.hiddenSize,
                {translateNoop("danka::core", "Model width d"), Range::positive()});
        v.field("n_layers", m.nLayers,
                {translateNoop("danka::core", "Transformer blocks"), Range::positive()});
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
               translateNoop(
                   "danka::core",
                   "Attention: mha (multi-head), gqa (grouped-query), mla (multi-head latent, DeepSeek-V2)"));
        v.section("mla", [&] {
            model::MlaConfig &a = m.mla;
            v.field("q_lora_rank", a.qLoraRank,
                    {translateNoop("danka::core", "Query compression rank; 0 = no query compression"),
                     Range::nonNegative()});
            v.field("kv_lora_rank", a.kvLoraRank,
                    {translateNoop("danka::core", "Key/value latent rank (what the KV cache stores)"),
                     Range::positive()});
            v.field(
                "qk_nope_head_dim", a.qkNopeHeadDim,
                {translateNoop("danka::core", "Per-head query/key dims without RoPE"), Range::positive()});
            v.field("qk_rope_head_dim", a.qkRopeHeadDim,
                    {translateNoop("danka::core", "Decoupled RoPE dims (one shared key head)"),
                     Range::positive()});
            v.field("v_head_dim", a.vHeadDim,
                    {translateNoop("danka::core", "Per-head value dims"), Range::positive()});
        });
        v.field("max_seq_len", m.maxSeqLen,
                {translateNoop("danka::core", "Longest context (RoPE tables, KV cache)"), Range::positive()});
        v.field("rope_theta", m.ropeTheta,
                {translateNoop("danka::core", "RoPE base frequency"), Range::positive()});
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
        v.field("qk_norm", m.qkNorm,
                {translateNoop("danka::core", "RMSNorm on queries and keys before RoPE")});
        v.field("dropout", m.dropout,
                {translateNoop("danka::core", "Dropout probability during training"), Range::halfOpen(0, 1)});
        v.field(
            "init_std", m.initStd,
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
        v.field("seq_len", d.seqLen,
                {translateNoop("danka::core", "Tokens per training sequence"), Range::positive()});
        v.field("micro_batch_size", d.microBatchSize,
                {translateNoop("danka::core", "Sequences per forward/backward pass"), Range::positive()});
        v.field("pad_to_multiple", d.padToMultiple,
                {translateNoop("danka::core", "SFT: pad each batch's length to a multiple of this"),
                 Range::positive()});
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
        v.field("beta1", o.beta1,
                {translateNoop("danka::core", "AdamW first-moment decay"), Range::halfOpen(0, 1)});
        v.field("beta2", o.beta2,
                {translateNoop("danka::core", "AdamW second-moment decay"), Range::halfOpen(0, 1)});
        v.field("eps", o.eps, {translateNoop("danka::core", "AdamW epsilon"), Range::positive()});
        v.field("weight_decay", o.weightDecay,
                {translateNoop("danka::core", "Decoupled weight decay on weight matrices"),
                 Range::nonNegative()});
        v.field("decay_norms_and_embeddings", o.decayNormsAndEmbeddings,
                {translateNoop("danka::core", "Also apply weight decay to norms, biases and embeddings")});
        v.field("grad_clip", o.gradClip,
                {translateNoop("danka::core", "Clip the global gradient norm to this; 0 = off"),
                 Range::nonNegative()});
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
                {translateNoop("danka::core", "Final learning rate as a fraction of the peak"),
                 Range::closed(0, 1)});
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
                    {translateNoop("danka::core", "LoRA: inner dimension r of each adapter"),
                     Range::closed(1, 4096)});
            v.field("alpha", l.alpha,
                    {translateNoop("danka::core", "LoRA: the adapter's update is scaled by alpha / rank"),
                     Range::positive()});
            v.field("dropout", l.dropout,
                    {translateNoop("danka::core", "LoRA: dropout on the adapter input in training"),
                     Range::halfOpen(0, 1)});
            v.field("target_modules", l.targetModules,
                    {translateNoop(
                        "danka::core",
                        "LoRA: projections with adapters: comma-separated module names as PEFT matches them "
                        "(q_proj,v_proj,mlp.down_proj; MLA: q_a_proj,q_b_proj,kv_a_proj_with_mqa,kv_b_proj), "
                        "all-linear, or re:REGEX")});
        });
        v.section("distill", [&] {
            DistillConfig &d = s.distill;
            v.field("markers", d.markers,
                    {translateNoop("danka::core",
                                   "Distill: comma-separated marker tokens that get marker_weight")});
            v.field("marker_weight", d.markerWeight,
                    {translateNoop("danka::core", "Distill: loss weight of marker tokens"),
                     Range::nonNegative()});
            v.field("answer_weight", d.answerWeight,
                    {translateNoop("danka::core",
                                   "Distill: loss weight of the reply after </think> (the answer)"),
                     Range::nonNegative()});
            v.field("teacher_checkpoint", d.teacherCheckpoint,
                    {translateNoop("danka::core",
                                   "Distill: teacher checkpoint for white-box distillation (same tokenizer); "
                                   "empty = R1-style "
                                   "only")});
            v.field("kl_weight", d.klWeight,
                    {translateNoop("danka::core", "Distill: share of the KL term in the loss"),
                     Range::closed(0, 1)});
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
               translateNoop("danka::core",
                             "Arithmetic: fp32, bf16 autocast, or fp16 with loss scaling (CUDA only)"));
        v.field(
            "threads", r.threads,
            {translateNoop("danka::core", "LibTorch intra-op threads; 0 = all cores"), Range::nonNegative()});
        v.field("seed", r.seed,
                {translateNoop("danka::core", "Seed of weights, data order, dropout and sampling"),
                 Range::nonNegative()});
        v.field("activation_checkpointing", r.activationCheckpointing,
                {translateNoop("danka::core", "Recompute every k-th block in backward; 0 = off"),
                 Range::nonNegative()});
        v.field("log_every", r.logEvery,
                {translateNoop("danka::core", "Steps between metric points"), Range::positive()});
        v.field("eval_every", r.evalEvery,
                {translateNoop("danka::core", "Steps between validation passes; 0 = at the end only"),
                 Range::nonNegative()});
        v.field("eval_batches", r.evalBatches,
                {translateNoop("danka::core", "Micro-batches per validation pass"), Range::positive()});
        v.field("checkpoint_every", r.checkpointEvery,
                {translateNoop("danka::core", "Steps between checkpoints; 0 = at the end only"),
                 Range::nonNegative()});
        v.field("keep_checkpoints", r.keepCheckpoints,
                {translateNoop("danka::core", "Most recent checkpoints kept (plus the best)"),
                 Range::positive()});
        v.field("sample_every", r.sampleEvery,
                {translateNoop("danka::core", "Steps between sample generations; 0 = off"),
                 Range::nonNegative()});
        v.field(
            "sample_prompt", r.samplePrompt,
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
                {translateNoop("danka::core", "Consecutive skipped updates that stop the run"),
                 Range::positive()});
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

std::string joinPath(const std::string &prefix, const std::string &key)
{
    return prefix.empty() ? key : prefix + "." + key;
}

// --- Key index: every section and key, for "did you mean" ----------------------------------------------------

struct KeyIndex {
    std::map<std::string, std::vector<std::string>> keysBySection;  // "" = top level; includes subsections
    std::vector<std::string> allPaths;
};

class IndexBuilder : public Visitor {
public:
    KeyIndex index;
    std::vector<std::string> stack{""};
    void add(const char *key)
    {
        index.keysBySection[stack.back()].push_back(key);
        index.allPaths.push_back(joinPath(stack.back(), key));
    }
    void section(const char *key, const std::function<void()> &body) override
    {
        add(key);
        stack.push_back(joinPath(stack.back(), key));
        body();
        stack.pop_back();
    }
    void field(const char *key, int64_t &, const Meta &) override { add(key); }
    void field(const char *key, double &, const Meta &) override { add(key); }
    void field(const char *key, bool &, const Meta &) override { add(key); }
    void field(const char *key, std::string &, const Meta &) override { add(key); }
    void choice(const char *key, int &, const std::vector<std::string> &, const Meta &) override { add(key); }
};

const KeyIndex &keyIndex()
{
    static const KeyIndex index = [] {
        IndexBuilder builder;
        RunConfig config;
        visitConfig(config, builder);
        builder.index.keysBySection[""].push_back("preset");
        builder.index.allPaths.push_back("preset");
        return builder.index;
    }();
    return index;
}

// Names people bring from Hugging Face configs and other trainers.
const std::map<std::string, std::string> kSynonyms = {
    {"lr", "optim.learning_rate"},
    {"num_hidden_layers", "model.n_layers"},
    {"n_layer", "model.n_layers"},
    {"num_layers", "model.n_layers"},
    {"num_attention_heads", "model.n_heads"},
    {"n_head", "model.n_heads"},
    {"num_key_value_heads", "model.n_kv_heads"},
    {"intermediate_size", "model.ffn_hidden_size"},
    {"max_position_embeddings", "model.max_seq_len"},
    {"tie_word_embeddings", "model.tie_embeddings"},
    {"dim", "model.hidden_size"},
    {"d_model", "model.hidden_size"},
    {"batch_size", "data.micro_batch_size"},
    {"max_seq_length", "data.seq_len"},
    {"block_size", "data.seq_len"},
    {"gradient_accumulation_steps", "optim.grad_accum_steps"},
    {"accumulation_steps", "optim.grad_accum_steps"},
    {"max_grad_norm", "optim.grad_clip"},
    {"grad_norm_clip", "optim.grad_clip"},
    {"warmup", "schedule.warmup_steps"},
    {"dtype", "runtime.precision"},
    {"mixed_precision", "runtime.precision"},
    {"gradient_checkpointing", "runtime.activation_checkpointing"},
};

std::string unknownKeyMessage(const std::string &section, const std::string &key)
{
    const KeyIndex &index = keyIndex();
    std::string suggestion;
    if (auto it = kSynonyms.find(key); it != kSynonyms.end()) suggestion = it->second;
    if (suggestion.empty()) {
        auto sectionKeys = index.keysBySection.find(section);
        if (sectionKeys != index.keysBySection.end()) {
            const std::string close = closestMatch(key, sectionKeys->second);
            if (!close.empty()) suggestion = joinPath(section, close);
        }
    }
    if (suggestion.empty()) {
        // The right key in the wrong section: "model.learning_rate" -> optim.learning_rate.
        for (const std::string &path : index.allPaths) {
            const auto dot = path.rfind('.');
            const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
            if (leaf == key || editDistance(leaf, key) <= (key.size() > 8 ? 2 : 1)) {
                suggestion = path;
                break;
            }
        }
    }
    return suggestion.empty()
               ? translate("danka::core", "unknown key")
               : formatMessage(translate("danka::core", "unknown key, did you mean %1?"), suggestion);
}

std::string describe(const json &j)
{
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::string:
        return formatMessage(translate("danka::core", "string %1"), j.dump());
    case json::value_t::object:
        return translate("danka::core", "an object");
    case json::value_t::array:
        return translate("danka::core", "an array");
    default: return j.dump();
    }
}

// --- Writing -----------------------------------------------------------------------------------------------

class Writer : public Visitor {
public:
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    std::vector<nlohmann::ordered_json *> stack{&root};

    void section(const char *key, const std::function<void()> &body) override
    {
        auto &child = (*stack.back())[key] = nlohmann::ordered_json::object();
        stack.push_back(&child);
        body();
        stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, double &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, bool &v, const Meta &) override { (*stack.back())[key] = v; }
    void field(const char *key, std::string &v, const Meta &) override { (*stack.back())[key] = v; }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &) override
    {
        (*stack.back())[key] = names.at(static_cast<size_t>(index));
    }
};

// --- Reading -----------------------------------------------------------------------------------------------

class Reader : public Visitor {
public:
    Reader(const json &root, std::vector<ConfigProblem> &problems) : m_problems(problems)
    {
        m_stack.push_back({&root, "", {"preset"}});
    }
    void finish() { reportUnknown(m_stack.back()); }

    void section(const char *key, const std::function<void()> &body) override
    {
        const json *j = lookup(key);
        const std::string path = joinPath(m_stack.back().path, key);
        if (j && !j->is_object()) {
            m_problems.push_back(
                {path, formatMessage(translate("danka::core", "expected an object, got %1"), describe(*j))});
            j = nullptr;
        }
        m_stack.push_back({j, path, {}});
        body();
        reportUnknown(m_stack.back());
        m_stack.pop_back();
    }

    void field(const char *key, int64_t &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_number_integer()) {
            value = j->get<int64_t>();
        } else if (j->is_number_unsigned()) {
            problem(key, formatMessage(translate("danka::core", "must be at most %1, got %2"),
                                       std::numeric_limits<int64_t>::max(), j->dump()));
        } else if (j->is_number_float() && std::floor(j->get<double>()) == j->get<double>() &&
                   std::fabs(j->get<double>()) < 9e15) {
            value = static_cast<int64_t>(j->get<double>());  // 1e5 is a fine way to write 100000
        } else {
            problem(key,
                    formatMessage(translate("danka::core", "expected an integer, got %1"), describe(*j)));
        }
    }
    void field(const char *key, double &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_number())
            value = j->get<double>();
        else
            problem(key, formatMessage(translate("danka::core", "expected a number, got %1"), describe(*j)));
    }
    void field(const char *key, bool &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_boolean())
            value = j->get<bool>();
        else
            problem(key,
                    formatMessage(translate("danka::core", "expected true or false, got %1"), describe(*j)));
    }
    void field(const char *key, std::string &value, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        if (j->is_string())
            value = j->get<std::string>();
        else if (j->is_null())
            value.clear();
        else
            problem(key, formatMessage(translate("danka::core", "expected a string, got %1"), describe(*j)));
    }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &) override
    {
        const json *j = lookup(key);
        if (!j) return;
        std::string list;
        for (const std::string &n : names) list += (list.empty() ? "\"" : ", \"") + n + "\"";
        if (!j->is_string()) {
            problem(key, formatMessage(translate("danka::core", "expected one of %1, got %2"), list,
                                       describe(*j)));
            return;
        }
        const std::string text = j->get<std::string>();
        for (size_t i = 0; i < names.size(); ++i) {
            if (names[i] == text) {
                index = static_cast<int>(i);
                return;
            }
        }
        const std::string close = closestMatch(text, names);
        problem(key,
                close.empty()
                    ? formatMessage(translate("danka::core", "expected one of %1, got \"%2\""), list, text)
                    : formatMessage(
                          translate("danka::core", "expected one of %1, got \"%2\"; did you mean \"%3\"?"),
                          list, text, close));
    }

private:
    struct Frame {
        const json *object;  // null when the section is absent or not an object
        std::string path;
        std::set<std::string> seen;
    };

    const json *lookup(const char *key)
    {
        Frame &f = m_stack.back();
        f.seen.insert(key);
        if (!f.object) return nullptr;
        auto it = f.object->find(key);
        return it == f.object->end() ? nullptr : &*it;
    }
    void problem(const char *key, const std::string &message)
    {
        m_problems.push_back({joinPath(m_stack.back().path, key), message});
    }
    void reportUnknown(const Frame &f)
    {
        if (!f.object) return;
        for (auto it = f.object->begin(); it != f.object->end(); ++it)
            if (!f.seen.count(it.key()))
                m_problems.push_back({joinPath(f.path, it.key()), unknownKeyMessage(f.path, it.key())});
    }

    std::vector<ConfigProblem> &m_problems;
    std::vector<Frame> m_stack;
};

// --- Range checks ------------------------------------------------------------------------------------------

// "must be > 0, got -1", "must be in [0, 1), got 2", in the interface language.
std::string rangeProblem(const Range &range, double v)
{
    const std::string text = range.text();
    if (text.rfind("in ", 0) == 0)
        return formatMessage(translate("danka::core", "must be in %1, got %2"), text.substr(3),
                             formatNumber(v));
    return formatMessage(translate("danka::core", "must be %1, got %2"), text, formatNumber(v));
}

class RangeChecker : public Visitor {
public:
    explicit RangeChecker(std::vector<ConfigProblem> &problems) : m_problems(problems) {}

    void section(const char *key, const std::function<void()> &body) override
    {
        m_stack.push_back(joinPath(m_stack.back(), key));
        body();
        m_stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &meta) override { check(key, static_cast<double>(v), meta); }
    void field(const char *key, double &v, const Meta &meta) override
    {
        if (!std::isfinite(v))
            m_problems.push_back({joinPath(m_stack.back(), key),
                                  formatMessage(translate("danka::core", "must be a finite number, got %1"),
                                                formatNumber(v))});
        else
            check(key, v, meta);
    }
    void field(const char *, bool &, const Meta &) override {}
    void field(const char *, std::string &, const Meta &) override {}
    void choice(const char *, int &, const std::vector<std::string> &, const Meta &) override {}

private:
    void check(const char *key, double v, const Meta &meta)
    {
        if (meta.range.bounded() && !meta.range.contains(v))
            m_problems.push_back({joinPath(m_stack.back(), key), rangeProblem(meta.range, v)});
    }
    std::vector<ConfigProblem> &m_problems;
    std::vector<std::string> m_stack{""};
};

// --- Schema ------------------------------------------------------------------------------------------------

class SchemaBuilder : public Visitor {
public:
    std::vector<FieldDescriptor> fields;

    void section(const char *key, const std::function<void()> &body) override
    {
        m_stack.push_back(joinPath(m_stack.back(), key));
        body();
        m_stack.pop_back();
    }
    void field(const char *key, int64_t &v, const Meta &meta) override { add(key, FieldType::Integer, meta, v); }
    void field(const char *key, double &v, const Meta &meta) override { add(key, FieldType::Number, meta, v); }
    void field(const char *key, bool &v, const Meta &meta) override { add(key, FieldType::Boolean, meta, v); }
    void field(const char *key, std::string &v, const Meta &meta) override
    {
        add(key, FieldType::String, meta, v);
    }
    void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &meta) override
    {
        add(key, FieldType::Choice, meta, names.at(static_cast<size_t>(index)));
        fields.back().choices = names;
    }

private:
    void add(const char *key, FieldType type, const Meta &meta, const json &defaultValue)
    {
        FieldDescriptor d;
        d.path = joinPath(m_stack.back(), key);
        const auto first = m_stack.back().find('.');
        d.section = m_stack.back().substr(0, first);
        d.type = type;
        d.help = meta.help;
        d.rangeText = meta.range.text();
        d.defaultValue = defaultValue;
        fields.push_back(std::move(d));
    }
    std::vector<std::string> m_stack{""};
};

}  // namespace

// --- Public API --------------------------------------------------------------------------------------------

nlohmann::ordered_json toJson(const RunConfig &config)
{
    RunConfig copy = config;
    Writer writer;
    visitConfig(copy, writer);
    return writer.root;
}

std::vector<ConfigProblem> validate(const RunConfig &config)
{
    std::vector<ConfigProblem> problems;
    RunConfig copy = config;
    RangeChecker checker(problems);
    visitConfig(copy, checker);
    checkCrossFields(config, problems);
    return problems;
}

namespace {

// Configs written before LoRA became a setting of the fine-tuning stages named it as a stage: "kind": "lora"
// is read as "sft" with stage.lora.enabled, and the result says so.
json migrated(const json &j, std::vector<std::string> &notes)
{
    const auto stage = j.find("stage");
    if (stage == j.end() || !stage->is_object()) return j;
    const auto kind = stage->find("kind");
    if (kind == stage->end() || !kind->is_string() || kind->get<std::string>() != "lora") return j;
    json copy = j;
    copy["stage"]["kind"] = "sft";
    if (!copy["stage"].contains("lora") || !copy["stage"]["lora"].is_object()) copy["stage"]["lora"] = json::object();
    copy["stage"]["lora"]["enabled"] = true;
    notes.push_back(translate("danka::core",
                              "stage.kind \"lora\" (a config of an earlier Danka) is read as \"sft\" "
                              "with stage.lora.enabled: LoRA is now a setting of every fine-tuning "
                              "stage"));
    return copy;
}

}  // namespace

ConfigLoadResult fromJson(const json &original)
{
    ConfigLoadResult result;
    const json j = original.is_object() ? migrated(original, result.notes) : original;
    if (!j.is_object()) {
        result.problems.push_back(
            {"",
             formatMessage(translate("danka::core", "a config must be a JSON object, got %1"), describe(j))});
        return result;
    }
    if (auto it = j.find("preset"); it != j.end()) {
        const Preset *preset = it->is_string() ? findPreset(it->get<std::string>()) : nullptr;
        if (preset) {
            result.config = preset->config;
        } else {
            std::vector<std::string> names;
            std::string list;
            for (const Preset &p : presets()) {
                names.push_back(p.name);
                list += (list.empty() ? "" : ", ") + p.name;
            }
            const std::string given = it->is_string() ? it->get<std::string>() : std::string();
            const std::string close = it->is_string() ? closestMatch(given, names) : std::string();
            const std::string what =
                it->is_string()
                    ? formatMessage(translate("danka::core", "unknown preset \"%1\""), given)
                    : formatMessage(translate("danka::core", "expected a string, got %1"), describe(*it));
            const std::string hint =
                close.empty() ? formatMessage(translate("danka::core", "; presets: %1"), list)
                              : formatMessage(translate("danka::core", "; did you mean \"%1\"?"), close);
            result.problems.push_back({"preset", what + hint});
        }
    }
    Reader reader(j, result.problems);
    visitConfig(result.config, reader);
    reader.finish();
    for (ConfigProblem &p : validate(result.config)) result.problems.push_back(std::move(p));
    return result;
}

ConfigLoadResult parseConfigText(const std::string &text)
{
    json j;
    try {
        j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error &e) {
        // nlohmann points past the last character read, which is often the end of the line (reported as
        // column 0). Point at the offending token instead: the last non-blank character read.
        size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.empty() ? 0 : text.size() - 1);
        while (at > 0 && std::isspace(static_cast<unsigned char>(text[at]))) --at;
        size_t line = 1, column = 1;
        for (size_t i = 0; i < at && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++column;  // count characters, not UTF-8 continuation bytes
            }
        }
        std::string message = e.what();
        if (const auto colon = message.find(": "); message.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            message = message.substr(colon + 2);  // drop "[json.exception.parse_error.101] parse error at ...: "
        ConfigLoadResult result;
        result.problems.push_back(
            {"", formatMessage(translate("danka::core", "invalid JSON at line %1, column %2: %3"), line,
                               column, message)});
        return result;
    }
    return fromJson(j);
}

ConfigLoadResult loadConfigFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ConfigLoadResult result;
        result.problems.push_back(
            {"", formatMessage(translate("danka::core", "cannot read %1: %2"), path, std::strerror(errno))});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfigText(text.str());
}

std::string fieldHelpText(const FieldDescriptor &field)
{
    return translate("danka::core", field.help.c_str());
}

std::string fieldRangeText(const FieldDescriptor &field)
{
    if (field.rangeText.rfind("in ", 0) == 0)
        return formatMessage(translate("danka::core", "in %1"), field.rangeText.substr(3));
    return field.rangeText;
}

const std::vector<FieldDescriptor> &configSchema()
{
    static const std::vector<FieldDescriptor> schema = [] {
        SchemaBuilder builder;
        RunConfig defaults;
        visitConfig(defaults, builder);
        return builder.fields;
    }();
    return schema;
}

}  // namespace danka::core
