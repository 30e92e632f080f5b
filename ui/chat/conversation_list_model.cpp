// Conversation list model (see conversation_list_model.h).
#include "ui/chat/conversation_list_model.h"

#include <QDateTime>

namespace danka::ui {

ConversationListModel::ConversationListModel(QObject *parent) : QAbstractListModel(parent) {}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_conversations.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    const core::Conversation *c = index.isValid() ? conversationAt(index.row()) : nullptr;
    if (!c || index.column() != 0) return {};
    const QString title = c->title.empty() ? tr("Untitled") : QString::fromStdString(c->title);
    const QDateTime updated = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(c->updatedAt * 1000.0));
    switch (role) {
        case Qt::DisplayRole:
            return tr("%1\n%2 · %n message(s)", nullptr, static_cast<int>(c->messageCount))
                .arg(title, updated.toString(QStringLiteral("yyyy-MM-dd HH:mm")));
        case Qt::EditRole:
        case TitleRole:
            return QString::fromStdString(c->title);
        case Qt::ToolTipRole:
            return tr("%1\nCheckpoint: %2").arg(title, QString::fromStdString(c->checkpointPath));
        case ConversationIdRole:
            return QVariant::fromValue<qlonglong>(c->id);
        case UpdatedAtRole:
            return updated;
        default:
            return {};
    }
}

bool ConversationListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount()) return false;
    const QString title = value.toString().simplified();
    if (title.isEmpty()) return false;  // keep a name that can be found again
    core::Conversation &c = m_conversations[static_cast<size_t>(index.row())];
    if (QString::fromStdString(c.title) == title) return true;
    c.title = title.toStdString();
    Q_EMIT dataChanged(index, index);
    Q_EMIT titleEdited(c.id, title);
    return true;
}

Qt::ItemFlags ConversationListModel::flags(const QModelIndex &index) const
{
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

void ConversationListModel::setConversations(std::vector<core::Conversation> conversations)
{
    beginResetModel();
    m_conversations = std::move(conversations);
    endResetModel();
}

const core::Conversation *ConversationListModel::conversationAt(int row) const
{
    if (row < 0 || row >= rowCount()) return nullptr;
    return &m_conversations[static_cast<size_t>(row)];
}

int ConversationListModel::rowOfConversation(int64_t conversationId) const
{
    for (size_t i = 0; i < m_conversations.size(); ++i)
        if (m_conversations[i].id == conversationId) return static_cast<int>(i);
    return -1;
}

}  // namespace danka::ui
