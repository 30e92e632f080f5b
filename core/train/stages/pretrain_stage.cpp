// Pretraining stage (see pretrain_stage.h).
#include "core/train/stages/pretrain_stage.h"

#include <algorithm>
#include <cmath>

#include "core/util/error.h"
#include "model/flops.h"
#include "core/train/stage_registry.h"
#include "core/util/translate.h"

namespace danka::core::train {

namespace {

uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::unique_ptr<data::Dataset> openPretrainDataset(const std::string &dir, const tokenizer::Tokenizer &tok, const char *key)
{
    return openStageDataset(dir, tok.checksum(), data::DatasetKind::Pretrain, key,
                            "pretraining needs one prepared from plain text or {\"text\"} records");
}

}  // namespace

std::unique_ptr<data::Dataset> openStageDataset(const std::string &dir, const std::string &checksum,
                                                data::DatasetKind kind, const char *field, const char *need)
{
    auto d = std::make_unique<data::Dataset>(data::Dataset::open(dir, checksum));
    if (d->kind() != kind)
        throw Error(std::string(field) + ": " + dir + " is a " + data::datasetKindName(d->kind()) + " dataset; " + need);
    return d;
}

double sequenceFlops(const TrainingStage &stage, const model::TransformerImpl &model, int64_t tokens)
{
    const double n = static_cast<double>(tokens);
    return n * stage.flopsPerToken(model, model::causalContext(n));
}

PretrainStage::PretrainStage(const RunConfig &config, const tokenizer::Tokenizer &tok, const at::Device &device)
    : m_config(config), m_tokenizer(tok), m_device(device), m_seqLen(config.data.seqLen)
{
    if (config.data.dataset.empty()) throw Error("data.dataset: no dataset given (prepare one with danka-cli data prepare)");
    if (m_seqLen > config.model.maxSeqLen)
        throw Error("data.seq_len " + std::to_string(m_seqLen) + " exceeds model.max_seq_len " +
                    std::to_string(config.model.maxSeqLen));
    m_dataset = openPretrainDataset(config.data.dataset, tok, "data.dataset");
    m_fim.eos = tok.eosId();
    if (config.stage.fimRate > 0) {
        m_fim.prefix = tok.pieceId("<|fim_prefix|>");
        m_fim.suffix = tok.pieceId("<|fim_suffix|>");
        m_fim.middle = tok.pieceId("<|fim_middle|>");
        if (m_fim.prefix < 0 || m_fim.suffix < 0 || m_fim.middle < 0)
            throw Error("stage.fim_rate: the tokenizer has no <|fim_prefix|>/<|fim_suffix|>/<|fim_middle|> markers");
    }
    const data::DatasetSplit &train = m_dataset->split("train");
    m_train = std::make_unique<data::PretrainLoader>(train, m_seqLen, config.data.microBatchSize, config.data.shuffle,
                                                     static_cast<uint64_t>(config.runtime.seed));
    if (m_dataset->hasSplit("val")) {
        m_valSplit = &m_dataset->split("val");
        m_valSource = "the val split of " + config.data.dataset;
    } else if (!config.data.valDataset.empty()) {
        m_valDataset = openPretrainDataset(config.data.valDataset, tok, "data.val_dataset");
        m_valSplit = &m_valDataset->split(m_valDataset->hasSplit("val") ? "val" : "train");
        m_valSource = config.data.valDataset;
    } else if (config.data.valFraction > 0 && m_train->totalWindows() > 1) {
        const int64_t total = m_train->totalWindows();
        m_heldOut = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(config.data.valFraction * static_cast<double>(total))),
                                        1, total - 1);
        m_train->restrictWindows(0, total - m_heldOut);
        m_valSplit = &train;
        m_valSource = "the last " + std::to_string(m_heldOut) + " of " + std::to_string(total) +
                      " training windows (data.val_fraction)";
    }
}

at::Tensor PretrainStage::batchLoss(model::TransformerImpl &model, data::Batch b, uint64_t fimSeed, int64_t *targets)
{
    const int64_t B = b.rows, L = b.length, T = L - 1;
    if (fimSeed != 0 && m_config.stage.fimRate > 0) {
        std::vector<int32_t> row(static_cast<size_t>(L));
        for (int64_t r = 0; r < B; ++r) {
            auto *begin = b.tokens.data() + r * L;
            std::copy(begin, begin + L, row.begin());
            applyFim(row, m_config.stage.fimRate, m_fim, mix(fimSeed ^ mix(static_cast<uint64_t>(r))));
            std::copy(row.begin(), row.end(), begin);
        }
    }
    const at::Tensor all = torch::from_blob(b.tokens.data(), {B, L}, torch::kInt32).to(torch::kLong);
    model::ForwardOptions o;
    if (m_config.stage.documentMask) {
        std::vector<int32_t> segments(static_cast<size_t>(B * T));
        for (int64_t r = 0; r < B; ++r) {
            const auto s = documentSegments(b.tokens.data() + r * L, T, m_fim.eos);
            std::copy(s.begin(), s.end(), segments.begin() + r * T);
        }
        o.segments = torch::from_blob(segments.data(), {B, T}, torch::kInt32).to(m_device, torch::kLong);
    }
    const at::Tensor inputs = all.narrow(1, 0, T).to(m_device);
    const at::Tensor labels = all.narrow(1, 1, T).to(m_device);
    if (targets) *targets = B * T;
    return model.loss(model.hidden(inputs, o), labels);
}

MicroBatchLoss PretrainStage::trainLoss(model::TransformerImpl &model)
{
    // The FIM draw depends on the loader position only, so a resumed run rearranges the same documents.
    const uint64_t fimSeed = mix(static_cast<uint64_t>(m_config.runtime.seed) ^ mix(m_train->state().position + 1));
    MicroBatchLoss out;
    out.loss = batchLoss(model, m_train->next(), fimSeed, nullptr);
    out.tokens = m_config.data.microBatchSize * m_seqLen;  // windows have no padding
    out.flops = static_cast<double>(m_config.data.microBatchSize) * sequenceFlops(*this, model, m_seqLen);
    return out;
}

double PretrainStage::flopsPerToken(const model::TransformerImpl &model, double context) const
{
    return model::trainingFlopsPerToken(model.config(), context);
}

std::optional<ValidationResult> PretrainStage::validate(model::TransformerImpl &model, int64_t batches)
{
    if (!m_valSplit) return std::nullopt;
    data::PretrainLoader val(*m_valSplit, m_seqLen, m_config.data.microBatchSize, false, 0);
    if (m_heldOut > 0) val.restrictWindows(val.totalWindows() - m_heldOut, m_heldOut);
    // Never more batches than the validation data has (no window counted twice).
    const int64_t available = std::max<int64_t>(1, val.windowsPerEpoch() / m_config.data.microBatchSize);
    batches = std::min(batches, available);
    torch::NoGradGuard noGrad;
    double sum = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < batches; ++i) {
        int64_t targets = 0;
        const at::Tensor loss = batchLoss(model, val.next(), 0, &targets);
        sum += loss.item<double>() * static_cast<double>(targets);
        count += targets;
    }
    return ValidationResult{sum / static_cast<double>(std::max<int64_t>(1, count)), count};
}

std::vector<std::pair<std::string, std::vector<int32_t>>> PretrainStage::samplePrompts() const
{
    std::vector<std::pair<std::string, std::vector<int32_t>>> prompts;
    const int32_t eos = m_tokenizer.eosId();
    if (!m_config.runtime.samplePrompt.empty()) {
        std::vector<int32_t> ids = m_tokenizer.encode(m_config.runtime.samplePrompt);
        ids.insert(ids.begin(), eos);  // a document starts after </s>
        prompts.emplace_back(m_config.runtime.samplePrompt, ids);
        return prompts;
    }
    // The first tokens of three validation documents (spread over the split), as a reader would start them.
    const data::DatasetSplit &split = m_valSplit ? *m_valSplit : m_dataset->split("train");
    const int64_t docs = split.numSegments();
    const int64_t firstDoc =
        m_heldOut > 0 ? split.segmentAt((m_train->totalWindows() - m_heldOut) * m_seqLen) + 1 : 0;  // held-out part
    for (int k = 0; k < 3 && firstDoc + k < docs; ++k) {
        const int64_t doc = firstDoc + (docs - firstDoc) * k / 3;
        const auto [begin, end] = split.segment(doc);
        const int64_t n = std::min<int64_t>(8, end - begin - 1);
        if (n <= 0) continue;
        std::vector<int32_t> ids(static_cast<size_t>(n));
        split.readTokens(begin, n, ids.data());
        const std::string text = m_tokenizer.decode(ids);
        ids.insert(ids.begin(), eos);
        prompts.emplace_back(text, ids);
    }
    return prompts;
}

nlohmann::json PretrainStage::state() const
{
    return {{"loader", m_train->state().toJson()}};
}

void PretrainStage::setState(const nlohmann::json &state)
{
    if (!state.contains("loader") || !state["loader"].contains("position"))
        throw Error("training state: the pretraining stage's loader position is missing");
    m_train->setState({state["loader"]["position"].get<uint64_t>()});
}

}  // namespace danka::core::train

// --- The stage's entry in the stage table ----------------------------------------------------------------

namespace danka::core::train {

void registerPretrainStage()
{
    StageSpec spec;
    spec.name = "pretrain";
    spec.summary = translateNoop("danka::core",
                                 "next-token prediction on packed documents, from scratch or "
                                 "continued from a checkpoint");
    spec.datasetKind = "pretrain";
    spec.base = BaseUse::Optional;
    spec.fields = {"stage.fim_rate", "stage.document_mask", "data.val_fraction"};
    spec.memoryTerms = [](const RunConfig &c, model::MemoryPlan &plan) {
        // Document masks keep Danka's attention kernel (LibTorch's SDPA on the CPU takes no segment mask).
        if (c.stage.documentMask) plan.sdpaAttention = false;
    };
    registerStage(std::move(spec), [](const StageSetup &s) -> std::unique_ptr<TrainingStage> {
        return std::make_unique<PretrainStage>(s.config, s.tokenizer, s.device);
    });
}

}  // namespace danka::core::train
