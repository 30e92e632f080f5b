// A training stage defined in one test file, to prove that a new stage needs no other file (tst_new_stage):
// "toy" learns to continue a counting sequence (token t is followed by t + stride, modulo the vocabulary),
// with its logits multiplied by a scale of its own that AdamW trains beside the model. It declares a setting
// (stage.toy.stride), a metric (toy/scale), state for an exact resume (its draw counter and the steps it saw
// begin) and uses the hook before each optimizer step. Linked into tst_new_stage and into danka-cli-toy (the
// CLI's sources plus this file), so `danka-cli train` trains it.
#include <torch/torch.h>

#include "core/train/stage_registry.h"
#include "core/util/error.h"
#include "model/flops.h"

namespace danka::test {

namespace {

using namespace danka::core;
using namespace danka::core::train;

class ToyStage final : public TrainingStage {
public:
    ToyStage(const RunConfig &config, const at::Device &device)
        : m_config(config),
          m_device(device),
          m_stride(config.stage.option("stride").get<int64_t>()),
          m_scale(torch::ones({1}, torch::TensorOptions().dtype(at::kFloat).device(device)).requires_grad_(true))
    {}

    std::string name() const override { return "toy"; }

    MicroBatchLoss trainLoss(model::TransformerImpl &model) override
    {
        const int64_t B = m_config.data.microBatchSize, T = m_config.data.seqLen;
        const int64_t V = model.config().vocabSize;
        // Row b of draw d starts at token (d * B + b) * 7: every draw is new, and the same after a resume.
        const at::Tensor starts = (at::arange(B, at::kLong) + m_draws * B) * 7;
        const at::Tensor ids = (starts.unsqueeze(1) + at::arange(T + 1, at::kLong).unsqueeze(0) * m_stride) % V;
        ++m_draws;
        const at::Tensor x = ids.narrow(1, 0, T).to(m_device), y = ids.narrow(1, 1, T).to(m_device);
        const at::Tensor logits = model.forward(x) * m_scale;
        MicroBatchLoss out;
        out.loss = at::cross_entropy_loss(logits.reshape({-1, V}).to(at::kFloat), y.reshape({-1}));
        out.tokens = B * T;
        out.flops = static_cast<double>(B) * sequenceFlops(*this, model, T);
        out.metrics.emplace_back("toy/scale", m_scale.item<double>());
        return out;
    }

    std::optional<ValidationResult> validate(model::TransformerImpl &, int64_t) override { return std::nullopt; }
    std::vector<std::pair<std::string, std::vector<int32_t>>> samplePrompts() const override { return {}; }
    int64_t sequenceLength() const override { return m_config.data.seqLen; }
    double flopsPerToken(const model::TransformerImpl &model, double context) const override
    {
        return model::trainingFlopsPerToken(model.config(), context);
    }

    void beforeStep(model::TransformerImpl &, int64_t step) override
    {
        if (step != m_stepsBegun) throw Error("toy: step " + std::to_string(step) + " began out of order");
        ++m_stepsBegun;
    }
    std::vector<std::pair<std::string, at::Tensor>> extraParameters() override { return {{"scale", m_scale}}; }

    nlohmann::json state() const override { return {{"draws", m_draws}, {"steps_begun", m_stepsBegun}}; }
    void setState(const nlohmann::json &state) override
    {
        m_draws = state.at("draws").get<int64_t>();
        m_stepsBegun = state.at("steps_begun").get<int64_t>();
    }

private:
    RunConfig m_config;
    at::Device m_device;
    int64_t m_stride;
    at::Tensor m_scale;
    int64_t m_draws = 0, m_stepsBegun = 0;
};

StageSpec toySpec()
{
    StageSpec spec;
    spec.name = "toy";
    spec.summary = "a counting sequence with a learned logit scale (tests)";
    spec.datasetKind = "pretrain";  // the run's tokenizer comes from the dataset; the toy makes its own tokens
    spec.base = BaseUse::Optional;
    spec.metrics = {{"toy/scale", "logit scale", "Toy logit scale", "scale", 1.0}};
    StageParam stride;
    stride.key = "stride";
    stride.type = StageParam::Type::Integer;
    stride.defaultValue = 3;
    stride.help = "Toy: the step between consecutive tokens";
    stride.min = 1;
    stride.max = 1000;
    spec.params = {stride};
    spec.checks = [](const RunConfig &c, std::vector<std::pair<std::string, std::string>> &problems) {
        if (c.data.microBatchSize > 64) problems.emplace_back("data.micro_batch_size", "toy: at most 64 rows");
    };
    return spec;
}

const StageRegistrar registrar(toySpec(), [](const StageSetup &s) -> std::unique_ptr<TrainingStage> {
    return std::make_unique<ToyStage>(s.config, s.device);
});

}  // namespace

}  // namespace danka::test
