// The Chat page: pick a checkpoint (any checkpoint of any run, or a folder) and optionally a LoRA adapter
// (model_picker.h), a system prompt and sampling settings (sampling_form.h; both in chat_settings_pane.h), and
// chat. The model loads and replies are generated on a worker; the reply's pieces land in a buffer that a GUI
// timer drains into the transcript (reply_stream.h), so it grows token by token and the window never waits.
// Stop ends a reply at the next token. Conversations and their messages are saved in the workspace's store
// as they complete and listed for reopening (with their checkpoint and settings).
#pragma once

#include <QStringList>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "core/infer/inference.h"
#include "core/store/conversations.h"
#include "core/store/workspace.h"

class QComboBox;
class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace danka::ui {

class ChatSettingsPane;
class ConversationListModel;
class ConversationsPane;
class JobRunner;
class MessageView;
class ReplyStream;
class WorkspaceSession;

class ChatPage : public QWidget {
    Q_OBJECT
public:
    enum class State { NoModel, Loading, Ready, Generating };
    Q_ENUM(State)

    explicit ChatPage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page).
    ChatPage(WorkspaceSession *session, QWidget *parent);
    ~ChatPage() override;  // stops a reply and waits for the worker

    // Opens `workspace` in the page's session: its checkpoints and conversations are listed (nullopt: none;
    // chats are then not saved). Throws core::Error when its store cannot be opened.
    void setWorkspace(const std::optional<core::Workspace> &workspace);
    // Where models load: "auto" (CUDA when available, else CPU; the default), "cpu" or "cuda".
    void setDevice(const QString &device) { m_device = device; }

    State state() const { return m_state; }
    QString loadedCheckpoint() const { return m_modelDir; }          // empty while none is loaded
    QString loadedAdapter() const { return m_adapterDir; }           // the LoRA adapter on it; "" = none
    QString errorText() const { return m_error; }                    // the last error shown, "" when none
    QString lastFinishReason() const { return m_lastFinishReason; }  // "eos", "stop", "length", "cancelled"
    QString statsText() const;                                       // tokens and tokens/s of the last reply
    std::optional<int64_t> conversationId() const { return m_conversationId; }
    const std::vector<core::ConversationMessage> &messages() const { return m_messages; }

    QString systemPrompt() const;
    void setSystemPrompt(const QString &prompt);
    // The sampling fields of a request (greedy, temperature, top-k, top-p, repetition penalty, max new
    // tokens, seed; seed core::kRandomSeed draws a new one for every reply).
    core::GenerateRequest samplingSettings() const;
    void setSamplingSettings(const core::GenerateRequest &settings);

    // Models with fewer parameters than this are tiny (the demo's has 2.8M): trained on one card in minutes,
    // they have learned the phrases and formats of their data, not facts or reasoning, and temperature
    // sampling mostly adds noise. A tiny model gets greedy decoding by default and a note saying what to
    // expect of it.
    static constexpr int64_t kTinyModelParameters = 20'000'000;
    QString modelNote() const;  // the note shown above the messages for a tiny model; "" otherwise

    MessageView *messageView() const { return m_view; }
    ConversationListModel *conversationModel() const;
    QComboBox *checkpointBox() const;
    QComboBox *adapterBox() const;

public Q_SLOTS:
    // Loads the checkpoint folder `dir` (the Runs page's "Chat with this"); a reply in progress is stopped
    // first. A LoRA adapter folder loads its base with the adapter on it. Errors (a folder that is not a
    // checkpoint...) are shown in the page.
    void openCheckpoint(const QString &dir);
    // Puts the LoRA adapter folder `adapter` (unmerged) on the loaded base checkpoint, or takes it off ("").
    void openAdapter(const QString &adapter);
    // Sends `text` as the user's next message (Ready state only). Returns false when it was not sent.
    bool sendMessage(const QString &text);
    void stop();
    void newConversation();
    bool openConversation(qint64 conversationId);    // restores messages, checkpoint and settings
    void deleteConversation(qint64 conversationId);  // no confirmation (the Delete button asks)
    void refreshCheckpoints();  // the session reads the store; the picker lists its checkpoints and adapters
    void refreshConversations();

Q_SIGNALS:
    void stateChanged(danka::ui::ChatPage::State state);
    void replyUpdated(const QString &textSoFar);  // each time the streaming reply grows in the view
    void replyFinished(const QString &text, const QString &finishReason);
    void errorOccurred(const QString &message);

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct LoadResult;  // what the loading worker hands over

    void closeWorkspace();   // before the session's store closes
    void openedWorkspace();  // the session's workspace: conversations, checkpoints
    void connectPanes();
    void setState(State state);
    void showError(const QString &message);
    void clearError();
    void startLoad(QString dir, QString adapter);  // copies: callers pass members it clears
    QString modelKey() const;  // what a conversation records: the adapter folder when one is on, else the base
    void showCurrentModel();   // the picker shows what is loaded, or loading
    void onJobFinished(int jobState, const QString &error);
    void finishLoad(int jobState, const QString &error);
    void finishReply(int jobState, const QString &error);
    void sendInput();
    void saveConversationSettings();
    void showMessages();
    // A model of `parameters` was loaded: the tiny-model note, and greedy decoding as the default of a new
    // conversation for a tiny model (taken back for a larger one when it was set automatically).
    void applyModelSizeDefaults(int64_t parameters);

    WorkspaceSession *m_session;
    std::unique_ptr<core::ConversationStore> m_conversations;  // on the session's store
    std::optional<int64_t> m_conversationId;
    std::vector<core::ConversationMessage> m_messages;

    State m_state = State::NoModel;
    QString m_device = QStringLiteral("auto");
    JobRunner *m_runner;
    enum class JobKind { None, Load, Generate } m_jobKind = JobKind::None;
    std::shared_ptr<core::InferenceModel> m_model;
    QString m_modelDir;
    QString m_loadingDir;
    QString m_adapterDir, m_loadingAdapter;
    QString m_pendingCheckpoint;     // asked for while busy: loaded when the current job ends
    std::shared_ptr<LoadResult> m_loaded;
    bool m_discardReply = false;  // the workspace changed during the reply: it belongs nowhere now
    ReplyStream *m_reply;         // the reply being generated
    QString m_error;
    QString m_lastFinishReason;

    ChatSettingsPane *m_settings;  // checkpoint, system prompt, sampling
    ConversationsPane *m_conversationsPane;
    QLabel *m_errorLabel;
    MessageView *m_view;
    QPlainTextEdit *m_input;
    QPushButton *m_sendButton;
    QPushButton *m_stopButton;
    QLabel *m_statsLabel;
    QLabel *m_modelNote;
    bool m_autoGreedy = false;  // greedy was turned on for a tiny model, not by the user
};

}  // namespace danka::ui
