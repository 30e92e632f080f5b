// Generation (see generation.h).
#include "model/generation.h"

#include <algorithm>
#include <chrono>

namespace danka::model {

const char *finishReasonName(FinishReason reason)
{
    switch (reason) {
    case FinishReason::Eos: return "eos";
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    }
    return "?";
}

double GenerationResult::tokensPerSecond() const
{
    const double seconds = prefillSeconds + decodeSeconds;
    return seconds > 0 ? static_cast<double>(generatedTokens) / seconds : 0;
}

namespace {

double since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool containsAny(const std::string &text, const std::vector<std::string> &needles)
{
    for (const std::string &n : needles)
        if (!n.empty() && text.find(n) != std::string::npos) return true;
    return false;
}

}  // namespace

GenerationResult generate(TransformerImpl &model, const std::vector<std::vector<int32_t>> &prompts,
                          const GenerationOptions &o, const TokenCallback &onToken, const Detokenizer &detokenize)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = model.is_training();
    model.eval();
    const ModelConfig &config = model.config();
    const auto B = static_cast<int64_t>(prompts.size());
    TORCH_CHECK(B > 0, "generate: no prompt");
    const SamplingOptions &so = o.sampling;
    TORCH_CHECK(o.maxNewTokens >= 0, "generate: max_new_tokens must be >= 0, got ", o.maxNewTokens);
    TORCH_CHECK(so.greedy || so.temperature >= 0, "generate: temperature must be >= 0 (0 = greedy), got ", so.temperature);
    TORCH_CHECK(so.greedy || so.topK >= 0, "generate: top_k must be >= 0 (0 = all tokens), got ", so.topK);
    TORCH_CHECK(so.greedy || (so.topP > 0 && so.topP <= 1), "generate: top_p must be in (0, 1], got ", so.topP);
    TORCH_CHECK(so.greedy || so.repetitionPenalty > 0, "generate: repetition_penalty must be > 0 (1 = none), got ",
                so.repetitionPenalty);
    int64_t longest = 0;
    for (const auto &p : prompts) {
        TORCH_CHECK(!p.empty(), "generate: an empty prompt (give at least one token)");
        longest = std::max<int64_t>(longest, static_cast<int64_t>(p.size()));
    }
    TORCH_CHECK(longest < config.maxSeqLen, "generate: a prompt of ", longest,
                " tokens leaves no room in the model's max_seq_len of ", config.maxSeqLen);
    const int64_t newTokens = std::min(o.maxNewTokens, config.maxSeqLen - longest);

    const at::Tensor anyParameter = model.parameters().front();
    const at::TensorOptions idOptions = at::TensorOptions().dtype(at::kLong).device(anyParameter.device());
    // Left padding: pads get segment -1 (no real token attends to them) and position 0.
    at::Tensor ids = at::full({B, longest}, o.padId, at::kLong), segments = at::full({B, longest}, -1, at::kLong);
    at::Tensor positions = at::zeros({B, longest}, at::kLong);
    std::vector<int64_t> nextPosition(static_cast<size_t>(B));
    std::vector<std::vector<int32_t>> history(prompts.begin(), prompts.end());
    for (int64_t b = 0; b < B; ++b) {
        const auto &p = prompts[static_cast<size_t>(b)];
        const auto n = static_cast<int64_t>(p.size()), pad = longest - n;
        for (int64_t t = 0; t < n; ++t) {
            ids[b][pad + t] = p[static_cast<size_t>(t)];
            segments[b][pad + t] = 0;
            positions[b][pad + t] = t;
        }
        nextPosition[static_cast<size_t>(b)] = n;
    }

    GenerationResult result;
    result.tokens.assign(static_cast<size_t>(B), {});
    result.reasons.assign(static_cast<size_t>(B), FinishReason::Length);
    for (const auto &p : prompts) result.promptTokens += static_cast<int64_t>(p.size());
    std::vector<bool> done(static_cast<size_t>(B), false);

    KvCache cache(config, B, longest + std::max<int64_t>(newTokens, 1), anyParameter.options());
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    auto start = std::chrono::steady_clock::now();
    at::Tensor logits = model.forward(ids.to(idOptions), {segments.to(idOptions), positions.to(idOptions), &cache});
    at::Tensor last = logits.select(1, longest - 1).to(at::kCPU);  // (B, V)
    result.prefillSeconds = since(start);
    start = std::chrono::steady_clock::now();

    bool cancelled = false;
    for (int64_t step = 0; step < newTokens && !cancelled; ++step) {
        const at::Tensor next = sampleNext(last, history, o.sampling, generator);  // (B)
        int64_t active = 0;
        for (int64_t b = 0; b < B; ++b) {
            const auto row = static_cast<size_t>(b);
            if (done[row]) continue;
            const auto token = static_cast<int32_t>(next[b].item<int64_t>());
            result.tokens[row].push_back(token);
            history[row].push_back(token);
            ++result.generatedTokens;
            if (onToken && !onToken(row, token)) cancelled = true;
            if (std::find(o.stopTokens.begin(), o.stopTokens.end(), token) != o.stopTokens.end()) {
                done[row] = true;
                result.reasons[row] = FinishReason::Eos;
            } else if (!o.stopStrings.empty() && detokenize) {
                // Anywhere in the text: a token may carry the stop string and more after it, or complete
                // it across a token boundary. The first occurrence is new, or generation had ended before.
                if (containsAny(detokenize(result.tokens[row]), o.stopStrings)) {
                    done[row] = true;
                    result.reasons[row] = FinishReason::Stop;
                }
            }
            if (!done[row]) ++active;
        }
        if (cancelled || active == 0 || step + 1 == newTokens) break;
        // Every row advances one position (finished rows too: their outputs are ignored).
        at::Tensor stepPositions = at::empty({B, 1}, at::kLong);
        for (int64_t b = 0; b < B; ++b) stepPositions[b][0] = nextPosition[static_cast<size_t>(b)]++;
        logits = model.forward(next.view({B, 1}).to(idOptions),
                               {at::zeros({B, 1}, idOptions), stepPositions.to(idOptions), &cache});
        last = logits.select(1, 0).to(at::kCPU);
    }
    if (cancelled)
        for (int64_t b = 0; b < B; ++b)
            if (!done[static_cast<size_t>(b)]) result.reasons[static_cast<size_t>(b)] = FinishReason::Cancelled;
    result.decodeSeconds = since(start);
    model.train(wasTraining);
    return result;
}

}  // namespace danka::model
