// Helpers shared by the safetensors reader, writer and index (safetensors*.cpp); not part of the public API.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace danka::model::detail {

// Throws SafetensorsError("<path>: <problem>").
[[noreturn]] void failSafetensors(const std::string &path, const std::string &problem);

// Offset of the first byte of `s` that is not well-formed UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF), or nullopt.
std::optional<size_t> firstInvalidUtf8(const char *s, size_t n);
inline std::optional<size_t> firstInvalidUtf8(const std::string &s)
{
    return firstInvalidUtf8(s.data(), s.size());
}

// Parses JSON text, refusing a key that appears twice in one object; `what` names the text in messages
// ("the header", "the index"). Throws SafetensorsError.
nlohmann::ordered_json parseJsonRejectingDuplicates(const std::string &path, const char *text, size_t size,
                                                    const std::string &what);

}  // namespace danka::model::detail
