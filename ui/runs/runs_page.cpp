// Runs page (see runs_page.h).
#include "ui/runs/runs_page.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/store/experiment_store.h"
#include "core/text_util.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

namespace {

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString when(double unixSeconds)
{
    return QString::fromStdString(core::formatTimestamp(unixSeconds));
}

}  // namespace

RunsPage::RunsPage(QWidget *parent)
    : QWidget(parent),
      m_model(new RunsModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_filter(new QLineEdit(this)),
      m_view(new QTableView(this)),
      m_details(new QTextBrowser(this)),
      m_stack(new QStackedWidget(this)),
      m_emptyLabel(new QLabel(this)),
      m_pollTimer(new QTimer(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RunsModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);  // name, stage, status...

    m_filter->setPlaceholderText(tr("Filter runs by name, stage or status"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunsModel::IdColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(RunsModel::NameColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setHighlightSections(false);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showDetails();
        Q_EMIT selectedRunChanged(selectedRunId().has_value());
    });

    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_emptyLabel);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_stack);

    m_details->setOpenLinks(false);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(splitter);

    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &RunsPage::poll);
    setWorkspace(std::nullopt);
}

RunsPage::~RunsPage() = default;

void RunsPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    m_pollTimer->stop();
    m_store.reset();
    m_workspace.reset();
    m_lastDataVersion = -1;
    if (workspace) {
        m_store = std::make_unique<core::ExperimentStore>(workspace->databasePath());  // may throw
        m_workspace = workspace;
        m_pollTimer->start();
    }
    refresh();
}

void RunsPage::refresh()
{
    const std::optional<int64_t> selected = selectedRunId();
    std::vector<core::RunRecord> runs;
    if (m_store) {
        try {
            m_lastDataVersion = m_store->dataVersion();
            runs = m_store->runs();
        } catch (const core::Error &e) {
            Q_EMIT storeError(QString::fromStdString(e.what()));
            return;  // keep showing what we had
        }
    }
    m_model->setRuns(std::move(runs));
    if (selected) selectRun(*selected);

    if (!m_workspace)
        m_emptyLabel->setText(tr("No workspace is open.\nUse File > Open Workspace to choose one."));
    else
        m_emptyLabel->setText(tr("No runs in %1 yet.\nRuns started in this workspace appear here as they run.")
                                  .arg(QString::fromStdString(m_workspace->path())));
    m_stack->setCurrentWidget(m_model->rowCount() > 0 ? static_cast<QWidget *>(m_view) : m_emptyLabel);
    showDetails();
    Q_EMIT runCountChanged(m_model->rowCount());
}

void RunsPage::poll()
{
    if (!m_store) return;
    try {
        if (m_store->dataVersion() != m_lastDataVersion) {
            refresh();
            return;
        }
    } catch (const core::Error &e) {
        Q_EMIT storeError(QString::fromStdString(e.what()));
        return;
    }
    m_model->tickDurations();
}

std::optional<int64_t> RunsPage::selectedRunId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty()) return std::nullopt;
    return rows.first().data(RunsModel::RunIdRole).toLongLong();
}

bool RunsPage::selectRun(int64_t runId)
{
    const int row = m_model->rowOfRun(runId);
    if (row < 0) return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) return false;  // filtered out
    m_view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

QString RunsPage::detailsText() const
{
    return m_details->toPlainText();
}

void RunsPage::showDetails()
{
    const std::optional<int64_t> id = selectedRunId();
    const int row = id ? m_model->rowOfRun(*id) : -1;
    const core::RunRecord *run = m_model->runAt(row);
    if (!run || !m_store || !m_workspace) {
        m_details->setHtml(QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("Select a run to see its details.")));
        return;
    }
    QString h;
    h += QStringLiteral("<h2>%1</h2>").arg(html(run->name));
    h += QStringLiteral("<table cellspacing=4>");
    auto row2 = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
    };
    row2(tr("Run"), QString::number(run->id));
    row2(tr("Stage"), html(run->stage));
    row2(tr("Status"), RunsModel::statusText(run->status));
    row2(tr("Created"), when(run->createdAt));
    if (run->startedAt) row2(tr("Started"), when(*run->startedAt));
    if (run->finishedAt) row2(tr("Finished"), when(*run->finishedAt));
    if (run->parentRunId) row2(tr("Parent run"), QString::number(*run->parentRunId));
    row2(tr("Folder"), html(m_workspace->runDir(run->id)));
    h += QStringLiteral("</table>");
    if (!run->error.empty())
        h += QStringLiteral("<p style='color:#d03030'><b>%1</b> %2</p>").arg(tr("Error:"), html(run->error));

    try {
        const auto latest = m_store->latestMetrics(run->id);
        if (!latest.empty()) {
            h += QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Latest metrics"));
            for (const auto &[name, p] : latest)
                h += QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td style='color:gray'>%3</td></tr>")
                         .arg(html(name), html(core::formatNumber(p.value)), tr("step %1").arg(p.step));
            h += QStringLiteral("</table>");
        }
        const auto checkpoints = m_store->checkpoints(run->id);
        if (!checkpoints.empty()) {
            h += QStringLiteral("<h3>%1</h3><ul>").arg(tr("Checkpoints"));
            for (const auto &c : checkpoints)
                h += QStringLiteral("<li>%1 &mdash; %2</li>").arg(tr("step %1").arg(c.step), html(c.path));
            h += QStringLiteral("</ul>");
        }
        const auto events = m_store->events(run->id, 30);
        if (!events.empty()) {
            h += QStringLiteral("<h3>%1</h3><table cellspacing=2>").arg(tr("Recent events"));
            for (const auto &e : events)
                h += QStringLiteral("<tr><td style='color:gray'>%1</td><td>%2</td><td>%3</td></tr>")
                         .arg(when(e.time), html(core::eventLevelName(e.level)), html(e.text));
            h += QStringLiteral("</table>");
        }
    } catch (const core::Error &e) {
        h += QStringLiteral("<p style='color:#d03030'>%1</p>").arg(html(e.what()));
    }
    const nlohmann::json config = nlohmann::json::parse(run->configJson, nullptr, false);
    h += QStringLiteral("<h3>%1</h3><pre>%2</pre>")
             .arg(tr("Config"), html(config.is_discarded() ? run->configJson : config.dump(2)));
    m_details->setHtml(h);
}

void RunsPage::deleteSelectedRun()
{
    const std::optional<int64_t> id = selectedRunId();
    if (!id || !m_store || !m_workspace) return;
    const core::RunRecord *run = m_model->runAt(m_model->rowOfRun(*id));
    const QString name = run ? QString::fromStdString(run->name) : QString();
    const auto answer = QMessageBox::question(
        this, tr("Delete Run"),
        tr("Delete run %1 \"%2\" with its metrics, events and checkpoint folder?\n%3\n\nThis cannot be undone.")
            .arg(*id)
            .arg(name, QString::fromStdString(m_workspace->runDir(*id))),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) return;
    try {
        m_store->deleteRun(*id);
        m_workspace->removeRunFiles(*id);
    } catch (const core::Error &e) {
        QMessageBox::warning(this, tr("Delete Run"), QString::fromStdString(e.what()));
    }
    refresh();
}

}  // namespace danka::ui
