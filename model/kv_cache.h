// The key/value cache of generation, preallocated for a batch and a length. MHA/GQA layers keep their keys
// and values, (B, Hkv, capacity, head_dim) each. MLA layers keep only the normalised latent c_KV and the
// shared RoPE key (DeepSeek-V2, section 2.1.3): one (B, capacity, kv_lora_rank + qk_rope_head_dim) tensor,
// so keys and values of every head are derived on the fly (absorbed projections) and never stored.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model/model_config.h"

namespace danka::model {

class KvCache {
public:
    KvCache(const ModelConfig &config, int64_t batch, int64_t capacity, const at::TensorOptions &options);

    int64_t batch() const { return m_batch; }
    int64_t capacity() const { return m_capacity; }
    int64_t length() const { return m_length; }  // positions already cached
    bool latent() const { return m_latent; }
    void advance(int64_t steps);                   // after every layer wrote `steps` new positions
    void reset() { m_length = 0; }

    at::Tensor &keys(int64_t layer) { return m_keys[static_cast<size_t>(layer)]; }      // MHA/GQA
    at::Tensor &values(int64_t layer) { return m_values[static_cast<size_t>(layer)]; }  // MHA/GQA
    at::Tensor &latentCache(int64_t layer) { return m_keys[static_cast<size_t>(layer)]; } // MLA
    // Segment id of every cached position (0 for tokens, -1 for left padding): the attention key mask.
    at::Tensor &segments() { return m_segments; }

    // Cached values per position, per layer, and bytes per position for a whole sequence.
    int64_t valuesPerPositionPerLayer() const { return m_valuesPerPosition; }
    int64_t bytesPerPosition() const;

private:
    int64_t m_batch, m_capacity, m_length = 0, m_layers, m_valuesPerPosition;
    bool m_latent;
    at::ScalarType m_dtype;
    std::vector<at::Tensor> m_keys, m_values;
    at::Tensor m_segments;
};

}  // namespace danka::model
