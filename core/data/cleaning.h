// Cleaning rules, each switchable and counted: Unicode NFKC (ICU), control and invisible characters,
// whitespace, length bounds, garbage heuristics (symbol ratio, repeated characters, repeated lines), a
// language tag by script ratio (zh / en / mixed / other) with an optional filter, and optional
// [DOMAIN:x] / [LANG:x] control tokens. Deduplication is separate (dedup.h): it needs the record order.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/records.h"

namespace danka::core::data {

struct CleaningOptions {
    bool nfkc = true;                    // Unicode NFKC normalisation (full-width forms, ligatures...)
    bool removeInvisible = true;         // control characters (not \n, \t) and invisible format characters
    bool normalizeWhitespace = true;     // exotic spaces -> ' ', \r\n -> \n, trailing spaces, >1 blank line
    int64_t minChars = 1;                // shorter records are dropped (characters of all text of a record)
    int64_t maxChars = 0;                // longer records are dropped; 0 = no bound
    bool garbageFilter = true;           // the three heuristics below
    double maxSymbolRatio = 0.5;         // punctuation + symbols over non-space characters
    int64_t charRunLength = 10;          // a run of this many identical characters counts as repeated...
    double maxCharRunShare = 0.3;        // ...and a record whose text is more than this share of such runs is garbage
    double maxDuplicateLineShare = 0.5;  // records of >= 4 lines where more lines than this repeat earlier ones
    std::vector<std::string> keepLanguages;  // keep only these tags ("zh", "en", "mixed", "other"); empty = all
    bool languageTokens = false;         // text records get a [LANG:zh|en|mixed] prefix
    std::string domain;                  // text records get a [DOMAIN:<domain>] prefix when not empty
};

struct RuleStats {
    int64_t removed = 0;   // records dropped by the rule
    int64_t modified = 0;  // records changed by the rule
    std::vector<RejectReport::Example> examples;  // the first few records it removed
};

struct CleaningReport {
    int64_t recordsIn = 0;
    int64_t recordsOut = 0;
    std::map<std::string, RuleStats> rules;       // by rule name (see kRuleNames)
    std::map<std::string, int64_t> languages;     // language tag of the records kept
    size_t maxExamples = 5;

    void count(const std::string &rule, bool removed, const Record *example);
    // A record that passed clean() is removed later (a duplicate): moves it from kept to `rule`.
    void dropKept(const std::string &rule, const Record &record);
    void merge(const CleaningReport &other);
    nlohmann::ordered_json toJson() const;
};

// Rule names in the order they run, as they appear in reports.
extern const std::vector<std::string> kRuleNames;

// Script-ratio language of UTF-8 text: Zh when Han characters are at least 60% of the Han + Latin letters,
// En when at most 10% (and there are Latin letters), Mixed in between, Other otherwise.
enum class Language { Zh, En, Mixed, Other };
Language detectLanguage(std::string_view text);
// The tag of a language in reports, records and [LANG:x] control tokens: "zh", "en", "mixed", "other".
const char *languageName(Language language);
// The language a tag names; nullopt for an unknown tag.
std::optional<Language> parseLanguage(std::string_view tag);
// languageName(detectLanguage(text)).
std::string languageTag(std::string_view text);

class Cleaner {
public:
    explicit Cleaner(CleaningOptions options);
    // Cleans `record` in place. Returns false when a rule removes it; the report says which. Thread-safe
    // for distinct reports (the options are read-only).
    bool clean(Record &record, CleaningReport &report) const;
    const CleaningOptions &options() const { return m_options; }

    // The single-text steps, exposed for tests and for normalising chat input the same way.
    std::string normalizeText(std::string_view text, bool *nfkcChanged = nullptr, bool *invisibleChanged = nullptr,
                              bool *whitespaceChanged = nullptr) const;

private:
    CleaningOptions m_options;
    std::vector<Language> m_keepLanguages;  // options.keepLanguages parsed (an unknown tag keeps nothing)
};

// Text the garbage heuristics and deduplication look at: all content of a record joined by newlines.
std::string recordText(const Record &record);

}  // namespace danka::core::data
