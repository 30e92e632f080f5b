// Sampling rules on hand-made logits, and generation: greedy equals step-by-step argmax of full forwards,
// batches equal single prompts, seeds reproduce, stop tokens / stop strings / length / cancel.
#include <QtTest>
#include <functional>

#include "model/generation.h"
#include "model/sampling.h"

using namespace danka::model;

namespace {

ModelConfig tinyConfig(AttentionKind kind)
{
    ModelConfig c;
    c.vocabSize = 29;
    c.hiddenSize = 16;
    c.nLayers = 2;
    c.nHeads = 2;
    c.ffnHiddenSize = 24;
    c.attention = kind;
    c.nKvHeads = kind == AttentionKind::Gqa ? 1 : 0;
    c.mla = {0, 8, 4, 4, 4};
    c.maxSeqLen = 48;
    c.initStd = 0.5;  // large weights: confident, varied predictions
    return c;
}

// Greedy continuation computed the slow way: a full forward pass per new token.
std::vector<int32_t> slowGreedy(TransformerImpl &m, std::vector<int32_t> ids, int n)
{
    torch::NoGradGuard noGrad;
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
        const auto t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kLong).view({1, -1});
        const auto next = static_cast<int32_t>(m.forward(t)[0][-1].argmax().item<int64_t>());
        ids.push_back(next);
        out.push_back(next);
    }
    return out;
}

}  // namespace

class TestGeneration : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void greedyIsArgmax()
    {
        const auto logits = torch::tensor({{0.1f, 3.0f, -1.0f}, {5.0f, 0.0f, 4.0f}});
        auto g = at::make_generator<at::CPUGeneratorImpl>(1);
        SamplingOptions o;
        o.greedy = true;
        o.repetitionPenalty = 100;  // ignored by greedy
        QVERIFY(torch::equal(sampleNext(logits, {{1}, {0}}, o, g), torch::tensor({1, 0}, torch::kLong)));
    }

    void repetitionPenaltyDividesPositiveAndMultipliesNegative()
    {
        // Row: logits [2, -1, 1.9]; tokens 0 and 1 were seen; penalty 2 -> [1, -2, 1.9]; top-k 1 picks 2.
        const auto logits = torch::tensor({{2.0f, -1.0f, 1.9f}});
        auto g = at::make_generator<at::CPUGeneratorImpl>(1);
        SamplingOptions o;
        o.repetitionPenalty = 2;
        o.topK = 1;
        QCOMPARE(sampleNext(logits, {{0, 1, 0}}, o, g).item<int64_t>(), int64_t(2));
        o.repetitionPenalty = 1;
        QCOMPARE(sampleNext(logits, {{0, 1}}, o, g).item<int64_t>(), int64_t(0));
    }

    void topPAndTopKKeepTheRightTokens()
    {
        // Probabilities 0.5, 0.3, 0.2 (log-probs as logits). top-p 0.7 keeps {0, 1}; top-k 2 keeps the same.
        const auto logits = torch::tensor({{0.5f, 0.3f, 0.2f}}).log();
        for (int mode = 0; mode < 2; ++mode) {
            SamplingOptions o;
            if (mode == 0) o.topP = 0.7;
            else o.topK = 2;
            auto g = at::make_generator<at::CPUGeneratorImpl>(7);
            int counts[3] = {0, 0, 0};
            for (int i = 0; i < 2000; ++i) ++counts[sampleNext(logits, {{}}, o, g).item<int64_t>()];
            QCOMPARE(counts[2], 0);
            // Renormalised 0.5 : 0.3 -> 0.625 : 0.375.
            QVERIFY2(std::abs(counts[0] / 2000.0 - 0.625) < 0.04, qPrintable(QString::number(counts[0])));
        }
        // Temperature near 0 concentrates on the best token; high temperature flattens.
        SamplingOptions cold;
        cold.temperature = 0.01;
        auto g = at::make_generator<at::CPUGeneratorImpl>(3);
        for (int i = 0; i < 50; ++i) QCOMPARE(sampleNext(logits, {{}}, cold, g).item<int64_t>(), int64_t(0));
    }

    void greedyGenerationMatchesFullForwardArgmax_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("mha") << int(AttentionKind::Mha);
        QTest::newRow("gqa") << int(AttentionKind::Gqa);
        QTest::newRow("mla") << int(AttentionKind::Mla);
    }
    void greedyGenerationMatchesFullForwardArgmax()
    {
        QFETCH(int, kind);
        torch::manual_seed(11);
        Transformer m(tinyConfig(static_cast<AttentionKind>(kind)));
        m->to(torch::kFloat64);
        GenerationOptions o;
        o.sampling.greedy = true;
        o.maxNewTokens = 12;
        const std::vector<std::vector<int32_t>> prompts = {{3, 4, 5, 6, 7}, {9, 2}};
        const GenerationResult r = generate(*m, prompts, o);
        // Oracle: argmax of a full, uncached forward for each prompt alone (the batch pads the second one).
        for (size_t i = 0; i < prompts.size(); ++i) {
            QCOMPARE(r.tokens[i], slowGreedy(*m, prompts[i], 12));
            QCOMPARE(r.reasons[i], FinishReason::Length);
        }
        QCOMPARE(r.generatedTokens, int64_t(24));
        QCOMPARE(r.promptTokens, int64_t(7));
    }

    void stopTokensStringsCallbacksAndCancel()
    {
        torch::manual_seed(5);
        Transformer m(tinyConfig(AttentionKind::Gqa));
        GenerationOptions o;
        o.sampling.greedy = true;
        o.maxNewTokens = 10;
        const auto free = generate(*m, {{1, 2, 3}}, o).tokens[0];
        QCOMPARE(free.size(), size_t(10));

        // The third generated token as a stop token ends the sequence there, included.
        o.stopTokens = {free[2]};
        auto r = generate(*m, {{1, 2, 3}}, o);
        const auto firstStop = std::find(free.begin(), free.end(), free[2]) - free.begin();
        QCOMPARE(r.tokens[0], std::vector<int32_t>(free.begin(), free.begin() + firstStop + 1));
        QCOMPARE(r.reasons[0], FinishReason::Eos);

        // A stop string found in the decoded text (here each id decodes to its number in brackets).
        o.stopTokens.clear();
        o.stopStrings = {"[" + std::to_string(free[1]) + "]"};
        const Detokenizer decode = [](const std::vector<int32_t> &ids) {
            std::string s;
            for (int32_t id : ids) s += "[" + std::to_string(id) + "]";
            return s;
        };
        r = generate(*m, {{1, 2, 3}}, o, {}, decode);
        QCOMPARE(r.reasons[0], FinishReason::Stop);
        QVERIFY(r.tokens[0].size() <= 2);
        // ... also where a token's text goes on after it ("[12]" holds "[12" followed by "]").
        o.stopStrings = {"[" + std::to_string(free[1])};
        r = generate(*m, {{1, 2, 3}}, o, {}, decode);
        QCOMPARE(r.reasons[0], FinishReason::Stop);
        QVERIFY(r.tokens[0].size() <= 2);

        // Streaming: the callback sees every token in order; returning false cancels.
        o.stopStrings.clear();
        std::vector<int32_t> streamed;
        r = generate(*m, {{1, 2, 3}}, o, [&](size_t, int32_t token) {
            streamed.push_back(token);
            return streamed.size() < 4;
        });
        QCOMPARE(streamed, std::vector<int32_t>(free.begin(), free.begin() + 4));
        QCOMPARE(r.reasons[0], FinishReason::Cancelled);
    }

    void seedsReproduceSamples()
    {
        torch::manual_seed(9);
        Transformer m(tinyConfig(AttentionKind::Mla));
        GenerationOptions o;
        o.sampling.temperature = 1.0;
        o.sampling.topP = 0.95;
        o.maxNewTokens = 15;
        o.seed = 42;
        const auto a = generate(*m, {{1, 2}}, o).tokens[0];
        const auto b = generate(*m, {{1, 2}}, o).tokens[0];
        QCOMPARE(a, b);
        o.seed = 43;
        QVERIFY(generate(*m, {{1, 2}}, o).tokens[0] != a);
    }

    void badPromptsAreRefused()
    {
        Transformer m(tinyConfig(AttentionKind::Mha));
        QVERIFY_THROWS_EXCEPTION(c10::Error, generate(*m, {{}}, {}));
        QVERIFY_THROWS_EXCEPTION(c10::Error, generate(*m, {std::vector<int32_t>(48, 1)}, {}));
        // Sampling options out of range are named, not turned into NaN probabilities.
        const auto refuses = [&](const std::function<void(GenerationOptions &)> &set, const char *what) {
            GenerationOptions o;
            set(o);
            try {
                generate(*m, {{1, 2}}, o);
            } catch (const c10::Error &e) {
                return std::string(e.what_without_backtrace()).find(what) != std::string::npos;
            }
            return false;
        };
        QVERIFY(refuses([](auto &o) { o.sampling.repetitionPenalty = 0; }, "repetition_penalty must be > 0"));
        QVERIFY(refuses([](auto &o) { o.sampling.temperature = -1; }, "temperature must be >= 0"));
        QVERIFY(refuses([](auto &o) { o.sampling.topP = 0; }, "top_p must be in (0, 1]"));
        QVERIFY(refuses([](auto &o) { o.sampling.topK = -2; }, "top_k must be >= 0"));
        QVERIFY(refuses([](auto &o) { o.maxNewTokens = -1; }, "max_new_tokens must be >= 0"));
    }
};

QTEST_GUILESS_MAIN(TestGeneration)
#include "tst_generation.moc"
