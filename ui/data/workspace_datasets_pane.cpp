// The workspace's datasets on the Data page (see workspace_datasets_pane.h).
#include "ui/data/workspace_datasets_pane.h"

#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

#include "core/util/text_util.h"
#include "ui/common/workspace_session.h"
#include "ui/data/data_reports.h"

namespace danka::ui {

WorkspaceDatasetsPane::WorkspaceDatasetsPane(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_list(new QListWidget(this)), m_hint(new QLabel(this))
{
    m_list->setToolTip(tr("Click a dataset to open it"));
    connect(m_list, &QListWidget::itemClicked, this,
            [this](QListWidgetItem *item) { Q_EMIT datasetChosen(item->data(Qt::UserRole).toString()); });
    connect(m_list, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { Q_EMIT datasetChosen(item->data(Qt::UserRole).toString()); });
    m_hint->setWordWrap(true);
    m_hint->setStyleSheet(QStringLiteral("color: gray"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Workspace datasets"), this));
    layout->addWidget(m_list, 1);
    layout->addWidget(m_hint);
    connect(m_session, &WorkspaceSession::workspaceChanged, this, &WorkspaceDatasetsPane::showDatasets);
    connect(m_session, &WorkspaceSession::datasetsChanged, this, &WorkspaceDatasetsPane::showDatasets);
    showDatasets();
}

QStringList WorkspaceDatasetsPane::paths() const
{
    QStringList out;
    for (int i = 0; i < m_list->count(); ++i) out << m_list->item(i)->data(Qt::UserRole).toString();
    return out;
}

void WorkspaceDatasetsPane::showDatasets()
{
    const std::vector<core::DatasetRecord> &datasets = m_session->datasets();
    m_list->clear();
    for (const core::DatasetRecord &d : datasets) {
        QString line = QString::fromStdString(d.kind);
        if (d.records) line += QStringLiteral(" · ") + tr("%1 records").arg(countText(*d.records));
        if (d.tokens)
            line += QStringLiteral(" · ") +
                    tr("%1 tokens").arg(QString::fromStdString(core::formatCount(double(*d.tokens))));
        auto *item = new QListWidgetItem(QString::fromStdString(d.name) + QLatin1Char('\n') + line, m_list);
        item->setData(Qt::UserRole, QString::fromStdString(d.path));
        item->setToolTip(QString::fromStdString(d.path));
    }
    if (!m_session->workspace())
        m_hint->setText(tr("Open a workspace to list its datasets and prepare new ones."));
    else if (datasets.empty())
        m_hint->setText(tr("No datasets yet: use Prepare... to make one from raw files."));
    else
        m_hint->clear();
    m_hint->setVisible(!m_hint->text().isEmpty());
}

}  // namespace danka::ui
