// Option checks with plain messages ("must be at least 0, got -1"): CLI11's own range validators print
// the largest double in full when only one bound matters.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace danka::cli {

namespace detail {
inline std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// value >= limit (inclusive) or > limit; with `upper`, value <= limit.
inline CLI::Validator bound(double limit, bool inclusive, bool upper = false)
{
    const std::string rule =
        (upper ? "must be at most " : inclusive ? "must be at least " : "must be greater than ") + number(limit);
    return CLI::Validator(
        [=](std::string &text) -> std::string {
            double v = 0;
            size_t end = 0;
            try {
                v = std::stod(text, &end);
            } catch (const std::exception &) {
                end = 0;
            }
            if (end != text.size() || end == 0) return "\"" + text + "\" is not a number";
            const bool ok = upper ? v <= limit : inclusive ? v >= limit : v > limit;
            return ok ? std::string() : rule + ", got " + text;
        },
        (upper ? "<=" : inclusive ? ">=" : ">") + number(limit));
}
}  // namespace detail

inline CLI::Validator atLeast(double min) { return detail::bound(min, true); }
inline CLI::Validator greaterThan(double min) { return detail::bound(min, false); }
inline CLI::Validator atMost(double max) { return detail::bound(max, true, true); }

}  // namespace danka::cli
