// The Tokenizer page's "Try" tab: typed text shows its tokens as coloured chips with their ids, the token count
// and the characters per token, for the tokenizer the page has loaded. Encoding runs off the GUI thread after
// a short pause in the typing; the chips of the previous text stay until the new ones are ready.
#pragma once

#include <QString>
#include <QWidget>
#include <memory>
#include <unordered_set>

class QCheckBox;
class QLabel;
class QListView;
class QPlainTextEdit;
class QTimer;

namespace danka::core::tokenizer {
class Tokenizer;
}

namespace danka::ui {

class TokenChipDelegate;
class TokenPiecesModel;

// A tokenizer loaded on a worker, with what the tester needs to classify pieces quickly.
struct LoadedTokenizer {
    QString path;   // normalized
    QString error;  // load failed: the reason
    std::shared_ptr<const core::tokenizer::Tokenizer> tokenizer;
    int bytePieces = 0;
    std::unordered_set<int32_t> markerIds;
};

class TokenizerTesterPane : public QWidget {
    Q_OBJECT
public:
    TokenizerTesterPane(int maxChips, int debounceMs, QWidget *parent = nullptr);

    void setTitle(const QString &title);
    // The tokenizer the chips come from (null: none); the text is encoded with it at once.
    void setTokenizer(std::shared_ptr<const LoadedTokenizer> tokenizer);
    void setText(const QString &text);
    QString text() const;
    // No debounce or encoding is pending: the chips and figures are those of the tokenizer on the text.
    bool isCurrent() const;
    QString shownTokenizerPath() const { return m_shownTokenizerPath; }  // "" when none
    qint64 tokenCount() const { return m_tokenCount; }
    qint64 characterCount() const { return m_charCount; }  // Unicode code points of the text
    double charsPerToken() const;                          // characters / tokens; 0 without tokens
    QString summary() const;
    TokenPiecesModel *piecesModel() const { return m_pieces; }
    TokenChipDelegate *chipDelegate() const { return m_delegate; }
    QListView *chipsView() const { return m_chips; }

Q_SIGNALS:
    void updated();  // new chips and figures are shown

private:
    struct Encoded;
    void encodeNow();
    void onEncoded(const Encoded &encoded);

    const int m_maxChips;
    std::shared_ptr<const LoadedTokenizer> m_tokenizer;
    QLabel *m_title;
    QPlainTextEdit *m_input;
    QLabel *m_summary;
    QCheckBox *m_showIds;
    QListView *m_chips;
    TokenPiecesModel *m_pieces;
    TokenChipDelegate *m_delegate;
    QTimer *m_debounce;
    quint64 m_encodeRequested = 0;  // generation of the latest encoding started
    quint64 m_encodeShown = 0;      // generation of the encoding on screen
    QString m_shownTokenizerPath;
    qint64 m_tokenCount = 0;
    qint64 m_charCount = 0;
};

}  // namespace danka::ui
