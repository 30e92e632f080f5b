// Streaming record readers (see reader.h).
#include "core/data/reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <nlohmann/json.hpp>

#include "core/util/utf8.h"
#include "core/util/error.h"

namespace danka::core::data {

using nlohmann::json;

// --- records.h ---------------------------------------------------------------------------------------------

namespace {
const char *kFormatNames[] = {"auto", "text", "pretrain", "sft", "dpo", "alpaca", "sharegpt"};
}

const char *dataFormatName(DataFormat format)
{
    return kFormatNames[static_cast<int>(format)];
}

bool parseDataFormat(const std::string &name, DataFormat &out)
{
    for (int i = 0; i < 7; ++i) {
        if (name == kFormatNames[i]) {
            out = static_cast<DataFormat>(i);
            return true;
        }
    }
    return false;
}

const char *recordKindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Text: return "text";
    case RecordKind::Conversation: return "conversation";
    case RecordKind::Preference: return "preference";
    }
    return "?";
}

void RejectReport::add(const std::string &file, int64_t line, const std::string &category, const std::string &detail)
{
    ++total;
    ++countsByReason[category];
    if (examples.size() < maxExamples)
        examples.push_back({file, line, RecordError{category, detail}.toString()});
}

void RejectReport::merge(const RejectReport &other)
{
    total += other.total;
    for (const auto &[reason, count] : other.countsByReason) countsByReason[reason] += count;
    for (const auto &e : other.examples)
        if (examples.size() < maxExamples) examples.push_back(e);
}

// --- JSON record parsing -----------------------------------------------------------------------------------

namespace {

// A short reason for a JSON syntax error: "unterminated string" rather than nlohmann's full sentence.
std::string jsonSyntaxReason(const json::parse_error &e)
{
    const std::string what = e.what();
    if (what.find("missing closing quote") != std::string::npos) return "unterminated string";
    if (what.find("unexpected end of input") != std::string::npos) return "truncated record";
    if (what.find("control character") != std::string::npos) return "unescaped control character in a string";
    const auto dash = what.find(" - ");
    std::string reason = dash == std::string::npos ? what : what.substr(dash + 3);
    const auto last = reason.find("; last read");
    if (last != std::string::npos) reason.resize(last);
    return reason;
}

const json *field(const json &object, const char *key)
{
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// Reads a list of turns. ShareGPT turns use from/value; others role/content (+ reasoning_content).
bool readTurns(const json &array, const std::string &name, bool shareGpt, std::vector<Message> &out, RecordError &err)
{
    if (!array.is_array()) {
        err = {"malformed record", "\"" + name + "\" is not a list of turns"};
        return false;
    }
    for (size_t i = 0; i < array.size(); ++i) {
        const json &turn = array[i];
        const std::string where = name + "[" + std::to_string(i) + "]";
        if (!turn.is_object()) {
            err = {"malformed record", where + " is not an object"};
            return false;
        }
        const json *role = field(turn, shareGpt ? "from" : "role");
        const json *content = field(turn, shareGpt ? "value" : "content");
        if (!role || !role->is_string()) {
            err = {"missing field", where + ": missing \"" + (shareGpt ? "from" : "role") + "\""};
            return false;
        }
        if (!content || !content->is_string()) {
            err = {"missing field", where + ": missing \"" + (shareGpt ? "value" : "content") + "\""};
            return false;
        }
        std::string r = role->get<std::string>();
        if (shareGpt) {
            if (r == "human" || r == "user") r = "user";
            else if (r == "gpt" || r == "assistant" || r == "chatgpt" || r == "model" || r == "bot") r = "assistant";
            else if (r != "system") {
                err = {"unknown role", where + ": \"" + r + "\" (expected human, gpt or system)"};
                return false;
            }
        } else if (r != "system" && r != "user" && r != "assistant") {
            err = {"unknown role", where + ": \"" + r + "\" (expected system, user or assistant)"};
            return false;
        }
        std::string text = content->get<std::string>();
        if (const json *reasoning = field(turn, "reasoning_content");
            reasoning && reasoning->is_string() && !reasoning->get<std::string>().empty())
            text = "<think>\n" + reasoning->get<std::string>() + "\n</think>\n\n" + text;
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
            err = {"empty content", where};
            return false;
        }
        out.push_back({std::move(r), std::move(text)});
    }
    return true;
}

// A trainable conversation: optional system first, then user/assistant alternating, ending with assistant.
bool checkConversation(const std::vector<Message> &m, RecordError &err)
{
    size_t i = 0;
    if (!m.empty() && m[0].role == "system") i = 1;
    if (i >= m.size()) {
        err = {"no dialogue", "no user or assistant turn"};
        return false;
    }
    for (size_t k = i; k < m.size(); ++k) {
        const char *expected = (k - i) % 2 == 0 ? "user" : "assistant";
        if (m[k].role != expected) {
            err = {"turn order", "turn " + std::to_string(k) + " is " + m[k].role + ", expected " + expected};
            return false;
        }
    }
    if (m.back().role != "assistant") {
        err = {"turn order", "ends with a user turn (no reply to learn)"};
        return false;
    }
    return true;
}

// A preference side given as a string (one assistant turn) or as turns.
bool readSide(const json &value, const std::string &name, const char *stringRole, std::vector<Message> &out,
              RecordError &err)
{
    if (value.is_string()) {
        if (value.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
            err = {"empty content", name};
            return false;
        }
        out.push_back({stringRole, value.get<std::string>()});
        return true;
    }
    return readTurns(value, name, false, out, err);
}

bool parseLayout(const json &j, DataFormat format, Record &r, RecordError &err)
{
    if (!j.is_object()) {
        err = {"malformed record", "expected a JSON object"};
        return false;
    }
    switch (format) {
    case DataFormat::Pretrain: {
        const json *text = field(j, "text");
        if (!text) {
            err = {"missing field", "no \"text\""};
            return false;
        }
        if (!text->is_string()) {
            err = {"malformed record", "\"text\" is not a string"};
            return false;
        }
        r.kind = RecordKind::Text;
        r.text = text->get<std::string>();
        if (r.text.find_first_not_of(" \t\r\n") == std::string::npos) {
            err = {"empty record", "empty \"text\""};
            return false;
        }
        return true;
    }
    case DataFormat::Sft:
    case DataFormat::ShareGpt: {
        const json *turns = field(j, "conversations");
        if (!turns) turns = field(j, "messages");
        if (!turns) {
            err = {"missing field", "no \"conversations\""};
            return false;
        }
        r.kind = RecordKind::Conversation;
        return readTurns(*turns, "conversations", format == DataFormat::ShareGpt, r.messages, err) &&
               checkConversation(r.messages, err);
    }
    case DataFormat::Alpaca: {
        const json *instruction = field(j, "instruction");
        const json *output = field(j, "output");
        if (!instruction || !instruction->is_string() || !output || !output->is_string()) {
            err = {"missing field", std::string("no \"") + (!instruction || !instruction->is_string() ? "instruction"
                                                                                                    : "output") +
                                        "\""};
            return false;
        }
        r.kind = RecordKind::Conversation;
        if (const json *system = field(j, "system"); system && system->is_string() && !system->get<std::string>().empty())
            r.messages.push_back({"system", system->get<std::string>()});
        if (const json *history = field(j, "history"); history && history->is_array()) {
            for (const json &pair : *history) {
                if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
                    err = {"malformed record", "\"history\" entries must be [question, answer]"};
                    return false;
                }
                r.messages.push_back({"user", pair[0].get<std::string>()});
                r.messages.push_back({"assistant", pair[1].get<std::string>()});
            }
        }
        std::string prompt = instruction->get<std::string>();
        if (const json *input = field(j, "input"); input && input->is_string() && !input->get<std::string>().empty())
            prompt += "\n\n" + input->get<std::string>();
        if (prompt.find_first_not_of(" \t\r\n") == std::string::npos ||
            output->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
            err = {"empty content", "empty instruction or output"};
            return false;
        }
        r.messages.push_back({"user", prompt});
        r.messages.push_back({"assistant", output->get<std::string>()});
        return checkConversation(r.messages, err);
    }
    case DataFormat::Dpo: {
        const json *chosen = field(j, "chosen");
        const json *rejected = field(j, "rejected");
        if (!chosen || !rejected) {
            err = {"missing field", std::string("no \"") + (!chosen ? "chosen" : "rejected") + "\""};
            return false;
        }
        r.kind = RecordKind::Preference;
        if (const json *prompt = field(j, "prompt")) {
            if (!readSide(*prompt, "prompt", "user", r.messages, err) || !readSide(*chosen, "chosen", "assistant", r.chosen, err) ||
                !readSide(*rejected, "rejected", "assistant", r.rejected, err))
                return false;
        } else {
            std::vector<Message> c, x;
            if (!readTurns(*chosen, "chosen", false, c, err) || !readTurns(*rejected, "rejected", false, x, err))
                return false;
            size_t shared = 0;
            while (shared < c.size() && shared < x.size() && c[shared] == x[shared]) ++shared;
            // The prompt ends with the last shared user turn; what follows are the two replies.
            while (shared > 0 && c[shared - 1].role != "user") --shared;
            r.messages.assign(c.begin(), c.begin() + static_cast<long>(shared));
            r.chosen.assign(c.begin() + static_cast<long>(shared), c.end());
            r.rejected.assign(x.begin() + static_cast<long>(shared), x.end());
        }
        if (r.messages.empty() || r.messages.back().role != "user") {
            err = {"turn order", "the prompt must end with a user turn"};
            return false;
        }
        if (r.chosen.empty() || r.rejected.empty() || r.chosen.front().role != "assistant" ||
            r.rejected.front().role != "assistant") {
            err = {"turn order", "chosen and rejected must each continue with an assistant reply"};
            return false;
        }
        if (r.chosen == r.rejected) {
            err = {"identical pair", "chosen and rejected are the same"};
            return false;
        }
        std::vector<Message> whole = r.messages;
        whole.insert(whole.end(), r.chosen.begin(), r.chosen.end());
        return checkConversation(whole, err);
    }
    case DataFormat::Auto:
    case DataFormat::Text: break;
    }
    err = {"malformed record", "not a JSON layout"};
    return false;
}

}  // namespace

DataFormat detectJsonFormat(const std::string &jsonText)
{
    const json j = json::parse(jsonText, nullptr, false);
    if (!j.is_object()) return DataFormat::Auto;
    if (j.contains("chosen") && j.contains("rejected")) return DataFormat::Dpo;
    for (const char *key : {"conversations", "messages"}) {
        const json *turns = field(j, key);
        if (turns && turns->is_array()) {
            for (const json &t : *turns)
                if (t.is_object()) return t.contains("from") || t.contains("value") ? DataFormat::ShareGpt : DataFormat::Sft;
            return DataFormat::Sft;
        }
    }
    if (j.contains("instruction") && j.contains("output")) return DataFormat::Alpaca;
    if (j.contains("text")) return DataFormat::Pretrain;
    return DataFormat::Auto;
}

std::string RecordError::toString() const
{
    return detail.empty() ? category : category + " (" + detail + ")";
}

bool parseJsonRecord(std::string_view text, DataFormat format, Record &out, RecordError &error)
{
    if (const size_t bad = utf8::firstInvalid(text); bad != utf8::kValid) {
        error = {"invalid UTF-8", "at byte " + std::to_string(bad + 1)};
        return false;
    }
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error &e) {
        error = {"invalid JSON", jsonSyntaxReason(e)};
        return false;
    }
    Record r;
    if (!parseLayout(j, format, r, error)) return false;
    out = std::move(r);
    return true;
}

// --- RecordReader ------------------------------------------------------------------------------------------

RecordReader::RecordReader(const std::string &path, DataFormat format) : m_path(path), m_format(format)
{
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw Error(path + " is a folder, not a data file");
    m_file = std::fopen(path.c_str(), "rb");
    if (!m_file) throw Error("cannot read " + path + ": " + std::strerror(errno));
    m_fileSize = static_cast<uint64_t>(st.st_size);

    std::string lower = path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto endsWith = [&lower](const char *suffix) {
        const size_t n = std::strlen(suffix);
        return lower.size() >= n && lower.compare(lower.size() - n, n, suffix) == 0;
    };
    m_textFile = endsWith(".txt") || endsWith(".md");
    const char lead = rewind();
    if (m_format == DataFormat::Auto) {
        if (m_textFile || (lead != '{' && lead != '[')) {
            m_format = DataFormat::Text;
            if (m_jsonArray) rewind();  // not JSON after all: read the '[' as text
        } else {
            detectFormat();
        }
    }
}

RecordReader::~RecordReader()
{
    if (m_file) std::fclose(m_file);
}

char RecordReader::rewind()
{
    std::fseek(m_file, 0, SEEK_SET);
    m_buffer.resize(1 << 20);
    m_buffer.resize(std::fread(m_buffer.data(), 1, m_buffer.size(), m_file));
    m_bytesRead = m_buffer.size();
    m_eof = m_buffer.size() < (1u << 20);
    m_bufferPos = m_buffer.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte-order mark
    m_line = 0;
    m_jsonArray = false;
    m_arrayDone = false;
    m_rejects = RejectReport();
    const size_t first = m_buffer.find_first_not_of(" \t\r\n", m_bufferPos);
    const char lead = first == std::string::npos ? '\0' : m_buffer[first];
    if (m_format != DataFormat::Text && lead == '[' && !m_textFile) {
        m_jsonArray = true;  // one JSON array of records: consume up to and including the '['
        for (size_t i = m_bufferPos; i <= first; ++i)
            if (m_buffer[i] == '\n') ++m_line;
        m_bufferPos = first + 1;
    }
    return lead;
}

void RecordReader::detectFormat()
{
    // Read the first records, detect, then start again from the top.
    std::string keys;
    for (int tries = 0; tries < 100 && m_format == DataFormat::Auto; ++tries) {
        std::string text;
        int64_t line = 0;
        if (m_jsonArray) {
            if (!readArrayElement(text, line)) break;
        } else {
            if (!readLine(text)) break;
            if (m_overlong || text.find_first_not_of(" \t\r") == std::string::npos) continue;
        }
        m_format = detectJsonFormat(text);
        if (m_format == DataFormat::Auto && keys.empty()) {
            const json j = json::parse(text, nullptr, false);
            if (j.is_object())
                for (auto it = j.begin(); it != j.end(); ++it) keys += (keys.empty() ? "" : ", ") + it.key();
        }
    }
    if (m_format == DataFormat::Auto)
        throw Error(m_path + ": cannot tell the layout from the first records" +
                    (keys.empty() ? std::string() : " (keys: " + keys + ")") +
                    "; expected \"text\", \"conversations\", \"chosen\"/\"rejected\" or \"instruction\"/\"output\" "
                    "records: choose one with --format");
    rewind();
}

void RecordReader::reject(int64_t line, const std::string &category, const std::string &detail)
{
    m_rejects.add(m_path, line, category, detail);
}

bool RecordReader::readLine(std::string &line)
{
    line.clear();
    m_overlong = false;
    bool gotAny = false;
    for (;;) {
        if (m_bufferPos >= m_buffer.size()) {
            if (m_eof || !m_file) break;
            m_buffer.resize(1 << 20);
            m_buffer.resize(std::fread(m_buffer.data(), 1, m_buffer.size(), m_file));
            m_bytesRead += m_buffer.size();
            m_bufferPos = 0;
            if (m_buffer.size() < (1u << 20)) m_eof = true;
            continue;
        }
        gotAny = true;
        const size_t nl = m_buffer.find('\n', m_bufferPos);
        const size_t end = nl == std::string::npos ? m_buffer.size() : nl;
        if (!m_overlong) {
            if (line.size() + (end - m_bufferPos) > kMaxRecordBytes) {
                m_overlong = true;
                line.clear();
                line.shrink_to_fit();
            } else {
                line.append(m_buffer, m_bufferPos, end - m_bufferPos);
            }
        }
        m_bufferPos = end + (nl == std::string::npos ? 0 : 1);
        if (nl != std::string::npos) break;
    }
    if (!gotAny) return false;
    ++m_line;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
}

bool RecordReader::readArrayElement(std::string &element, int64_t &startLine)
{
    element.clear();
    auto getc = [this]() -> int {
        if (m_bufferPos >= m_buffer.size()) {
            if (m_eof) return EOF;
            m_buffer.resize(1 << 20);
            m_buffer.resize(std::fread(m_buffer.data(), 1, m_buffer.size(), m_file));
            m_bytesRead += m_buffer.size();
            m_bufferPos = 0;
            if (m_buffer.size() < (1u << 20)) m_eof = true;
            if (m_buffer.empty()) return EOF;
        }
        const int c = static_cast<unsigned char>(m_buffer[m_bufferPos++]);
        if (c == '\n') ++m_line;
        return c;
    };
    if (m_arrayDone) return false;
    int c;
    do {
        c = getc();
    } while (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',');
    if (c == EOF) {
        reject(m_line + 1, "truncated file", "the JSON array is not closed");
        m_arrayDone = true;
        return false;
    }
    if (c == ']') {
        m_arrayDone = true;
        return false;
    }
    startLine = m_line + 1;
    int depth = 0;
    bool inString = false, escape = false, overlong = false;
    const bool object = c == '{' || c == '[';
    for (;;) {
        if (!overlong) {
            element += static_cast<char>(c);
            if (element.size() > kMaxRecordBytes) {
                overlong = true;
                element.clear();
                element.shrink_to_fit();
            }
        }
        if (inString) {
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0 && object) break;
        }
        c = getc();
        if (c == EOF) {
            reject(startLine, "truncated record", "the file ends inside it");
            m_arrayDone = true;
            return false;
        }
        if (!object && !inString && depth == 0 && (c == ',' || c == ']')) {
            if (c == ']') m_arrayDone = true;
            break;
        }
    }
    if (overlong) element = std::string("\x01overlong");
    return true;
}

bool RecordReader::parseJsonRecord(const std::string &text, int64_t line, Record &out)
{
    RecordError err;
    if (!data::parseJsonRecord(text, m_format, out, err)) {
        reject(line, err.category, err.detail);
        return false;
    }
    out.file = m_path;
    out.line = line;
    return true;
}

bool RecordReader::nextText(Record &out)
{
    std::string doc = std::move(m_pendingText);
    int64_t docLine = m_pendingLine;
    m_pendingText.clear();
    std::string line;
    while (readLine(line)) {
        if (m_overlong) {
            reject(m_line, "line too long", "over " + std::to_string(kMaxRecordBytes >> 20) + " MiB");
            continue;
        }
        if (const size_t bad = utf8::firstInvalid(line); bad != utf8::kValid) {
            reject(m_line, "invalid UTF-8", "at byte " + std::to_string(bad + 1) + " of the line");
            continue;
        }
        if (line.find_first_not_of(" \t\f\v") == std::string::npos) {
            if (!doc.empty()) break;  // a blank line ends the document
            continue;
        }
        if (doc.empty()) docLine = m_line;
        if (!doc.empty() && doc.size() + line.size() + 1 > kMaxTextDocumentBytes) {
            // A huge document without blank lines: cut it here and carry on with the next piece (a single line
            // over the limit stays one piece: cutting before it would leave nothing to return).
            m_pendingText = std::move(line);
            m_pendingLine = m_line;
            break;
        }
        if (!doc.empty()) doc += '\n';
        doc += line;
    }
    if (doc.empty()) return false;
    out = Record();
    out.kind = RecordKind::Text;
    out.text = std::move(doc);
    out.file = m_path;
    out.line = docLine;
    return true;
}

bool RecordReader::next(Record &out)
{
    if (m_format == DataFormat::Text) {
        const bool ok = nextText(out);
        if (ok) ++m_records;
        return ok;
    }
    std::string text;
    for (;;) {
        int64_t line = 0;
        if (m_jsonArray) {
            if (!readArrayElement(text, line)) return false;
            if (text == "\x01overlong") {
                reject(line, "record too long", "over " + std::to_string(kMaxRecordBytes >> 20) + " MiB");
                continue;
            }
        } else {
            if (!readLine(text)) return false;
            line = m_line;
            if (m_overlong) {
                reject(line, "line too long", "over " + std::to_string(kMaxRecordBytes >> 20) + " MiB");
                continue;
            }
            if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are fine
        }
        if (parseJsonRecord(text, line, out)) {
            ++m_records;
            return true;
        }
    }
}

}  // namespace danka::core::data
