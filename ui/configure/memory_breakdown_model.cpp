// Memory breakdown table (see memory_breakdown_model.h).
#include "ui/configure/memory_breakdown_model.h"

#include "core/config/memory_plan.h"
#include "core/util/text_util.h"

namespace danka::ui {

MemoryBreakdownModel::MemoryBreakdownModel(QObject *parent) : QAbstractTableModel(parent) {}

void MemoryBreakdownModel::setLines(const std::vector<model::MemoryLine> &lines)
{
    beginResetModel();
    m_rows.clear();
    for (const model::MemoryLine &line : lines)
        m_rows.push_back(
            {partName(line.name), line.bytes, QString::fromStdString(core::memoryDetailText(line.detail)),
             partColor(line.name)});
    endResetModel();
}

void MemoryBreakdownModel::clear()
{
    if (m_rows.empty()) return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

double MemoryBreakdownModel::totalBytes() const
{
    double total = 0;
    for (const Row &row : m_rows)
        total += row.bytes;
    return total;
}

QString MemoryBreakdownModel::partName(const std::string &line)
{
    // The estimator's line names are identifiers of its breakdown; the studio shows them translated.
    if (line == "weights") return tr("weights");
    if (line == "adapters") return tr("adapters");
    if (line == "autocast weight copies") return tr("autocast weight copies");
    if (line == "gradients") return tr("gradients");
    if (line == "optimizer states") return tr("optimizer states");
    if (line == "activations") return tr("activations");
    if (line == "logits") return tr("logits");
    if (line == "framework") return tr("framework");
    if (line == "teacher") return tr("teacher");
    if (line == "distillation") return tr("distillation");
    return QString::fromStdString(line);
}

QColor MemoryBreakdownModel::partColor(const std::string &line)
{
    // Neither green nor red: those colours say whether the plan fits.
    if (line == "weights") return QColor(0x1e, 0x88, 0xe5);
    if (line == "adapters") return QColor(0xd8, 0x1b, 0x60);
    if (line == "autocast weight copies") return QColor(0x90, 0xca, 0xf9);
    if (line == "gradients") return QColor(0x8e, 0x24, 0xaa);
    if (line == "optimizer states") return QColor(0xfb, 0x8c, 0x00);
    if (line == "activations") return QColor(0x00, 0x89, 0x7b);
    if (line == "logits") return QColor(0x6d, 0x4c, 0x41);
    if (line == "teacher") return QColor(0x39, 0x49, 0xab);
    if (line == "distillation") return QColor(0xf4, 0xb4, 0x00);
    return QColor(0x9e, 0x9e, 0x9e);
}

int MemoryBreakdownModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int MemoryBreakdownModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MemoryBreakdownModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row &row = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case PartColumn:
                    return row.name;
                case BytesColumn:
                    return QString::fromStdString(core::formatBytes(row.bytes));
                case DetailColumn:
                    return row.detail;
            }
            break;
        case Qt::DecorationRole:
            if (index.column() == PartColumn) return row.color;
            break;
        case Qt::ToolTipRole:
            return row.detail;
        case Qt::TextAlignmentRole:
            if (index.column() == BytesColumn) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
            break;
        case BytesRole:
            return row.bytes;
    }
    return {};
}

QVariant MemoryBreakdownModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case PartColumn:
            return tr("Part");
        case BytesColumn:
            return tr("Memory");
        case DetailColumn:
            return tr("Detail");
    }
    return {};
}

}  // namespace danka::ui
