// Config differences of the compared runs (see config_diff_pane.h).
#include "ui/compare/config_diff_pane.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QTableView>
#include <QVBoxLayout>

namespace danka::ui {

ConfigDiffPane::ConfigDiffPane(QWidget *parent)
    : QWidget(parent),
      m_model(new ConfigDiffModel(this)),
      m_showAll(new QCheckBox(tr("Show all keys"), this)),
      m_hint(new QLabel(this)),
      m_view(new QTableView(this))
{
    m_view->setModel(m_model);
    m_view->setObjectName(QStringLiteral("configDiff"));
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);  // compact rows
    connect(m_showAll, &QCheckBox::toggled, this, &ConfigDiffPane::setShowAllKeys);
    m_hint->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(tr("Config differences")), this));
    header->addStretch(1);
    header->addWidget(m_showAll);
    layout->addLayout(header);
    layout->addWidget(m_hint);
    layout->addWidget(m_view, 1);
}

void ConfigDiffPane::setRuns(const std::vector<ConfigDiffModel::Run> &runs)
{
    QStringList signature;
    for (const ConfigDiffModel::Run &run : runs) signature << run.title;
    // Configs never change after a run is created; resetting the table on every poll would lose its scroll.
    if (signature == m_signature && !signature.isEmpty()) return;
    m_signature = signature;
    m_model->setRuns(runs);
    m_view->resizeColumnsToContents();
    if (runs.size() < 2)
        m_hint->setText(tr("Check two or more runs to see how their configs differ."));
    else if (m_model->differingKeys().isEmpty())
        m_hint->setText(tr("The checked runs have the same config."));
    else
        m_hint->setText(tr("Keys that differ: %1").arg(m_model->differingKeys().size()));
}

void ConfigDiffPane::reset()
{
    m_signature.clear();
}

void ConfigDiffPane::setShowAllKeys(bool on)
{
    {
        const QSignalBlocker block(m_showAll);
        m_showAll->setChecked(on);
    }
    m_model->setShowAll(on);
    m_view->resizeColumnsToContents();
}

}  // namespace danka::ui
