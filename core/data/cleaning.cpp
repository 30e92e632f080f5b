// Cleaning rules (see cleaning.h). Unicode properties and NFKC come from ICU.
#include "core/data/cleaning.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <unordered_set>

#include "core/util/utf8.h"
#include "core/util/error.h"

namespace danka::core::data {

const std::vector<std::string> kRuleNames = {
    "invisible_chars", "nfkc", "whitespace", "too_short", "too_long", "symbol_ratio",
    "repeated_chars", "repeated_lines", "language", "exact_duplicate", "near_duplicate"};

void CleaningReport::count(const std::string &rule, bool removed, const Record *example)
{
    RuleStats &s = rules[rule];
    (removed ? s.removed : s.modified) += 1;
    if (removed && example && s.examples.size() < maxExamples) {
        std::string snippet(utf8::prefix(recordText(*example), 60));
        std::replace(snippet.begin(), snippet.end(), '\n', ' ');
        s.examples.push_back({example->file, example->line, snippet});
    }
}

void CleaningReport::dropKept(const std::string &rule, const Record &record)
{
    count(rule, true, &record);
    --recordsOut;
    if (--languages[record.language] == 0) languages.erase(record.language);
}

void CleaningReport::merge(const CleaningReport &other)
{
    recordsIn += other.recordsIn;
    recordsOut += other.recordsOut;
    for (const auto &[name, s] : other.rules) {
        RuleStats &mine = rules[name];
        mine.removed += s.removed;
        mine.modified += s.modified;
        for (const auto &e : s.examples)
            if (mine.examples.size() < maxExamples) mine.examples.push_back(e);
    }
    for (const auto &[tag, n] : other.languages) languages[tag] += n;
}

nlohmann::ordered_json CleaningReport::toJson() const
{
    nlohmann::ordered_json rulesJson = nlohmann::ordered_json::object();
    for (const std::string &name : kRuleNames) {
        auto it = rules.find(name);
        if (it == rules.end()) continue;
        nlohmann::ordered_json examples = nlohmann::ordered_json::array();
        for (const auto &e : it->second.examples)
            examples.push_back({{"file", e.file}, {"line", e.line}, {"text", e.reason}});
        rulesJson[name] = {{"removed", it->second.removed}, {"modified", it->second.modified}, {"examples", examples}};
    }
    return {{"records_in", recordsIn}, {"records_out", recordsOut}, {"rules", rulesJson}, {"languages", languages}};
}

std::string recordText(const Record &r)
{
    if (r.kind == RecordKind::Text) return r.text;
    std::string out;
    auto add = [&out](const std::vector<Message> &turns) {
        for (const Message &m : turns) {
            if (!out.empty()) out += '\n';
            out += m.content;
        }
    };
    add(r.messages);
    add(r.chosen);
    add(r.rejected);
    return out;
}

Language detectLanguage(std::string_view text)
{
    int64_t han = 0, latin = 0;
    for (size_t pos = 0; pos < text.size();) {
        const char32_t c = utf8::next(text, pos);
        if (c < 0x80) {
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ++latin;
            continue;
        }
        UErrorCode status = U_ZERO_ERROR;
        const UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
        if (script == USCRIPT_HAN) ++han;
        else if (script == USCRIPT_LATIN && u_isalpha(static_cast<UChar32>(c))) ++latin;
    }
    if (han + latin == 0) return Language::Other;
    const double share = static_cast<double>(han) / static_cast<double>(han + latin);
    if (share >= 0.6) return Language::Zh;
    if (share <= 0.1) return Language::En;
    return Language::Mixed;
}

const char *languageName(Language language)
{
    switch (language) {
    case Language::Zh: return "zh";
    case Language::En: return "en";
    case Language::Mixed: return "mixed";
    case Language::Other: return "other";
    }
    return "other";
}

std::optional<Language> parseLanguage(std::string_view tag)
{
    for (Language l : {Language::Zh, Language::En, Language::Mixed, Language::Other})
        if (tag == languageName(l)) return l;
    return std::nullopt;
}

std::string languageTag(std::string_view text)
{
    return languageName(detectLanguage(text));
}

namespace {

const icu::Normalizer2 &nfkcNormalizer()
{
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2 *n = icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status) || !n) throw Error(std::string("ICU NFKC normaliser unavailable: ") + u_errorName(status));
    return *n;
}

bool invisible(char32_t c)
{
    if (c == '\n' || c == '\t' || c == '\r') return false;
    if (c == 0x200C || c == 0x200D) return false;  // ZWNJ / ZWJ carry meaning (Persian, emoji sequences)
    if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF)) return true;  // noncharacters
    const int8_t type = u_charType(static_cast<UChar32>(c));
    return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR;
}

std::string removeInvisible(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t start = pos;
        const char32_t c = utf8::next(text, pos);
        if (!invisible(c)) out.append(text.substr(start, pos - start));
    }
    return out;
}

std::string normalizeSpaces(std::string_view text)
{
    // Exotic spaces become ' ', \r\n and \r become \n, trailing blanks go, at most one blank line in a row,
    // no blank start or end. Spaces inside a line are kept (code indentation).
    std::string lines;
    lines.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t start = pos;
        const char32_t c = utf8::next(text, pos);
        if (c == '\r') {
            if (pos < text.size() && text[pos] == '\n') ++pos;
            lines += '\n';
        } else if (c >= 0x80 && u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR) {
            lines += ' ';
        } else {
            lines.append(text.substr(start, pos - start));
        }
    }
    std::string out;
    out.reserve(lines.size());
    int blankRun = 0;
    size_t begin = 0;
    while (begin <= lines.size()) {
        size_t end = lines.find('\n', begin);
        if (end == std::string::npos) end = lines.size();
        std::string_view line(lines.data() + begin, end - begin);
        const size_t last = line.find_last_not_of(" \t");
        line = last == std::string_view::npos ? std::string_view() : line.substr(0, last + 1);
        if (line.empty()) {
            ++blankRun;
        } else {
            if (!out.empty()) out += blankRun > 0 ? "\n\n" : "\n";
            out.append(line);
            blankRun = 0;
        }
        begin = end + 1;
    }
    return out;
}

struct GarbageVerdict {
    const char *rule = nullptr;
};

GarbageVerdict checkGarbage(std::string_view text, const CleaningOptions &o)
{
    int64_t nonSpace = 0, symbols = 0, runChars = 0, chars = 0;
    char32_t previous = 0;
    int64_t run = 0;
    auto closeRun = [&] {
        if (run >= o.charRunLength) runChars += run;
    };
    for (size_t pos = 0; pos < text.size();) {
        const char32_t c = utf8::next(text, pos);
        ++chars;
        if (c == previous) {
            ++run;
        } else {
            closeRun();
            run = 1;
            previous = c;
        }
        if (c == ' ' || c == '\n' || c == '\t') continue;
        ++nonSpace;
        const int32_t category = U_GET_GC_MASK(static_cast<UChar32>(c));
        if (category & (U_GC_P_MASK | U_GC_S_MASK)) ++symbols;
    }
    closeRun();
    if (nonSpace > 0 && static_cast<double>(symbols) / static_cast<double>(nonSpace) > o.maxSymbolRatio)
        return {"symbol_ratio"};
    if (chars > 0 && static_cast<double>(runChars) / static_cast<double>(chars) > o.maxCharRunShare)
        return {"repeated_chars"};
    // Repeated lines: only meaningful with a few lines.
    std::unordered_set<std::string_view> seen;
    int64_t lines = 0, repeats = 0;
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(begin, end - begin);
        if (!line.empty()) {
            ++lines;
            if (!seen.insert(line).second) ++repeats;
        }
        begin = end + 1;
    }
    if (lines >= 4 && static_cast<double>(repeats) / static_cast<double>(lines) > o.maxDuplicateLineShare)
        return {"repeated_lines"};
    return {};
}

}  // namespace

Cleaner::Cleaner(CleaningOptions options) : m_options(std::move(options))
{
    if (m_options.nfkc) nfkcNormalizer();  // fail now, not in a worker
    for (const std::string &tag : m_options.keepLanguages)
        if (const std::optional<Language> l = parseLanguage(tag)) m_keepLanguages.push_back(*l);
}

std::string Cleaner::normalizeText(std::string_view text, bool *nfkcChanged, bool *invisibleChanged,
                                   bool *whitespaceChanged) const
{
    std::string current(text);
    if (m_options.removeInvisible) {
        std::string next = removeInvisible(current);
        if (invisibleChanged) *invisibleChanged = next != current;
        current = std::move(next);
    }
    if (m_options.nfkc) {
        const icu::Normalizer2 &n = nfkcNormalizer();
        UErrorCode status = U_ZERO_ERROR;
        if (!n.isNormalizedUTF8(icu::StringPiece(current.data(), static_cast<int32_t>(current.size())), status)) {
            std::string next;
            icu::StringByteSink<std::string> sink(&next);
            status = U_ZERO_ERROR;
            n.normalizeUTF8(0, icu::StringPiece(current.data(), static_cast<int32_t>(current.size())), sink, nullptr,
                            status);
            if (U_FAILURE(status)) throw Error(std::string("NFKC normalisation failed: ") + u_errorName(status));
            if (nfkcChanged) *nfkcChanged = next != current;
            current = std::move(next);
        }
    }
    if (m_options.normalizeWhitespace) {
        std::string next = normalizeSpaces(current);
        if (whitespaceChanged) *whitespaceChanged = next != current;
        current = std::move(next);
    }
    return current;
}

bool Cleaner::clean(Record &r, CleaningReport &report) const
{
    ++report.recordsIn;
    bool nfkc = false, invisibleChars = false, whitespace = false;
    auto normalize = [&](std::string &text) {
        bool a = false, b = false, c = false;
        text = normalizeText(text, &a, &b, &c);
        nfkc |= a;
        invisibleChars |= b;
        whitespace |= c;
    };
    if (r.kind == RecordKind::Text) {
        normalize(r.text);
    } else {
        for (auto *turns : {&r.messages, &r.chosen, &r.rejected})
            for (Message &m : *turns) normalize(m.content);
    }
    if (invisibleChars) report.count("invisible_chars", false, nullptr);
    if (nfkc) report.count("nfkc", false, nullptr);
    if (whitespace) report.count("whitespace", false, nullptr);

    const std::string text = recordText(r);
    auto drop = [&](const char *rule) {
        report.count(rule, true, &r);
        return false;
    };
    // A conversation turn emptied by cleaning makes the record untrainable.
    for (auto *turns : {&r.messages, &r.chosen, &r.rejected})
        for (const Message &m : *turns)
            if (m.content.empty()) return drop("too_short");
    const auto chars = static_cast<int64_t>(utf8::length(text));
    if (chars < m_options.minChars) return drop("too_short");
    if (m_options.maxChars > 0 && chars > m_options.maxChars) return drop("too_long");
    if (m_options.garbageFilter)
        if (const GarbageVerdict g = checkGarbage(text, m_options); g.rule) return drop(g.rule);
    const Language detected = detectLanguage(text);
    if (!m_options.keepLanguages.empty() &&
        std::find(m_keepLanguages.begin(), m_keepLanguages.end(), detected) == m_keepLanguages.end())
        return drop("language");
    const std::string language = languageName(detected);
    if (r.kind == RecordKind::Text) {
        std::string prefix;
        if (!m_options.domain.empty()) prefix += "[DOMAIN:" + m_options.domain + "]";
        if (m_options.languageTokens && detected != Language::Other) prefix += "[LANG:" + language + "]";
        if (!prefix.empty()) r.text = prefix + r.text;
    }
    r.language = language;
    ++report.languages[language];
    ++report.recordsOut;
    return true;
}

}  // namespace danka::core::data
