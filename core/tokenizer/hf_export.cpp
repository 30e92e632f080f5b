// Hugging Face tokenizer files (see hf_export.h).
#include "core/tokenizer/hf_export.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/util/error.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/utf8.h"

namespace fs = std::filesystem;

namespace danka::core::tokenizer {

namespace {

using ordered_json = nlohmann::ordered_json;

void writeJson(const fs::path &path, const ordered_json &j)
{
    std::ofstream out(path);
    out << j.dump(2, ' ', false, ordered_json::error_handler_t::strict) << '\n';
    if (!out) throw Error("cannot write " + path.string());
}

// BPE merges from the vocabulary, as transformers' generate_merges does: for every piece in id order, each
// split into two pieces that are both in the vocabulary (by code point), ordered by the merged piece's id and
// then by the length of the left part. Applying merges in this order reproduces SentencePiece's BPE.
ordered_json mergesOf(const Tokenizer &t, const std::unordered_map<std::string, int32_t> &vocab)
{
    ordered_json merges = ordered_json::array();
    for (int32_t id = 0; id < t.vocabSize(); ++id) {
        const std::string piece = t.piece(id);
        size_t pos = 0;
        utf8::next(piece, pos);  // the first split point is after the first character
        while (pos < piece.size()) {
            const std::string left = piece.substr(0, pos), right = piece.substr(pos);
            if (vocab.count(left) && vocab.count(right)) merges.push_back(ordered_json::array({left, right}));
            utf8::next(piece, pos);
        }
    }
    return merges;
}

ordered_json addedToken(int32_t id, const std::string &content, bool special)
{
    return {{"id", id},          {"content", content},     {"single_word", false}, {"lstrip", false},
            {"rstrip", false},   {"normalized", false},    {"special", special}};
}

}  // namespace

bool isSpecialMarker(const std::string &marker)
{
    return marker == kImStart || marker == kImEnd || marker.rfind("<|fim_", 0) == 0 || marker.rfind("[LANG:", 0) == 0 ||
           marker.rfind("[DOMAIN:", 0) == 0;
}

void writeHuggingFaceFiles(const Tokenizer &t, const std::string &dir, bool nfkc, int64_t modelMaxLength)
{
    const std::vector<std::string> markers = t.markers();
    std::unordered_map<std::string, int32_t> vocab;
    ordered_json vocabJson = ordered_json::object();
    for (int32_t id = 0; id < t.vocabSize(); ++id) {
        vocab.emplace(t.piece(id), id);
        vocabJson[t.piece(id)] = id;
    }

    // --- tokenizer.json
    ordered_json added = ordered_json::array();
    for (int32_t id : {t.unkId(), t.bosId(), t.eosId(), t.padId()}) added.push_back(addedToken(id, t.piece(id), true));
    for (const std::string &m : markers) added.push_back(addedToken(t.pieceId(m), m, isSpecialMarker(m)));
    const ordered_json tokenizerJson = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", added},
        {"normalizer", nfkc ? ordered_json{{"type", "NFKC"}} : ordered_json(nullptr)},
        {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "never"}, {"split", false}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", ordered_json::array({{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
          {"pair", ordered_json::array({{{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                         {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
          {"special_tokens", ordered_json::object()}}},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders", ordered_json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                            {{"type", "ByteFallback"}},
                                            {{"type", "Fuse"}}})}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", t.piece(t.unkId())},
          {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr},
          {"fuse_unk", true},
          {"byte_fallback", true},
          {"ignore_merges", false},
          {"vocab", vocabJson},
          {"merges", mergesOf(t, vocab)}}},
    };
    writeJson(fs::path(dir) / "tokenizer.json", tokenizerJson);

    // --- tokenizer_config.json and special_tokens_map.json
    ordered_json decoder = ordered_json::object();
    for (const auto &token : added) {
        ordered_json entry = token;
        entry.erase("id");
        decoder[std::to_string(token["id"].get<int32_t>())] = entry;
    }
    std::vector<std::string> specialMarkers;
    for (const std::string &m : markers)
        if (isSpecialMarker(m)) specialMarkers.push_back(m);
    const ordered_json config = {
        {"tokenizer_class", "PreTrainedTokenizerFast"},
        {"bos_token", t.piece(t.bosId())},
        {"eos_token", t.piece(t.eosId())},
        {"unk_token", t.piece(t.unkId())},
        {"pad_token", t.piece(t.padId())},
        {"add_bos_token", false},
        {"add_eos_token", false},
        {"clean_up_tokenization_spaces", false},
        {"model_max_length", modelMaxLength},
        {"additional_special_tokens", specialMarkers},
        {"added_tokens_decoder", decoder},
        {"chat_template", jinjaChatTemplate()},
    };
    writeJson(fs::path(dir) / "tokenizer_config.json", config);
    writeJson(fs::path(dir) / "special_tokens_map.json",
              {{"bos_token", t.piece(t.bosId())}, {"eos_token", t.piece(t.eosId())}, {"unk_token", t.piece(t.unkId())},
               {"pad_token", t.piece(t.padId())}, {"additional_special_tokens", specialMarkers}});
}

}  // namespace danka::core::tokenizer
