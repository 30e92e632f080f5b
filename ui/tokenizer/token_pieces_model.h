// List model of the tester's tokens: one row per token of the typed text, in order, with its piece as
// SentencePiece writes it (spaces as U+2581 "▁", unknown characters as UTF-8 byte pieces <0xNN>), its id and
// its kind, which the chip delegate colours.
#pragma once

#include <QAbstractListModel>
#include <QString>
#include <QVector>
#include <cstdint>

namespace danka::ui {

enum class TokenKind {
    Text,     // an ordinary piece learnt by BPE
    Byte,     // a byte-fallback piece <0xNN>: the character had no piece of its own
    Marker,   // a user-defined marker (<|im_start|>, <think>, [DOMAIN:x]...): always one token
    Control,  // <unk>, <s>, </s>, <pad>
};

struct TokenPiece {
    QString piece;  // as in the vocabulary
    int32_t id = 0;
    TokenKind kind = TokenKind::Text;
};

class TokenPiecesModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { PieceRole = Qt::UserRole + 1, IdRole, KindRole };

    explicit TokenPiecesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    // DisplayRole: the piece made printable (a newline piece shows as ↵, a tab as →); PieceRole: the piece
    // itself; IdRole: its id; KindRole: TokenKind as int; ToolTipRole: piece, id and kind in words.
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void setTokens(QVector<TokenPiece> tokens);
    const QVector<TokenPiece> &tokens() const { return m_tokens; }

    // The piece as shown on a chip: control characters a piece may hold become visible symbols.
    static QString displayText(const QString &piece);
    static QString kindText(TokenKind kind);

private:
    QVector<TokenPiece> m_tokens;
};

}  // namespace danka::ui
