// A trained tokenizer folder: SentencePiece BPE (tokenizer.model) plus Danka's metadata
// (danka_tokenizer.json) and the Hugging Face files (tokenizer_config.json, special_tokens_map.json).
// Special ids: <unk> 0, <s> 1, </s> 2 (ends every pretraining document), <pad> 3. Chat, reasoning,
// infilling and control markers are user-defined pieces: each is always exactly one token.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace danka::core::tokenizer {

// Markers every Danka tokenizer has (the chat template, reasoning, infilling, language tags).
extern const std::vector<std::string> kStandardMarkers;
constexpr const char *kImStart = "<|im_start|>";
constexpr const char *kImEnd = "<|im_end|>";

struct TokenizerStats {
    double charsPerTokenZh = 0;     // on held-out Chinese lines
    double charsPerTokenEn = 0;     // on held-out English lines
    double byteFallbackShare = 0;   // share of held-out tokens that are byte pieces <0xNN>
    int64_t heldOutLinesZh = 0;
    int64_t heldOutLinesEn = 0;
};

class Tokenizer {
public:
    // Loads a tokenizer folder (tokenizer.model, and danka_tokenizer.json when present). Throws core::Error
    // naming the folder and the problem.
    static Tokenizer load(const std::string &dir);
    // A tokenizer from a serialized SentencePiece model (tests, training).
    static Tokenizer fromSerialized(const std::string &modelProto);

    Tokenizer(Tokenizer &&) noexcept;
    Tokenizer &operator=(Tokenizer &&) noexcept;
    ~Tokenizer();

    std::vector<int32_t> encode(std::string_view text) const;  // thread-safe
    std::vector<std::string> encodePieces(std::string_view text) const;
    std::string decode(const std::vector<int32_t> &ids) const;

    int32_t vocabSize() const;
    int32_t unkId() const;
    int32_t bosId() const;
    int32_t eosId() const;
    int32_t padId() const;
    int32_t pieceId(std::string_view piece) const;  // -1 when the piece is not in the vocabulary
    std::string piece(int32_t id) const;
    bool isByte(int32_t id) const;
    bool isControl(int32_t id) const;    // <unk> <s> </s> <pad>
    bool isMarker(int32_t id) const;     // a user-defined piece (<|im_start|>, [LANG:zh]...)
    std::vector<std::string> markers() const;
    // Id of a marker that must exist (chat template pieces); throws core::Error naming it otherwise.
    int32_t requireMarker(std::string_view marker) const;

    const std::string &checksum() const { return m_checksum; }  // SHA-256 of tokenizer.model
    const std::string &dir() const { return m_dir; }
    const nlohmann::json &metadata() const { return m_metadata; }  // danka_tokenizer.json, or {}
    const std::string &serializedModel() const { return m_serialized; }
    // The folder's files as they were when it was loaded, by name: tokenizer.model and whichever of
    // kCompanionFiles exist. Checkpoints write these, so a run keeps its tokenizer even when the folder it
    // came from (a rotated checkpoint, a deleted base run) is gone. Empty for fromSerialized().
    const std::vector<std::pair<std::string, std::string>> &files() const { return m_files; }

    // Measures chars per token (zh, en) and the byte-fallback share on the given lines.
    TokenizerStats measure(const std::vector<std::string> &zhLines, const std::vector<std::string> &enLines) const;

private:
    Tokenizer();
    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    std::string m_dir;
    std::string m_checksum;
    std::string m_serialized;
    nlohmann::json m_metadata;
    std::vector<std::pair<std::string, std::string>> m_files;
};

// The files a tokenizer folder may hold besides tokenizer.model.
extern const std::vector<std::string> kCompanionFiles;

}  // namespace danka::core::tokenizer
