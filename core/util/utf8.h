// UTF-8 validation and decoding: input files are bytes from anywhere, and invalid UTF-8 is rejected
// with its position rather than passed on to ICU, SentencePiece or the GUI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace danka::core::utf8 {

constexpr size_t kValid = static_cast<size_t>(-1);

// Byte offset of the first invalid sequence (overlong forms, surrogates, > U+10FFFF, truncation), or kValid.
size_t firstInvalid(std::string_view text);

// Decodes the code point at `pos` (which must be valid UTF-8) and advances `pos` past it.
inline char32_t next(std::string_view text, size_t &pos)
{
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
        ++pos;
        return c;
    }
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    char32_t cp = c & (0x3F >> extra);
    ++pos;
    while (extra-- > 0 && pos < text.size()) cp = (cp << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
    return cp;
}

// Number of code points (text must be valid UTF-8).
size_t length(std::string_view text);

// Appends the UTF-8 encoding of `cp`.
template <typename String>
void append(String &out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// A prefix of at most `maxChars` code points, for report snippets (never splits a character).
std::string_view prefix(std::string_view text, size_t maxChars);

}  // namespace danka::core::utf8
