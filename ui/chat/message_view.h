// The chat's transcript: one bubble per message (colours derived from the palette, so light and dark themes
// both read well), a reply's <think>...</think> reasoning folded behind a "Thinking (N characters)" link,
// and the reply being generated at the end, growing as its pieces arrive. Model output is always shown as
// plain text: it is escaped, never interpreted as HTML.
#pragma once

#include <QSet>
#include <QString>
#include <QTextBrowser>
#include <QVector>

namespace danka::ui {

struct ChatBubble {
    QString role;     // "system", "user" or "assistant"
    QString content;  // a reply's reasoning is inside as <think>...</think>
    QString footer;   // small print under the bubble (tokens, tokens/s...); may be empty
};

// A reply split into its reasoning and its answer. `closed` is false while the </think> is still to come
// (streaming), and then everything after <think> is reasoning.
struct ThinkSplit {
    bool hasThink = false;
    bool closed = false;
    QString think;
    QString answer;
};
ThinkSplit splitThink(const QString &content);

class MessageView : public QTextBrowser {
    Q_OBJECT
public:
    explicit MessageView(QWidget *parent = nullptr);

    void setMessages(const QVector<ChatBubble> &messages);  // every reasoning part folded
    void appendMessage(const ChatBubble &message);
    const QVector<ChatBubble> &messages() const { return m_messages; }

    // The reply being generated, shown after the messages; an empty text shows a "generating" hint.
    void setStreamingReply(const QString &text);
    void clearStreamingReply();
    // The streaming reply becomes message `message` (its reasoning stays folded or unfolded as it was).
    void commitStreamingReply(const ChatBubble &message);
    bool isStreaming() const { return m_streaming; }

    // Message `index` (the streaming reply is index messages().size()): is its reasoning unfolded?
    bool isThinkExpanded(int index) const { return m_expanded.contains(index); }
    void setThinkExpanded(int index, bool expanded);
    void toggleThink(int index);

    void setPlaceholderText(const QString &text);

Q_SIGNALS:
    void rendered();  // after every re-layout of the transcript

protected:
    void changeEvent(QEvent *event) override;

private:
    void render();
    QString bubbleHtml(int index, const ChatBubble &message, bool streaming) const;

    QVector<ChatBubble> m_messages;
    QSet<int> m_expanded;
    bool m_streaming = false;
    QString m_streamingText;
    QString m_placeholder;
};

}  // namespace danka::ui
