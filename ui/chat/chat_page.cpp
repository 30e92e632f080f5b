// Chat page (see chat_page.h).
#include "ui/chat/chat_page.h"

#include <QDir>
#include <QFileInfo>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/checkpoint/compatibility.h"
#include "core/util/error.h"
#include "core/util/system_info.h"
#include "core/util/text_util.h"
#include "core/tokenizer/chat_template.h"
#include "ui/chat/chat_settings_pane.h"
#include "ui/chat/conversation_list_model.h"
#include "ui/chat/conversations_pane.h"
#include "ui/chat/message_view.h"
#include "ui/chat/model_picker.h"
#include "ui/chat/reply_stream.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"

namespace danka::ui {

struct ChatPage::LoadResult {
    std::shared_ptr<core::InferenceModel> model;
    std::string device;
};

namespace {

QString finishReasonText(const std::string &reason)
{
    if (reason == "eos") return ChatPage::tr("complete");
    if (reason == "stop") return ChatPage::tr("stop string");
    if (reason == "length") return ChatPage::tr("token limit reached");
    if (reason == "cancelled") return ChatPage::tr("stopped");
    return QString::fromStdString(reason);
}

QString statsLine(const core::MessageStats &s)
{
    if (s.finishReason.empty()) return {};
    return ChatPage::tr("%n token(s) in %1 s · %2 tokens/s · %3", nullptr, static_cast<int>(s.tokens))
        .arg(s.seconds, 0, 'f', 1)
        .arg(s.tokensPerSecond, 0, 'f', 1)
        .arg(finishReasonText(s.finishReason));
}

ChatBubble bubbleOf(const core::ConversationMessage &m)
{
    return {QString::fromStdString(m.role), QString::fromStdString(m.content), statsLine(m.stats)};
}

}  // namespace

ChatPage::ChatPage(QWidget *parent) : ChatPage(nullptr, parent) {}

ChatPage::ChatPage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_runner(new JobRunner(this)),
      m_reply(new ReplyStream(this)),
      m_settings(new ChatSettingsPane(this)),
      m_conversationsPane(new ConversationsPane(this)),
      m_errorLabel(new QLabel(this)),
      m_view(new MessageView(this)),
      m_input(new QPlainTextEdit(this)),
      m_sendButton(new QPushButton(tr("&Send"), this)),
      m_stopButton(new QPushButton(tr("S&top"), this)),
      m_statsLabel(new QLabel(this)),
      m_modelNote(new QLabel(this))
{
    connect(m_runner, &JobRunner::finished, this, &ChatPage::onJobFinished);
    connect(m_reply, &ReplyStream::grew, this, [this](const QString &text) {
        m_view->setStreamingReply(text);
        Q_EMIT replyUpdated(text);
    });

    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color:#d03030"));
    m_errorLabel->hide();
    m_statsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modelNote->setWordWrap(true);
    m_modelNote->setForegroundRole(QPalette::PlaceholderText);
    m_modelNote->setToolTip(tr("Models under %1 parameters are tiny: Danka answers with greedy decoding (the most "
                               "likely reply, the same each time), since sampling mostly adds noise at this size. "
                               "The Sampling settings change it.")
                                .arg(QString::fromStdString(core::formatCount(double(kTinyModelParameters)))));
    m_modelNote->hide();

    m_input->setPlaceholderText(tr("Message (Enter sends, Shift+Enter starts a new line)"));
    m_input->setMaximumHeight(96);
    m_input->setTabChangesFocus(true);
    m_input->installEventFilter(this);
    m_sendButton->setDefault(true);
    connect(m_sendButton, &QPushButton::clicked, this, &ChatPage::sendInput);
    connect(m_stopButton, &QPushButton::clicked, this, &ChatPage::stop);

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_sendButton);
    buttons->addWidget(m_stopButton);
    buttons->addStretch();
    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_input, 1);
    inputRow->addLayout(buttons);

    auto *center = new QWidget(this);
    auto *centerLayout = new QVBoxLayout(center);
    centerLayout->setContentsMargins(0, 0, 0, 0);
    centerLayout->addWidget(m_errorLabel);
    centerLayout->addWidget(m_modelNote);
    centerLayout->addWidget(m_view, 1);
    centerLayout->addWidget(m_statsLabel);
    centerLayout->addLayout(inputRow);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    connectPanes();
    splitter->addWidget(m_conversationsPane);
    splitter->addWidget(center);
    splitter->addWidget(m_settings);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    splitter->setStretchFactor(2, 1);
    splitter->setCollapsible(1, false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(splitter);

    core::GenerateRequest defaults;
    defaults.seed = core::kRandomSeed;  // a chat gives a different reply each time unless a seed is set
    setSamplingSettings(defaults);
    setState(State::NoModel);
    connect(m_session, &WorkspaceSession::workspaceAboutToChange, this, &ChatPage::closeWorkspace);
    connect(m_session, &WorkspaceSession::workspaceChanged, this, &ChatPage::openedWorkspace);
    m_settings->picker()->setSession(m_session);
    openedWorkspace();
}

ChatPage::~ChatPage()
{
    // The worker must be gone before the page: a reply stops at its next token, a load runs to its end.
    m_reply->cancel();
    delete m_runner;
    m_runner = nullptr;
}

void ChatPage::connectPanes()
{
    connect(m_conversationsPane, &ConversationsPane::conversationChosen, this, [this](qint64 id) {
        if (m_conversationId != id) openConversation(id);
    });
    connect(m_conversationsPane, &ConversationsPane::newRequested, this, &ChatPage::newConversation);
    connect(m_conversationsPane, &ConversationsPane::deleteRequested, this, &ChatPage::deleteConversation);
    connect(m_conversationsPane, &ConversationsPane::titleEdited, this, [this](qint64 id, const QString &title) {
        if (!m_conversations) return;
        try {
            m_conversations->setTitle(id, title.toStdString());
        } catch (const core::Error &e) {
            showError(QString::fromStdString(e.what()));
        }
    });
    ModelPicker *picker = m_settings->picker();
    connect(picker, &ModelPicker::checkpointChosen, this, &ChatPage::openCheckpoint);
    connect(picker, &ModelPicker::adapterChosen, this, &ChatPage::openAdapter);
}

// --- workspace, checkpoints and settings ------------------------------------------------------------------

void ChatPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    m_session->open(workspace);  // may throw; closeWorkspace() and openedWorkspace() follow its signals
}

void ChatPage::closeWorkspace()
{
    if (m_state == State::Generating) {
        m_discardReply = true;
        stop();
    }
    m_conversations.reset();  // it writes through the store that closes now
    m_conversationId.reset();
    m_messages.clear();
}

void ChatPage::openedWorkspace()
{
    if (m_session->store()) m_conversations = std::make_unique<core::ConversationStore>(*m_session->store());
    m_view->setMessages({});
    m_statsLabel->clear();
    refreshConversations();
}

void ChatPage::refreshCheckpoints()
{
    m_session->refresh();  // the picker follows the session's checkpoints
    m_settings->picker()->refresh();
}

QComboBox *ChatPage::checkpointBox() const
{
    return m_settings->picker()->checkpointBox();
}

QComboBox *ChatPage::adapterBox() const
{
    return m_settings->picker()->adapterBox();
}

QString ChatPage::modelKey() const
{
    return m_adapterDir.isEmpty() ? m_modelDir : m_adapterDir;
}

void ChatPage::showCurrentModel()
{
    m_settings->picker()->setCurrent(!m_loadingDir.isEmpty() ? m_loadingDir : m_modelDir,
                                     !m_loadingDir.isEmpty() ? m_loadingAdapter : m_adapterDir);
}

QString ChatPage::systemPrompt() const
{
    return m_settings->systemPrompt();
}

void ChatPage::setSystemPrompt(const QString &prompt)
{
    m_settings->setSystemPrompt(prompt);
}

core::GenerateRequest ChatPage::samplingSettings() const
{
    return m_settings->samplingSettings();
}

void ChatPage::setSamplingSettings(const core::GenerateRequest &settings)
{
    m_settings->setSamplingSettings(settings);
}

ConversationListModel *ChatPage::conversationModel() const
{
    return m_conversationsPane->model();
}

// --- state -------------------------------------------------------------------------------------------------

void ChatPage::setState(State state)
{
    m_state = state;
    m_view->setPlaceholderText(state == State::NoModel   ? tr("Choose a checkpoint, then type a message below.")
                               : state == State::Loading ? tr("Loading the model...")
                                                         : tr("Type a message below."));
    const bool generating = state == State::Generating;
    m_sendButton->setEnabled(state == State::Ready);
    m_stopButton->setEnabled(generating);
    m_conversationsPane->setBusy(generating);
    Q_EMIT stateChanged(state);
}

void ChatPage::showError(const QString &message)
{
    m_error = message;
    m_errorLabel->setText(message);
    m_errorLabel->setVisible(!message.isEmpty());
    if (!message.isEmpty()) Q_EMIT errorOccurred(message);
}

void ChatPage::clearError()
{
    showError(QString());
}

QString ChatPage::statsText() const
{
    return m_statsLabel->text();
}

void ChatPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refreshCheckpoints();
    refreshConversations();
}

bool ChatPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            !(key->modifiers() & Qt::ShiftModifier)) {
            sendInput();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

// --- loading -----------------------------------------------------------------------------------------------

void ChatPage::openCheckpoint(const QString &dir)
{
    if (dir.trimmed().isEmpty()) return;
    QString path = QDir::cleanPath(QDir(dir).absolutePath());
    if (m_state == State::Generating || m_state == State::Loading) {
        m_pendingCheckpoint = path;  // taken up when the current job ends
        if (m_state == State::Generating) stop();
        return;
    }
    QString adapter;
    try {
        // An adapter: its base in the checkpoint box, the adapter on it.
        const core::ModelToLoad load = core::modelToLoad(path.toStdString());
        if (!load.adapter.empty()) {
            adapter = path;
            path = QDir::cleanPath(QString::fromStdString(load.base));
        }
    } catch (const core::Error &e) {
        showError(tr("Cannot load the adapter %1:\n%2").arg(path, QString::fromStdString(e.what())));
        return;
    }
    if (path == m_modelDir && adapter == m_adapterDir && m_model) {
        showCurrentModel();
        return;
    }
    startLoad(path, adapter);
}

void ChatPage::openAdapter(const QString &adapter)
{
    if (m_state == State::Loading || m_modelDir.isEmpty()) {
        showCurrentModel();
        return;
    }
    if (adapter == m_adapterDir && m_model) return;
    if (m_state == State::Generating) {
        m_pendingCheckpoint = adapter.isEmpty() ? m_modelDir : adapter;  // taken up when the reply stops
        stop();
        return;
    }
    startLoad(m_modelDir, adapter);
}

void ChatPage::startLoad(QString dir, QString adapter)
{
    clearError();
    m_pendingCheckpoint.clear();
    // The previous model is released on the worker before the new one loads: its tensors are torch state,
    // and one card rarely holds two models.
    auto previous = std::make_shared<std::shared_ptr<core::InferenceModel>>(std::move(m_model));
    m_model.reset();
    m_modelDir.clear();
    m_adapterDir.clear();
    m_loadingDir = dir;
    m_loadingAdapter = adapter;
    m_loaded = std::make_shared<LoadResult>();
    const std::shared_ptr<LoadResult> loaded = m_loaded;
    const std::string path = dir.toStdString(), adapterPath = adapter.toStdString();
    const std::string device = m_device.toStdString();
    const bool started =
        m_runner->start(tr("Loading %1").arg(QFileInfo(dir).fileName()),
                        [previous, loaded, path, adapterPath, device](core::JobContext &) {
                            previous->reset();
                            std::string d = device;
                            if (d == "auto") d = core::systemInfo().runtime.cudaAvailable ? "cuda" : "cpu";
                            loaded->model = core::InferenceModel::load(path, d, adapterPath);
                            loaded->device = d;
                        });
    if (!started) {  // cannot happen while the states are kept right; say so rather than hang in Loading
        showError(tr("Cannot load %1: another job of this page is still running.").arg(dir));
        return;
    }
    m_jobKind = JobKind::Load;
    m_settings->picker()->setModelText(adapter.isEmpty() ? tr("Loading %1...").arg(dir)
                                                         : tr("Loading %1 with the adapter %2...").arg(dir, adapter));
    setState(State::Loading);
    showCurrentModel();
}

void ChatPage::onJobFinished(int jobState, const QString &error)
{
    const JobKind kind = m_jobKind;
    m_jobKind = JobKind::None;
    if (kind == JobKind::Load) finishLoad(jobState, error);
    if (kind == JobKind::Generate) finishReply(jobState, error);
    if (!m_pendingCheckpoint.isEmpty() && m_state != State::Loading && m_state != State::Generating) {
        const QString next = m_pendingCheckpoint;
        m_pendingCheckpoint.clear();
        openCheckpoint(next);
    }
}

void ChatPage::finishLoad(int jobState, const QString &error)
{
    const QString dir = m_loadingDir, adapter = m_loadingAdapter;
    m_loadingDir.clear();
    m_loadingAdapter.clear();
    const std::shared_ptr<LoadResult> loaded = std::move(m_loaded);
    if (static_cast<core::JobState>(jobState) == core::JobState::Completed && loaded && loaded->model) {
        m_model = std::move(loaded->model);
        m_modelDir = dir;
        m_adapterDir = adapter;
        const model::ModelConfig &c = m_model->config();
        m_settings->picker()->setModelText(
            tr("%1\n%2 parameters · %3 layers · context %4 tokens · %5")
                .arg(dir, QString::fromStdString(core::formatCount(static_cast<double>(c.parameterCount()))))
                .arg(c.nLayers)
                .arg(c.maxSeqLen)
                .arg(QString::fromStdString(loaded->device)) +
            (adapter.isEmpty() ? QString() : QLatin1Char('\n') + tr("LoRA adapter (not merged): %1").arg(adapter)));
        applyModelSizeDefaults(c.parameterCount());
        setState(State::Ready);
        m_input->setFocus();
    } else {
        const QString reason = error.isEmpty() ? tr("the load was cancelled") : error;
        m_settings->picker()->setModelText(tr("No model loaded."));
        m_modelNote->hide();
        setState(State::NoModel);
        showError(adapter.isEmpty() ? tr("Cannot load the checkpoint %1:\n%2").arg(dir, reason)
                                    : tr("Cannot load the checkpoint %1 with the adapter %2:\n%3").arg(dir, adapter, reason));
    }
    showCurrentModel();
}

// --- conversations -----------------------------------------------------------------------------------------

void ChatPage::refreshConversations()
{
    std::vector<core::Conversation> list;
    if (m_conversations) {
        try {
            list = m_conversations->list();
        } catch (const core::Error &e) {
            showError(QString::fromStdString(e.what()));
        }
    }
    m_conversationsPane->showConversations(std::move(list), m_conversationId, m_state == State::Generating);
}

void ChatPage::showMessages()
{
    QVector<ChatBubble> bubbles;
    for (const core::ConversationMessage &m : m_messages)
        bubbles.push_back(bubbleOf(m));
    m_view->setMessages(bubbles);
}

bool ChatPage::openConversation(qint64 conversationId)
{
    if (m_state == State::Generating || !m_conversations) return false;
    std::optional<core::Conversation> c;
    try {
        c = m_conversations->get(conversationId);
    } catch (const core::Error &e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
    if (!c) {
        showError(tr("Conversation %1 no longer exists.").arg(conversationId));
        refreshConversations();
        return false;
    }
    clearError();
    m_conversationId = c->id;
    m_messages = std::move(c->messages);
    setSystemPrompt(QString::fromStdString(c->systemPrompt));
    core::GenerateRequest settings = samplingSettings();
    core::applySamplingSettings(c->settingsJson, settings);
    setSamplingSettings(settings);
    showMessages();
    m_statsLabel->clear();
    refreshConversations();
    if (!c->checkpointPath.empty()) {
        const QString dir = m_settings->picker()->absolutePath(c->checkpointPath);
        if (dir != modelKey() && dir != m_loadingDir && dir != m_loadingAdapter) openCheckpoint(dir);
    }
    return true;
}

void ChatPage::newConversation()
{
    if (m_state == State::Generating) return;
    m_conversationId.reset();
    m_messages.clear();
    m_view->setMessages({});
    m_statsLabel->clear();
    m_conversationsPane->clearSelection();
    m_input->setFocus();
}

void ChatPage::deleteConversation(qint64 conversationId)
{
    if (!m_conversations || m_state == State::Generating) return;
    try {
        m_conversations->remove(conversationId);
    } catch (const core::Error &e) {
        showError(QString::fromStdString(e.what()));
    }
    if (m_conversationId == conversationId) newConversation();
    refreshConversations();
}

void ChatPage::saveConversationSettings()
{
    if (!m_conversations || !m_conversationId) return;
    m_conversations->updateSettings(*m_conversationId, modelKey().toStdString(), systemPrompt().toStdString(),
                                    core::samplingSettingsJson(samplingSettings()));
}

// --- replies -----------------------------------------------------------------------------------------------

void ChatPage::sendInput()
{
    if (sendMessage(m_input->toPlainText())) m_input->clear();
}

bool ChatPage::sendMessage(const QString &text)
{
    const QString message = text.trimmed();
    if (message.isEmpty()) return false;
    if (m_state != State::Ready || !m_model) {
        showError(m_state == State::Generating ? tr("Wait for the reply to finish, or stop it.")
                  : m_state == State::Loading  ? tr("The model is still loading.")
                                               : tr("Choose a checkpoint to chat with first."));
        return false;
    }
    clearError();

    core::GenerateRequest request = samplingSettings();
    request.chat = true;
    request.prompt = message.toStdString();
    request.systemPrompt = systemPrompt().trimmed().toStdString();
    for (const core::ConversationMessage &m : m_messages)
        if (m.role == "user" || m.role == "assistant") request.history.push_back({m.role, m.content});
    if (request.seed == core::kRandomSeed)
        request.seed = QRandomGenerator::global()->generate64() % core::kRandomSeed;

    core::ConversationMessage userMessage;
    userMessage.role = "user";
    userMessage.content = request.prompt;
    userMessage.createdAt = core::nowSeconds();
    if (m_conversations) {
        try {
            if (!m_conversationId)
                m_conversationId = m_conversations->create(
                    core::conversationTitle(request.prompt), modelKey().toStdString(),
                    systemPrompt().toStdString(), core::samplingSettingsJson(samplingSettings()));
            else
                saveConversationSettings();
            userMessage.id = m_conversations->appendMessage(*m_conversationId, "user", request.prompt);
            userMessage.conversationId = *m_conversationId;
        } catch (const core::Error &e) {
            showError(tr("The conversation could not be saved: %1").arg(QString::fromStdString(e.what())));
        }
    }
    m_messages.push_back(userMessage);
    m_view->appendMessage(bubbleOf(userMessage));

    m_discardReply = false;
    if (!m_reply->start(m_runner, m_model, request)) {
        showError(tr("Cannot start the reply: another job of this page is still running."));
        return false;
    }
    m_jobKind = JobKind::Generate;
    m_view->setStreamingReply(QString());
    m_statsLabel->setText(tr("Generating..."));
    setState(State::Generating);
    refreshConversations();
    return true;
}

void ChatPage::stop()
{
    if (m_state != State::Generating || !m_reply->isActive()) return;
    m_reply->cancel();
    m_stopButton->setEnabled(false);
    m_statsLabel->setText(tr("Stopping..."));
}

void ChatPage::finishReply(int jobState, const QString &error)
{
    ReplyStream::Outcome outcome = m_reply->finish();
    std::optional<core::GenerateResult> &result = outcome.result;
    const int dropped = outcome.droppedMessages;
    setState(m_model ? State::Ready : State::NoModel);
    if (m_discardReply) {
        m_discardReply = false;
        m_view->clearStreamingReply();
        m_statsLabel->clear();
        return;
    }
    if (static_cast<core::JobState>(jobState) != core::JobState::Completed || !result) {
        m_view->clearStreamingReply();
        m_statsLabel->clear();
        showError(tr("The reply failed: %1").arg(error.isEmpty() ? tr("no result") : error));
        return;
    }

    core::ConversationMessage reply;
    reply.role = "assistant";
    reply.content = result->text;
    reply.createdAt = core::nowSeconds();
    reply.stats.tokens = static_cast<int64_t>(result->generatedIds.size());
    reply.stats.tokensPerSecond = result->tokensPerSecond;
    reply.stats.seconds = result->seconds;
    reply.stats.finishReason = result->finishReason;
    if (m_conversations && m_conversationId) {
        try {
            reply.id =
                m_conversations->appendMessage(*m_conversationId, reply.role, reply.content, reply.stats);
            reply.conversationId = *m_conversationId;
        } catch (const core::Error &e) {
            showError(tr("The reply could not be saved: %1").arg(QString::fromStdString(e.what())));
        }
    }
    m_messages.push_back(reply);
    m_view->commitStreamingReply(bubbleOf(reply));
    m_lastFinishReason = QString::fromStdString(result->finishReason);
    QString stats = statsLine(reply.stats);
    if (dropped > 0)
        stats += QLatin1Char('\n') +
                 tr("%1 earlier messages were left out to fit the model's context.").arg(dropped);
    m_statsLabel->setText(stats);
    refreshConversations();
    Q_EMIT replyFinished(QString::fromStdString(result->text), m_lastFinishReason);
}

// --- the size of the model ---------------------------------------------------------------------------------

QString ChatPage::modelNote() const
{
    return m_modelNote->isVisibleTo(this) ? m_modelNote->text() : QString();
}

void ChatPage::applyModelSizeDefaults(int64_t parameters)
{
    const bool tiny = parameters < kTinyModelParameters;
    m_modelNote->setText(tiny ? tr("A tiny model (%1 parameters): expect short replies in the style of its training "
                                   "data, not facts or reasoning.")
                                    .arg(QString::fromStdString(core::formatCount(double(parameters))))
                              : QString());
    m_modelNote->setVisible(tiny);
    if (!m_messages.empty()) return;  // a conversation under way keeps its settings
    core::GenerateRequest settings = samplingSettings();
    if (tiny && !settings.greedy) {
        settings.greedy = true;
        m_autoGreedy = true;
        setSamplingSettings(settings);
    } else if (!tiny && m_autoGreedy && settings.greedy) {
        settings.greedy = false;
        m_autoGreedy = false;
        setSamplingSettings(settings);
    }
}

}  // namespace danka::ui
