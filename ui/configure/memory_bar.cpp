// Memory bar (see memory_bar.h).
#include "ui/configure/memory_bar.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

#include "core/util/text_util.h"
#include "ui/configure/memory_breakdown_model.h"

namespace danka::ui {

namespace {

const QColor kFitColor(0x2e, 0x7d, 0x32);
const QColor kOverColor(0xc6, 0x28, 0x28);
constexpr int kFrame = 2;

}  // namespace

MemoryBar::MemoryBar(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMouseTracking(true);
}

void MemoryBar::setModel(MemoryBreakdownModel *model)
{
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (m_model) connect(m_model, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
    update();
}

void MemoryBar::setBudget(double budgetBytes, bool fits)
{
    m_budgetBytes = budgetBytes;
    m_fits = fits;
    update();
}

QSize MemoryBar::sizeHint() const
{
    return {400, fontMetrics().height() + 14};
}

QSize MemoryBar::minimumSizeHint() const
{
    return {120, fontMetrics().height() + 14};
}

double MemoryBar::scaleBytes() const
{
    // Room beyond the larger of the two so the budget mark never sits on the frame.
    const double total = m_model ? m_model->totalBytes() : 0;
    return std::max(total, m_budgetBytes) * 1.05;
}

int MemoryBar::segmentAt(int x) const
{
    const double scale = scaleBytes();
    if (!m_model || scale <= 0) return -1;
    const double inner = width() - 2 * kFrame;
    double left = kFrame;
    for (size_t i = 0; i < m_model->rows().size(); ++i) {
        const double w = m_model->rows()[i].bytes / scale * inner;
        if (x >= left && x < left + w) return static_cast<int>(i);
        left += w;
    }
    return -1;
}

void MemoryBar::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QRectF outer = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    const QRectF inner = QRectF(rect()).adjusted(kFrame, kFrame, -kFrame, -kFrame);
    p.fillRect(inner, palette().color(QPalette::Base));

    const double scale = scaleBytes();
    const bool empty = !m_model || m_model->rows().empty() || scale <= 0;
    if (!empty) {
        double left = inner.left();
        for (const MemoryBreakdownModel::Row &row : m_model->rows()) {
            const double w = row.bytes / scale * inner.width();
            p.fillRect(QRectF(left, inner.top(), w, inner.height()), row.color);
            left += w;
        }
        if (m_budgetBytes > 0) {
            const double x = inner.left() + m_budgetBytes / scale * inner.width();
            if (left > x) {  // the part over budget: hatched, with a red strip along its bottom
                const QRectF over(x, inner.top(), left - x, inner.height());
                p.fillRect(over, QBrush(QColor(255, 255, 255, 140), Qt::BDiagPattern));
                p.fillRect(QRectF(over.left(), over.bottom() - 3, over.width(), 3), kOverColor);
            }
            p.setPen(QPen(palette().color(QPalette::WindowText), 2));
            p.drawLine(QPointF(x, outer.top()), QPointF(x, outer.bottom()));
        }
    }
    p.setPen(QPen(empty ? palette().color(QPalette::Mid) : (m_fits ? kFitColor : kOverColor), kFrame));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(rect()).adjusted(1, 1, -1, -1));
}

bool MemoryBar::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int i = segmentAt(help->pos().x());
        if (i >= 0) {
            const MemoryBreakdownModel::Row &row = m_model->rows()[static_cast<size_t>(i)];
            QToolTip::showText(
                help->globalPos(),
                tr("%1: %2\n%3")
                    .arg(row.name, QString::fromStdString(core::formatBytes(row.bytes)), row.detail),
                this);
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

}  // namespace danka::ui
