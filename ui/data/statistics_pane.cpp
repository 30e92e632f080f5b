// The Data page's statistics (see statistics_pane.h).
#include "ui/data/statistics_pane.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/common/workspace_session.h"
#include "ui/data/histogram_view.h"

namespace danka::ui {

StatisticsPane::StatisticsPane(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session),
      m_lengths(new QComboBox(this)),
      m_text(new QTextBrowser(this)),
      m_histogram(new HistogramView(this))
{
    m_lengths->setToolTip(tr("Measure record lengths in tokens of this tokenizer, or in characters"));
    connect(m_lengths, &QComboBox::activated, this, [this] {
        m_chosen = true;
        Q_EMIT lengthsChanged();
    });
    auto *layout = new QVBoxLayout(this);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Lengths in:"), this));
    row->addWidget(m_lengths, 1);
    layout->addLayout(row);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_text);
    splitter->addWidget(m_histogram);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    connect(m_session, &WorkspaceSession::workspaceChanged, this, &StatisticsPane::showTokenizers);
    connect(m_session, &WorkspaceSession::tokenizersChanged, this, &StatisticsPane::showTokenizers);
    showTokenizers();
}

QString StatisticsPane::lengthsTokenizer() const
{
    return m_lengths->currentData().toString();
}

bool StatisticsPane::setLengthsTokenizer(const QString &dir)
{
    int index = m_lengths->findData(dir);
    if (index < 0) {
        m_lengths->addItem(tr("Tokens of %1").arg(QFileInfo(dir).fileName()), dir);
        index = m_lengths->count() - 1;
    }
    m_chosen = true;
    if (index == m_lengths->currentIndex()) return false;
    m_lengths->setCurrentIndex(index);
    return true;
}

void StatisticsPane::setLengthsEnabled(bool enabled)
{
    m_lengths->setEnabled(enabled);
}

void StatisticsPane::showTokenizers()
{
    // Characters, or one of the workspace's tokenizers (the newest unless the user chose).
    const QString previous = lengthsTokenizer();
    {
        const QSignalBlocker block(m_lengths);
        m_lengths->clear();
        m_lengths->addItem(tr("Characters"), QString());
        for (const core::TokenizerRecord &t : m_session->tokenizers())
            m_lengths->addItem(tr("Tokens of %1 (%2 pieces)").arg(QString::fromStdString(t.name)).arg(t.vocabSize),
                               QString::fromStdString(t.path));
        const int again = m_lengths->findData(previous);
        m_lengths->setCurrentIndex(m_chosen && again >= 0 ? again : std::min(1, m_lengths->count() - 1));
    }
    if (lengthsTokenizer() != previous) Q_EMIT lengthsChanged();
}

}  // namespace danka::ui
