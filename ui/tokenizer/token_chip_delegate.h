// Paints a TokenPiecesModel row as a chip: the piece on a soft rounded background and, optionally, its id
// in small type underneath. Neighbouring text pieces alternate between soft hues so token boundaries are
// visible; markers, control tokens and byte-fallback pieces have their own styles. Colours follow the
// view's palette (light or dark).
#pragma once

#include <QStyledItemDelegate>

namespace danka::ui {

class TokenChipDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit TokenChipDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    bool showIds() const { return m_showIds; }
    void setShowIds(bool show);  // the views re-layout (the chips change height)

private:
    bool m_showIds = true;
};

}  // namespace danka::ui
