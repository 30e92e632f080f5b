// Distillation stage (see distill_stage.h).
#include "core/train/stages/distill_stage.h"

#include "core/util/error.h"
#include "core/config/config_io.h"
#include "core/train/stage_registry.h"
#include "core/util/translate.h"
#include "core/util/text_util.h"
#include "core/tokenizer/chat_template.h"
#include "model/flops.h"

namespace danka::core::train {

namespace {

MarkerWeights markerWeightsOf(const DistillConfig &d, const tokenizer::Tokenizer &tok)
{
    MarkerWeights w;
    w.markerWeight = d.markerWeight;
    w.answerWeight = d.answerWeight;
    for (const std::string &marker : splitList(d.markers)) {
        const int32_t id = tok.pieceId(marker);
        if (id < 0)
            throw Error("stage.distill.markers: \"" + marker + "\" is not one token of the tokenizer (" + tok.dir() +
                        "); markers must be single pieces such as <think> and </think>");
        w.markers.push_back(id);
    }
    w.thinkEnd = tok.pieceId("</think>");
    w.turnStart = tok.pieceId(tokenizer::kImStart);
    if (w.thinkEnd < 0 && d.answerWeight != 1.0)
        throw Error("stage.distill.answer_weight: the tokenizer (" + tok.dir() +
                    ") has no </think> token, so there is no answer span to weigh");
    return w;
}

}  // namespace

DistillStage::DistillStage(const RunConfig &config, const tokenizer::Tokenizer &tok, const at::Device &device)
    : SftStage(config, tok, device), m_weights(markerWeightsOf(config.stage.distill, tok))
{
    const DistillConfig &d = config.stage.distill;
    if (d.teacherCheckpoint.empty()) return;
    m_teacher =
        loadFrozenModel(d.teacherCheckpoint, device, "stage.distill.teacher_checkpoint", tok, config.data.seqLen);
}

std::vector<float> DistillStage::weightsOf(const data::Batch &b, const MarkerWeights &w)
{
    const int64_t T = b.length - 1;
    std::vector<float> out(static_cast<size_t>(b.rows * T), 0.0f);
    for (int64_t r = 0; r < b.rows; ++r) {
        bool inAnswer = false;
        for (int64_t t = 0; t < T; ++t) {
            const int32_t next = b.tokens[static_cast<size_t>(r * b.length + t + 1)];  // the target at t
            const bool marker = std::find(w.markers.begin(), w.markers.end(), next) != w.markers.end();
            if (next == w.turnStart) inAnswer = false;
            if (b.targetMask[static_cast<size_t>(r * T + t)])
                out[static_cast<size_t>(r * T + t)] =
                    static_cast<float>(marker ? w.markerWeight : inAnswer ? w.answerWeight : 1.0);
            if (next == w.thinkEnd) inAnswer = true;
        }
    }
    return out;
}

double DistillStage::flopsPerToken(const model::TransformerImpl &model, double context) const
{
    return model::distillationFlopsPerToken(model.config(), m_teacher ? &m_teacher->config() : nullptr, context);
}

at::Tensor DistillStage::softenedKl(const at::Tensor &student, const at::Tensor &teacher, double temperature)
{
    const at::Tensor logStudent = at::log_softmax(student.to(at::kFloat) / temperature, -1);
    const at::Tensor logTeacher = at::log_softmax(teacher.to(at::kFloat) / temperature, -1);
    return (logTeacher.exp() * (logTeacher - logStudent)).sum(-1).mean();
}

at::Tensor DistillStage::trainingLoss(model::TransformerImpl &model, const data::Batch &b)
{
    const auto [inputs, target] = tensorsOf(b);
    std::vector<float> w = weightsOf(b, m_weights);
    const at::Tensor weights = torch::from_blob(w.data(), target.sizes(), torch::kFloat).to(device(), false, true);
    const at::Tensor h = model.hidden(inputs);
    const at::Tensor hard = model.loss(h, target, weights);
    if (!m_teacher) return hard;

    const DistillConfig &d = config().stage.distill;
    const at::Tensor rows = target.reshape({-1}).ne(-100).nonzero().squeeze(1);
    if (rows.numel() == 0) return hard;
    // Only the tokenizer's pieces: a model's vocabulary may be padded beyond them, differently in each.
    const int64_t V = tokenizer().vocabSize();
    const at::Tensor student = model.logits(h).reshape({-1, model.config().vocabSize}).index_select(0, rows).narrow(1, 0, V);
    at::Tensor teacher;
    {
        torch::NoGradGuard noGrad;
        teacher = m_teacher->forward(inputs).reshape({-1, m_teacher->config().vocabSize}).index_select(0, rows).narrow(1, 0, V);
    }
    const double T = d.temperature;
    return hard * (1.0 - d.klWeight) + softenedKl(student, teacher, T) * (d.klWeight * T * T);
}

}  // namespace danka::core::train

namespace danka::core::train {

namespace {

const StoredMessage kWhiteBox = storedMessage("danka::core", "white-box distillation from %1");
const StoredMessage kR1Style = storedMessage("danka::core", "R1-style distillation (no teacher)");

}  // namespace

// --- The stage's entry in the stage table ----------------------------------------------------------------

void registerDistillStage()
{
    StageSpec spec;
    spec.name = "distill";
    spec.summary = translateNoop("danka::core",
                                 "distillation on conversations: R1-style weighted replies, and "
                                 "with a teacher checkpoint white-box KL");
    spec.datasetKind = "sft";
    spec.base = BaseUse::Required;
    spec.fields = {"data.overlong", "data.pad_to_multiple", "stage.distill."};
    spec.memoryTerms = [](const RunConfig &c, model::MemoryPlan &plan) {
        // The teacher's weights and its forward beside the student's (an unreadable teacher is an error
        // naming it: estimating without it would be a silent lie).
        if (!c.stage.distill.teacherCheckpoint.empty())
            plan.teacher = checkpointModelConfig(c.stage.distill.teacherCheckpoint);
    };
    registerStage(std::move(spec), [](const StageSetup &s) -> std::unique_ptr<TrainingStage> {
        auto stage = std::make_unique<DistillStage>(s.config, s.tokenizer, s.device);
        s.job.event(EventLevel::Info,
                    stage->hasTeacher() ? kWhiteBox(s.config.stage.distill.teacherCheckpoint) : kR1Style());
        reportConversationFit(*stage, s.config, s.job);
        return stage;
    });
}

}  // namespace danka::core::train
