// Checkpoint folders: bit-exact round trips, Hugging Face config round trips, clear errors for damaged
// folders, the MLA RoPE row permutation, and transformers loading Danka checkpoints with the same logits.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "model/checkpoint.h"
#include "model/hf_config.h"
#include "model/safetensors.h"

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

bool sameConfig(const ModelConfig &a, const ModelConfig &b)
{
    return a.vocabSize == b.vocabSize && a.hiddenSize == b.hiddenSize && a.nLayers == b.nLayers && a.nHeads == b.nHeads &&
           a.nKvHeads == b.nKvHeads && a.headDim == b.headDim && a.ffnHiddenSize == b.ffnHiddenSize &&
           a.attention == b.attention && a.maxSeqLen == b.maxSeqLen && a.ropeTheta == b.ropeTheta &&
           a.rmsNormEps == b.rmsNormEps && a.tieEmbeddings == b.tieEmbeddings && a.qkNorm == b.qkNorm &&
           a.dropout == b.dropout && a.initStd == b.initStd &&
           (a.attention != AttentionKind::Mla ||
            (a.mla.qLoraRank == b.mla.qLoraRank && a.mla.kvLoraRank == b.mla.kvLoraRank &&
             a.mla.qkNopeHeadDim == b.mla.qkNopeHeadDim && a.mla.qkRopeHeadDim == b.mla.qkRopeHeadDim &&
             a.mla.vHeadDim == b.mla.vHeadDim));
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
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(DANKA_PYTHON), {QStringLiteral(DANKA_SOURCE_DIR "/tests/interop/hf_model.py"), dir.path(),
                                               QString::fromStdString(expected)});
        QVERIFY(p.waitForFinished(180000));
        const QString out = QString::fromUtf8(p.readAll());
        if (p.exitCode() == 77) QSKIP(qPrintable(out));
        QVERIFY2(p.exitCode() == 0, qPrintable(out));
        qInfo("%s", qPrintable(out.trimmed()));
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
