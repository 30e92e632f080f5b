// List model of the workspace's chat conversations, newest first: the title over the date and message
// count. Titles are editable in place; the page persists an edit (titleEdited) to the store.
#pragma once

#include <QAbstractListModel>
#include <vector>

#include "core/store/conversations.h"

namespace danka::ui {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { ConversationIdRole = Qt::UserRole + 1, TitleRole, UpdatedAtRole };

    explicit ConversationListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    void setConversations(std::vector<core::Conversation> conversations);  // a reset
    const core::Conversation *conversationAt(int row) const;
    int rowOfConversation(int64_t conversationId) const;  // -1 when absent

Q_SIGNALS:
    void titleEdited(qint64 conversationId, const QString &title);

private:
    std::vector<core::Conversation> m_conversations;
};

}  // namespace danka::ui
