// Conversations of the chat (see conversations.h). Schema: migration 4 in migrations.cpp.
#include "core/store/conversations.h"

#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/util/utf8.h"

namespace danka::core {

namespace {

const char *kConversationColumns =
    "c.id, c.title, c.checkpoint_path, c.system_prompt, c.settings_json, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)";

Conversation readConversation(const sqlite::Statement &s)
{
    Conversation c;
    c.id = s.columnInt(0);
    c.title = s.columnText(1);
    c.checkpointPath = s.columnText(2);
    c.systemPrompt = s.columnText(3);
    c.settingsJson = s.columnText(4);
    c.createdAt = s.columnDouble(5);
    c.updatedAt = s.columnDouble(6);
    c.messageCount = s.columnInt(7);
    return c;
}

std::string statsJson(const MessageStats &stats)
{
    if (stats.finishReason.empty() && stats.tokens == 0) return "{}";
    return nlohmann::json{{"tokens", stats.tokens},
                          {"tokens_per_second", stats.tokensPerSecond},
                          {"seconds", stats.seconds},
                          {"finish_reason", stats.finishReason}}
        .dump();
}

// Reads what it can: statistics are informative, a malformed or partial object must not hide the message.
MessageStats parseStats(const std::string &text)
{
    MessageStats stats;
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return stats;
    if (auto it = j.find("tokens"); it != j.end() && it->is_number()) stats.tokens = it->get<int64_t>();
    if (auto it = j.find("tokens_per_second"); it != j.end() && it->is_number())
        stats.tokensPerSecond = it->get<double>();
    if (auto it = j.find("seconds"); it != j.end() && it->is_number()) stats.seconds = it->get<double>();
    if (auto it = j.find("finish_reason"); it != j.end() && it->is_string())
        stats.finishReason = it->get<std::string>();
    return stats;
}

[[noreturn]] void noSuchConversation(int64_t id)
{
    throw Error("conversation " + std::to_string(id) + " does not exist");
}

}  // namespace

ConversationStore::ConversationStore(ExperimentStore &store) : m_store(store) {}

int64_t ConversationStore::create(const std::string &title, const std::string &checkpointPath,
                                  const std::string &systemPrompt, const std::string &settingsJson)
{
    sqlite::Database &db = m_store.database();
    const double now = nowSeconds();
    auto s = db.prepare(
        "INSERT INTO conversations (title, checkpoint_path, system_prompt, settings_json, created_at, "
        "updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    s.bindAll(title, m_store.storedPath(checkpointPath), systemPrompt, settingsJson, now, now);
    s.run();
    return db.lastInsertId();
}

std::vector<Conversation> ConversationStore::list() const
{
    auto s = m_store.database().prepare(std::string("SELECT ") + kConversationColumns +
                                        " FROM conversations c ORDER BY c.updated_at DESC, c.id DESC");
    std::vector<Conversation> out;
    while (s.step()) {
        out.push_back(readConversation(s));
        out.back().checkpointPath = m_store.resolvedPath(out.back().checkpointPath);
    }
    return out;
}

std::optional<Conversation> ConversationStore::get(int64_t conversationId) const
{
    sqlite::Database &db = m_store.database();
    auto s =
        db.prepare(std::string("SELECT ") + kConversationColumns + " FROM conversations c WHERE c.id = ?");
    s.bind(1, conversationId);
    if (!s.step()) return std::nullopt;
    Conversation c = readConversation(s);
    c.checkpointPath = m_store.resolvedPath(c.checkpointPath);
    auto m = db.prepare(
        "SELECT id, conversation_id, position, role, content, stats_json, created_at FROM messages "
        "WHERE conversation_id = ? ORDER BY position");
    m.bind(1, conversationId);
    while (m.step()) {
        ConversationMessage message;
        message.id = m.columnInt(0);
        message.conversationId = m.columnInt(1);
        message.position = m.columnInt(2);
        message.role = m.columnText(3);
        message.content = m.columnText(4);
        message.stats = parseStats(m.columnText(5));
        message.createdAt = m.columnDouble(6);
        c.messages.push_back(std::move(message));
    }
    return c;
}

int64_t ConversationStore::appendMessage(int64_t conversationId, const std::string &role,
                                         const std::string &content, const MessageStats &stats)
{
    sqlite::Database &db = m_store.database();
    const double now = nowSeconds();
    // The position and the insert in one write transaction: two writers never take the same position.
    sqlite::Transaction tx(db);
    auto touch = db.prepare("UPDATE conversations SET updated_at = ? WHERE id = ?");
    touch.bindAll(now, conversationId);
    touch.run();
    if (db.changes() == 0) noSuchConversation(conversationId);
    auto s = db.prepare(
        "INSERT INTO messages (conversation_id, position, role, content, stats_json, created_at) "
        "VALUES (?1, (SELECT coalesce(max(position) + 1, 0) FROM messages WHERE conversation_id = ?1), "
        "?2, ?3, ?4, ?5)");
    s.bindAll(conversationId, role, content, statsJson(stats), now);
    s.run();
    const int64_t id = db.lastInsertId();
    tx.commit();
    return id;
}

void ConversationStore::setTitle(int64_t conversationId, const std::string &title)
{
    sqlite::Database &db = m_store.database();
    auto s = db.prepare("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?");
    s.bindAll(title, nowSeconds(), conversationId);
    s.run();
    if (db.changes() == 0) noSuchConversation(conversationId);
}

void ConversationStore::updateSettings(int64_t conversationId, const std::string &checkpointPath,
                                       const std::string &systemPrompt, const std::string &settingsJson)
{
    sqlite::Database &db = m_store.database();
    auto s = db.prepare(
        "UPDATE conversations SET checkpoint_path = ?, system_prompt = ?, settings_json = ?, updated_at = ? "
        "WHERE id = ?");
    s.bindAll(m_store.storedPath(checkpointPath), systemPrompt, settingsJson, nowSeconds(), conversationId);
    s.run();
    if (db.changes() == 0) noSuchConversation(conversationId);
}

bool ConversationStore::remove(int64_t conversationId)
{
    sqlite::Database &db = m_store.database();
    auto s = db.prepare("DELETE FROM conversations WHERE id = ?");
    s.bind(1, conversationId);
    s.run();
    return db.changes() > 0;
}

std::string conversationTitle(const std::string &firstMessage, size_t maxChars)
{
    std::string line;
    bool space = false;
    for (char c : firstMessage) {
        if (c == '\n' && !line.empty()) break;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !line.empty();
            continue;
        }
        if (space) line += ' ';
        space = false;
        line += c;
    }
    if (utf8::length(line) <= maxChars) return line;
    const size_t keep = maxChars > 3 ? maxChars - 3 : 0;
    return std::string(utf8::prefix(line, keep)) + "...";
}

std::string samplingSettingsJson(const GenerateRequest &r)
{
    return nlohmann::json{{"greedy", r.greedy},
                          {"temperature", r.temperature},
                          {"top_k", r.topK},
                          {"top_p", r.topP},
                          {"repetition_penalty", r.repetitionPenalty},
                          {"max_new_tokens", r.maxNewTokens},
                          {"seed", r.seed}}
        .dump();
}

void applySamplingSettings(const std::string &json, GenerateRequest &r)
{
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return;
    auto read = [&j](const char *key, auto &field) {
        using T = std::decay_t<decltype(field)>;
        const auto it = j.find(key);
        if (it == j.end()) return;
        if constexpr (std::is_same_v<T, bool>) {
            if (it->is_boolean()) field = it->get<bool>();
        } else if constexpr (std::is_integral_v<T>) {
            if (it->is_number_integer()) field = it->get<T>();
        } else {
            if (it->is_number()) field = it->get<T>();
        }
    };
    read("greedy", r.greedy);
    read("temperature", r.temperature);
    read("top_k", r.topK);
    read("top_p", r.topP);
    read("repetition_penalty", r.repetitionPenalty);
    read("max_new_tokens", r.maxNewTokens);
    read("seed", r.seed);
}

}  // namespace danka::core
