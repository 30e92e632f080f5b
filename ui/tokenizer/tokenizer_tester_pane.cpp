// The tokenizer tester (see tokenizer_tester_pane.h).
#include "ui/tokenizer/tokenizer_tester_pane.h"

#include <QCheckBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

#include "core/tokenizer/tokenizer.h"
#include "ui/tokenizer/token_chip_delegate.h"
#include "ui/tokenizer/token_pieces_model.h"

namespace danka::ui {

// One encoding of the tester's text.
struct TokenizerTesterPane::Encoded {
    quint64 generation = 0;
    QString path;
    QString error;
    QVector<TokenPiece> tokens;  // the first maxChips
    qint64 tokenCount = 0;
    qint64 charCount = 0;
};

namespace {

// Code points of valid UTF-8: every byte that does not continue a sequence starts a character.
qint64 codePoints(const std::string &utf8)
{
    return std::count_if(utf8.begin(), utf8.end(),
                         [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

TokenKind kindOf(const core::tokenizer::Tokenizer &tok, const std::unordered_set<int32_t> &markerIds, int32_t id)
{
    if (tok.isControl(id)) return TokenKind::Control;
    if (tok.isByte(id)) return TokenKind::Byte;
    if (markerIds.count(id)) return TokenKind::Marker;
    return TokenKind::Text;
}

}  // namespace

TokenizerTesterPane::TokenizerTesterPane(int maxChips, int debounceMs, QWidget *parent)
    : QWidget(parent),
      m_maxChips(maxChips),
      m_title(new QLabel(this)),
      m_input(new QPlainTextEdit(this)),
      m_summary(new QLabel(this)),
      m_showIds(new QCheckBox(tr("Show &ids"), this)),
      m_chips(new QListView(this)),
      m_pieces(new TokenPiecesModel(this)),
      m_delegate(new TokenChipDelegate(this)),
      m_debounce(new QTimer(this))
{
    m_input->setPlaceholderText(tr("Type or paste text to see its tokens"));
    m_input->setTabChangesFocus(true);
    m_input->setMaximumHeight(fontMetrics().height() * 7);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(debounceMs);
    // Typing restarts the pause: typing fast encodes once, when the typing pauses.
    connect(m_input, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_debounce, &QTimer::timeout, this, &TokenizerTesterPane::encodeNow);

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

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_input);
    layout->addLayout(summaryRow);
    layout->addWidget(m_chips, 1);
}

void TokenizerTesterPane::setTitle(const QString &title)
{
    m_title->setText(title);
}

void TokenizerTesterPane::setTokenizer(std::shared_ptr<const LoadedTokenizer> tokenizer)
{
    m_tokenizer = std::move(tokenizer);
    m_debounce->stop();
    encodeNow();
}

void TokenizerTesterPane::setText(const QString &text)
{
    m_input->setPlainText(text);
}

QString TokenizerTesterPane::text() const
{
    return m_input->toPlainText();
}

bool TokenizerTesterPane::isCurrent() const
{
    return !m_debounce->isActive() && m_encodeShown == m_encodeRequested;
}

double TokenizerTesterPane::charsPerToken() const
{
    return m_tokenCount > 0 ? static_cast<double>(m_charCount) / static_cast<double>(m_tokenCount) : 0.0;
}

QString TokenizerTesterPane::summary() const
{
    return m_summary->text();
}

void TokenizerTesterPane::encodeNow()
{
    const quint64 generation = ++m_encodeRequested;
    if (!m_tokenizer) {
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
    watcher->setFuture(QtConcurrent::run([loaded = m_tokenizer, text = m_input->toPlainText().toStdString(), generation,
                                          maxChips = m_maxChips]() -> Encoded {
        Encoded out;
        out.generation = generation;
        out.path = loaded->path;
        out.charCount = codePoints(text);
        try {
            const core::tokenizer::Tokenizer &tok = *loaded->tokenizer;
            const std::vector<int32_t> ids = tok.encode(text);
            out.tokenCount = static_cast<qint64>(ids.size());
            const size_t shown = std::min<size_t>(ids.size(), static_cast<size_t>(maxChips));
            out.tokens.reserve(static_cast<int>(shown));
            for (size_t i = 0; i < shown; ++i)
                out.tokens.push_back(
                    {QString::fromStdString(tok.piece(ids[i])), ids[i], kindOf(tok, loaded->markerIds, ids[i])});
        } catch (const std::exception &e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

void TokenizerTesterPane::onEncoded(const Encoded &encoded)
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
                           .arg(m_tokenCount > 0 ? QString::number(charsPerToken(), 'f', 2) : QStringLiteral("-"));
        if (m_tokenCount > m_maxChips) text += QLatin1Char(' ') + tr("(showing the first %1)").arg(m_maxChips);
        m_summary->setText(text);
    }
    Q_EMIT updated();
}

}  // namespace danka::ui
