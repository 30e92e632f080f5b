// Hashes: SHA-256 for checksums that identify files (tokenizers, shards), and a fast 64-bit hash for
// in-memory work (deduplication, shuffling). Neither is for security.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace danka::core {

class Sha256 {
public:
    Sha256();
    void update(const void *data, size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    std::string hexDigest();  // finishes; the object is spent afterwards
private:
    void block(const uint8_t *p);
    uint32_t m_state[8];
    uint64_t m_length = 0;
    uint8_t m_buffer[64];
    size_t m_used = 0;
};

std::string sha256Hex(std::string_view data);
// SHA-256 of a file's content; throws core::Error naming the file when it cannot be read.
std::string sha256File(const std::string &path);

// 64-bit hash of bytes (FNV-1a with a final avalanche): stable across runs and machines.
uint64_t hash64(std::string_view data, uint64_t seed = 0);
// Mixes a 64-bit value into a well-distributed one (splitmix64 finaliser).
inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace danka::core
