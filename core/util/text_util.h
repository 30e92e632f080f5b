// Small text helpers shared by the engine's messages, the CLI and the studio.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace danka::core {

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), for "did you mean".
int editDistance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close enough to be a plausible typo, else "".
std::string closestMatch(std::string_view word, const std::vector<std::string> &candidates);

std::string formatNumber(double value);          // 3 -> "3", 0.5 -> "0.5", 1e-08 -> "1e-08"
std::string formatBytes(double bytes);           // "1.5 GiB"
std::string formatDuration(double seconds);      // "42s", "3m05s", "2h04m"
std::string formatCount(double n);               // 25829888 -> "25.8M"
std::string formatTimestamp(double unixSeconds); // local time "2026-11-23 18:04"

// The comma-separated items of `list`, each trimmed of spaces, empty items left out: " a, b,,c" -> a b c.
std::vector<std::string> splitList(std::string_view list);

// Columns a UTF-8 string occupies in a terminal (CJK and full-width characters count two).
int displayWidth(std::string_view utf8);

}  // namespace danka::core
