// Tester token model (see token_pieces_model.h).
#include "ui/tokenizer/token_pieces_model.h"

namespace danka::ui {

TokenPiecesModel::TokenPiecesModel(QObject *parent) : QAbstractListModel(parent) {}

int TokenPiecesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_tokens.size());
}

QString TokenPiecesModel::displayText(const QString &piece)
{
    QString out;
    out.reserve(piece.size());
    for (const QChar c : piece) {
        switch (c.unicode()) {
        case u'\n': out += QChar(0x21B5); break;  // ↵
        case u'\t': out += QChar(0x2192); break;  // →
        case u'\r': out += QChar(0x240D); break;  // ␍
        default: out += c.category() == QChar::Other_Control ? QChar(0xFFFD) : c;
        }
    }
    return out;
}

QString TokenPiecesModel::kindText(TokenKind kind)
{
    switch (kind) {
    case TokenKind::Text: return tr("piece");
    case TokenKind::Byte: return tr("byte fallback (the character has no piece of its own)");
    case TokenKind::Marker: return tr("marker (always one token)");
    case TokenKind::Control: return tr("control token");
    }
    return {};
}

QVariant TokenPiecesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() != 0) return {};
    const TokenPiece &t = m_tokens[index.row()];
    switch (role) {
    case Qt::DisplayRole: return displayText(t.piece);
    case PieceRole: return t.piece;
    case IdRole: return t.id;
    case KindRole: return static_cast<int>(t.kind);
    case Qt::ToolTipRole:
        return tr("%1\nid %2\n%3").arg(displayText(t.piece)).arg(t.id).arg(kindText(t.kind));
    default: return {};
    }
}

void TokenPiecesModel::setTokens(QVector<TokenPiece> tokens)
{
    beginResetModel();
    m_tokens = std::move(tokens);
    endResetModel();
}

}  // namespace danka::ui
