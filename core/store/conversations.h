// Conversations of the studio's chat in the experiment store: a conversation (title, checkpoint, system
// prompt, sampling settings) and its messages in order, each reply with its generation statistics.
// Torch-free; used on the GUI thread (small writes) through the caller's store connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/infer/inference.h"

namespace danka::core {

class ExperimentStore;

// How a reply was generated; empty (tokens 0, no reason) for a user's message.
struct MessageStats {
    int64_t tokens = 0;  // generated tokens, the end marker included
    double tokensPerSecond = 0;
    double seconds = 0;
    std::string finishReason;  // "eos", "stop", "length", "cancelled"; "" when not generated
};

struct ConversationMessage {
    int64_t id = 0;
    int64_t conversationId = 0;
    int64_t position = 0;  // 0, 1, 2... within the conversation
    std::string role;      // "system", "user" or "assistant"
    std::string content;   // a reply's reasoning stays inside as <think>...</think>
    MessageStats stats;
    double createdAt = 0;  // Unix seconds
};

struct Conversation {
    int64_t id = 0;
    std::string title;
    std::string checkpointPath;
    std::string systemPrompt;
    std::string settingsJson = "{}";  // sampling settings (samplingSettingsJson)
    double createdAt = 0;
    double updatedAt = 0;  // the last message or change
    int64_t messageCount = 0;
    std::vector<ConversationMessage> messages;  // filled by ConversationStore::get only
};

// Every call throws core::Error naming the database on failure; an unknown conversation id is an Error too
// (except for get and remove, which report it).
class ConversationStore {
public:
    explicit ConversationStore(ExperimentStore &store);

    int64_t create(const std::string &title, const std::string &checkpointPath,
                   const std::string &systemPrompt, const std::string &settingsJson = "{}");
    // Newest activity first (updated_at, then id), without their messages.
    std::vector<Conversation> list() const;
    std::optional<Conversation> get(int64_t conversationId) const;  // with its messages in order
    // Appends at the next position and touches the conversation's updated_at. Returns the message id.
    int64_t appendMessage(int64_t conversationId, const std::string &role, const std::string &content,
                          const MessageStats &stats = {});
    void setTitle(int64_t conversationId, const std::string &title);
    void updateSettings(int64_t conversationId, const std::string &checkpointPath,
                        const std::string &systemPrompt, const std::string &settingsJson);
    bool remove(int64_t conversationId);  // its messages go with it; false when there was none

private:
    ExperimentStore &m_store;
};

// A conversation title from its first message: the first line, whitespace collapsed, at most `maxChars`
// characters (never cutting a UTF-8 sequence), with "..." when shortened.
std::string conversationTitle(const std::string &firstMessage, size_t maxChars = 48);

// A request seed that means "draw a new seed for every reply" (the studio's default); the caller resolves it
// before generating.
constexpr uint64_t kRandomSeed = UINT64_MAX;

// The sampling fields of a request as JSON ({"greedy", "temperature", "top_k", "top_p",
// "repetition_penalty", "max_new_tokens", "seed"}) and back. Reading keeps the request's value for a
// missing or mistyped field, so settings written by another version still open.
std::string samplingSettingsJson(const GenerateRequest &request);
void applySamplingSettings(const std::string &json, GenerateRequest &request);

}  // namespace danka::core
