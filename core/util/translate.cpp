// Translatable messages of the engine (see translate.h).
#include "core/util/translate.h"

#include <atomic>
#include <memory>
#include <mutex>

namespace danka::core {

namespace {

std::atomic<Translator> g_translator{nullptr};

// A template split at its placeholders: literals[0] %a literals[1] %b ... literals[n].
struct ParsedTemplate {
    const char *context = nullptr;
    const char *source = nullptr;
    std::vector<std::string> literals;
    std::vector<int> numbers;  // the placeholder numbers (1-based), in order of appearance
    size_t literalSize = 0;    // how specific the template is: more literal text wins
};

ParsedTemplate parseTemplate(const char *context, const char *source)
{
    ParsedTemplate t;
    t.context = context;
    t.source = source;
    t.literals.emplace_back();
    for (const char *p = source; *p; ++p) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
            t.numbers.push_back(p[1] - '0');
            t.literals.emplace_back();
            ++p;
        } else {
            t.literals.back() += *p;
            ++t.literalSize;
        }
    }
    return t;
}

using Templates = std::vector<ParsedTemplate>;

// Templates register at static initialisation; readers take the current list once per translation.
struct Registry {
    std::mutex mutex;
    std::shared_ptr<const Templates> templates = std::make_shared<Templates>();
};

Registry &registry()
{
    static Registry r;
    return r;
}

// Matches text[pos...] against the template from placeholder k on; fills `args` (by order of appearance).
bool matchFrom(const std::string &text, const ParsedTemplate &t, size_t k, size_t pos, std::vector<std::string> &args)
{
    const size_t n = t.numbers.size();
    if (k == n) return pos == text.size();  // a template without placeholders: all of it was literal
    const std::string &next = t.literals[k + 1];
    if (k + 1 == n) {  // the last placeholder takes everything up to the closing literal
        if (text.size() < pos + next.size() || text.compare(text.size() - next.size(), next.size(), next) != 0)
            return false;
        args[k] = text.substr(pos, text.size() - next.size() - pos);
        return true;
    }
    if (next.empty()) return false;  // adjacent placeholders are not allowed (ambiguous)
    for (size_t e = text.find(next, pos); e != std::string::npos; e = text.find(next, e + 1)) {
        args[k] = text.substr(pos, e - pos);
        if (matchFrom(text, t, k + 1, e + next.size(), args)) return true;
    }
    return false;
}

std::string translateText(const Templates &templates, const std::string &text, int depth);

// An argument of a matched template: a list of stored messages ("a, b"), one stored message, or left as it
// is. The list is tried first: the last placeholder of a template would take the rest of a list.
std::string translateArgument(const Templates &templates, const std::string &arg, int depth)
{
    if (arg.find(", ") != std::string::npos) {
        std::string joined;
        const std::string separator = translate("danka::core", ", ");
        bool all = true;
        for (size_t start = 0, i = 0; all; ++i) {
            const size_t comma = arg.find(", ", start);
            const std::string part =
                arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const std::string translated = translateText(templates, part, depth + 1);
            all = translated != part;
            joined += (i ? separator : std::string()) + translated;
            if (comma == std::string::npos) break;
            start = comma + 2;
        }
        if (all) return joined;
    }
    return translateText(templates, arg, depth + 1);
}

// One stored message (or its text unchanged); `depth` bounds the recursion into arguments.
std::string translateText(const Templates &templates, const std::string &text, int depth)
{
    if (text.empty() || depth > 8) return text;
    const ParsedTemplate *best = nullptr;
    std::vector<std::string> bestArgs;
    for (const ParsedTemplate &t : templates) {
        if (best && t.literalSize <= best->literalSize) continue;
        if (text.compare(0, t.literals[0].size(), t.literals[0]) != 0) continue;
        std::vector<std::string> args(t.numbers.size());
        if (matchFrom(text, t, 0, t.literals[0].size(), args)) {
            best = &t;
            bestArgs = std::move(args);
        }
    }
    if (!best) return text;
    std::vector<std::string> byNumber;
    for (size_t i = 0; i < best->numbers.size(); ++i) {
        const auto at = static_cast<size_t>(best->numbers[i] - 1);
        if (byNumber.size() <= at) byNumber.resize(at + 1);
        byNumber[at] = translateArgument(templates, bestArgs[i], depth);
    }
    return formatMessageArgs(translate(best->context, best->source), byNumber);
}

}  // namespace

void setTranslator(Translator translator)
{
    g_translator = translator;
}

std::string translate(const char *context, const char *source)
{
    const Translator t = g_translator.load();
    return t ? t(context, source) : std::string(source);
}

std::string formatMessageArgs(const std::string &pattern, const std::vector<std::string> &args)
{
    std::string out;
    out.reserve(pattern.size());
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '%' && i + 1 < pattern.size() && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
            const auto n = static_cast<size_t>(pattern[i + 1] - '1');
            if (n < args.size()) {
                out += args[n];
                ++i;
                continue;
            }
        }
        out += c;
    }
    return out;
}

StoredMessage::StoredMessage(const char *context, const char *source) : m_context(context), m_source(source)
{
    ParsedTemplate t = parseTemplate(context, source);
    if (t.literalSize == 0) return;  // "%1" alone would match anything: never a template
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    auto next = std::make_shared<Templates>(*r.templates);
    next->push_back(std::move(t));
    r.templates = std::move(next);
}

namespace {
std::shared_ptr<const Templates> currentTemplates()
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    return r.templates;
}
}  // namespace

std::vector<std::pair<const char *, const char *>> storedMessageTemplates()
{
    std::vector<std::pair<const char *, const char *>> list;
    for (const ParsedTemplate &t : *currentTemplates()) list.emplace_back(t.context, t.source);
    return list;
}

std::string translateStored(const std::string &english)
{
    const std::shared_ptr<const Templates> templates = currentTemplates();
    const std::string whole = translateText(*templates, english, 0);
    if (whole != english || english.find('\n') == std::string::npos) return whole;
    // Several messages, one per line (an error and the advice under it).
    std::string out;
    for (size_t start = 0;;) {
        const size_t end = english.find('\n', start);
        out += translateText(*templates, english.substr(start, end == std::string::npos ? std::string::npos : end - start), 0);
        if (end == std::string::npos) break;
        out += '\n';
        start = end + 1;
    }
    return out;
}

}  // namespace danka::core
