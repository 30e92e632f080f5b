// Tokenizer (see tokenizer.h).
#include "core/tokenizer/tokenizer.h"

#include <sentencepiece_processor.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/utf8.h"
#include "core/util/error.h"
#include "core/util/hashing.h"

namespace danka::core::tokenizer {

const std::vector<std::string> kStandardMarkers = {
    "<|im_start|>", "<|im_end|>",                              // chat turns (ChatML)
    "<think>",      "</think>",     "<answer>", "</answer>",   // reasoning
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",       // fill-in-the-middle
    "[LANG:zh]",    "[LANG:en]",    "[LANG:mixed]",            // language control tokens
};

const std::vector<std::string> kCompanionFiles = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                                  "danka_tokenizer.json"};

Tokenizer::Tokenizer() : m_sp(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::fromSerialized(const std::string &modelProto)
{
    Tokenizer t;
    const auto status = t.m_sp->LoadFromSerializedProto(modelProto);
    if (!status.ok()) throw Error("not a SentencePiece model: " + status.ToString());
    t.m_serialized = modelProto;
    t.m_checksum = sha256Hex(modelProto);
    return t;
}

Tokenizer Tokenizer::load(const std::string &dir)
{
    namespace fs = std::filesystem;
    const fs::path model = fs::path(dir) / "tokenizer.model";
    std::ifstream in(model, std::ios::binary);
    if (!in) {
        if (!fs::is_directory(dir)) throw Error("tokenizer " + dir + ": no such folder");
        throw Error("tokenizer " + dir + ": tokenizer.model is missing (train one with danka-cli tokenizer train)");
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    Tokenizer t;
    try {
        t = fromSerialized(bytes.str());
    } catch (const Error &e) {
        throw Error("tokenizer " + model.string() + ": " + e.what());
    }
    t.m_dir = dir;
    t.m_files.emplace_back("tokenizer.model", t.m_serialized);
    for (const std::string &name : kCompanionFiles) {
        const fs::path path = fs::path(dir) / name;
        std::ifstream f(path, std::ios::binary);
        if (!f) continue;
        std::ostringstream content;
        if (!(content << f.rdbuf()) && fs::file_size(path) > 0)
            throw Error("tokenizer " + path.string() + ": cannot be read");
        t.m_files.emplace_back(name, content.str());
        if (name != "danka_tokenizer.json") continue;
        t.m_metadata = nlohmann::json::parse(t.m_files.back().second, nullptr, false);
        if (t.m_metadata.is_discarded()) throw Error("tokenizer " + path.string() + ": invalid JSON");
        const std::string recorded = t.m_metadata.value("checksum", std::string());
        if (!recorded.empty() && recorded != t.m_checksum)
            throw Error("tokenizer " + dir + ": tokenizer.model does not match danka_tokenizer.json (checksum " +
                        t.m_checksum.substr(0, 12) + " vs " + recorded.substr(0, 12) + "); the folder was edited");
    }
    return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const
{
    std::vector<int> ids;
    const auto status = m_sp->Encode(absl::string_view(text.data(), text.size()), &ids);
    if (!status.ok()) throw Error("tokenizer: cannot encode: " + status.ToString());
    return std::vector<int32_t>(ids.begin(), ids.end());
}

std::vector<std::string> Tokenizer::encodePieces(std::string_view text) const
{
    std::vector<std::string> pieces;
    const auto status = m_sp->Encode(absl::string_view(text.data(), text.size()), &pieces);
    if (!status.ok()) throw Error("tokenizer: cannot encode: " + status.ToString());
    return pieces;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const
{
    std::vector<int> in;
    in.reserve(ids.size());
    for (int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) throw Error("tokenizer: id " + std::to_string(id) + " is out of range [0, " +
                                                     std::to_string(vocabSize()) + ")");
        in.push_back(id);
    }
    std::string text;
    const auto status = m_sp->Decode(in, &text);
    if (!status.ok()) throw Error("tokenizer: cannot decode: " + status.ToString());
    return text;
}

int32_t Tokenizer::vocabSize() const { return m_sp->GetPieceSize(); }
int32_t Tokenizer::unkId() const { return m_sp->unk_id(); }
int32_t Tokenizer::bosId() const { return m_sp->bos_id(); }
int32_t Tokenizer::eosId() const { return m_sp->eos_id(); }
int32_t Tokenizer::padId() const { return m_sp->pad_id(); }

int32_t Tokenizer::pieceId(std::string_view piece) const
{
    const int id = m_sp->PieceToId(absl::string_view(piece.data(), piece.size()));
    // SentencePiece answers unk_id for unknown pieces.
    if (id == m_sp->unk_id() && piece != m_sp->IdToPiece(id)) return -1;
    return id;
}

std::string Tokenizer::piece(int32_t id) const
{
    if (id < 0 || id >= vocabSize()) return {};
    return m_sp->IdToPiece(id);
}

bool Tokenizer::isByte(int32_t id) const { return id >= 0 && id < vocabSize() && m_sp->IsByte(id); }
bool Tokenizer::isControl(int32_t id) const
{
    return id >= 0 && id < vocabSize() && (m_sp->IsControl(id) || m_sp->IsUnknown(id));
}

bool Tokenizer::isMarker(int32_t id) const
{
    if (id < 0 || id >= vocabSize() || isControl(id) || isByte(id) || m_sp->IsUnused(id)) return false;
    // User-defined pieces have score 0 in a BPE model; learned merges have negative scores.
    const std::string p = piece(id);
    for (const std::string &m : markers())
        if (m == p) return true;
    return false;
}

std::vector<std::string> Tokenizer::markers() const
{
    std::vector<std::string> out;
    if (m_metadata.contains("markers")) {
        for (const auto &m : m_metadata["markers"]) out.push_back(m.value("piece", std::string()));
        return out;
    }
    for (const std::string &m : kStandardMarkers)
        if (pieceId(m) >= 0) out.push_back(m);
    return out;
}

int32_t Tokenizer::requireMarker(std::string_view marker) const
{
    const int32_t id = pieceId(marker);
    if (id < 0)
        throw Error("tokenizer " + (m_dir.empty() ? std::string("(in memory)") : m_dir) + " has no " +
                    std::string(marker) + " piece; retrain it with danka-cli tokenizer train");
    return id;
}

TokenizerStats Tokenizer::measure(const std::vector<std::string> &zhLines, const std::vector<std::string> &enLines) const
{
    TokenizerStats s;
    int64_t tokens = 0, bytes = 0;
    auto rate = [&](const std::vector<std::string> &lines, int64_t &count) {
        int64_t chars = 0, n = 0;
        for (const std::string &line : lines) {
            const std::vector<int32_t> ids = encode(line);
            chars += static_cast<int64_t>(utf8::length(line));
            n += static_cast<int64_t>(ids.size());
            for (int32_t id : ids) bytes += isByte(id);
        }
        tokens += n;
        count = static_cast<int64_t>(lines.size());
        return n > 0 ? static_cast<double>(chars) / static_cast<double>(n) : 0.0;
    };
    s.charsPerTokenZh = rate(zhLines, s.heldOutLinesZh);
    s.charsPerTokenEn = rate(enLines, s.heldOutLinesEn);
    s.byteFallbackShare = tokens > 0 ? static_cast<double>(bytes) / static_cast<double>(tokens) : 0.0;
    return s;
}

}  // namespace danka::core::tokenizer
