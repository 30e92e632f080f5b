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
#include "core/tokenizer/trainer.h"
#include "ui/common/job_runner.h"
#include "ui/tokenizer/token_chip_delegate.h"
#include "ui/tokenizer/token_pieces_model.h"
#include "ui/tokenizer/tokenizer_train_form.h"
#include "ui/tokenizer/tokenizers_model.h"

namespace danka::ui {

// A tokenizer loaded on a worker, with what the tester needs to classify pieces quickly.
struct TokenizerPage::Loaded {
    QString path;   // normalized
    QString error;  // load failed: the reason
    std::shared_ptr<const core::tokenizer::Tokenizer> tokenizer;
    int bytePieces = 0;
    std::unordered_set<int32_t> markerIds;
};

// One encoding of the tester's text.
struct TokenizerPage::Encoded {
    quint64 generation = 0;
    QString path;
    QString error;
    QVector<TokenPiece> tokens;  // the first kMaxChips
    qint64 tokenCount = 0;
    qint64 charCount = 0;
};

struct TokenizerPage::TrainOutcome {
    core::tokenizer::TokenizerTrainResult result;
    int64_t tokenizerId = 0;
};

namespace {

constexpr int kCacheSize = 4;  // tokenizers kept loaded; a 64k-piece model is a few MB
constexpr int kPollMs = 1500;

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString number(double value, int decimals = 2)
{
    return QString::number(value, 'f', decimals);
}

// Code points of valid UTF-8: every byte that does not continue a sequence starts a character.
qint64 codePoints(const std::string &utf8)
{
    return std::count_if(utf8.begin(), utf8.end(),
                         [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The list row of a folder opened from disk: its figures come from the metadata written at training time.
core::TokenizerRecord recordOf(const core::tokenizer::Tokenizer &tok, const QString &path)
{
    core::TokenizerRecord record;
    record.name = QFileInfo(path).fileName().toStdString();
    record.path = path.toStdString();
    record.vocabSize = tok.vocabSize();
    record.checksum = tok.checksum();
    const nlohmann::json stats = tok.metadata().value("stats", nlohmann::json::object());
    nlohmann::json info = nlohmann::json::object();
    for (const char *key : {"chars_per_token_zh", "chars_per_token_en", "byte_fallback_share"})
        if (stats.is_object() && stats.contains(key) && stats[key].is_number()) info[key] = stats[key];
    record.infoJson = info.dump();
    return record;
}

TokenKind kindOf(const core::tokenizer::Tokenizer &tok, const std::unordered_set<int32_t> &markerIds,
                 int32_t id)
{
    if (tok.isControl(id)) return TokenKind::Control;
    if (tok.isByte(id)) return TokenKind::Byte;
    if (markerIds.count(id)) return TokenKind::Marker;
    return TokenKind::Text;
}

}  // namespace

TokenizerPage::TokenizerPage(QWidget *parent)
    : QWidget(parent),
      m_pollTimer(new QTimer(this)),
      m_model(new TokenizersModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)),
      m_emptyLabel(new QLabel(this)),
      m_listStack(new QStackedWidget(this)),
      m_openButton(new QPushButton(tr("&Open Folder..."), this)),
      m_details(new QTextBrowser(this)),
      m_messageLabel(new QLabel(this)),
      m_form(new TokenizerTrainForm(this)),
      m_trainHint(new QLabel(this)),
      m_trainButton(new QPushButton(tr("&Train"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_progressLabel(new QLabel(this)),
      m_result(new QTextBrowser(this)),
      m_runner(new JobRunner(this)),
      m_tabs(new QTabWidget(this)),
      m_testerTitle(new QLabel(this)),
      m_input(new QPlainTextEdit(this)),
      m_summary(new QLabel(this)),
      m_showIds(new QCheckBox(tr("Show &ids"), this)),
      m_chips(new QListView(this)),
      m_pieces(new TokenPiecesModel(this)),
      m_delegate(new TokenChipDelegate(this)),
      m_debounce(new QTimer(this))
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
    m_input->setPlaceholderText(tr("Type or paste text to see its tokens"));
    m_input->setTabChangesFocus(true);
    m_input->setMaximumHeight(fontMetrics().height() * 7);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_input, &QPlainTextEdit::textChanged, this, &TokenizerPage::scheduleEncode);
    connect(m_debounce, &QTimer::timeout, this, &TokenizerPage::encodeNow);

    m_chips->setModel(m_pieces);
    m_chips->setItemDelegate(m_delegate);
    m_chips->setViewMode(QListView::ListMode);
    m_chips->setFlow(QListView::LeftToRight);
    m_chips->setWrapping(true);
    m_chips->setResizeMode(QListView::Adjust);
    m_chips->setLayoutMode(QListView::Batched);  // thousands of chips lay out without freezing
    m_chips->setBatchSize(500);
    m_chips->setSpacing(2);
    m_chips->setSelectionMode(QAbstractItemView::NoSelection);
    m_chips->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_chips->setMouseTracking(true);  // hover outlines the chip; its tooltip names piece, id and kind
    m_showIds->setChecked(m_delegate->showIds());
    connect(m_showIds, &QCheckBox::toggled, m_delegate, &TokenChipDelegate::setShowIds);

    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *summaryRow = new QHBoxLayout;
    summaryRow->addWidget(m_summary, 1);
    summaryRow->addWidget(m_showIds);

    auto *tester = new QWidget(this);
    auto *testerLayout = new QVBoxLayout(tester);
    testerLayout->addWidget(m_testerTitle);
    testerLayout->addWidget(m_input);
    testerLayout->addLayout(summaryRow);
    testerLayout->addWidget(m_chips, 1);

    // --- training
    m_trainHint->setWordWrap(true);
    m_trainHint->setText(tr("Open a workspace (File > Open Workspace...) to train tokenizers: they are "
                            "written into it and registered there. Tokenizer folders can still be tried with "
                            "Open Folder..."));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progressLabel->setWordWrap(true);
    m_result->setOpenLinks(false);
    connect(m_trainButton, &QPushButton::clicked, this, &TokenizerPage::startTraining);
    connect(m_cancelButton, &QPushButton::clicked, this, &TokenizerPage::cancelTraining);
    connect(m_form, &TokenizerTrainForm::changed, this, &TokenizerPage::updateTrainControls);
    connect(m_runner, &JobRunner::progressChanged, this, &TokenizerPage::onTrainProgress);
    connect(m_runner, &JobRunner::finished, this, &TokenizerPage::onTrainFinished);

    auto *trainButtons = new QHBoxLayout;
    trainButtons->addWidget(m_trainButton);
    trainButtons->addWidget(m_cancelButton);
    trainButtons->addWidget(m_progress, 1);

    auto *trainer = new QWidget(this);
    auto *trainLayout = new QVBoxLayout(trainer);
    trainLayout->addWidget(m_trainHint);
    trainLayout->addWidget(m_form);
    trainLayout->addLayout(trainButtons);
    trainLayout->addWidget(m_progressLabel);
    trainLayout->addWidget(m_result, 1);

    m_tabs->addTab(tester, tr("Tr&y"));
    m_tabs->addTab(trainer, tr("Train Ne&w"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(listPane);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({400, 600});  // the list's figures need room; the chips take the rest
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(splitter);

    m_pollTimer->setInterval(kPollMs);
    connect(m_pollTimer, &QTimer::timeout, this, &TokenizerPage::poll);

    // A first text that shows what the tester is for: Chinese, English, and markers that stay one token.
    m_input->setPlainText(QStringLiteral(
        "<|im_start|>user\n单卡训练一个语言模型。Hello, world: tokenizers turn text into ids.<|im_end|>"));
    setWorkspace(std::nullopt);
}

TokenizerPage::~TokenizerPage() = default;

// --- workspace and list ------------------------------------------------------------------------------------

void TokenizerPage::setWorkspace(const std::optional<core::Workspace> &workspace)
{
    m_pollTimer->stop();
    m_store.reset();
    m_workspace.reset();
    m_lastDataVersion = -1;
    showMessage(QString(), false);
    if (workspace) {
        try {
            m_store = std::make_unique<core::ExperimentStore>(workspace->databasePath());
            m_workspace = workspace;
            m_pollTimer->start();
        } catch (const core::Error &e) {
            showMessage(tr("Cannot open the workspace's store: %1").arg(QString::fromStdString(e.what())),
                        true);
        }
    }
    m_form->setWorkspace(m_workspace);
    refresh();
    updateTrainControls();
}

void TokenizerPage::refresh()
{
    const QString selected = selectedTokenizerPath();
    std::vector<core::TokenizerRecord> records;
    if (m_store) {
        try {
            m_lastDataVersion = m_store->dataVersion();
            records = m_store->tokenizers();
        } catch (const core::Error &e) {
            const QString message = QString::fromStdString(e.what());
            showMessage(message, true);
            Q_EMIT storeError(message);
            return;  // keep showing what we had
        }
    }
    {
        // The list is refilled: selection changes on the way are not the user's.
        const QSignalBlocker block(m_view->selectionModel());
        m_model->setRegistered(std::move(records));
        if (!selected.isEmpty()) selectTokenizer(selected);
        // Something to try at once: the newest tokenizer.
        if (selectedTokenizerPath().isEmpty() && m_model->rowCount() > 0)
            selectTokenizer(m_proxy->index(0, 0).data(TokenizersModel::PathRole).toString());
    }
    onSelectionChanged();
    updateEmptyState();
    Q_EMIT tokenizerCountChanged(m_model->rowCount());
}

void TokenizerPage::poll()
{
    if (!m_store) return;
    try {
        if (m_store->dataVersion() != m_lastDataVersion) refresh();
    } catch (const core::Error &e) {
        Q_EMIT storeError(QString::fromStdString(e.what()));
    }
}

void TokenizerPage::updateEmptyState()
{
    if (!m_workspace)
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
        m_workspace ? QString::fromStdString(m_workspace->tokenizersDir()) : QString());
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
    m_testerTitle->setText(tr("Loading %1...").arg(QDir::toNativeSeparators(path)));
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
        m_model->addOpened(recordOf(*loaded->tokenizer, loaded->path));
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
        m_testerTitle->setText(tr("Tokenizer %1 (%2 pieces)")
                                   .arg(QFileInfo(m_current->path).fileName())
                                   .arg(tok.vocabSize()));
    } else {
        m_testerTitle->setText(tr("Select a tokenizer in the list to try it."));
    }
    showDetails();
    m_debounce->stop();
    encodeNow();
}

void TokenizerPage::showDetails()
{
    if (!m_current) {
        m_details->setHtml(
            QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("Select a tokenizer to see its details.")));
        return;
    }
    const core::tokenizer::Tokenizer &tok = *m_current->tokenizer;
    const nlohmann::json &meta = tok.metadata();
    QString h = QStringLiteral("<h3>%1</h3><table cellspacing=3>")
                    .arg(QFileInfo(m_current->path).fileName().toHtmlEscaped());
    auto row = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
    };
    row(tr("Folder"), QDir::toNativeSeparators(m_current->path).toHtmlEscaped());
    row(tr("Vocabulary"),
        tr("%1 pieces, %2 of them UTF-8 bytes").arg(tok.vocabSize()).arg(m_current->bytePieces));
    row(tr("Special ids"), QStringLiteral("&lt;unk&gt; %1, &lt;s&gt; %2, &lt;/s&gt; %3, &lt;pad&gt; %4")
                               .arg(tok.unkId())
                               .arg(tok.bosId())
                               .arg(tok.eosId())
                               .arg(tok.padId()));
    QStringList markers;
    for (const std::string &m : tok.markers()) markers << QStringLiteral("<nobr>%1</nobr>").arg(html(m));
    row(tr("Markers"), markers.join(QStringLiteral(" ")));
    const nlohmann::json stats = meta.value("stats", nlohmann::json::object());
    if (stats.is_object() && stats.contains("chars_per_token_zh")) {
        row(tr("Chars per token"), tr("zh %1 (%2 held-out lines), en %3 (%4 held-out lines)")
                                       .arg(number(stats.value("chars_per_token_zh", 0.0)))
                                       .arg(stats.value("held_out_lines_zh", int64_t(0)))
                                       .arg(number(stats.value("chars_per_token_en", 0.0)))
                                       .arg(stats.value("held_out_lines_en", int64_t(0))));
        row(tr("Byte fallback"),
            tr("%1% of held-out tokens").arg(number(100.0 * stats.value("byte_fallback_share", 0.0))));
    }
    if (meta.contains("normalization") && meta["normalization"].is_string())
        row(tr("Normalization"), html(meta["normalization"].get<std::string>()));
    row(tr("Checksum"), html(tok.checksum().substr(0, 16)));
    h += QStringLiteral("</table>");
    if (meta.contains("trained_on") && meta["trained_on"].is_array()) {
        h += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Trained on"));
        for (const auto &in : meta["trained_on"])
            if (in.is_string()) h += QStringLiteral("<li>%1</li>").arg(html(in.get<std::string>()));
        h += QStringLiteral("</ul>");
    }
    m_details->setHtml(h);
}

// --- the tester --------------------------------------------------------------------------------------------

void TokenizerPage::setTesterText(const QString &text)
{
    m_input->setPlainText(text);
}

QString TokenizerPage::testerText() const
{
    return m_input->toPlainText();
}

bool TokenizerPage::testerIsCurrent() const
{
    return !m_debounce->isActive() && !m_loadPending && m_encodeShown == m_encodeRequested;
}

QString TokenizerPage::testerTokenizerPath() const
{
    return m_shownTokenizerPath;
}

double TokenizerPage::testerCharsPerToken() const
{
    return m_tokenCount > 0 ? static_cast<double>(m_charCount) / static_cast<double>(m_tokenCount) : 0.0;
}

QString TokenizerPage::testerSummary() const
{
    return m_summary->text();
}

void TokenizerPage::scheduleEncode()
{
    m_debounce->start();  // restarts: typing fast encodes once, when the typing pauses
}

void TokenizerPage::encodeNow()
{
    const quint64 generation = ++m_encodeRequested;
    if (!m_current) {
        Encoded none;
        none.generation = generation;
        onEncoded(none);
        return;
    }
    auto *watcher = new QFutureWatcher<Encoded>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        onEncoded(watcher->result());
    });
    // Encoding a pasted book takes a while; the chips of the previous text stay until this one is done.
    watcher->setFuture(QtConcurrent::run([loaded = m_current, text = m_input->toPlainText().toStdString(),
                                          generation]() -> Encoded {
        Encoded out;
        out.generation = generation;
        out.path = loaded->path;
        out.charCount = codePoints(text);
        try {
            const core::tokenizer::Tokenizer &tok = *loaded->tokenizer;
            const std::vector<int32_t> ids = tok.encode(text);
            out.tokenCount = static_cast<qint64>(ids.size());
            const size_t shown = std::min<size_t>(ids.size(), kMaxChips);
            out.tokens.reserve(static_cast<int>(shown));
            for (size_t i = 0; i < shown; ++i)
                out.tokens.push_back({QString::fromStdString(tok.piece(ids[i])), ids[i],
                                      kindOf(tok, loaded->markerIds, ids[i])});
        } catch (const std::exception &e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

void TokenizerPage::onEncoded(const Encoded &encoded)
{
    if (encoded.generation < m_encodeShown) return;  // an older text finished after a newer one
    m_encodeShown = encoded.generation;
    m_shownTokenizerPath = encoded.path;
    m_tokenCount = encoded.tokenCount;
    m_charCount = encoded.charCount;
    m_pieces->setTokens(encoded.tokens);
    if (!encoded.error.isEmpty()) {
        m_summary->setText(tr("Cannot encode: %1").arg(encoded.error));
    } else if (encoded.path.isEmpty()) {
        m_summary->clear();
    } else {
        QString text = tr("%1 tokens, %2 characters, %3 characters per token")
                           .arg(m_tokenCount)
                           .arg(m_charCount)
                           .arg(m_tokenCount > 0 ? number(testerCharsPerToken()) : QStringLiteral("-"));
        if (m_tokenCount > kMaxChips) text += QLatin1Char(' ') + tr("(showing the first %1)").arg(kMaxChips);
        m_summary->setText(text);
    }
    Q_EMIT testerUpdated();
}

// --- training ----------------------------------------------------------------------------------------------

bool TokenizerPage::isTraining() const
{
    return m_runner->isRunning();
}

void TokenizerPage::updateTrainControls()
{
    const bool running = isTraining();
    m_trainHint->setVisible(!m_workspace);
    m_form->setEnabled(m_workspace.has_value());
    m_form->setBusy(running);
    m_trainButton->setEnabled(m_workspace && !running && m_form->validate().ok());
    m_cancelButton->setEnabled(running);
}

bool TokenizerPage::startTraining()
{
    if (isTraining() || !m_workspace) return false;
    const TokenizerTrainForm::Validation validation = m_form->validate();
    if (!validation.ok()) {
        m_progressLabel->setText(tr("Cannot train: %1").arg(validation.errors.first()));
        return false;
    }
    const core::tokenizer::TokenizerTrainOptions options = m_form->options();
    const std::string outDir = m_form->outputDir().toStdString();
    const std::string databasePath = m_workspace->databasePath();
    auto outcome = std::make_shared<TrainOutcome>();
    // The worker registers the tokenizer itself (its own store connection: one per thread), so a finished
    // training is in the store even if the page is gone by then.
    const bool started = m_runner->start(tr("Tokenizer training"), [options, outDir, databasePath,
                                                                     outcome](core::JobContext &job) {
        outcome->result = core::tokenizer::trainTokenizer(options, outDir, job);
        outcome->tokenizerId = core::tokenizer::recordTokenizer(databasePath, outcome->result);
    });
    if (!started) return false;
    m_outcome = outcome;
    m_progress->setValue(0);
    m_progressLabel->setText(tr("Starting..."));
    m_result->clear();
    m_cancelButton->setText(tr("Cancel"));
    updateTrainControls();
    return true;
}

void TokenizerPage::cancelTraining()
{
    if (!isTraining()) return;
    m_runner->cancel();
    // Reading stops at the next batch of lines; SentencePiece's BPE pass cannot be interrupted.
    m_cancelButton->setText(tr("Cancelling..."));
    m_cancelButton->setEnabled(false);
}

void TokenizerPage::onTrainProgress(double fraction, const QString &message, double etaSeconds)
{
    m_progress->setValue(static_cast<int>(std::lround(1000.0 * std::clamp(fraction, 0.0, 1.0))));
    m_progressLabel->setText(progressText(message, etaSeconds));
}

void TokenizerPage::onTrainFinished(int state, const QString &error)
{
    const auto jobState = static_cast<core::JobState>(state);
    m_cancelButton->setText(tr("Cancel"));
    updateTrainControls();
    m_form->revalidate();  // the output folder may exist now
    std::shared_ptr<TrainOutcome> outcome = std::move(m_outcome);
    // SentencePiece's pass cannot be interrupted: a cancel that arrives during it is seen only once the
    // tokenizer is written and registered, and the job then ends as cancelled. What is on disk wins.
    const bool written = outcome && outcome->tokenizerId > 0;
    if (jobState == core::JobState::Cancelled && !written) {
        m_progress->setValue(0);
        m_progressLabel->setText(tr("Training cancelled."));
        m_result->setHtml(QStringLiteral("<p>%1</p>").arg(tr("Training cancelled: nothing was written.")));
    } else if (!written) {
        m_progressLabel->setText(tr("Training failed."));
        m_result->setHtml(QStringLiteral("<p style='color:#d03030'><b>%1</b> %2</p>")
                              .arg(tr("Training failed:"), error.toHtmlEscaped()));
    } else {
        const core::tokenizer::TokenizerTrainResult &r = outcome->result;
        const QString path = QString::fromStdString(r.dir);
        m_progress->setValue(1000);
        m_progressLabel->setText(
            tr("Trained %1 in %2.")
                .arg(QFileInfo(path).fileName(), QString::fromStdString(core::formatDuration(r.seconds))));
        QString h = QStringLiteral("<h3>%1</h3><table cellspacing=3>")
                        .arg(tr("Trained %1").arg(QFileInfo(path).fileName().toHtmlEscaped()));
        auto row = [&h](const QString &key, const QString &value) {
            h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
        };
        row(tr("Vocabulary"), tr("%1 pieces").arg(r.vocabSize));
        row(tr("Records read"), QString::number(r.records));
        row(tr("Training lines"), QString::number(r.sentences));
        row(tr("Character coverage"), tr("%1% of character occurrences (%2 characters are single pieces)")
                                          .arg(number(100.0 * r.characterCoverage, 3))
                                          .arg(r.charactersKept));
        row(tr("Chars per token zh"),
            tr("%1 (%2 held-out lines)").arg(number(r.stats.charsPerTokenZh)).arg(r.stats.heldOutLinesZh));
        row(tr("Chars per token en"),
            tr("%1 (%2 held-out lines)").arg(number(r.stats.charsPerTokenEn)).arg(r.stats.heldOutLinesEn));
        row(tr("Byte fallback"), tr("%1% of held-out tokens").arg(number(100.0 * r.stats.byteFallbackShare)));
        row(tr("Time"), html(core::formatDuration(r.seconds)));
        row(tr("Folder"), QDir::toNativeSeparators(path).toHtmlEscaped());
        row(tr("Checksum"), html(r.checksum.substr(0, 16)));
        h += QStringLiteral("</table>");
        if (jobState == core::JobState::Cancelled)
            h += QStringLiteral("<p style='color:#c07000'>%1</p>")
                     .arg(tr(
                         "The cancel came after the last step: the tokenizer was written and registered."));
        h += QStringLiteral("<p>%1</p>")
                 .arg(tr("Cleaning kept %1 of %2 records.")
                          .arg(r.cleaning.recordsOut)
                          .arg(r.cleaning.recordsIn));
        if (r.rejects.total > 0) {
            h += QStringLiteral("<p style='color:#c07000'><b>%1</b></p><ul>")
                     .arg(tr("%1 records could not be read:").arg(r.rejects.total));
            for (const auto &[reason, count] : r.rejects.countsByReason)
                h += QStringLiteral("<li>%1: %2</li>").arg(html(reason)).arg(count);
            for (const auto &example : r.rejects.examples)
                h += QStringLiteral("<li style='color:gray'>%1</li>").arg(html(example.toString()));
            h += QStringLiteral("</ul>");
        } else {
            h += QStringLiteral("<p>%1</p>").arg(tr("Every input record could be read."));
        }
        m_result->setHtml(h);
        refresh();
        selectTokenizer(path);  // the Try tab now uses it
        Q_EMIT tokenizerTrained(path);
    }
    Q_EMIT trainingFinished(state, error);
}

QString TokenizerPage::trainResultText() const
{
    return m_result->toPlainText();
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
