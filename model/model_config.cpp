// Parameter counting for ModelConfig (matches the tensors the model layer creates, Hugging Face names).
#include "model/model_config.h"

namespace danka::model {

const char *attentionKindName(AttentionKind kind)
{
    switch (kind) {
    case AttentionKind::Mha: return "mha";
    case AttentionKind::Gqa: return "gqa";
    case AttentionKind::Mla: return "mla";
    }
    return "?";
}

int64_t ModelConfig::blockParameterCount() const
{
    const int64_t d = hiddenSize;
    int64_t attn = 0;
    if (attention == AttentionKind::Mla) {
        const int64_t qkHead = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
        if (mla.qLoraRank > 0)
            attn += d * mla.qLoraRank + mla.qLoraRank + mla.qLoraRank * nHeads * qkHead;  // q_a, q_a_norm, q_b
        else
            attn += d * nHeads * qkHead;                                                   // q_proj
        attn += d * (mla.kvLoraRank + mla.qkRopeHeadDim);                                  // kv_a_proj_with_mqa
        attn += mla.kvLoraRank;                                                            // kv_a_layernorm
        attn += mla.kvLoraRank * nHeads * (mla.qkNopeHeadDim + mla.vHeadDim);              // kv_b_proj
        attn += nHeads * mla.vHeadDim * d;                                                 // o_proj
        if (qkNorm) attn += 2 * qkHead;
    } else {
        const int64_t hd = resolvedHeadDim();
        attn += d * nHeads * hd;             // q_proj
        attn += 2 * d * resolvedKvHeads() * hd;  // k_proj, v_proj
        attn += nHeads * hd * d;             // o_proj
        if (qkNorm) attn += 2 * hd;          // q_norm, k_norm (shared across heads)
    }
    const int64_t ffn = 3 * d * ffnHiddenSize;  // gate_proj, up_proj, down_proj
    const int64_t norms = 2 * d;                // input_layernorm, post_attention_layernorm
    return attn + ffn + norms;
}

int64_t ModelConfig::parameterCount() const
{
    const int64_t embed = vocabSize * hiddenSize;
    const int64_t head = tieEmbeddings ? 0 : vocabSize * hiddenSize;
    return embed + nLayers * blockParameterCount() + hiddenSize /* model.norm */ + head;
}

}  // namespace danka::model
