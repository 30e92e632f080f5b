// Token sampling (see sampling.h).
#include "model/sampling.h"

#include <limits>
#include <unordered_set>

namespace danka::model {

at::Tensor sampleNext(const at::Tensor &logits, const std::vector<std::vector<int32_t>> &history,
                      const SamplingOptions &o, at::Generator &generator)
{
    TORCH_CHECK(logits.dim() == 2, "sampling: logits must be (batch, vocab), got ", logits.sizes());
    if (o.greedy || o.temperature <= 0) return logits.argmax(-1);
    at::Tensor l = logits.to(at::kFloat).clone();  // (B, V)
    const int64_t B = l.size(0), V = l.size(1);
    if (o.repetitionPenalty != 1.0) {
        auto acc = l.accessor<float, 2>();
        for (int64_t b = 0; b < B && b < static_cast<int64_t>(history.size()); ++b) {
            std::unordered_set<int32_t> seen(history[static_cast<size_t>(b)].begin(), history[static_cast<size_t>(b)].end());
            for (int32_t t : seen) {
                if (t < 0 || t >= V) continue;
                float &x = acc[b][t];
                x = x > 0 ? static_cast<float>(x / o.repetitionPenalty) : static_cast<float>(x * o.repetitionPenalty);
            }
        }
    }
    l = l / o.temperature;
    const float minus = -std::numeric_limits<float>::infinity();
    if (o.topK > 0 && o.topK < V) {
        const at::Tensor kth = std::get<0>(l.topk(o.topK, -1)).narrow(-1, o.topK - 1, 1);  // (B, 1)
        l = l.masked_fill(l < kth, minus);
    }
    if (o.topP < 1.0) {
        auto [sorted, order] = l.sort(-1, /*descending=*/true);                   // (B, V)
        const at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
        // Drop a token when the tokens before it already reach p (the first is always kept).
        at::Tensor drop = (cumulative - sorted.softmax(-1)) >= o.topP;
        l = l.scatter(-1, order, sorted.masked_fill(drop, minus));
    }
    const at::Tensor probs = l.softmax(-1);
    return at::multinomial(probs, 1, false, generator).squeeze(-1);
}

}  // namespace danka::model
