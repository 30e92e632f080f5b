// The field table of a run config (engine-internal to core/config): visitConfig walks every key of a
// RunConfig with its JSON name, meaning and range, and a Visitor decides what happens: config_io.cpp writes,
// reads, range-checks and describes configs with it, so a key is declared once, here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config/run_config.h"
#include "core/util/text_util.h"

namespace danka::core::config_fields {

struct Range {
    std::optional<double> lo, hi;
    bool loOpen = false, hiOpen = false;

    static Range none() { return {}; }
    static Range positive() { return {0.0, std::nullopt, true, false}; }
    static Range nonNegative() { return {0.0, std::nullopt, false, false}; }
    static Range atLeast(double v) { return {v, std::nullopt, false, false}; }
    static Range closed(double a, double b) { return {a, b, false, false}; }
    static Range halfOpen(double a, double b) { return {a, b, false, true}; }    // [a, b)
    static Range openClosed(double a, double b) { return {a, b, true, false}; }  // (a, b]
    static Range open(double a, double b) { return {a, b, true, true}; }         // (a, b)

    bool bounded() const { return lo || hi; }
    bool contains(double v) const
    {
        if (lo && (loOpen ? !(v > *lo) : !(v >= *lo))) return false;
        if (hi && (hiOpen ? !(v < *hi) : !(v <= *hi))) return false;
        return true;
    }
    std::string text() const
    {
        if (lo && hi)
            return std::string("in ") + (loOpen ? "(" : "[") + formatNumber(*lo) + ", " + formatNumber(*hi) +
                   (hiOpen ? ")" : "]");
        if (lo) return std::string(loOpen ? "> " : ">= ") + formatNumber(*lo);
        if (hi) return std::string(hiOpen ? "< " : "<= ") + formatNumber(*hi);
        return "";
    }
};

struct Meta {
    const char *help;
    Range range = Range::none();
};

class Visitor {
public:
    virtual ~Visitor() = default;
    virtual void section(const char *key, const std::function<void()> &body) = 0;
    virtual void field(const char *key, int64_t &value, const Meta &meta) = 0;
    virtual void field(const char *key, double &value, const Meta &meta) = 0;
    virtual void field(const char *key, bool &value, const Meta &meta) = 0;
    virtual void field(const char *key, std::string &value, const Meta &meta) = 0;
    virtual void choice(const char *key, int &index, const std::vector<std::string> &names, const Meta &meta) = 0;
};

// Every key of `c`, in file order, handed to `v` (sections, fields, choices), the stages' own settings last.
void visitConfig(RunConfig &c, Visitor &v);

}  // namespace danka::core::config_fields
