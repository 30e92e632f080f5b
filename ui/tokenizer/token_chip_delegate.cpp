// Token chip delegate (see token_chip_delegate.h).
#include "ui/tokenizer/token_chip_delegate.h"

#include <QPainter>
#include <algorithm>
#include <array>
#include <tuple>

#include "ui/tokenizer/token_pieces_model.h"

namespace danka::ui {

namespace {

constexpr int kPadX = 5;     // px between the chip's edge and its text
constexpr int kPadY = 2;
constexpr qreal kRadius = 4;
// Hues of ordinary pieces, cycled along the text: far enough apart that neighbours never look alike.
constexpr std::array<int, 5> kTextHues = {210, 40, 130, 330, 265};
constexpr int kMarkerHue = 280;
constexpr int kControlHue = 0;

struct ChipStyle {
    QColor fill;
    QColor border;
    QColor text;
    QColor id;
    qreal borderWidth = 1;
    Qt::PenStyle borderStyle = Qt::SolidLine;
    bool bold = false;
    bool italic = false;
};

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

// Soft on a light base, muted on a dark one; the text keeps the palette's own colour, which contrasts
// with both.
ChipStyle styleFor(TokenKind kind, int row, const QPalette &palette)
{
    const bool dark = isDark(palette);
    ChipStyle s;
    s.text = palette.color(QPalette::Text);
    s.id = s.text;
    s.id.setAlphaF(0.6);
    auto tinted = [dark](int hue, int saturation) {
        return std::pair{QColor::fromHsl(hue, dark ? saturation / 2 : saturation, dark ? 68 : 222),
                         QColor::fromHsl(hue, dark ? saturation / 2 : saturation, dark ? 110 : 170)};
    };
    switch (kind) {
    case TokenKind::Text: {
        std::tie(s.fill, s.border) = tinted(kTextHues[static_cast<size_t>(row) % kTextHues.size()], 170);
        break;
    }
    case TokenKind::Marker:
    case TokenKind::Control: {
        const int hue = kind == TokenKind::Marker ? kMarkerHue : kControlHue;
        s.fill = QColor::fromHsl(hue, dark ? 110 : 200, dark ? 80 : 205);
        s.border = QColor::fromHsl(hue, dark ? 170 : 180, dark ? 170 : 100);
        s.borderWidth = 2;
        s.bold = true;
        break;
    }
    case TokenKind::Byte:
        s.fill = QColor::fromHsl(0, 0, dark ? 55 : 236);
        s.border = QColor::fromHsl(0, 0, dark ? 140 : 120);
        s.borderStyle = Qt::DashLine;
        s.italic = true;
        break;
    }
    return s;
}

QFont pieceFont(const QFont &base, const ChipStyle &s)
{
    QFont f = base;
    f.setBold(s.bold);
    f.setItalic(s.italic);
    return f;
}

QFont idFont(const QFont &base)
{
    QFont f = base;
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * 0.75);
    else
        f.setPixelSize(std::max(8, f.pixelSize() * 3 / 4));
    return f;
}

}  // namespace

TokenChipDelegate::TokenChipDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

void TokenChipDelegate::setShowIds(bool show)
{
    if (show == m_showIds) return;
    m_showIds = show;
    Q_EMIT sizeHintChanged(QModelIndex());  // views connected to it lay their items out again
}

QSize TokenChipDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const auto kind = static_cast<TokenKind>(index.data(TokenPiecesModel::KindRole).toInt());
    const ChipStyle s = styleFor(kind, index.row(), option.palette);
    const QFontMetrics fm(pieceFont(option.font, s));
    int width = fm.horizontalAdvance(index.data(Qt::DisplayRole).toString());
    int height = fm.height();
    if (m_showIds) {
        const QFontMetrics idFm(idFont(option.font));
        width = std::max(
            width, idFm.horizontalAdvance(QString::number(index.data(TokenPiecesModel::IdRole).toInt())));
        height += idFm.height();
    }
    return {std::max(width, fm.height() / 2) + 2 * kPadX, height + 2 * kPadY + 2};
}

void TokenChipDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    const auto kind = static_cast<TokenKind>(index.data(TokenPiecesModel::KindRole).toInt());
    const ChipStyle s = styleFor(kind, index.row(), option.palette);
    const QRectF chip = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QPen pen(s.border, (option.state & QStyle::State_MouseOver) ? s.borderWidth + 1 : s.borderWidth,
             s.borderStyle);
    painter->setPen(pen);
    painter->setBrush(s.fill);
    painter->drawRoundedRect(chip, kRadius, kRadius);

    const QFont font = pieceFont(option.font, s);
    const QFontMetrics fm(font);
    const QRectF inner = chip.adjusted(kPadX, kPadY, -kPadX, -kPadY);
    painter->setFont(font);
    painter->setPen(s.text);
    painter->drawText(QRectF(inner.left(), inner.top(), inner.width(), fm.height()), Qt::AlignCenter,
                      index.data(Qt::DisplayRole).toString());
    if (m_showIds) {
        painter->setFont(idFont(option.font));
        painter->setPen(s.id);
        painter->drawText(QRectF(inner.left(), inner.top() + fm.height(), inner.width(),
                                 inner.height() - fm.height()),
                          Qt::AlignCenter, QString::number(index.data(TokenPiecesModel::IdRole).toInt()));
    }
    painter->restore();
}

}  // namespace danka::ui
