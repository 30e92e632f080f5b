// Parameter counts of ModelConfig against counts worked out by hand, tensor by tensor.
#include <QtTest>

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
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_model_config.moc"
