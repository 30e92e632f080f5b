// KV cache (see kv_cache.h).
#include "model/kv_cache.h"

namespace danka::model {

KvCache::KvCache(const ModelConfig &c, int64_t batch, int64_t capacity, const at::TensorOptions &options)
    : m_batch(batch), m_capacity(capacity), m_layers(c.nLayers), m_latent(c.attention == AttentionKind::Mla),
      m_dtype(options.dtype().toScalarType())
{
    TORCH_CHECK(batch > 0 && capacity > 0, "KvCache: batch and capacity must be positive");
    for (int64_t l = 0; l < c.nLayers; ++l) {
        if (m_latent) {
            m_keys.push_back(torch::zeros({batch, capacity, c.mla.kvLoraRank + c.mla.qkRopeHeadDim}, options));
        } else {
            m_keys.push_back(torch::zeros({batch, c.resolvedKvHeads(), capacity, c.resolvedHeadDim()}, options));
            m_values.push_back(torch::zeros({batch, c.resolvedKvHeads(), capacity, c.resolvedHeadDim()}, options));
        }
    }
    m_valuesPerPosition = m_latent ? c.mla.kvLoraRank + c.mla.qkRopeHeadDim : 2 * c.resolvedKvHeads() * c.resolvedHeadDim();
    m_segments = torch::zeros({batch, capacity}, options.dtype(torch::kLong));
}

void KvCache::advance(int64_t steps)
{
    TORCH_CHECK(m_length + steps <= m_capacity, "KvCache: ", m_length + steps, " positions exceed the capacity of ",
                m_capacity);
    m_length += steps;
}

int64_t KvCache::bytesPerPosition() const
{
    return m_layers * m_valuesPerPosition * static_cast<int64_t>(c10::elementSize(m_dtype));
}

}  // namespace danka::model
