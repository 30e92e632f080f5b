// Runs page (see runs_page.h).
#include "ui/runs/runs_page.h"

#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/config/config_io.h"
#include "core/config/dataset_fit.h"
#include "core/run/run_deletion.h"
#include "core/run/run_recorder.h"
#include "core/util/error.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/i18n.h"
#include "ui/runs/run_charts.h"
#include "ui/runs/run_details_pane.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

RunsPage::RunsPage(QWidget *parent) : RunsPage(nullptr, parent) {}

RunsPage::RunsPage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_model(new RunsModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_filter(new QLineEdit(this)),
      m_view(new QTableView(this)),
      m_detailsPane(new RunDetailsPane(m_session, this)),
      m_charts(new RunCharts(this)),
      m_stack(new QStackedWidget(this)),
      m_emptyLabel(new QLabel(this)),
      m_runner(new JobRunner(this)),
      m_newRunButton(new QToolButton(this)),
      m_pauseButton(new QPushButton(tr("&Pause"), this)),
      m_resumeButton(new QPushButton(tr("Res&ume"), this)),
      m_stopButton(new QPushButton(tr("&Stop"), this)),
      m_progress(new QProgressBar(this)),
      m_progressLabel(new QLabel(this))
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
    m_view->horizontalHeader()->setMinimumSectionSize(24);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // fitColumns keeps every shown column in view
    m_view->viewport()->installEventFilter(this);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showSelected();
        Q_EMIT selectedRunChanged(selectedRunId().has_value());
    });

    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_emptyLabel);

    // The training controls: a new run, and pause / resume / stop of the studio's running one.
    m_newRunButton->setText(tr("&New Run"));
    m_newRunButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_newRunButton->setPopupMode(QToolButton::InstantPopup);
    auto *newMenu = new QMenu(m_newRunButton);
    newMenu->addAction(tr("From a Config &File..."), this, &RunsPage::startRunFromFile);
    newMenu->addAction(tr("Resume the &Selected Run"), this, [this] {
        if (const auto id = selectedRunId()) resumeRun(*id);
    });
    m_newRunButton->setMenu(newMenu);
    m_newRunButton->setToolTip(tr("Start a run from a config file, or from the Configure page"));
    connect(m_pauseButton, &QPushButton::clicked, this, &RunsPage::pauseTraining);
    connect(m_resumeButton, &QPushButton::clicked, this, &RunsPage::resumeTraining);
    connect(m_stopButton, &QPushButton::clicked, this, &RunsPage::stopTraining);
    m_stopButton->setToolTip(tr("Stop after the current step; a checkpoint is written so the run can be resumed"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(240);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_newRunButton);
    controls->addSpacing(12);
    controls->addWidget(m_pauseButton);
    controls->addWidget(m_resumeButton);
    controls->addWidget(m_stopButton);
    controls->addSpacing(12);
    controls->addWidget(m_progress);
    controls->addWidget(m_progressLabel, 1);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_stack);

    // The selected run's tabs; the charts are the page's (the studio's own run is fed live).
    m_detailsPane->insertTab(1, m_charts, tr("Charts"));
    connect(m_detailsPane, &RunDetailsPane::chatRequested, this, &RunsPage::chatRequested);
    connect(m_detailsPane, &RunDetailsPane::resumeRequested, this,
            [this](int64_t runId, const QString &dir) { resumeRun(runId, dir); });
    connect(m_detailsPane, &RunDetailsPane::storeError, this, &RunsPage::storeError);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_detailsPane);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    splitter->setSizes({380, 1000});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(controls);
    layout->addWidget(splitter, 1);

    connect(m_runner, &JobRunner::metricsArrived, this, &RunsPage::onMetrics);
    connect(m_runner, &JobRunner::progressChanged, this, &RunsPage::onProgress);
    connect(m_runner, &JobRunner::eventArrived, this, &RunsPage::onEvent);
    connect(m_runner, &JobRunner::stateChanged, this, &RunsPage::updateControls);
    connect(m_runner, &JobRunner::finished, this, &RunsPage::onFinished);

    // The session publishes; the page follows: a new workspace, a changed store, the durations' clock.
    connect(m_session, &WorkspaceSession::workspaceChanged, this, [this] { m_shownRun.reset(); });
    connect(m_session, &WorkspaceSession::storeChanged, this, &RunsPage::showRuns);
    connect(m_session, &WorkspaceSession::storeError, this, &RunsPage::storeError);
    connect(m_session, &WorkspaceSession::ticked, m_model, &RunsModel::tickDurations);
    showRuns();
}

RunsPage::~RunsPage() = default;

bool RunsPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    if (m_runner->isRunning()) return false;
    m_session->open(workspace);  // may throw; the page follows the session's signals
    return true;
}

void RunsPage::refresh()
{
    m_session->refresh();  // publishes storeChanged: showRuns()
}

void RunsPage::showRuns()
{
    const std::optional<int64_t> selected = selectedRunId();
    {
        const QSignalBlocker block(m_view->selectionModel());  // the selection is restored just below
        m_model->setRuns(m_session->runs());
        if (selected) selectRun(*selected);
    }
    fitColumns();

    if (!m_session->workspace())
        m_emptyLabel->setText(tr("No workspace is open.\nUse File > Open Workspace to choose one."));
    else
        m_emptyLabel->setText(tr("No runs in %1 yet.\nStart one from the Configure page, with New Run, or with "
                                 "Help > Run the Demo.")
                                  .arg(QString::fromStdString(m_session->workspace()->path())));
    m_stack->setCurrentWidget(m_model->rowCount() > 0 ? static_cast<QWidget *>(m_view) : m_emptyLabel);
    showSelected();
    Q_EMIT runCountChanged(m_model->rowCount());
    Q_EMIT selectedRunChanged(selectedRunId().has_value());  // the selection's signals were blocked above
}

bool RunsPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize) fitColumns();
    return QWidget::eventFilter(watched, event);
}

void RunsPage::fitColumns()
{
    QHeaderView *header = m_view->horizontalHeader();
    // Measured shown: a hidden section has no size hint.
    for (int column = 0; column < RunsModel::ColumnCount; ++column) header->setSectionHidden(column, false);
    auto widthOf = [&](int column) {
        const QAbstractItemView *view = m_view;  // sizeHintForColumn is public there
        return std::max(header->sectionSizeHint(column), view->sizeHintForColumn(column)) + 6;
    };
    // The name keeps room for about 14 characters; ID, name, stage and status always fit: the list is never
    // narrower than they need (the splitter gives the charts the rest).
    int used = m_view->fontMetrics().averageCharWidth() * 14;
    for (int column : {int(RunsModel::IdColumn), int(RunsModel::StageColumn), int(RunsModel::StatusColumn)}) {
        header->resizeSection(column, widthOf(column));
        used += header->sectionSize(column);
    }
    m_view->setMinimumWidth(used + 2 * m_view->frameWidth() + m_view->verticalScrollBar()->sizeHint().width());
    const int available = m_view->viewport()->width();
    for (int column : {int(RunsModel::DurationColumn), int(RunsModel::CreatedColumn), int(RunsModel::ParentColumn)}) {
        const int width = widthOf(column);
        const bool fits = used + width <= available;
        header->setSectionHidden(column, !fits);
        if (fits) {
            header->resizeSection(column, width);
            used += width;
        }
    }
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
    return m_detailsPane->detailsText();
}

QString RunsPage::eventsText() const
{
    return m_detailsPane->eventsText();
}

QString RunsPage::samplesText() const
{
    return m_detailsPane->samplesText();
}

QTabWidget *RunsPage::tabs() const
{
    return m_detailsPane;
}

QTableWidget *RunsPage::checkpointTable() const
{
    return m_detailsPane->checkpointTable();
}

bool RunsPage::selectedIsLive() const
{
    const auto id = selectedRunId();
    return id && m_liveRunId && *id == *m_liveRunId;
}

void RunsPage::showSelected()
{
    m_detailsPane->showRun(selectedRunId());
    // Charts: the studio's own run is fed live and only loaded from the store when first shown; other runs
    // are re-read whenever the store changed (another process may be training them).
    const auto id = selectedRunId();
    if (!id || !m_session->store()) {
        m_charts->clear();
        m_shownRun.reset();
    } else if (!selectedIsLive() || m_shownRun != id) {
        try {
            m_charts->showStored(*m_session->store(), *id);
        } catch (const core::Error &e) {
            Q_EMIT storeError(QString::fromStdString(e.what()));
        }
        m_shownRun = id;
    }
    updateControls();
}

void RunsPage::updateControls()
{
    const bool running = m_runner->isRunning();
    const bool paused = running && m_runner->state() == core::JobState::Paused;
    m_newRunButton->setEnabled(m_session->workspace().has_value() && !running);
    m_pauseButton->setEnabled(running && !paused);
    m_resumeButton->setEnabled(paused);
    m_stopButton->setEnabled(running);
    m_progress->setVisible(running);
    if (!running) m_progressLabel->clear();
    m_detailsPane->setTraining(running);
}

// --- training ----------------------------------------------------------------------------------------------

bool RunsPage::startRun(const core::RunConfig &config, QString *error)
{
    // What would fail the run at its first step is said here, in the studio's words, before a run exists.
    if (m_session->isOpen()) {
        QStringList problems;
        for (const core::ConfigProblem &p : core::datasetProblems(config, m_session->datasets()))
            problems << QString::fromStdString(p.toString());
        if (!problems.isEmpty()) {
            const QString message = tr("The run cannot start:\n%1").arg(problems.join(QLatin1Char('\n')));
            if (error) *error = message;
            else QMessageBox::warning(this, tr("Start Run"), message);
            return false;
        }
    }
    core::train::TrainRequest request;
    request.config = config;
    return startPrepared(request, error);
}

bool RunsPage::resumeRun(int64_t runId, const QString &checkpoint, QString *error)
{
    core::train::TrainRequest request;
    request.resume = std::to_string(runId);
    request.checkpoint = checkpoint.toStdString();
    return startPrepared(request, error);
}

bool RunsPage::startPrepared(const core::train::TrainRequest &request, QString *error)
{
    QString message;
    if (!m_session->workspace())
        message = tr("No workspace is open.");
    else if (m_runner->isRunning())
        message = tr("A training is already running in this window (%1): one card trains one run at a time.")
                      .arg(m_runner->name());
    core::train::PreparedTraining prepared;
    if (message.isEmpty()) {
        try {
            prepared = core::train::prepareTraining(*m_session->workspace(), request);  // a quick store write
        } catch (const core::Error &e) {
            message = QString::fromStdString(e.what());
        }
    }
    if (!message.isEmpty()) {
        if (error) *error = message;
        if (!error) QMessageBox::warning(this, tr("Start Run"), message);  // interactive use: no one else reports it
        return false;
    }

    const core::Workspace ws = *m_session->workspace();
    const core::train::TrainingHooks hooks = m_hooks;
    const std::string db = ws.databasePath();
    const int64_t runId = prepared.runId;
    m_liveRunId = runId;
    m_shownRun.reset();
    m_runner->start(
        tr("Training %1").arg(QString::fromStdString(prepared.runName)),
        [ws, prepared, hooks](core::JobContext &job) { core::train::runTraining(ws, prepared, job, hooks); },
        [db, runId](core::JobCallbacks downstream) { return core::recordRun(db, runId, downstream); });
    refresh();
    m_filter->clear();
    selectRun(runId);
    m_detailsPane->setCurrentWidget(m_charts);
    updateControls();
    Q_EMIT trainingStateChanged(true);
    return true;
}

void RunsPage::startRunFromFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Start a Run from a Config File"), QString(),
                                                      tr("Run configs (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    const core::ConfigLoadResult r = core::loadConfigFile(path.toStdString());
    if (!r.ok()) {
        QStringList problems;
        for (const core::ConfigProblem &p : r.problems) problems << QString::fromStdString(p.toString());
        QMessageBox::warning(this, tr("Start Run"), tr("%1 is not a valid run config:\n%2").arg(path, problems.join(QLatin1Char('\n'))));
        return;
    }
    startRun(r.config);
}

void RunsPage::pauseTraining()
{
    m_runner->pause();
    m_progressLabel->setText(tr("pausing after this step..."));
}

void RunsPage::resumeTraining()
{
    m_runner->resume();
}

void RunsPage::stopTraining()
{
    m_runner->cancel();
    m_progressLabel->setText(tr("stopping: writing a checkpoint..."));
}

void RunsPage::onMetrics(const QVector<core::MetricPoint> &points)
{
    if (selectedIsLive() && m_shownRun == m_liveRunId) m_charts->append(points);
}

void RunsPage::onEvent(int, const QString &)
{
    // Events are in the store already (the recorder writes them as they come): show them now rather than at
    // the next poll.
    if (selectedIsLive()) m_detailsPane->showEvents();
}

void RunsPage::onProgress(double fraction, const QString &message, double etaSeconds)
{
    m_progress->setValue(static_cast<int>(fraction * 1000));
    m_progressLabel->setText(m_runner->state() == core::JobState::Paused ? tr("paused at %1").arg(message)
                                                                         : progressText(message, etaSeconds));
}

void RunsPage::onFinished(int state, const QString &error)
{
    const std::optional<int64_t> runId = m_liveRunId;
    m_liveRunId.reset();
    refresh();
    if (runId && selectedRunId() == runId && m_session->store()) {
        m_charts->showStored(*m_session->store(), *runId);  // the complete stored series
        m_shownRun = runId;
    }
    updateControls();
    const auto s = static_cast<core::JobState>(state);
    if (s == core::JobState::Failed && isVisible())
        QMessageBox::warning(this, tr("Training Failed"), storedText(error));
    Q_EMIT trainingStateChanged(false);
    if (runId) Q_EMIT trainingFinished(*runId, state, error);
}

void RunsPage::deleteSelectedRun()
{
    const std::optional<int64_t> id = selectedRunId();
    if (!id || !m_session->store() || !m_session->workspace()) return;
    if (id == m_liveRunId) {
        QMessageBox::information(this, tr("Delete Run"), tr("Stop the training of run %1 before deleting it.").arg(*id));
        return;
    }
    const core::RunRecord *run = m_session->run(*id);
    const QString name = run ? QString::fromStdString(run->name) : QString();
    const auto answer = QMessageBox::question(
        this, tr("Delete Run"),
        tr("Delete run %1 \"%2\" with its metrics, events and checkpoint folder?\n%3\n\nThis cannot be undone.")
            .arg(*id)
            .arg(name, QString::fromStdString(m_session->workspace()->runDir(*id))),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) return;
    try {
        core::deleteRuns(*m_session->workspace(), *m_session->store(), {*id});
    } catch (const core::Error &e) {
        QMessageBox::warning(this, tr("Delete Run"), QString::fromStdString(e.what()));
    }
    refresh();
}

}  // namespace danka::ui
