// The saved conversations on the Chat page (see conversations_pane.h).
#include "ui/chat/conversations_pane.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/chat/conversation_list_model.h"

namespace danka::ui {

ConversationsPane::ConversationsPane(QWidget *parent)
    : QWidget(parent),
      m_model(new ConversationListModel(this)),
      m_list(new QListView(this)),
      m_newButton(new QPushButton(tr("&New"), this)),
      m_deleteButton(new QPushButton(tr("De&lete"), this))
{
    m_list->setModel(m_model);
    m_list->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setAlternatingRowColors(true);
    m_list->setWordWrap(true);
    m_list->setToolTip(tr("Click a conversation to reopen it; double-click to rename it."));
    auto chosen = [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT conversationChosen(index.data(ConversationListModel::ConversationIdRole).toLongLong());
    };
    connect(m_list, &QListView::clicked, this, chosen);
    connect(m_list, &QListView::activated, this, chosen);
    connect(m_model, &ConversationListModel::titleEdited, this, &ConversationsPane::titleEdited);
    connect(m_newButton, &QPushButton::clicked, this, &ConversationsPane::newRequested);
    connect(m_deleteButton, &QPushButton::clicked, this, &ConversationsPane::deleteSelected);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Conversations"), this));
    layout->addWidget(m_list, 1);
    auto *row = new QHBoxLayout;
    row->addWidget(m_newButton);
    row->addWidget(m_deleteButton);
    layout->addLayout(row);
}

void ConversationsPane::showConversations(std::vector<core::Conversation> conversations, std::optional<int64_t> current,
                                          bool busy)
{
    m_model->setConversations(std::move(conversations));
    const int row = current ? m_model->rowOfConversation(*current) : -1;
    if (row >= 0)
        m_list->setCurrentIndex(m_model->index(row));
    else
        m_list->clearSelection();
    m_deleteButton->setEnabled(!busy && m_model->rowCount() > 0);
}

void ConversationsPane::setBusy(bool busy)
{
    m_list->setEnabled(!busy);
    m_newButton->setEnabled(!busy);
    m_deleteButton->setEnabled(!busy);
}

void ConversationsPane::clearSelection()
{
    m_list->clearSelection();
}

void ConversationsPane::deleteSelected()
{
    const QModelIndex index = m_list->currentIndex();
    const core::Conversation *c = m_model->conversationAt(index.row());
    if (!c || !m_list->selectionModel()->isSelected(index)) return;
    const auto answer = QMessageBox::question(this, tr("Delete Conversation"),
                                              tr("Delete the conversation \"%1\" and its %2 messages?")
                                                  .arg(QString::fromStdString(c->title))
                                                  .arg(c->messageCount),
                                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes) Q_EMIT deleteRequested(c->id);
}

}  // namespace danka::ui
