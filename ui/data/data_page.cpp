// Data page (see data_page.h): the widget, opening files and datasets, its jobs, the table and detail
// wiring. The HTML of its reports and of a segment's detail is built in data_reports.cpp.
#include "ui/data/data_page.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/data/dataset.h"
#include "core/data/dataset_tokenizer.h"
#include "core/data/record_index.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "core/tokenizer/tokenizer.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/data/data_reports.h"
#include "ui/data/data_stats.h"
#include "ui/data/histogram_view.h"
#include "ui/data/prepare_dialog.h"
#include "ui/data/record_html.h"
#include "ui/data/records_model.h"
#include "ui/data/segments_model.h"
#include "ui/data/statistics_pane.h"
#include "ui/data/workspace_datasets_pane.h"

namespace danka::ui {

namespace {

using nlohmann::json;

const core::data::DataFormat kFormats[] = {core::data::DataFormat::Auto,     core::data::DataFormat::Text,
                                           core::data::DataFormat::Pretrain, core::data::DataFormat::Sft,
                                           core::data::DataFormat::Dpo,      core::data::DataFormat::Alpaca,
                                           core::data::DataFormat::ShareGpt};

struct LoadedDataset {
    std::shared_ptr<const core::data::Dataset> dataset;
    core::data::DatasetTokenizer tokenizer;  // the one it was made with (core decides which matches)
    SegmentStats stats;
};

}  // namespace

DataPage::DataPage(QWidget *parent) : DataPage(nullptr, parent) {}

DataPage::DataPage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_records(new RecordsModel(this)),
      m_segments(new SegmentsModel(this)),
      m_openRunner(new JobRunner(this)),
      m_statsRunner(new JobRunner(this)),
      m_openFileButton(new QPushButton(tr("Open &File..."), this)),
      m_openDatasetButton(new QPushButton(tr("Open &Dataset..."), this)),
      m_prepareButton(new QPushButton(tr("&Prepare..."), this)),
      m_formatCombo(new QComboBox(this)),
      m_pathLabel(new QLabel(this)),
      m_messageLabel(new QLabel(this)),
      m_datasetsPane(new WorkspaceDatasetsPane(m_session, this)),
      m_view(new QTableView(this)),
      m_gotoSpin(new QSpinBox(this)),
      m_countLabel(new QLabel(this)),
      m_tabs(new QTabWidget(this)),
      m_detail(new QTextBrowser(this)),
      m_statistics(new StatisticsPane(m_session, this)),
      m_statsText(m_statistics->text()),
      m_histogram(m_statistics->histogram()),
      m_rejected(new QTextBrowser(this))
{
    // Top bar: sources, the layout override for raw files, and where the shown data comes from.
    m_openFileButton->setToolTip(tr("Open a raw data file: JSONL, a JSON array, or plain text"));
    m_openDatasetButton->setToolTip(tr("Open a prepared dataset folder (one with dataset.json)"));
    m_prepareButton->setToolTip(
        tr("Clean, deduplicate and tokenize raw files into a dataset of the workspace"));
    connect(m_openFileButton, &QPushButton::clicked, this, &DataPage::chooseFile);
    connect(m_openDatasetButton, &QPushButton::clicked, this, &DataPage::chooseDataset);
    connect(m_prepareButton, &QPushButton::clicked, this, [this] { showPrepareDialog(); });
    m_formatCombo->addItem(tr("Detect layout"));
    for (size_t i = 1; i < std::size(kFormats); ++i)
        m_formatCombo->addItem(QString::fromLatin1(core::data::dataFormatName(kFormats[i])));
    m_formatCombo->setToolTip(tr("Read the file as this layout instead of detecting it"));
    connect(m_formatCombo, &QComboBox::activated, this, [this](int i) {
        if (m_source == Source::RawFile || (m_source == Source::None && !m_path.isEmpty()))
            openFile(m_path, kFormats[std::max(0, i)]);
    });
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pathLabel->setTextFormat(Qt::PlainText);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_openFileButton);
    bar->addWidget(m_openDatasetButton);
    bar->addWidget(m_prepareButton);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Layout:"), this));
    bar->addWidget(m_formatCombo);
    bar->addSpacing(12);
    bar->addWidget(m_pathLabel, 1);

    m_messageLabel->setWordWrap(true);
    m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_messageLabel->setTextFormat(Qt::PlainText);
    m_messageLabel->hide();

    // Left: the workspace's datasets.
    connect(m_datasetsPane, &WorkspaceDatasetsPane::datasetChosen, this,
            [this](const QString &path) { openPath(path); });

    // Middle: the records. Rows have one fixed height and columns fixed widths: a view that measured its
    // contents would read every record of the file.
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);
    setModel(m_records);
    m_gotoSpin->setRange(0, 0);
    m_gotoSpin->setKeyboardTracking(false);
    m_gotoSpin->setToolTip(tr("Go to record number"));
    connect(m_gotoSpin, &QSpinBox::valueChanged, this, [this](int v) {
        if (v > 0 && v - 1 != selectedRecord()) selectRecord(v - 1);
    });
    auto *middle = new QWidget(this);
    auto *middleLayout = new QVBoxLayout(middle);
    middleLayout->setContentsMargins(0, 0, 0, 0);
    middleLayout->addWidget(m_view, 1);
    auto *gotoRow = new QHBoxLayout;
    gotoRow->addWidget(new QLabel(tr("Go to #"), middle));
    gotoRow->addWidget(m_gotoSpin);
    gotoRow->addStretch();
    gotoRow->addWidget(m_countLabel);
    middleLayout->addLayout(gotoRow);

    // Right: the selected record, statistics, rejected lines.
    for (QTextBrowser *b : {m_detail, m_statsText, m_rejected}) {
        b->setOpenLinks(false);
        connect(b, &QTextBrowser::anchorClicked, this, &DataPage::followLink);
    }
    connect(m_statistics, &StatisticsPane::lengthsChanged, this, &DataPage::startStatistics);
    m_tabs->addTab(m_detail, tr("Record"));
    m_tabs->addTab(m_statistics, tr("Statistics"));
    m_tabs->addTab(m_rejected, tr("Rejected"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_datasetsPane);
    splitter->addWidget(middle);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    splitter->setStretchFactor(2, 3);
    splitter->setSizes({180, 560, 420});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_messageLabel);
    layout->addWidget(splitter, 1);

    connect(m_openRunner, &JobRunner::finished, this, &DataPage::openFinished);
    connect(m_statsRunner, &JobRunner::finished, this, &DataPage::statisticsFinished);
    clearContent();
    connect(m_session, &WorkspaceSession::workspaceChanged, this, &DataPage::showWorkspaceLists);
    showWorkspaceLists();
}

DataPage::~DataPage() = default;

// --- workspace ---------------------------------------------------------------------------------------------

void DataPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    try {
        m_session->open(workspace);  // the lists follow the session's signals
    } catch (const core::Error &e) {
        setMessage(QString::fromStdString(e.what()), true);
    }
}

void DataPage::refreshWorkspace()
{
    m_session->refresh();
    showWorkspaceLists();
}

// The workspace opened: its datasets and tokenizers are the panes' (they follow the session themselves).
void DataPage::showWorkspaceLists()
{
    if (!m_session->lastError().isEmpty()) setMessage(m_session->lastError(), true);
    m_datasetsPane->showDatasets();
    updateActions();
}

QStringList DataPage::workspaceDatasets() const
{
    return m_datasetsPane->paths();
}

void DataPage::setStatisticsTokenizer(const QString &dir)
{
    if (m_statistics->setLengthsTokenizer(dir)) startStatistics();
}

QString DataPage::statisticsTokenizer() const
{
    return m_statistics->lengthsTokenizer();
}

void DataPage::updateActions()
{
    m_prepareButton->setEnabled(m_session->workspace().has_value());
    m_prepareButton->setToolTip(m_session->workspace()
                                    ? tr("Clean, deduplicate and tokenize raw files into a dataset of the workspace")
                                    : tr("Open a workspace first: datasets are prepared into it"));
    m_formatCombo->setEnabled(m_source != Source::Dataset);
    m_statistics->setLengthsEnabled(m_source != Source::Dataset);
}

// --- opening -----------------------------------------------------------------------------------------------

void DataPage::chooseFile()
{
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Open Data File"), QFileInfo(m_path).absolutePath(),
                                     tr("Data files (*.jsonl *.json *.txt *.md);;All files (*)"));
    if (!file.isEmpty()) openFile(file, kFormats[std::max(0, m_formatCombo->currentIndex())]);
}

void DataPage::chooseDataset()
{
    const QString start = m_session->workspace() ? QString::fromStdString(m_session->workspace()->datasetsDir())
                                                 : QString();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Prepared Dataset"), start);
    if (!dir.isEmpty()) openDataset(dir);
}

bool DataPage::openPath(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (info.isDir()) return openDataset(path, error);
    return openFile(path, kFormats[std::max(0, m_formatCombo->currentIndex())], error);
}

bool DataPage::openFile(const QString &path, core::data::DataFormat format, QString *error)
{
    const QFileInfo info(path);
    QString problem;
    if (!info.exists())
        problem = tr("%1 does not exist.").arg(path);
    else if (info.isDir())
        problem = tr("%1 is a folder, not a data file.").arg(path);
    else if (!info.isReadable())
        problem = tr("%1 cannot be read.").arg(path);
    if (!problem.isEmpty()) {
        setMessage(problem, true);
        if (error) *error = problem;
        return false;
    }
    for (int i = 0; i < int(std::size(kFormats)); ++i)
        if (kFormats[i] == format) m_formatCombo->setCurrentIndex(i);
    m_pending = OpenRequest{info.absoluteFilePath(), Source::RawFile, format};
    startPendingOpen();
    return true;
}

bool DataPage::openDataset(const QString &dir, QString *error)
{
    QString problem;
    if (!QFileInfo(dir).isDir())
        problem = tr("%1 is not a folder.").arg(dir);
    else if (!QFileInfo::exists(QDir(dir).filePath(QStringLiteral("dataset.json"))))
        problem = tr("%1 is not a prepared dataset: it has no dataset.json.").arg(dir);
    if (!problem.isEmpty()) {
        setMessage(problem, true);
        if (error) *error = problem;
        return false;
    }
    m_pending = OpenRequest{QFileInfo(dir).absoluteFilePath(), Source::Dataset};
    startPendingOpen();
    return true;
}

void DataPage::startPendingOpen()
{
    if (!m_pending) return;
    if (m_openRunner->isRunning()) {
        m_openRunner->cancel();  // openFinished() starts the pending request
        return;
    }
    if (m_statsRunner->isRunning()) m_statsRunner->cancel();  // about the file being closed
    const OpenRequest request = *m_pending;
    m_pending.reset();
    clearContent();
    m_path = request.path;
    m_pathLabel->setText(tr("Loading %1...").arg(QDir::toNativeSeparators(request.path)));
    const std::string path = request.path.toStdString();
    const QString name = QFileInfo(request.path).fileName();
    if (request.source == Source::RawFile) {
        auto out = std::make_shared<std::shared_ptr<const core::data::RecordIndex>>();
        const core::data::DataFormat format = request.format;
        m_onOpened = [this, out](int state, const QString &error) {
            if (state == int(core::JobState::Completed))
                applyFile(*out);
            else if (state == int(core::JobState::Failed)) {
                m_pathLabel->clear();
                const QString message = tr("Cannot open the file: %1").arg(error);
                setMessage(message, true);
                Q_EMIT loadFailed(message);
            }
        };
        m_openRunner->start(tr("Indexing %1").arg(name), [out, path, format](core::JobContext &job) {
            *out =
                std::make_shared<core::data::RecordIndex>(core::data::RecordIndex::build(path, format, &job));
        });
    } else {
        auto out = std::make_shared<LoadedDataset>();
        const std::vector<core::TokenizerRecord> known = m_session->tokenizers();
        m_onOpened = [this, out](int state, const QString &error) {
            if (state == int(core::JobState::Failed)) {
                m_pathLabel->clear();
                const QString message = tr("Cannot open the dataset: %1").arg(error);
                setMessage(message, true);
                Q_EMIT loadFailed(message);
                return;
            }
            if (state != int(core::JobState::Completed)) return;
            m_dataset = out->dataset;
            m_source = Source::Dataset;
            m_segments->setDataset(out->dataset, out->tokenizer.tokenizer);
            setModel(m_segments);
            const core::data::DatasetTokenizer &t = out->tokenizer;
            if (t.tokenizer)
                m_tokenizerNote = (t.fromStore ? tr("%1 (from the workspace)") : tr("%1 (named in dataset.json)"))
                                      .arg(QString::fromStdString(t.dir));
            else
                m_tokenizerNote = tr("not found (%1): the table shows token ids")
                                      .arg(t.problem.empty() ? tr("no tokenizer with its checksum")
                                                             : QString::fromStdString(t.problem));
            m_histogram->setHistogram(
                out->stats.histogram,
                tr("Segment lengths: all %1 segments").arg(countText(out->stats.segments)), tr("tokens"),
                tr("segments"));
            showDatasetInfo();
            m_pathLabel->setText(QDir::toNativeSeparators(m_path));
            m_countLabel->setText(tr("%1 segments").arg(countText(m_segments->rowCount())));
            m_gotoSpin->setRange(m_segments->rowCount() > 0 ? 1 : 0, m_segments->rowCount());
            updateActions();
            if (m_segments->rowCount() > 0) selectRecord(0);
            Q_EMIT loaded(m_path);
        };
        m_openRunner->start(tr("Opening %1").arg(name), [out, path, known](core::JobContext &job) {
            job.setProgress(0, "opening the dataset");
            out->dataset = std::make_shared<core::data::Dataset>(core::data::Dataset::open(path));
            job.setProgress(0.2, "loading its tokenizer");
            out->tokenizer = core::data::findDatasetTokenizer(out->dataset->info(), known);
            job.setProgress(0.4, "measuring segments");
            out->stats = computeSegmentStats(*out->dataset, job);
            job.setProgress(1, "done");
        });
    }
    updateActions();
}

void DataPage::openFinished(int state, const QString &error)
{
    auto done = std::move(m_onOpened);
    m_onOpened = nullptr;
    if (m_pending) {  // a newer request replaces this one, whatever its outcome
        startPendingOpen();
        return;
    }
    if (done) done(state, error);
    updateActions();
}

void DataPage::applyFile(std::shared_ptr<const core::data::RecordIndex> index)
{
    m_index = std::move(index);
    m_source = Source::RawFile;
    m_records->setIndex(m_index);
    setModel(m_records);
    m_pathLabel->setText(QDir::toNativeSeparators(m_path));
    m_countLabel->setText(tr("%1 entries").arg(countText(m_records->rowCount())));
    m_gotoSpin->setRange(m_records->rowCount() > 0 ? 1 : 0, m_records->rowCount());
    m_statsText->setHtml(tr("<p>%1 entries in %2. Reading the whole file for statistics...</p>")
                             .arg(countText(m_index->size()),
                                  QString::fromStdString(core::formatBytes(double(m_index->fileSize())))));
    updateActions();
    if (m_records->rowCount() > 0)
        selectRecord(0);
    else
        showDetail();
    startStatistics();
    Q_EMIT loaded(m_path);
}

bool DataPage::isBusy() const
{
    return m_openRunner->isRunning() || m_statsRunner->isRunning() || m_pending.has_value() || m_statsPending;
}

bool DataPage::waitForIdle(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (isBusy() && t.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return !isBusy();
}

void DataPage::clearContent()
{
    m_source = Source::None;
    m_index.reset();
    m_dataset.reset();
    m_tokenizerNote.clear();
    m_records->setIndex(nullptr);
    m_segments->setDataset(nullptr, nullptr);
    m_histogram->clear();
    m_statsText->clear();
    m_rejected->clear();
    m_countLabel->clear();
    m_gotoSpin->setRange(0, 0);
    setMessage(QString(), false);
    showDetail();
}

void DataPage::setMessage(const QString &text, bool isError)
{
    m_messageLabel->setText(text);
    m_messageLabel->setStyleSheet(isError ? QStringLiteral("color: #d03030")
                                          : QStringLiteral("color: #b06000"));
    m_messageLabel->setVisible(!text.isEmpty());
}

QString DataPage::messageText() const
{
    return m_messageLabel->text();
}

// --- statistics --------------------------------------------------------------------------------------------

void DataPage::startStatistics()
{
    if (m_source != Source::RawFile || !m_index) return;
    if (m_statsRunner->isRunning()) {
        m_statsPending = true;  // statisticsFinished() starts again with the current choices
        m_statsRunner->cancel();
        return;
    }
    m_statsPending = false;
    const std::string path = m_index->path();
    const core::data::DataFormat format = m_index->format();
    const std::string tokenizerDir = statisticsTokenizer().toStdString();
    auto out = std::make_shared<RawFileStats>();
    std::shared_ptr<const core::data::RecordIndex> index = m_index;
    m_onStats = [this, out, index] {
        if (index == m_index) showRawStatistics(*out);
    };
    m_statsRunner->start(tr("Statistics of %1").arg(QFileInfo(m_path).fileName()),
                         [out, path, format, tokenizerDir](core::JobContext &job) {
                             std::unique_ptr<core::tokenizer::Tokenizer> tok;
                             if (!tokenizerDir.empty())
                                 tok = std::make_unique<core::tokenizer::Tokenizer>(
                                     core::tokenizer::Tokenizer::load(tokenizerDir));
                             *out = computeRawFileStats(path, format, tok.get(), kTokenSample, job);
                         });
}

void DataPage::statisticsFinished(int state, const QString &error)
{
    auto done = std::move(m_onStats);
    m_onStats = nullptr;
    if (m_statsPending) {
        startStatistics();
        return;
    }
    if (state == int(core::JobState::Completed) && done) {
        done();
        Q_EMIT statisticsReady();
    } else if (state == int(core::JobState::Failed) && m_source == Source::RawFile) {
        m_statsText->setHtml(QStringLiteral("<p style=\"color:#d03030\">%1</p>")
                                 .arg(tr("Statistics failed: %1").arg(error).toHtmlEscaped()));
        setMessage(tr("Statistics failed: %1").arg(error), true);
    }
}

void DataPage::showRawStatistics(const RawFileStats &s)
{
    m_statsText->setHtml(rawStatisticsHtml(QFileInfo(m_path).fileName(), s, *m_index));
    m_histogram->setHistogram(s.histogram, rawHistogramTitle(s), s.inTokens ? tr("tokens") : tr("characters"),
                              tr("records"));
    m_rejected->setHtml(rawRejectedHtml(s, m_index->path()));

    if (s.records == 0 && !s.rejects.examples.empty())
        setMessage(tr("No valid record in %1. First problem: %2")
                       .arg(m_path, QString::fromStdString(s.rejects.examples.front().toString())),
                   true);
    else if (s.rejects.total > 0)
        setMessage(tr("%1 of %2 lines were rejected (see Rejected). First: %3")
                       .arg(countText(s.rejects.total), countText(s.rejects.total + s.records),
                            QString::fromStdString(s.rejects.examples.front().toString())),
                   false);
}

void DataPage::showDatasetInfo()
{
    m_statsText->setHtml(datasetInfoHtml(*m_dataset, m_path, m_tokenizerNote));
    m_rejected->setHtml(datasetRejectedHtml(m_dataset->info()));
}

// --- table and detail --------------------------------------------------------------------------------------

void DataPage::setModel(QAbstractItemModel *model)
{
    if (m_view->model() != model) {
        QItemSelectionModel *old = m_view->selectionModel();
        m_view->setModel(model);
        delete old;  // QAbstractItemView::setModel leaves the old one to its owner
        connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
                &DataPage::showDetail);
    }
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    if (model == m_records) {
        m_view->setColumnWidth(RecordsModel::NumberColumn, 9 * em);
        m_view->setColumnWidth(RecordsModel::LineColumn, 9 * em);
        m_view->setColumnWidth(RecordsModel::KindColumn, 20 * em);
        m_view->setColumnWidth(RecordsModel::CharactersColumn, 10 * em);
    } else {
        m_view->setColumnWidth(SegmentsModel::NumberColumn, 9 * em);
        m_view->setColumnWidth(SegmentsModel::SplitColumn, 10 * em);
        m_view->setColumnWidth(SegmentsModel::PartColumn, 13 * em);
        m_view->setColumnWidth(SegmentsModel::TokensColumn, 8 * em);
    }
}

QAbstractItemModel *DataPage::recordsModel() const
{
    return m_view->model();
}

bool DataPage::selectRecord(int row)
{
    QAbstractItemModel *model = m_view->model();
    if (!model || row < 0 || row >= model->rowCount()) return false;
    const QModelIndex index = model->index(row, 0);
    m_view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

int DataPage::selectedRecord() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

QString DataPage::detailHtml() const
{
    return m_detail->toHtml();
}

QString DataPage::detailText() const
{
    return m_detail->toPlainText();
}

QString DataPage::statisticsText() const
{
    return m_statsText->toPlainText();
}

QString DataPage::rejectedText() const
{
    return m_rejected->toPlainText();
}

void DataPage::showDetail()
{
    const int row = selectedRecord();
    if (row >= 0 && row + 1 != m_gotoSpin->value()) {
        const QSignalBlocker block(m_gotoSpin);
        m_gotoSpin->setValue(row + 1);
    }
    if (row < 0 || m_source == Source::None) {
        const QString hint = m_source == Source::None && m_path.isEmpty()
                                 ? tr("Open a data file or a prepared dataset to see its records.")
                                 : tr("Select a record to see it in full.");
        m_detail->setHtml(QStringLiteral("<p style=\"color:gray\">%1</p>").arg(hint.toHtmlEscaped()));
        return;
    }
    if (m_source == Source::Dataset) {
        m_detail->setHtml(datasetDetailHtml(row));
        return;
    }
    core::data::Record record;
    QString error;
    const QString where = QStringLiteral("%1:%2").arg(m_path).arg(m_index->line(row));
    if (!m_records->record(row, record, error)) {
        m_detail->setHtml(QStringLiteral("<p style=\"color:#d03030\"><b>%1</b>: %2</p><pre>%3</pre>")
                              .arg(where.toHtmlEscaped(), error.toHtmlEscaped(),
                                   QString::fromUtf8(m_index->rawText(row).c_str()).toHtmlEscaped()));
        return;
    }
    QString kind;
    switch (record.kind) {
    case core::data::RecordKind::Text: kind = tr("text"); break;
    case core::data::RecordKind::Conversation:
        kind = tr("conversation, %1 turns").arg(record.messages.size());
        break;
    case core::data::RecordKind::Preference: kind = tr("preference pair"); break;
    }
    m_detail->setHtml(QStringLiteral("<p><b>%1</b> &middot; %2 &middot; %3</p>")
                          .arg(where.toHtmlEscaped(), kind.toHtmlEscaped(),
                               tr("%1 characters").arg(countText(recordCharacters(record))).toHtmlEscaped()) +
                      recordHtml(record, palette()));
}

QString DataPage::datasetDetailHtml(int row) const
{
    return segmentDetailHtml(*m_segments, *m_dataset, row, palette());
}

void DataPage::followLink(const QUrl &url)
{
    if (url.scheme() == QStringLiteral("line") && m_source == Source::RawFile) {
        const int row = m_records->rowAtLine(url.path().toLongLong());
        if (selectRecord(row)) m_tabs->setCurrentWidget(m_detail);
        return;
    }
    if (url.isLocalFile()) {
        // An input file of a dataset: open it and go to the line once it is indexed.
        const qint64 line = url.fragment().toLongLong();
        const QString file = url.toLocalFile();
        if (!openFile(file, core::data::DataFormat::Auto)) return;
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection =
            connect(this, &DataPage::loaded, this, [this, connection, file, line](const QString &path) {
                disconnect(*connection);
                if (path == QFileInfo(file).absoluteFilePath() && selectRecord(m_records->rowAtLine(line)))
                    m_tabs->setCurrentWidget(m_detail);
            });
    }
}

PrepareDialog *DataPage::showPrepareDialog()
{
    if (!m_session->workspace()) return nullptr;
    auto *dialog = new PrepareDialog(*m_session->workspace(), m_session->tokenizers(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_source == Source::RawFile) {
        dialog->setInputs({m_path});
        dialog->setFormat(kFormats[std::max(0, m_formatCombo->currentIndex())]);
    }
    if (!statisticsTokenizer().isEmpty()) dialog->setTokenizerDir(statisticsTokenizer());
    connect(dialog, &PrepareDialog::prepared, this, [this](const QString &dir) {
        refreshWorkspace();
        openDataset(dir);
    });
    dialog->open();
    return dialog;
}

}  // namespace danka::ui
