// The Chat page's left column: the workspace's saved conversations, newest first (click to reopen,
// double-click to rename), with New and Delete (which asks first). The page reads and writes the store; the
// pane shows the list and says what the user asked for.
#pragma once

#include <QWidget>
#include <optional>
#include <vector>

#include "core/store/conversations.h"

class QListView;
class QPushButton;

namespace danka::ui {

class ConversationListModel;

class ConversationsPane : public QWidget {
    Q_OBJECT
public:
    explicit ConversationsPane(QWidget *parent = nullptr);

    ConversationListModel *model() const { return m_model; }
    // Lists `conversations` with `current` selected (none selected when it is not listed). While `busy` (a
    // reply is being generated) nothing can be chosen, started or deleted.
    void showConversations(std::vector<core::Conversation> conversations, std::optional<int64_t> current, bool busy);
    void setBusy(bool busy);
    void clearSelection();

Q_SIGNALS:
    void conversationChosen(qint64 conversationId);
    void newRequested();
    void deleteRequested(qint64 conversationId);  // confirmed by the user
    void titleEdited(qint64 conversationId, const QString &title);

private:
    void deleteSelected();

    ConversationListModel *m_model;
    QListView *m_list;
    QPushButton *m_newButton;
    QPushButton *m_deleteButton;
};

}  // namespace danka::ui
