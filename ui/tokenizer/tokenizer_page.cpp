// Tokenizer page (see tokenizer_page.h).
#include "ui/tokenizer/tokenizer_page.h"

#include <QCheckBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/util/text_util.h"
#include "core/tokenizer/tokenizer.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/tokenizer/token_chip_delegate.h"
#include "ui/tokenizer/token_pieces_model.h"
#include "ui/tokenizer/tokenizer_train_form.h"
#include "ui/tokenizer/tokenizer_details.h"
#include "ui/tokenizer/tokenizer_tester_pane.h"
#include "ui/tokenizer/tokenizer_train_pane.h"
#include "ui/tokenizer/tokenizers_model.h"

namespace danka::ui {

using Loaded = LoadedTokenizer;

namespace {

constexpr int kCacheSize = 4;  // tokenizers kept loaded; a 64k-piece model is a few MB

}  // namespace

TokenizerPage::TokenizerPage(QWidget *parent) : TokenizerPage(nullptr, parent) {}

TokenizerPage::TokenizerPage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_model(new TokenizersModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)),
      m_emptyLabel(new QLabel(this)),
      m_listStack(new QStackedWidget(this)),
      m_openButton(new QPushButton(tr("&Open Folder..."), this)),
      m_details(new QTextBrowser(this)),
      m_messageLabel(new QLabel(this)),
      m_trainPane(new TokenizerTrainPane(m_session, this)),
      m_tabs(new QTabWidget(this)),
      m_tester(new TokenizerTesterPane(kMaxChips, kDebounceMs, this))
{
    // --- the list
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(TokenizersModel::SortRole);
    m_view->setModel(m_proxy);
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // the store's order: newest first
    m_view->setSortingEnabled(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setSectionResizeMode(TokenizersModel::PathColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignCenter);  // two-line titles
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);    // fitColumns keeps what is shown in view
    m_view->viewport()->installEventFilter(this);
    connect(m_model, &QAbstractItemModel::modelReset, this, &TokenizerPage::fitColumns);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &TokenizerPage::fitColumns);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &TokenizerPage::fitColumns);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &TokenizerPage::onSelectionChanged);

    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_listStack->addWidget(m_view);
    m_listStack->addWidget(m_emptyLabel);

    m_openButton->setToolTip(tr("Load any tokenizer folder (one holding tokenizer.model) to try it"));
    connect(m_openButton, &QPushButton::clicked, this, &TokenizerPage::chooseTokenizerFolder);
    auto *refreshButton = new QPushButton(tr("&Refresh"), this);
    connect(refreshButton, &QPushButton::clicked, this, &TokenizerPage::refresh);
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(m_openButton);
    listButtons->addWidget(refreshButton);
    listButtons->addStretch();

    m_details->setOpenLinks(false);
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_messageLabel->hide();

    auto *listPane = new QWidget(this);
    auto *listLayout = new QVBoxLayout(listPane);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addLayout(listButtons);
    listLayout->addWidget(m_messageLabel);
    auto *listSplitter = new QSplitter(Qt::Vertical, listPane);
    listSplitter->addWidget(m_listStack);
    listSplitter->addWidget(m_details);
    listSplitter->setStretchFactor(0, 3);
    listSplitter->setStretchFactor(1, 2);
    listLayout->addWidget(listSplitter);

    // --- the tester
    connect(m_tester, &TokenizerTesterPane::updated, this, &TokenizerPage::testerUpdated);

    // --- training
    connect(m_trainPane, &TokenizerTrainPane::trained, this, &TokenizerPage::onTokenizerTrained);
    connect(m_trainPane, &TokenizerTrainPane::finished, this, &TokenizerPage::trainingFinished);

    m_tabs->addTab(m_tester, tr("Tr&y"));
    m_tabs->addTab(m_trainPane, tr("Train Ne&w"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(listPane);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({400, 600});  // the list's figures need room; the chips take the rest
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(splitter);

    connect(m_session, &WorkspaceSession::workspaceChanged, this, &TokenizerPage::onWorkspaceChanged);
    connect(m_session, &WorkspaceSession::tokenizersChanged, this, &TokenizerPage::showTokenizers);
    connect(m_session, &WorkspaceSession::storeError, this, &TokenizerPage::storeError);

    // A first text that shows what the tester is for: Chinese, English, and markers that stay one token.
    m_tester->setText(QStringLiteral(
        "<|im_start|>user\n单卡训练一个语言模型。Hello, world: tokenizers turn text into ids.<|im_end|>"));
    onWorkspaceChanged();
}

TokenizerPage::~TokenizerPage() = default;

// --- workspace and list ------------------------------------------------------------------------------------

void TokenizerPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    try {
        m_session->open(workspace);  // onWorkspaceChanged() and the list follow its signals
    } catch (const core::Error &e) {
        showMessage(tr("Cannot open the workspace's store: %1").arg(QString::fromStdString(e.what())), true);
    }
}

void TokenizerPage::onWorkspaceChanged()
{
    showMessage(QString(), false);
    m_trainPane->form()->setWorkspace(m_session->workspace());
    showTokenizers();
    m_trainPane->updateControls();
}

void TokenizerPage::refresh()
{
    m_session->refresh();
    showTokenizers();
}

void TokenizerPage::showTokenizers()
{
    const QString selected = selectedTokenizerPath();
    if (!m_session->lastError().isEmpty()) showMessage(m_session->lastError(), true);  // shows what it had
    {
        // The list is refilled: selection changes on the way are not the user's.
        const QSignalBlocker block(m_view->selectionModel());
        m_model->setRegistered(m_session->tokenizers());
        if (!selected.isEmpty()) selectTokenizer(selected);
        // Something to try at once: the newest tokenizer.
        if (selectedTokenizerPath().isEmpty() && m_model->rowCount() > 0)
            selectTokenizer(m_proxy->index(0, 0).data(TokenizersModel::PathRole).toString());
    }
    onSelectionChanged();
    updateEmptyState();
    Q_EMIT tokenizerCountChanged(m_model->rowCount());
}

void TokenizerPage::updateEmptyState()
{
    if (!m_session->workspace())
        m_emptyLabel->setText(tr("No workspace is open.\nUse Open Folder... to try a tokenizer folder."));
    else
        m_emptyLabel->setText(
            tr("No tokenizers in this workspace yet.\nTrain one in the Train New tab, or use "
               "Open Folder... to try an existing tokenizer folder."));
    m_listStack->setCurrentWidget(m_model->rowCount() > 0 ? static_cast<QWidget *>(m_view) : m_emptyLabel);
}

void TokenizerPage::showMessage(const QString &text, bool error)
{
    m_messageLabel->setText(text);
    m_messageLabel->setStyleSheet(error ? QStringLiteral("color:#d03030") : QString());
    m_messageLabel->setVisible(!text.isEmpty());
}

QString TokenizerPage::messageText() const
{
    return m_messageLabel->text();
}

QString TokenizerPage::detailsText() const
{
    return m_details->toPlainText();
}

QString TokenizerPage::selectedTokenizerPath() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty()) return {};
    return rows.first().data(TokenizersModel::PathRole).toString();
}

bool TokenizerPage::selectTokenizer(const QString &path)
{
    const int row = m_model->rowOfPath(path);
    if (row < 0) return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

void TokenizerPage::chooseTokenizerFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open Tokenizer Folder"),
        m_session->workspace() ? QString::fromStdString(m_session->workspace()->tokenizersDir()) : QString());
    if (!dir.isEmpty()) openTokenizerFolder(dir);
}

bool TokenizerPage::openTokenizerFolder(const QString &dir)
{
    const QString path = TokenizersModel::normalizedPath(dir);
    if (!QFileInfo(QDir(path).filePath(QStringLiteral("tokenizer.model"))).isFile()) {
        showMessage(tr("%1 is not a tokenizer folder: it holds no tokenizer.model.")
                        .arg(QDir::toNativeSeparators(path)),
                    true);
        return false;
    }
    showMessage(QString(), false);
    if (m_model->rowOfPath(path) >= 0) return selectTokenizer(path);
    startLoad(path, true);
    return true;
}

// --- loading -----------------------------------------------------------------------------------------------

void TokenizerPage::onSelectionChanged()
{
    const QString path = selectedTokenizerPath();
    if (path.isEmpty()) {
        ++m_loadGeneration;
        m_loadPending = false;
        setCurrentTokenizer(nullptr);
        return;
    }
    const TokenizersModel::Entry *entry = m_model->entryAt(m_model->rowOfPath(path));
    const std::string checksum = entry ? entry->record.checksum : std::string();
    const QString normalized = TokenizersModel::normalizedPath(path);
    // Retrained in place, the folder has a new checksum: a cached copy is stale.
    auto usable = [&](const std::shared_ptr<const Loaded> &l) {
        return l && l->path == normalized && (checksum.empty() || l->tokenizer->checksum() == checksum);
    };
    if (usable(m_current)) {
        ++m_loadGeneration;  // a load still running for another selection is obsolete
        m_loadPending = false;
        showDetails();
        return;
    }
    const auto cached = std::find_if(m_cache.begin(), m_cache.end(), usable);
    if (cached != m_cache.end()) {
        ++m_loadGeneration;
        m_loadPending = false;
        setCurrentTokenizer(*cached);
        return;
    }
    startLoad(normalized, false);
}

void TokenizerPage::startLoad(const QString &path, bool addToList)
{
    const quint64 generation = ++m_loadGeneration;
    m_loadPending = true;
    m_tester->setTitle(tr("Loading %1...").arg(QDir::toNativeSeparators(path)));
    auto *watcher = new QFutureWatcher<std::shared_ptr<const Loaded>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, addToList] {
        watcher->deleteLater();
        onLoaded(watcher->result(), generation, addToList);
    });
    // A 64k-piece model takes ~100 ms to parse and scan: on a worker, never on the GUI thread.
    watcher->setFuture(QtConcurrent::run([path]() -> std::shared_ptr<const Loaded> {
        auto loaded = std::make_shared<Loaded>();
        loaded->path = path;
        try {
            auto tok = std::make_shared<core::tokenizer::Tokenizer>(
                core::tokenizer::Tokenizer::load(path.toStdString()));
            for (int32_t id = 0; id < tok->vocabSize(); ++id) loaded->bytePieces += tok->isByte(id) ? 1 : 0;
            for (const std::string &m : tok->markers())
                if (const int32_t id = tok->pieceId(m); id >= 0) loaded->markerIds.insert(id);
            loaded->tokenizer = std::move(tok);
        } catch (const std::exception &e) {
            loaded->error = QString::fromStdString(e.what());
        }
        return loaded;
    }));
}

void TokenizerPage::onLoaded(const std::shared_ptr<const Loaded> &loaded, quint64 generation, bool addToList)
{
    const bool current = generation == m_loadGeneration;
    if (current) m_loadPending = false;
    if (!loaded->error.isEmpty()) {
        // An opened folder is the user's explicit request: its failure is reported even if superseded.
        if (current || addToList) showMessage(tr("Cannot load the tokenizer: %1").arg(loaded->error), true);
        if (current) setCurrentTokenizer(nullptr);
        return;
    }
    m_cache.erase(std::remove_if(m_cache.begin(), m_cache.end(),
                                 [&](const auto &l) { return l->path == loaded->path; }),
                  m_cache.end());
    m_cache.push_back(loaded);
    if (static_cast<int>(m_cache.size()) > kCacheSize) m_cache.erase(m_cache.begin());

    if (addToList) {
        m_model->addOpened(TokenizerDetails::record(*loaded->tokenizer, loaded->path));
        updateEmptyState();
        Q_EMIT tokenizerCountChanged(m_model->rowCount());
        if (current) selectTokenizer(loaded->path);  // finds it in the cache
        return;
    }
    if (current) setCurrentTokenizer(loaded);
}

void TokenizerPage::setCurrentTokenizer(std::shared_ptr<const Loaded> loaded)
{
    m_current = std::move(loaded);
    if (m_current) {
        const auto &tok = *m_current->tokenizer;
        m_tester->setTitle(
            tr("Tokenizer %1 (%2 pieces)").arg(QFileInfo(m_current->path).fileName()).arg(tok.vocabSize()));
    } else {
        m_tester->setTitle(tr("Select a tokenizer in the list to try it."));
    }
    showDetails();
    m_tester->setTokenizer(m_current);
}

void TokenizerPage::showDetails()
{
    m_details->setHtml(
        m_current ? TokenizerDetails::html(*m_current)
                  : QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("Select a tokenizer to see its details.")));
}

// --- the tester --------------------------------------------------------------------------------------------

void TokenizerPage::setTesterText(const QString &text)
{
    m_tester->setText(text);
}

QString TokenizerPage::testerText() const
{
    return m_tester->text();
}

bool TokenizerPage::testerIsCurrent() const
{
    return !m_loadPending && m_tester->isCurrent();
}

QString TokenizerPage::testerTokenizerPath() const
{
    return m_tester->shownTokenizerPath();
}

qint64 TokenizerPage::testerTokenCount() const
{
    return m_tester->tokenCount();
}

qint64 TokenizerPage::testerCharacterCount() const
{
    return m_tester->characterCount();
}

double TokenizerPage::testerCharsPerToken() const
{
    return m_tester->charsPerToken();
}

QString TokenizerPage::testerSummary() const
{
    return m_tester->summary();
}

TokenPiecesModel *TokenizerPage::piecesModel() const
{
    return m_tester->piecesModel();
}

TokenChipDelegate *TokenizerPage::chipDelegate() const
{
    return m_tester->chipDelegate();
}

QListView *TokenizerPage::chipsView() const
{
    return m_tester->chipsView();
}

// --- training (tokenizer_train_pane.h) ------------------------------------------------------------------

TokenizerTrainForm *TokenizerPage::trainForm() const
{
    return m_trainPane->form();
}

bool TokenizerPage::startTraining()
{
    return m_trainPane->startTraining();
}

void TokenizerPage::cancelTraining()
{
    m_trainPane->cancelTraining();
}

bool TokenizerPage::isTraining() const
{
    return m_trainPane->isTraining();
}

JobRunner *TokenizerPage::trainRunner() const
{
    return m_trainPane->runner();
}

QString TokenizerPage::trainResultText() const
{
    return m_trainPane->resultText();
}

void TokenizerPage::onTokenizerTrained(const QString &path)
{
    refresh();
    selectTokenizer(path);  // the Try tab now uses it
    Q_EMIT tokenizerTrained(path);
}

// --- the list's columns ------------------------------------------------------------------------------------

bool TokenizerPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize) fitColumns();
    return QWidget::eventFilter(watched, event);
}

void TokenizerPage::fitColumns()
{
    QHeaderView *header = m_view->horizontalHeader();
    for (int column = 0; column < TokenizersModel::ColumnCount; ++column) header->setSectionHidden(column, false);
    // A title's widest line (the figures' titles have two) with the header's margins and sort mark.
    const int headerExtra = 2 * header->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header) +
                            header->style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, header);
    auto widthOf = [&](int column) {
        int title = 0;
        for (const QString &line : m_model->headerData(column, Qt::Horizontal).toString().split(QLatin1Char('\n')))
            title = std::max(title, header->fontMetrics().horizontalAdvance(line));
        const QAbstractItemView *view = m_view;  // sizeHintForColumn is public there
        return std::max(title + headerExtra, view->sizeHintForColumn(column)) + 6;
    };
    int used = 0;
    for (int column : {int(TokenizersModel::NameColumn), int(TokenizersModel::VocabColumn),
                       int(TokenizersModel::ZhColumn), int(TokenizersModel::EnColumn)}) {
        header->resizeSection(column, widthOf(column));
        used += header->sectionSize(column);
    }
    // Never narrower than those: the splitter gives the tester the rest.
    m_view->setMinimumWidth(used + 2 * m_view->frameWidth() + m_view->verticalScrollBar()->sizeHint().width());
    const int available = m_view->viewport()->width();
    const int byteFallback = widthOf(TokenizersModel::ByteFallbackColumn);
    const bool byteFits = used + byteFallback <= available;
    header->setSectionHidden(TokenizersModel::ByteFallbackColumn, !byteFits);
    if (byteFits) {
        header->resizeSection(TokenizersModel::ByteFallbackColumn, byteFallback);
        used += byteFallback;
    }
    // The folder (stretched over what is left) only with room for a readable part of it.
    header->setSectionHidden(TokenizersModel::PathColumn, available - used < m_view->fontMetrics().averageCharWidth() * 16);
}

}  // namespace danka::ui
