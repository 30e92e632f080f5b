// Checkpoint folders: bit-exact round trips, Hugging Face config round trips, clear errors for damaged
// folders, the MLA RoPE row permutation, and transformers loading Danka checkpoints with the same logits.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>

#include "model/checkpoint.h"
#include "model/hf_config.h"
#include "model/safetensors.h"
#include "tests/support/interop_python.h"
#include "tests/support/interop_skip.h"

using namespace danka::model;

namespace {

ModelConfig small(AttentionKind kind)
{
    ModelConfig c;
    c.vocabSize = 53;
    c.hiddenSize = 32;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = kind == AttentionKind::Gqa ? 2 : 0;
    c.ffnHiddenSize = 48;
    c.attention = kind;
    c.mla = {0, 16, 8, 8, 8};
    c.maxSeqLen = 128;
    c.ropeTheta = 5000;
    c.rmsNormEps = 1e-5;
    c.initStd = 0.2;
    c.tieEmbeddings = kind != AttentionKind::Mha;
    return c;
}

bool sameRopeScaling(const RopeScaling &a, const RopeScaling &b)
{
    return a.kind == b.kind && a.factor == b.factor && a.originalMaxSeqLen == b.originalMaxSeqLen &&
           a.betaFast == b.betaFast && a.betaSlow == b.betaSlow && a.attentionFactor == b.attentionFactor;
}

bool sameConfig(const ModelConfig &a, const ModelConfig &b)
{
    return sameRopeScaling(a.ropeScaling, b.ropeScaling) && a.vocabSize == b.vocabSize && a.hiddenSize == b.hiddenSize && a.nLayers == b.nLayers && a.nHeads == b.nHeads &&
           a.nKvHeads == b.nKvHeads && a.headDim == b.headDim && a.ffnHiddenSize == b.ffnHiddenSize &&
           a.attention == b.attention && a.maxSeqLen == b.maxSeqLen && a.ropeTheta == b.ropeTheta &&
           a.rmsNormEps == b.rmsNormEps && a.tieEmbeddings == b.tieEmbeddings && a.qkNorm == b.qkNorm &&
           a.dropout == b.dropout && a.initStd == b.initStd &&
           (a.attention != AttentionKind::Mla ||
            (a.mla.qLoraRank == b.mla.qLoraRank && a.mla.kvLoraRank == b.mla.kvLoraRank &&
             a.mla.qkNopeHeadDim == b.mla.qkNopeHeadDim && a.mla.qkRopeHeadDim == b.mla.qkRopeHeadDim &&
             a.mla.vHeadDim == b.mla.vHeadDim && a.mla.latentNormEps == b.mla.latentNormEps &&
             a.mla.ropeInterleave == b.mla.ropeInterleave));
}

torch::Tensor logitsOf(TransformerImpl &m, const torch::Tensor &ids)
{
    torch::NoGradGuard noGrad;
    return m.forward(ids);
}

// Weights at the scale of a trained model: matrices normal(0, 1 / sqrt(fan_in)) (activations of unit
// scale), norm weights 1 + normal(0, 0.1). Initialisation-scale weights hide differences that only show
// once activations are large (or, for the latent norms, small against their epsilon).
void trainedLike(TransformerImpl &m)
{
    torch::NoGradGuard noGrad;
    for (auto &p : m.parameters()) {
        if (p.dim() == 1)
            p.copy_(1 + 0.1 * torch::randn_like(p));
        else
            p.copy_(torch::randn_like(p) / std::sqrt(static_cast<double>(p.size(1))));
    }
}

struct Interop {
    int exitCode = -1;
    QString output;
};

// Runs tests/interop/SCRIPT with `args` in the interop Python (one server process for the whole test).
Interop runInterop(const char *script, const QStringList &args)
{
    const danka::test::InteropResult r = danka::test::runInteropScript(QLatin1String(script), args);
    return {r.exitCode, r.output};
}

// Saves `m` into `dir` with its logits for `ids` and asks transformers for the same logits
// (tests/interop/hf_model.py, max |difference| <= tolerance * the largest |logit|).
Interop transformersCheck(TransformerImpl &m, const QTemporaryDir &dir, const torch::Tensor &ids, double tolerance)
{
    saveCheckpoint(m, dir.path().toStdString(), {});
    const QString expected = dir.filePath(QStringLiteral("expected.safetensors"));
    writeSafetensors(expected.toStdString(), {{"input_ids", ids}, {"logits", logitsOf(m, ids)}});
    return runInterop("hf_model.py", {dir.path(), expected, QString::number(tolerance)});
}

// The largest |difference| of two logit tensors relative to the largest |logit| of `b`.
double relativeDifference(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

ModelConfig scaled(ModelConfig c, RopeScalingKind kind)
{
    c.maxSeqLen = 64;
    c.ropeScaling.kind = kind;
    c.ropeScaling.originalMaxSeqLen = 16;  // factor 0: derived, 64 / 16 = 4
    return c;
}

std::vector<ModelConfig> configs()
{
    ModelConfig qk = small(AttentionKind::Gqa);
    qk.qkNorm = true;
    ModelConfig qLora = small(AttentionKind::Mla);
    qLora.mla.qLoraRank = 12;
    return {small(AttentionKind::Mha), small(AttentionKind::Gqa), qk, small(AttentionKind::Mla), qLora};
}

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void huggingFaceConfigRoundTrips()
    {
        for (const ModelConfig &c : configs()) {
            const auto j = toHuggingFaceConfig(c, {});
            QVERIFY(sameConfig(fromHuggingFaceConfig(nlohmann::json::parse(j.dump()), "test"), c));
        }
        QCOMPARE(huggingFaceArchitecture(configs()[0]), std::string("LlamaForCausalLM"));
        QCOMPARE(huggingFaceArchitecture(configs()[2]), std::string("Qwen3ForCausalLM"));
        QCOMPARE(huggingFaceArchitecture(configs()[3]), std::string("DeepseekV3ForCausalLM"));
        nlohmann::json moe = nlohmann::json::parse(toHuggingFaceConfig(configs()[3], {}).dump());
        moe["first_k_dense_replace"] = 1;
        QVERIFY_THROWS_EXCEPTION(ConfigError, fromHuggingFaceConfig(moe, "moe.json"));
        nlohmann::json gpt2 = {{"model_type", "gpt2"}, {"vocab_size", 10}};
        try {
            fromHuggingFaceConfig(gpt2, "gpt2.json");
            QFAIL("gpt2 accepted");
        } catch (const ConfigError &e) {
            QVERIFY2(std::string(e.what()).find("gpt2.json: model_type \"gpt2\" is not supported") == 0, e.what());
        }
    }

    void weightsRoundTripBitExact()
    {
        for (const ModelConfig &c : configs()) {
            QTemporaryDir dir;
            torch::manual_seed(1);
            Transformer a(c);
            saveCheckpoint(*a, dir.path().toStdString(), {});
            for (const char *f : {"config.json", "model.safetensors", "generation_config.json"})
                QVERIFY(QFile::exists(dir.filePath(QLatin1String(f))));
            QVERIFY(sameConfig(readCheckpointConfig(dir.path().toStdString()), c));
            Transformer b = loadModel(dir.path().toStdString());
            auto pb = b->named_parameters();
            for (const auto &item : a->named_parameters()) QVERIFY(torch::equal(item.value(), pb[item.key()]));
        }
    }

    void bfloat16CheckpointsHoldRoundedWeights()
    {
        QTemporaryDir dir;
        torch::manual_seed(2);
        Transformer a(small(AttentionKind::Gqa));
        saveCheckpoint(*a, dir.path().toStdString(), {}, torch::kBFloat16);
        const auto header = readSafetensorsHeader(dir.filePath(QStringLiteral("model.safetensors")).toStdString());
        QCOMPARE(header.tensors.front().dtypeName, std::string("BF16"));
        Transformer b = loadModel(dir.path().toStdString());
        auto pb = b->named_parameters();
        for (const auto &item : a->named_parameters())
            QVERIFY(torch::equal(item.value().to(torch::kBFloat16).to(torch::kFloat), pb[item.key()]));
    }

    void mlaRopeRowsArePermutedToPairsAndBack()
    {
        const ModelConfig c = small(AttentionKind::Mla);
        // kv_a_proj_with_mqa rows: 16 latent rows then 8 RoPE rows numbered 0..7 (halves [0 1 2 3 | 4 5 6 7]).
        auto w = torch::arange(24, torch::kFloat).view({24, 1});
        std::vector<std::pair<std::string, at::Tensor>> t = {{"model.layers.0.self_attn.kv_a_proj_with_mqa.weight", w}};
        permuteMlaRopeRows(c, t, true);
        const auto rope = t[0].second.narrow(0, 16, 8).view(-1);
        QVERIFY(torch::equal(rope, torch::tensor({16.f, 20.f, 17.f, 21.f, 18.f, 22.f, 19.f, 23.f})));  // pairs (i, i + 4)
        QVERIFY(torch::equal(t[0].second.narrow(0, 0, 16).view(-1), torch::arange(16, torch::kFloat)));
        permuteMlaRopeRows(c, t, false);
        QVERIFY(torch::equal(t[0].second, w));
    }

    void damagedCheckpointsAreRefusedByName()
    {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        torch::manual_seed(3);
        Transformer a(small(AttentionKind::Gqa));
        saveCheckpoint(*a, d, {});
        auto expectError = [&](TransformerImpl &model, const char *needle) {
            try {
                loadWeights(model, d);
                QFAIL(needle);
            } catch (const CheckpointError &e) {
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            }
        };
        ModelConfig wider = small(AttentionKind::Gqa);
        wider.ffnHiddenSize = 64;
        Transformer w(wider);
        expectError(*w, "tensor \"model.layers.0.mlp.gate_proj.weight\" has shape [48, 32] in the checkpoint, [64, 32] in the model");
        ModelConfig untied = small(AttentionKind::Gqa);
        untied.tieEmbeddings = false;
        Transformer u(untied);
        expectError(*u, "missing tensor \"lm_head.weight\"");
        ModelConfig shallow = small(AttentionKind::Gqa);
        shallow.nLayers = 1;
        Transformer s(shallow);
        expectError(*s, "unexpected tensor \"model.layers.1.");
        // A truncated weights file.
        QFile f(dir.filePath(QStringLiteral("model.safetensors")));
        QVERIFY(f.resize(f.size() - 10));
        expectError(*a, "model.safetensors");
        QVERIFY_THROWS_EXCEPTION(CheckpointError, readCheckpointConfig((dir.path() + QStringLiteral("/nothing")).toStdString()));
    }

    void transformersComputesTheSameLogits_data()
    {
        QTest::addColumn<int>("index");
        QTest::newRow("llama mha") << 0;
        QTest::newRow("llama gqa") << 1;
        QTest::newRow("qwen3 qk-norm") << 2;
        QTest::newRow("deepseek_v3 mla") << 3;
        QTest::newRow("deepseek_v3 mla q_lora") << 4;
    }
    void transformersComputesTheSameLogits()
    {
        QFETCH(int, index);
        const ModelConfig c = configs()[static_cast<size_t>(index)];
        QTemporaryDir dir;
        torch::manual_seed(4);
        Transformer m(c);
        m->eval();
        saveCheckpoint(*m, dir.path().toStdString(), {});
        const auto ids = torch::randint(c.vocabSize, {2, 19}, torch::kLong);
        torch::Tensor logits;
        {
            torch::NoGradGuard noGrad;
            logits = m->forward(ids);
        }
        const std::string expected = dir.filePath(QStringLiteral("expected.safetensors")).toStdString();
        writeSafetensors(expected, {{"input_ids", ids}, {"logits", logits}});
        const Interop r = runInterop("hf_model.py", {dir.path(), QString::fromStdString(expected)});
        const QString &out = r.output;
        if (r.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(out);
        QVERIFY2(r.exitCode == 0, qPrintable(out));
        qInfo("%s", qPrintable(out.trimmed()));
    }

    // transformers' DeepseekV3 builds q_a_layernorm and kv_a_layernorm with eps 1e-6 whatever rms_norm_eps
    // says. With the presets' own init (std 0.02, rms_norm_eps 1e-5) and with trained-scale weights, at a
    // tolerance of 1e-5 of the largest logit, Danka's export must match, and the old epsilon
    // (rms_norm_eps in the latent norms) must not: the check can see the difference it is about.
    void mlaLatentNormsMatchTransformers_data()
    {
        QTest::addColumn<bool>("trained");
        QTest::newRow("preset init") << false;
        QTest::newRow("trained scale") << true;
    }
    void mlaLatentNormsMatchTransformers()
    {
        QFETCH(bool, trained);
        ModelConfig c = small(AttentionKind::Mla);
        c.mla.qLoraRank = 12;  // both latent norms
        c.initStd = 0.02;      // the presets' (ModelConfig's default)
        QCOMPARE(c.rmsNormEps, 1e-5);
        QCOMPARE(c.mla.latentNormEps, 1e-6);
        torch::manual_seed(21);
        Transformer m(c);
        if (trained) trainedLike(*m);
        m->eval();
        const auto ids = torch::randint(c.vocabSize, {2, 19}, torch::kLong);
        QTemporaryDir dir;
        const Interop now = transformersCheck(*m, dir, ids, 1e-5);
        if (now.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(now.output);
        QVERIFY2(now.exitCode == 0, qPrintable(now.output));
        qInfo("%s", qPrintable(now.output.trimmed()));

        ModelConfig old = c;
        old.mla.latentNormEps = c.rmsNormEps;  // what mla.cpp used before
        Transformer o(old);
        o->eval();
        {
            torch::NoGradGuard noGrad;
            auto from = m->named_parameters();
            for (auto &item : o->named_parameters()) item.value().copy_(from[item.key()]);
        }
        QTemporaryDir oldDir;
        const Interop before = transformersCheck(*o, oldDir, ids, 1e-5);
        QVERIFY2(before.exitCode == 1, qPrintable(before.output));  // transformers computes with 1e-6
        qInfo("with the old epsilon: %s", qPrintable(before.output.trimmed()));
        // Danka reads its own file back with the epsilon it was written with (danka_mla_norm_eps).
        QCOMPARE(readCheckpointConfig(oldDir.path().toStdString()).mla.latentNormEps, 1e-5);
        QCOMPARE(readCheckpointConfig(dir.path().toStdString()).mla.latentNormEps, 1e-6);
    }

    void latentNormEpsilonOfOlderAndForeignCheckpoints()
    {
        ModelConfig c = small(AttentionKind::Mla);
        nlohmann::json j = nlohmann::json::parse(toHuggingFaceConfig(c, {}).dump());
        QCOMPARE(j.at("danka_mla_norm_eps").get<double>(), 1e-6);
        // A Danka checkpoint from before the key: trained with rms_norm_eps in the latent norms, it keeps it.
        j.erase("danka_mla_norm_eps");
        QCOMPARE(fromHuggingFaceConfig(j, "old.json").mla.latentNormEps, 1e-5);
        // A folder from elsewhere (no danka_* key): transformers' 1e-6.
        for (const char *k : {"danka_attention", "danka_residual_dropout", "danka_qk_norm"}) j.erase(k);
        QCOMPARE(fromHuggingFaceConfig(j, "hub.json").mla.latentNormEps, 1e-6);
        QCOMPARE(fromHuggingFaceConfig(j, "hub.json").mla.ropeInterleave, true);  // transformers' default
        j["rope_interleave"] = false;
        QCOMPARE(fromHuggingFaceConfig(j, "hub.json").mla.ropeInterleave, false);
    }

    // A deepseek_v3 folder written by transformers, with rope_interleave false (RoPE rows in halves) and true
    // (pairs), trained-scale weights: Danka reads it and computes transformers' logits; written back, the
    // folder keeps its layout and transformers still agrees.
    void deepseekFoldersOfBothRopeLayoutsLoad_data()
    {
        QTest::addColumn<bool>("interleave");
        QTest::addColumn<int>("qLoraRank");
        QTest::newRow("rope_interleave false") << false << 0;
        QTest::newRow("rope_interleave false, q_lora") << false << 12;
        QTest::newRow("rope_interleave true, q_lora") << true << 12;
    }
    void deepseekFoldersOfBothRopeLayoutsLoad()
    {
        QFETCH(bool, interleave);
        QFETCH(int, qLoraRank);
        ModelConfig c = small(AttentionKind::Mla);
        c.mla.qLoraRank = qLoraRank;
        nlohmann::json j = nlohmann::json::parse(toHuggingFaceConfig(c, {}).dump());
        for (const char *k : {"danka_attention", "danka_residual_dropout", "danka_qk_norm", "danka_mla_norm_eps"})
            j.erase(k);
        j["rope_interleave"] = interleave;
        QTemporaryDir dir;
        writeJsonFile(dir.filePath(QStringLiteral("config.json")).toStdString(), nlohmann::ordered_json(j));
        const QString expected = dir.filePath(QStringLiteral("expected.safetensors"));
        const Interop made = runInterop("hf_reference.py", {dir.path(), expected, QStringLiteral("5"),
                                                            QStringLiteral("0"), QStringLiteral("23")});
        if (made.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(made.output);
        QVERIFY2(made.exitCode == 0, qPrintable(made.output));
        const ModelConfig read = readCheckpointConfig(dir.path().toStdString());
        QCOMPARE(read.mla.ropeInterleave, interleave);
        QCOMPARE(read.mla.latentNormEps, 1e-6);
        Transformer m = loadModel(dir.path().toStdString());
        m->eval();
        const auto reference = readSafetensors(expected.toStdString()).byName();
        const auto ids = reference.at("input_ids");
        const double difference = relativeDifference(logitsOf(*m, ids), reference.at("logits"));
        qInfo("transformers' folder read by Danka: max |difference| %.3g of the largest logit", difference);
        QVERIFY2(difference < 1e-5, qPrintable(QString::number(difference)));

        // The folder read in the other layout (what happened when rope_interleave was ignored) is wrong.
        std::ifstream in(dir.filePath(QStringLiteral("config.json")).toStdString());
        nlohmann::ordered_json written = nlohmann::ordered_json::parse(in);
        written["rope_interleave"] = !interleave;
        QTemporaryDir wrong;
        writeJsonFile(wrong.filePath(QStringLiteral("config.json")).toStdString(), written);
        QVERIFY(QFile::copy(dir.filePath(QStringLiteral("model.safetensors")), wrong.filePath(QStringLiteral("model.safetensors"))));
        Transformer scrambled = loadModel(wrong.path().toStdString());
        scrambled->eval();
        QVERIFY(relativeDifference(logitsOf(*scrambled, ids), reference.at("logits")) > 1e-3);

        // Written back by Danka: the same layout, and transformers agrees.
        QTemporaryDir again;
        const Interop back = transformersCheck(*m, again, ids, 1e-5);
        QVERIFY2(back.exitCode == 0, qPrintable(back.output));
        std::ifstream config(again.filePath(QStringLiteral("config.json")).toStdString());
        QCOMPARE(nlohmann::json::parse(config).at("rope_interleave").get<bool>(), interleave);
    }

    // model.rope_scaling exported as transformers reads it: at positions past the original context (16 of
    // 64), with trained-scale weights, transformers computes Danka's logits; and the scaling is not a no-op.
    void ropeScalingMatchesTransformers_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("kind");
        const std::pair<const char *, int> architectures[] = {{"llama gqa", 1}, {"qwen3", 2}, {"deepseek_v3", 4}};
        const std::pair<const char *, RopeScalingKind> kinds[] = {
            {"linear", RopeScalingKind::Linear}, {"ntk", RopeScalingKind::Ntk}, {"yarn", RopeScalingKind::Yarn}};
        for (const auto &[architecture, index] : architectures)
            for (const auto &[kind, k] : kinds)
                QTest::newRow((std::string(architecture) + " " + kind).c_str()) << index << int(k);
    }
    void ropeScalingMatchesTransformers()
    {
        QFETCH(int, index);
        QFETCH(int, kind);
        const ModelConfig c = scaled(configs()[static_cast<size_t>(index)], static_cast<RopeScalingKind>(kind));
        torch::manual_seed(22);
        Transformer m(c);
        QCOMPARE(m->config().ropeScaling.factor, 4.0);  // resolved: 64 / 16
        trainedLike(*m);
        m->eval();
        const auto ids = torch::randint(c.vocabSize, {2, 64}, torch::kLong);
        QTemporaryDir dir;
        const Interop r = transformersCheck(*m, dir, ids, 1e-5);
        if (r.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(r.output);
        QVERIFY2(r.exitCode == 0, qPrintable(r.output));
        qInfo("%s", qPrintable(r.output.trimmed()));
        QVERIFY(sameConfig(readCheckpointConfig(dir.path().toStdString()), m->config()));

        ModelConfig plain = c;
        plain.ropeScaling = {};
        Transformer p(plain);
        p->eval();
        {
            torch::NoGradGuard noGrad;
            auto from = m->named_parameters();
            for (auto &item : p->named_parameters()) item.value().copy_(from[item.key()]);
        }
        const auto late = torch::arange(16, 64);
        QVERIFY(relativeDifference(logitsOf(*m, ids).index_select(1, late), logitsOf(*p, ids).index_select(1, late)) > 1e-3);
    }

    // The other way: folders transformers writes with rope_type linear and yarn (its own keys, its own
    // serialisation) load in Danka with transformers' logits, past the original context.
    void transformersRopeScalingFoldersLoad_data()
    {
        QTest::addColumn<QString>("type");
        QTest::newRow("linear") << QStringLiteral("linear");
        QTest::newRow("yarn") << QStringLiteral("yarn");
        QTest::newRow("yarn with its options") << QStringLiteral("yarn options");
    }
    void transformersRopeScalingFoldersLoad()
    {
        QFETCH(QString, type);
        ModelConfig c = configs()[1];
        c.maxSeqLen = 64;
        nlohmann::json j = nlohmann::json::parse(toHuggingFaceConfig(c, {}).dump());
        for (const char *k : {"danka_attention", "danka_residual_dropout", "danka_qk_norm", "rope_scaling", "rope_theta"})
            j.erase(k);
        j["rope_parameters"] = {{"rope_type", type.startsWith(QLatin1String("yarn")) ? "yarn" : "linear"},
                                {"rope_theta", 5000.0},
                                {"factor", 4.0}};
        if (type.startsWith(QLatin1String("yarn"))) j["rope_parameters"]["original_max_position_embeddings"] = 16;
        if (type == QLatin1String("yarn options")) {
            j["rope_parameters"]["beta_fast"] = 8.0;
            j["rope_parameters"]["beta_slow"] = 2.0;
            j["rope_parameters"]["attention_factor"] = 1.25;
        }
        QTemporaryDir dir;
        writeJsonFile(dir.filePath(QStringLiteral("config.json")).toStdString(), nlohmann::ordered_json(j));
        const QString expected = dir.filePath(QStringLiteral("expected.safetensors"));
        const Interop made = runInterop("hf_reference.py", {dir.path(), expected, QStringLiteral("6"),
                                                            QStringLiteral("0"), QStringLiteral("64")});
        if (made.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(made.output);
        QVERIFY2(made.exitCode == 0, qPrintable(made.output));
        const ModelConfig read = readCheckpointConfig(dir.path().toStdString());
        QCOMPARE(int(read.ropeScaling.kind), int(type == QLatin1String("linear") ? RopeScalingKind::Linear : RopeScalingKind::Yarn));
        QCOMPARE(read.ropeScaling.factor, 4.0);
        Transformer m = loadModel(dir.path().toStdString());
        m->eval();
        const auto reference = readSafetensors(expected.toStdString()).byName();
        const double difference = relativeDifference(logitsOf(*m, reference.at("input_ids")), reference.at("logits"));
        qInfo("transformers' %s folder read by Danka: max |difference| %.3g of the largest logit", qPrintable(type), difference);
        QVERIFY2(difference < 1e-5, qPrintable(QString::number(difference)));
    }

    void ropeScalingRoundTripsAndBadFilesAreRefused()
    {
        for (int kind : {1, 2, 3}) {
            ModelConfig c = scaled(small(AttentionKind::Gqa), static_cast<RopeScalingKind>(kind));
            c.ropeScaling.factor = 3.5;
            c.ropeScaling.betaFast = 24;
            c.ropeScaling.attentionFactor = kind == 3 ? 1.2 : 0.0;
            const nlohmann::json j = nlohmann::json::parse(toHuggingFaceConfig(c, {}).dump());
            QVERIFY(sameConfig(fromHuggingFaceConfig(j, "test"), c));
            if (c.ropeScaling.kind == RopeScalingKind::Ntk) {
                // transformers sees a plain RoPE at the larger base theta * factor^(d / (d - 2)), d = 8.
                QVERIFY(j.at("rope_scaling").is_null());
                QCOMPARE(j.at("rope_parameters").at("rope_type").get<std::string>(), std::string("default"));
                QCOMPARE(j.at("rope_theta").get<double>(), 5000 * std::pow(3.5, 8.0 / 6.0));
            } else {
                QCOMPARE(j.at("rope_scaling").at("factor").get<double>(), 3.5);
                nlohmann::json parameters = j.at("rope_parameters");
                parameters.erase("rope_theta");
                QVERIFY(j.at("rope_scaling") == parameters);  // transformers 4.x reads this one
            }
        }
        const auto refused = [](nlohmann::json j, const std::string &needle) {
            try {
                fromHuggingFaceConfig(j, "cfg.json");
            } catch (const ConfigError &e) {
                return std::string(e.what()).rfind("cfg.json: ", 0) == 0 && std::string(e.what()).find(needle) != std::string::npos;
            }
            return false;
        };
        nlohmann::json plain = nlohmann::json::parse(toHuggingFaceConfig(small(AttentionKind::Gqa), {}).dump());
        nlohmann::json dynamic = plain;
        dynamic["rope_parameters"] = {{"rope_type", "dynamic"}, {"factor", 2.0}, {"rope_theta", 5000.0}};
        QVERIFY(refused(dynamic, "rope_type \"dynamic\" (dynamic NTK) is not supported"));
        nlohmann::json deepseekYarn = plain;
        deepseekYarn["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 40.0}, {"original_max_position_embeddings", 4096},
                                        {"mscale", 1.0}, {"mscale_all_dim", 1.0}};
        QVERIFY(refused(deepseekYarn, "\"mscale\""));
        nlohmann::json llama3 = plain;
        llama3["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
        QVERIFY(refused(llama3, "rope_type \"llama3\" is not supported"));
        // An edited theta: transformers and Danka's record would compute different frequencies.
        nlohmann::json edited = nlohmann::json::parse(
            toHuggingFaceConfig(scaled(small(AttentionKind::Gqa), RopeScalingKind::Ntk), {}).dump());
        edited["rope_theta"] = 5000.0;
        edited["rope_parameters"]["rope_theta"] = 5000.0;
        QVERIFY(refused(edited, "describe different RoPE frequencies"));
        // YaRN needs the original context to exist; a factor below 1 is refused.
        ModelConfig shrink = scaled(small(AttentionKind::Gqa), RopeScalingKind::Linear);
        shrink.ropeScaling.originalMaxSeqLen = 128;
        QVERIFY(!shrink.ropeScalingProblem().empty());
        QVERIFY_THROWS_EXCEPTION(c10::Error, Transformer{shrink});
    }
};

DANKA_INTEROP_TEST_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
