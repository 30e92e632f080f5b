// Parameter counts of ModelConfig against counts worked out by hand, tensor by tensor.
#include <QtTest>
#include <cmath>

#include "model/model_config.h"

using namespace danka::model;

class TestModelConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mhaCountsEveryTensor()
    {
        ModelConfig c;
        c.vocabSize = 10;
        c.hiddenSize = 4;
        c.nLayers = 1;
        c.nHeads = 2;
        c.ffnHiddenSize = 6;
        c.attention = AttentionKind::Mha;
        c.tieEmbeddings = true;
        // embed 10*4 = 40; q,k,v,o 4*4 each = 64; gate/up/down 3*4*6 = 72; two norms 8; final norm 4.
        QCOMPARE(c.blockParameterCount(), 64 + 72 + 8);
        QCOMPARE(c.parameterCount(), 40 + 144 + 4);
        c.tieEmbeddings = false;  // + lm_head 10*4
        QCOMPARE(c.parameterCount(), 40 + 144 + 4 + 40);
        c.qkNorm = true;  // q_norm and k_norm of head_dim 2
        QCOMPARE(c.blockParameterCount(), 144 + 4);
    }

    void gqaSharesKeyValueHeads()
    {
        ModelConfig c;
        c.vocabSize = 1;
        c.hiddenSize = 8;
        c.nLayers = 1;
        c.nHeads = 4;
        c.nKvHeads = 2;
        c.ffnHiddenSize = 1;
        c.attention = AttentionKind::Gqa;
        // head_dim 2: q 8*8 = 64, k and v 8*(2*2) = 32 each, o 64; ffn 3*8*1 = 24; norms 16.
        QCOMPARE(c.resolvedHeadDim(), 2);
        QCOMPARE(c.resolvedKvHeads(), 2);
        QCOMPARE(c.blockParameterCount(), 64 + 32 + 32 + 64 + 24 + 16);
        c.nKvHeads = 0;  // 0 = as many as query heads
        QCOMPARE(c.resolvedKvHeads(), 4);
    }

    void mlaCountsLatentProjections()
    {
        ModelConfig c;
        c.vocabSize = 1;
        c.hiddenSize = 8;
        c.nLayers = 1;
        c.nHeads = 2;
        c.ffnHiddenSize = 1;
        c.attention = AttentionKind::Mla;
        c.mla = {0, 4, 2, 2, 3};
        // q_proj 8*(2*(2+2)) = 64; kv_a_proj_with_mqa 8*(4+2) = 48; kv_a_layernorm 4;
        // kv_b_proj 4*(2*(2+3)) = 40; o_proj (2*3)*8 = 48; ffn 24; norms 16.
        QCOMPARE(c.blockParameterCount(), 64 + 48 + 4 + 40 + 48 + 24 + 16);
        c.mla.qLoraRank = 3;  // q_a_proj 8*3 = 24, q_a_layernorm 3, q_b_proj 3*8 = 24 replace q_proj
        QCOMPARE(c.blockParameterCount(), 24 + 3 + 24 + 48 + 4 + 40 + 48 + 24 + 16);
    }

    void minimindSmallIs25_8M()
    {
        // MiniMind2-small (PEERS.md: 25.8M): embed 6400*512; per layer q 512*512, k,v 512*128, o 512*512,
        // ffn 3*512*1408, norms 2*512; 8 layers; final norm 512; tied head.
        ModelConfig c;
        c.vocabSize = 6400;
        c.hiddenSize = 512;
        c.nLayers = 8;
        c.nHeads = 8;
        c.nKvHeads = 2;
        c.ffnHiddenSize = 1408;
        c.attention = AttentionKind::Gqa;
        const int64_t perLayer = 262144 + 65536 + 65536 + 262144 + 2162688 + 1024;
        QCOMPARE(c.parameterCount(), int64_t(3276800) + 8 * perLayer + 512);
        QCOMPARE(c.parameterCount(), int64_t(25829888));
    }

    void ropeScalingResolvesItsFactorAndSaysWhatIsMissing()
    {
        using Issue = ModelConfig::RopeScalingIssue;
        ModelConfig c;  // 512 / 8 = 64 rotary dims, max_seq_len 512
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::None));
        c.ropeScaling.kind = RopeScalingKind::Linear;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::FactorUnknown));
        c.ropeScaling.factor = 2;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::None));
        c.ropeScaling.kind = RopeScalingKind::Yarn;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::NoOriginalContext));
        c.ropeScaling.factor = 0;
        c.ropeScaling.originalMaxSeqLen = 128;
        const RopeScaling r = c.resolvedRopeScaling();
        QCOMPARE(r.factor, 4.0);                                // 512 / 128
        QCOMPARE(r.attentionFactor, 0.1 * std::log(4.0) + 1);   // YaRN's default mscale
        c.ropeScaling.originalMaxSeqLen = 1024;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::FactorBelowOne));
        c.ropeScaling.originalMaxSeqLen = 128;
        c.ropeScaling.betaSlow = 40;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::BetaOrder));
        c.ropeScaling = {RopeScalingKind::Ntk, 4, 0, 32, 1, 0};
        QCOMPARE(c.effectiveRopeTheta(), 10000 * std::pow(4.0, 64.0 / 62.0));
        c.headDim = 2;
        QCOMPARE(int(c.ropeScalingIssue()), int(Issue::TooFewRotaryDims));
    }

    void extendedConfigKeepsOrReplacesTheScaling()
    {
        ModelConfig base;
        base.maxSeqLen = 512;
        // Plain base, no scaling asked: only the context grows (never shrinks).
        QCOMPARE(extendedConfig(base, 2048, {}).maxSeqLen, int64_t(2048));
        QCOMPARE(extendedConfig(base, 256, {}).maxSeqLen, int64_t(512));
        QCOMPARE(int(extendedConfig(base, 2048, {}).ropeScaling.kind), int(RopeScalingKind::None));
        // YaRN asked with original 0: the base's context, factor derived from the new one.
        RopeScaling yarn;
        yarn.kind = RopeScalingKind::Yarn;
        const ModelConfig once = extendedConfig(base, 2048, yarn);
        QCOMPARE(once.ropeScaling.originalMaxSeqLen, int64_t(512));
        QCOMPARE(once.resolvedRopeScaling().factor, 4.0);
        // A scaled base extended again: none keeps its scaling; a new one counts from its original context.
        ModelConfig scaled = once;
        scaled.ropeScaling.factor = 4;
        QCOMPARE(extendedConfig(scaled, 4096, {}).ropeScaling.factor, 4.0);
        const ModelConfig twice = extendedConfig(scaled, 8192, yarn);
        QCOMPARE(twice.ropeScaling.originalMaxSeqLen, int64_t(512));
        QCOMPARE(twice.resolvedRopeScaling().factor, 16.0);
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_model_config.moc"
