// Translatable user-facing text of the engine, without Qt: core marks its messages with a context and their
// English source; the studio installs a translator (QCoreApplication::translate over its .qm files), the CLI
// installs none and reads English.
//
// - Text handed to the caller at once (field help, validation messages, preset descriptions, memory-plan
//   details): translate(context, source) when it is made, placeholders %1..%9 filled after translation so a
//   translation may reorder them: formatMessage(translate("danka::core", "must be %1, got %2"), range, v).
//   Text kept in static tables is marked with translateNoop() and translated where it is handed out.
// - Text stored in the workspace (run events, run errors, progress lines: written on a worker, read by
//   danka-cli and by the studio in any language): English, made from a StoredMessage template declared once
//   at namespace scope (which registers it). translateStored() turns such English text back into its
//   template and arguments, translates the template and fills the arguments in, each translated in turn
//   when it is itself a stored message. Text that no template produced comes back unchanged.
//
// lupdate extracts all three: translate() is one of its own names, and ui/CMakeLists.txt aliases
// translateNoop and storedMessage to QT_TRANSLATE_NOOP (-tr-function-alias).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace danka::core {

// The translator: (context, English source) -> text in the interface language. Null = English.
using Translator = std::string (*)(const char *context, const char *source);
void setTranslator(Translator translator);  // once, before any worker starts (the studio's main)
std::string translate(const char *context, const char *source);

// Marks `source` for lupdate; translated later with translate(context, source).
constexpr const char *translateNoop(const char * /*context*/, const char *source)
{
    return source;
}

namespace detail {
inline std::string messageArg(const std::string &s)
{
    return s;
}
inline std::string messageArg(const char *s)
{
    return s;
}
template <typename T, typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
std::string messageArg(T n)
{
    return std::to_string(n);
}
}  // namespace detail

// `pattern` with %1..%9 replaced by `args` in one pass (an argument's own "%2" stays as it is). Numbers are
// written with std::to_string; format floating-point values yourself (formatNumber, formatBytes...).
std::string formatMessageArgs(const std::string &pattern, const std::vector<std::string> &args);
template <typename... Args>
std::string formatMessage(const std::string &pattern, const Args &...args)
{
    return formatMessageArgs(pattern, {detail::messageArg(args)...});
}

// A template of stored text. Declare at namespace scope, so that it is registered before any text is shown:
//   const StoredMessage kStepSkipped = storedMessage("danka::core", "step %1 skipped: %2");
//   job.event(EventLevel::Warning, kStepSkipped(step, reason));   // English, arguments filled
// Templates must contain some literal text, and no two placeholders may be adjacent.
class StoredMessage {
public:
    StoredMessage(const char *context, const char *source);  // registers the template
    StoredMessage(const StoredMessage &) = delete;
    StoredMessage &operator=(const StoredMessage &) = delete;

    template <typename... Args>
    std::string operator()(const Args &...args) const
    {
        return formatMessageArgs(m_source, {detail::messageArg(args)...});
    }
    const char *context() const { return m_context; }
    const char *source() const { return m_source; }

private:
    const char *m_context;
    const char *m_source;
};

inline StoredMessage storedMessage(const char *context, const char *source)
{
    return StoredMessage(context, source);  // guaranteed copy elision: registered in place
}

// Every registered template (context, source), in registration order.
std::vector<std::pair<const char *, const char *>> storedMessageTemplates();

// Stored English text in the interface language (see above). Several lines are translated one by one.
std::string translateStored(const std::string &english);

}  // namespace danka::core
