// Runs page (see runs_page.h).
#include "ui/runs/runs_page.h"

#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
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
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "core/config/config_io.h"
#include "core/util/error.h"
#include "core/train/metric_names.h"
#include "core/run/run_deletion.h"
#include "core/run/run_recorder.h"
#include "core/store/experiment_store.h"
#include "core/util/text_util.h"
#include "ui/configure/config_page.h"
#include "ui/common/job_runner.h"
#include "ui/i18n.h"
#include "ui/runs/run_charts.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

namespace {

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

// Text core stored in English (events, errors), in the interface language, as HTML.
QString shownStored(const std::string &text)
{
    return storedText(text).toHtmlEscaped();
}

QString when(double unixSeconds)
{
    return QString::fromStdString(core::formatTimestamp(unixSeconds));
}

QString levelColor(core::EventLevel level)
{
    switch (level) {
    case core::EventLevel::Error: return QStringLiteral("#d03030");
    case core::EventLevel::Warning: return QStringLiteral("#c08000");
    case core::EventLevel::Debug: return QStringLiteral("gray");
    case core::EventLevel::Info: break;
    }
    return QString();
}

// Sets the HTML of a text browser only when it changed, keeping the scroll position (or the bottom, when
// the reader was following the end).
void setHtmlKeepingScroll(QTextBrowser *browser, const QString &html)
{
    if (browser->property("danka_html").toString() == html) return;
    browser->setProperty("danka_html", html);
    QScrollBar *bar = browser->verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 4;
    const int value = bar->value();
    browser->setHtml(html);
    bar->setValue(atEnd ? bar->maximum() : value);
}

enum CheckpointColumn { CpStep, CpValLoss, CpTokens, CpReason, CpPath, CpColumns };

}  // namespace

RunsPage::RunsPage(QWidget *parent)
    : QWidget(parent),
      m_model(new RunsModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_filter(new QLineEdit(this)),
      m_view(new QTableView(this)),
      m_tabs(new QTabWidget(this)),
      m_details(new QTextBrowser(this)),
      m_charts(new RunCharts(this)),
      m_events(new QTextBrowser(this)),
      m_samples(new QTextBrowser(this)),
      m_checkpoints(new QTableWidget(0, CpColumns, this)),
      m_chatButton(new QPushButton(tr("&Chat with This"), this)),
      m_resumeFromButton(new QPushButton(tr("Resume &from This"), this)),
      m_stack(new QStackedWidget(this)),
      m_emptyLabel(new QLabel(this)),
      m_pollTimer(new QTimer(this)),
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

    m_details->setOpenLinks(false);
    m_events->setOpenLinks(false);
    m_samples->setOpenLinks(false);
    m_checkpoints->setHorizontalHeaderLabels({tr("Step"), tr("Validation loss"), tr("Tokens"), tr("Reason"), tr("Folder")});
    m_checkpoints->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_checkpoints->setSelectionMode(QAbstractItemView::SingleSelection);
    m_checkpoints->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_checkpoints->verticalHeader()->hide();
    m_checkpoints->horizontalHeader()->setStretchLastSection(true);
    m_chatButton->setToolTip(tr("Open this checkpoint on the Chat page"));
    m_resumeFromButton->setToolTip(tr("Continue the run's training from this checkpoint"));
    connect(m_checkpoints, &QTableWidget::itemSelectionChanged, this, &RunsPage::updateControls);
    connect(m_chatButton, &QPushButton::clicked, this, [this] {
        const QString dir = selectedCheckpoint();
        if (!dir.isEmpty()) Q_EMIT chatRequested(dir);
    });
    connect(m_resumeFromButton, &QPushButton::clicked, this, [this] {
        const QString dir = selectedCheckpoint();
        if (const auto id = selectedRunId(); id && !dir.isEmpty()) resumeRun(*id, dir);
    });
    auto *checkpointPane = new QWidget(this);
    auto *cpLayout = new QVBoxLayout(checkpointPane);
    cpLayout->addWidget(m_checkpoints);
    auto *cpButtons = new QHBoxLayout;
    cpButtons->addWidget(m_chatButton);
    cpButtons->addWidget(m_resumeFromButton);
    cpButtons->addStretch(1);
    cpLayout->addLayout(cpButtons);

    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_details, tr("Overview"));
    m_tabs->addTab(m_charts, tr("Charts"));
    m_tabs->addTab(m_events, tr("Events"));
    m_tabs->addTab(m_samples, tr("Samples"));
    m_tabs->addTab(checkpointPane, tr("Checkpoints"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_tabs);
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

    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &RunsPage::poll);
    setWorkspace(std::nullopt);
}

RunsPage::~RunsPage() = default;

bool RunsPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    if (m_runner->isRunning()) return false;
    m_pollTimer->stop();
    m_store.reset();
    m_workspace.reset();
    m_shownRun.reset();
    m_lastDataVersion = -1;
    if (workspace) {
        m_store = std::make_unique<core::ExperimentStore>(workspace->databasePath());  // may throw
        m_workspace = workspace;
        m_pollTimer->start();
    }
    refresh();
    return true;
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
    {
        const QSignalBlocker block(m_view->selectionModel());  // the selection is restored just below
        m_model->setRuns(std::move(runs));
        if (selected) selectRun(*selected);
    }
    fitColumns();

    if (!m_workspace)
        m_emptyLabel->setText(tr("No workspace is open.\nUse File > Open Workspace to choose one."));
    else
        m_emptyLabel->setText(tr("No runs in %1 yet.\nStart one from the Configure page, with New Run, or with "
                                 "Help > Run the Demo.")
                                  .arg(QString::fromStdString(m_workspace->path())));
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

QString RunsPage::eventsText() const
{
    return m_events->toPlainText();
}

QString RunsPage::samplesText() const
{
    return m_samples->toPlainText();
}

bool RunsPage::selectedIsLive() const
{
    const auto id = selectedRunId();
    return id && m_liveRunId && *id == *m_liveRunId;
}

void RunsPage::showSelected()
{
    showDetails();
    showEvents();
    showSamples();
    showCheckpoints();
    // Charts: the studio's own run is fed live and only loaded from the store when first shown; other runs
    // are re-read whenever the store changed (another process may be training them).
    const auto id = selectedRunId();
    if (!id || !m_store) {
        m_charts->clear();
        m_shownRun.reset();
    } else if (!selectedIsLive() || m_shownRun != id) {
        try {
            m_charts->showStored(*m_store, *id);
        } catch (const core::Error &e) {
            Q_EMIT storeError(QString::fromStdString(e.what()));
        }
        m_shownRun = id;
    }
    updateControls();
}

void RunsPage::showEvents()
{
    const auto id = selectedRunId();
    QString h;
    if (id && m_store) {
        try {
            for (const core::EventRecord &e : m_store->events(*id, 500)) {
                const QString color = levelColor(e.level);
                h += QStringLiteral("<div><span style='color:gray'>%1</span> %2</div>")
                         .arg(when(e.time),
                              color.isEmpty() ? shownStored(e.text)
                                              : QStringLiteral("<span style='color:%1'>%2</span>").arg(color, shownStored(e.text)));
            }
        } catch (const core::Error &e) {
            h = QStringLiteral("<p style='color:#d03030'>%1</p>").arg(html(e.what()));
        }
    }
    if (h.isEmpty()) h = QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("No events yet."));
    setHtmlKeepingScroll(m_events, h);
}

void RunsPage::showSamples()
{
    const auto id = selectedRunId();
    QString h;
    if (id && m_workspace) {
        // samples.jsonl: one {"step", "prompt", "text"} per line, written by the trainer at every sample step.
        QFile file(QString::fromStdString(m_workspace->runDir(*id)) + QStringLiteral("/samples.jsonl"));
        if (file.open(QIODevice::ReadOnly)) {
            qint64 lastStep = -1;
            QString block;
            QStringList blocks;
            while (!file.atEnd()) {
                const QJsonObject o = QJsonDocument::fromJson(file.readLine()).object();
                if (o.isEmpty()) continue;
                const qint64 step = o.value(QStringLiteral("step")).toInteger();
                if (step != lastStep) {
                    if (!block.isEmpty()) blocks.prepend(block);
                    block = QStringLiteral("<h3>%1</h3>").arg(tr("step %1").arg(step));
                    lastStep = step;
                }
                block += QStringLiteral("<p><b>%1</b>%2</p>")
                             .arg(o.value(QStringLiteral("prompt")).toString().toHtmlEscaped(),
                                  o.value(QStringLiteral("text")).toString().toHtmlEscaped());
            }
            if (!block.isEmpty()) blocks.prepend(block);
            h = blocks.join(QString());  // newest first
        }
    }
    if (h.isEmpty())
        h = QStringLiteral("<p style='color:gray'>%1</p>")
                .arg(tr("No samples yet. Runs generate samples every runtime.sample_every steps."));
    setHtmlKeepingScroll(m_samples, h);
}

void RunsPage::showCheckpoints()
{
    const auto id = selectedRunId();
    const QString selected = selectedCheckpoint();
    std::vector<core::CheckpointRecord> checkpoints;
    if (id && m_store) {
        try {
            checkpoints = m_store->checkpoints(*id);
        } catch (const core::Error &e) {
            Q_EMIT storeError(QString::fromStdString(e.what()));
        }
    }
    const QSignalBlocker block(m_checkpoints);
    m_checkpoints->setRowCount(static_cast<int>(checkpoints.size()));
    for (int row = 0; row < static_cast<int>(checkpoints.size()); ++row) {
        const core::CheckpointRecord &c = checkpoints[checkpoints.size() - 1 - row];  // newest first
        const nlohmann::json m = nlohmann::json::parse(c.metricsJson, nullptr, false);
        auto cell = [&](int column, const QString &text) {
            auto *item = new QTableWidgetItem(text);
            if (column != CpReason && column != CpPath) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_checkpoints->setItem(row, column, item);
        };
        cell(CpStep, QString::number(c.step));
        cell(CpValLoss, m.is_object() && m.contains("val_loss") && m["val_loss"].is_number()
                            ? QString::number(m["val_loss"].get<double>(), 'f', 4)
                            : QString());
        cell(CpTokens, m.is_object() && m.contains("tokens") && m["tokens"].is_number()
                           ? QString::fromStdString(core::formatCount(m["tokens"].get<double>()))
                           : QString());
        cell(CpReason, m.is_object() && m.contains("reason") && m["reason"].is_string()
                           ? storedText(m["reason"].get<std::string>())
                           : QString());
        cell(CpPath, QString::fromStdString(c.path));
        if (QString::fromStdString(c.path) == selected) m_checkpoints->selectRow(row);
    }
    m_checkpoints->resizeColumnsToContents();
}

QString RunsPage::selectedCheckpoint() const
{
    const auto rows = m_checkpoints->selectionModel()->selectedRows();
    if (rows.isEmpty()) return QString();
    const QTableWidgetItem *item = m_checkpoints->item(rows.first().row(), CpPath);
    return item ? item->text() : QString();
}

void RunsPage::updateControls()
{
    const bool running = m_runner->isRunning();
    const bool paused = running && m_runner->state() == core::JobState::Paused;
    m_newRunButton->setEnabled(m_workspace.has_value() && !running);
    m_pauseButton->setEnabled(running && !paused);
    m_resumeButton->setEnabled(paused);
    m_stopButton->setEnabled(running);
    m_progress->setVisible(running);
    if (!running) m_progressLabel->clear();
    const bool hasCheckpoint = !selectedCheckpoint().isEmpty();
    m_chatButton->setEnabled(hasCheckpoint);
    m_resumeFromButton->setEnabled(hasCheckpoint && !running);
}

// --- training ----------------------------------------------------------------------------------------------

bool RunsPage::startRun(const core::RunConfig &config, QString *error)
{
    // What would fail the run at its first step is said here, in the studio's words, before a run exists.
    if (m_store) {
        QStringList problems;
        try {
            for (const core::ConfigProblem &p : ConfigPage::datasetProblems(config, m_store->datasets()))
                problems << QString::fromStdString(p.toString());
        } catch (const core::Error &e) {
            problems << QString::fromStdString(e.what());
        }
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
    if (!m_workspace)
        message = tr("No workspace is open.");
    else if (m_runner->isRunning())
        message = tr("A training is already running in this window (%1): one card trains one run at a time.")
                      .arg(m_runner->name());
    core::train::PreparedTraining prepared;
    if (message.isEmpty()) {
        try {
            prepared = core::train::prepareTraining(*m_workspace, request);  // a quick store write
        } catch (const core::Error &e) {
            message = QString::fromStdString(e.what());
        }
    }
    if (!message.isEmpty()) {
        if (error) *error = message;
        if (!error) QMessageBox::warning(this, tr("Start Run"), message);  // interactive use: no one else reports it
        return false;
    }

    const core::Workspace ws = *m_workspace;
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
    m_tabs->setCurrentWidget(m_charts);
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
    if (selectedIsLive()) showEvents();
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
    if (runId && selectedRunId() == runId && m_store) {
        m_charts->showStored(*m_store, *runId);  // the complete stored series
        m_shownRun = runId;
    }
    updateControls();
    const auto s = static_cast<core::JobState>(state);
    if (s == core::JobState::Failed && isVisible())
        QMessageBox::warning(this, tr("Training Failed"), storedText(error));
    Q_EMIT trainingStateChanged(false);
    if (runId) Q_EMIT trainingFinished(*runId, state, error);
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
        h += QStringLiteral("<p style='color:#d03030'><b>%1</b> %2</p>").arg(tr("Error:"), shownStored(run->error));

    try {
        const auto latest = m_store->latestMetrics(run->id);
        if (!latest.empty()) {
            h += QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Latest metrics"));
            for (const auto &[name, p] : latest)
                // What the metric is, then its key (what danka-cli and the store call it).
                h += QStringLiteral("<tr><td>%1 <span style='color:gray'>%2</span></td><td align=right>%3</td>"
                                    "<td style='color:gray'>%4</td></tr>")
                         .arg(html(core::metricTitle(name)), html(name), html(core::formatNumber(p.value)),
                              tr("step %1").arg(p.step));
            h += QStringLiteral("</table>");
        }
        const auto checkpoints = m_store->checkpoints(run->id);
        if (!checkpoints.empty()) {
            h += QStringLiteral("<h3>%1</h3><ul>").arg(tr("Checkpoints"));
            for (const auto &c : checkpoints)
                h += QStringLiteral("<li>%1 &mdash; %2</li>").arg(tr("step %1").arg(c.step), html(c.path));
            h += QStringLiteral("</ul>");
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
    if (id == m_liveRunId) {
        QMessageBox::information(this, tr("Delete Run"), tr("Stop the training of run %1 before deleting it.").arg(*id));
        return;
    }
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
        core::deleteRuns(*m_workspace, *m_store, {*id});
    } catch (const core::Error &e) {
        QMessageBox::warning(this, tr("Delete Run"), QString::fromStdString(e.what()));
    }
    refresh();
}

}  // namespace danka::ui
