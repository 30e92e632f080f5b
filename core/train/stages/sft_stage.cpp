// SFT stage (see sft_stage.h).
#include "core/train/stages/sft_stage.h"

#include <algorithm>
#include <tuple>

#include "core/util/error.h"
#include "core/tokenizer/chat_template.h"
#include "core/train/stage_registry.h"
#include "core/util/translate.h"
#include "model/flops.h"
#include "model/lora.h"

namespace danka::core::train {

namespace {

std::unique_ptr<data::Dataset> openSftDataset(const std::string &dir, const tokenizer::Tokenizer &tok, const char *key)
{
    return openStageDataset(dir, tok.checksum(), data::DatasetKind::Sft, key,
                            "SFT needs one prepared from conversations (sft, alpaca or sharegpt records)");
}

}  // namespace

SftStage::SftStage(const RunConfig &config, const tokenizer::Tokenizer &tok, const at::Device &device)
    : m_config(config), m_tokenizer(tok), m_device(device), m_seqLen(config.data.seqLen)
{
    if (config.data.dataset.empty()) throw Error("data.dataset: no dataset given (prepare SFT data with danka-cli data prepare)");
    if (m_seqLen > config.model.maxSeqLen)
        throw Error("data.seq_len " + std::to_string(m_seqLen) + " exceeds model.max_seq_len " +
                    std::to_string(config.model.maxSeqLen));
    m_dataset = openSftDataset(config.data.dataset, tok, "data.dataset");
    m_train = std::make_unique<data::SftLoader>(m_dataset->split("train"), m_seqLen, config.data.microBatchSize,
                                                config.data.padToMultiple, tok.padId(), config.data.shuffle,
                                                static_cast<uint64_t>(config.runtime.seed),
                                                config.data.overlong == Overlong::Drop);
    if (config.data.overlong == Overlong::Truncate) {
        const data::DatasetSplit &train = m_dataset->split("train");
        for (int64_t i = 0; i < train.numSegments(); ++i) {
            const auto [begin, end] = train.segment(i);
            if (end - begin > m_seqLen + 1) ++m_truncated;
        }
    }
    if (m_dataset->hasSplit("val")) {
        m_valSplit = &m_dataset->split("val");
        m_valSource = "the val split of " + config.data.dataset;
    } else if (!config.data.valDataset.empty()) {
        m_valDataset = openSftDataset(config.data.valDataset, tok, "data.val_dataset");
        m_valSplit = &m_valDataset->split(m_valDataset->hasSplit("val") ? "val" : "train");
        m_valSource = config.data.valDataset;
    }
}

std::vector<int64_t> SftStage::targetsOf(const data::Batch &b)
{
    const int64_t T = b.length - 1;
    std::vector<int64_t> targets(static_cast<size_t>(b.rows * T));
    for (int64_t r = 0; r < b.rows; ++r)
        for (int64_t t = 0; t < T; ++t) {
            const size_t i = static_cast<size_t>(r * T + t);
            targets[i] = b.targetMask[i] ? b.tokens[static_cast<size_t>(r * b.length + t + 1)] : -100;
        }
    return targets;
}

std::pair<at::Tensor, at::Tensor> SftStage::tensorsOf(const data::Batch &b) const
{
    const int64_t B = b.rows, L = b.length, T = L - 1;
    std::vector<int64_t> labels = targetsOf(b);
    const at::Tensor all = torch::from_blob(const_cast<int32_t *>(b.tokens.data()), {B, L}, torch::kInt32).to(torch::kLong);
    // Copies: backward reads the targets after `labels` is gone (to() would alias it on the CPU).
    return {all.narrow(1, 0, T).to(m_device, false, true),
            torch::from_blob(labels.data(), {B, T}, torch::kLong).to(m_device, false, true)};
}

at::Tensor SftStage::batchLoss(model::TransformerImpl &model, const data::Batch &b, int64_t *targets)
{
    const auto [inputs, target] = tensorsOf(b);
    if (targets) *targets = target.ne(-100).sum().item<int64_t>();
    return model.loss(model.hidden(inputs), target);
}

at::Tensor SftStage::trainingLoss(model::TransformerImpl &model, const data::Batch &b)
{
    return batchLoss(model, b, nullptr);
}

MicroBatchLoss SftStage::trainLoss(model::TransformerImpl &model)
{
    const data::Batch b = m_train->next();
    MicroBatchLoss out;
    out.loss = trainingLoss(model, b);
    std::tie(out.tokens, out.flops) = batchWork(model, b);
    return out;
}

std::pair<int64_t, double> SftStage::batchWork(const model::TransformerImpl &model, const data::Batch &b) const
{
    int64_t tokens = 0;
    double flops = 0;
    for (int64_t r = 0; r < b.rows; ++r) {
        // Input positions are the row's first L - 1 tokens; those past the conversation are padding.
        const int64_t real = std::min(b.rowTokens.at(static_cast<size_t>(r)), b.length - 1);
        tokens += real;
        flops += sequenceFlops(*this, model, real);
    }
    return {tokens, flops};
}

double SftStage::flopsPerToken(const model::TransformerImpl &model, double context) const
{
    if (const model::LoraSettings *lora = model.loraSettings()) {
        const model::LoraFlops adapters{lora->targetModules, lora->rank};
        return model::trainingFlopsPerToken(model.config(), context, &adapters);
    }
    return model::trainingFlopsPerToken(model.config(), context);
}

std::optional<ValidationResult> SftStage::validate(model::TransformerImpl &model, int64_t batches)
{
    if (!m_valSplit) return std::nullopt;
    data::SftLoader val(*m_valSplit, m_seqLen, m_config.data.microBatchSize, m_config.data.padToMultiple,
                        m_tokenizer.padId(), false, 0);
    batches = std::min<int64_t>(batches, std::max<int64_t>(1, val.batchesPerEpoch()));  // no record twice
    torch::NoGradGuard noGrad;
    double sum = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < batches; ++i) {
        int64_t targets = 0;
        const at::Tensor loss = batchLoss(model, val.next(), &targets);
        if (targets == 0) continue;
        sum += loss.item<double>() * static_cast<double>(targets);
        count += targets;
    }
    if (count == 0) return std::nullopt;
    return ValidationResult{sum / static_cast<double>(count), count};
}

std::vector<std::pair<std::string, std::vector<int32_t>>> SftStage::samplePrompts() const
{
    std::vector<std::pair<std::string, std::vector<int32_t>>> prompts;
    if (!m_config.runtime.samplePrompt.empty()) {
        const std::vector<int32_t> ids = tokenizer::encodePrompt(m_tokenizer, {{"user", m_config.runtime.samplePrompt}});
        prompts.emplace_back(m_config.runtime.samplePrompt, ids);
        return prompts;
    }
    // Three conversations spread over the validation (else training) split, up to their first reply.
    const data::DatasetSplit &split = m_valSplit ? *m_valSplit : m_dataset->split("train");
    const int64_t n = split.numSegments();
    for (int k = 0; k < 3 && k < n; ++k) {
        const auto [begin, end] = split.segment(n * k / 3);
        const int64_t length = std::min<int64_t>(end - begin, m_seqLen);
        std::vector<int32_t> ids(static_cast<size_t>(length));
        std::vector<uint8_t> mask(static_cast<size_t>(length));
        split.readTokens(begin, length, ids.data());
        split.readMask(begin, length, mask.data());
        // The mask marks the tokens a reply predicts: the prompt is everything before the first of them.
        const auto first = std::find(mask.begin(), mask.end(), uint8_t(1));
        if (first == mask.end() || first == mask.begin()) continue;
        ids.resize(static_cast<size_t>(first - mask.begin()));
        prompts.emplace_back(m_tokenizer.decode(ids), ids);
    }
    return prompts;
}

nlohmann::json SftStage::state() const
{
    return {{"loader", m_train->state().toJson()}};
}

void SftStage::setState(const nlohmann::json &state)
{
    if (!state.contains("loader") || !state["loader"].contains("position"))
        throw Error("training state: the SFT stage's loader position is missing");
    m_train->setState({state["loader"]["position"].get<uint64_t>()});
}

}  // namespace danka::core::train

namespace danka::core::train {

namespace {

// The run's events about its data: stored in English, translated where they are shown.
const StoredMessage kTruncated = storedMessage(
    "danka::core",
    "%1 of %2 training conversations are longer than data.seq_len + 1 = %3 tokens and are cut there (their last "
    "reply loses its end marker); raise data.seq_len or set data.overlong to \"drop\"");
const StoredMessage kDropped =
    storedMessage("danka::core",
                  "%1 training conversations are longer than data.seq_len + 1 = %2 tokens and are left out "
                  "(data.overlong \"drop\"); %3 remain");

}  // namespace

std::vector<int32_t> SftStage::sampleStopTokens() const
{
    const int32_t imEnd = m_tokenizer.pieceId(tokenizer::kImEnd);
    return imEnd >= 0 ? std::vector<int32_t>{imEnd} : std::vector<int32_t>{};
}

void reportConversationFit(const SftStage &stage, const RunConfig &config, JobContext &job)
{
    if (stage.truncatedRecords() > 0)
        job.event(EventLevel::Warning,
                  kTruncated(stage.truncatedRecords(), stage.trainRecords(), config.data.seqLen + 1));
    if (stage.droppedRecords() > 0)
        job.event(EventLevel::Info, kDropped(stage.droppedRecords(), config.data.seqLen + 1, stage.trainRecords()));
}

// --- The stage's entry in the stage table ----------------------------------------------------------------

void registerSftStage()
{
    StageSpec spec;
    spec.name = "sft";
    spec.summary = translateNoop("danka::core",
                                 "supervised fine-tuning on conversations: the loss on the "
                                 "assistant's replies");
    spec.datasetKind = "sft";
    spec.base = BaseUse::Required;
    spec.fineTuning = true;
    spec.fields = {"data.overlong", "data.pad_to_multiple"};
    registerStage(std::move(spec), [](const StageSetup &s) -> std::unique_ptr<TrainingStage> {
        auto stage = std::make_unique<SftStage>(s.config, s.tokenizer, s.device);
        reportConversationFit(*stage, s.config, s.job);
        return stage;
    });
}

}  // namespace danka::core::train
