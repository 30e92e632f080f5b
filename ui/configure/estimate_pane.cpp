// The Configure page's size and memory estimate (see estimate_pane.h).
#include "ui/configure/estimate_pane.h"

#include "ui/configure/label_text.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/config/plan_apply.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "ui/configure/config_estimate.h"
#include "ui/configure/memory_bar.h"
#include "ui/configure/memory_breakdown_model.h"

namespace danka::ui {

namespace {

const QColor kProblemColor(0xc6, 0x28, 0x28);
const QColor kFitColor(0x2e, 0x7d, 0x32);
const double kBudgetChoicesGib[] = {8, 12, 16, 24, 48, 80};

QString planText(const model::MemoryPlan &plan)
{
    QStringList parts;
    parts << QString::fromLatin1(model::planPrecisionName(plan.precision));
    parts << EstimatePane::tr("micro-batch %1").arg(plan.microBatch);
    if (plan.checkpointEvery == 0)
        parts << EstimatePane::tr("no activation checkpointing");
    else if (plan.checkpointEvery == 1)
        parts << EstimatePane::tr("activation checkpointing every block");
    else
        parts << EstimatePane::tr("activation checkpointing every %1 blocks").arg(plan.checkpointEvery);
    if (plan.optimizerOnCpu) parts << EstimatePane::tr("AdamW moments in CPU memory");
    return parts.join(QStringLiteral(", "));
}

}  // namespace

EstimatePane::EstimatePane(QWidget *parent)
    : QGroupBox(tr("Size and memory"), parent),
      m_parameters(new QLabel(this)),
      m_budget(new QComboBox(this)),
      m_model(new MemoryBreakdownModel(this)),
      m_bar(new MemoryBar(this)),
      m_verdict(new QLabel(this)),
      m_deviceNote(new QLabel(this)),
      m_applyPlan(new QPushButton(tr("Use This Plan"), this)),
      m_breakdown(new QTableView(this))
{
    for (double gib : kBudgetChoicesGib) m_budget->addItem(tr("%1 GiB").arg(gib), gib);
    m_budget->setToolTip(tr("GPU memory the plan must fit (runtime.memory_budget_gib)"));
    connect(m_budget, &QComboBox::activated, this,
            [this](int i) { Q_EMIT budgetChosen(m_budget->itemData(i).toDouble()); });
    QFont big = m_parameters->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_parameters->setFont(big);
    m_bar->setModel(m_model);
    m_verdict->setWordWrap(true);
    m_verdict->setTextFormat(Qt::PlainText);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_deviceNote->setWordWrap(true);
    m_deviceNote->setForegroundRole(QPalette::PlaceholderText);
    m_deviceNote->hide();
    m_applyPlan->setToolTip(
        tr("Set the suggested micro-batch, precision and activation checkpointing, and scale "
           "gradient accumulation to keep the tokens per step"));
    m_applyPlan->hide();
    connect(m_applyPlan, &QPushButton::clicked, this, &EstimatePane::applyPlanRequested);

    m_breakdown->setModel(m_model);
    m_breakdown->verticalHeader()->hide();
    m_breakdown->setShowGrid(false);
    m_breakdown->setSelectionMode(QAbstractItemView::NoSelection);
    m_breakdown->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_breakdown->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_breakdown->horizontalHeader()->setStretchLastSection(true);
    m_breakdown->verticalHeader()->setDefaultSectionSize(m_breakdown->fontMetrics().height() + 4);
    m_breakdown->setMaximumHeight((m_breakdown->fontMetrics().height() + 4) * 8 + 6);

    auto *budgetRow = new QHBoxLayout;
    budgetRow->addWidget(m_parameters);
    budgetRow->addStretch(1);
    budgetRow->addWidget(new QLabel(tr("GPU budget:"), this));
    budgetRow->addWidget(m_budget);
    auto *verdict = new QHBoxLayout;
    verdict->addWidget(m_verdict, 1);
    verdict->addWidget(m_applyPlan, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(budgetRow);
    layout->addWidget(m_bar);
    layout->addLayout(verdict);
    layout->addWidget(m_deviceNote);
    layout->addWidget(m_breakdown, 1);
}

double EstimatePane::budgetGib() const
{
    return m_budget->currentData().toDouble();
}

QString EstimatePane::parameterText() const
{
    return m_parameters->text();
}

void EstimatePane::showBudget(double gib)
{
    if (!(gib > 0) || !std::isfinite(gib)) return;
    int index = -1, insertAt = m_budget->count();
    for (int i = 0; i < m_budget->count(); ++i) {
        const double item = m_budget->itemData(i).toDouble();
        if (std::fabs(item - gib) < 1e-9) index = i;
        if (item > gib && insertAt == m_budget->count()) insertAt = i;
    }
    if (index < 0) {  // a budget from a file or the form that is not among the usual cards
        m_budget->insertItem(insertAt, tr("%1 GiB").arg(qs(core::formatNumber(gib))), gib);
        index = insertAt;
    }
    m_budget->setCurrentIndex(index);  // activated() is for user choices only
}

void EstimatePane::showNoEstimate(const QString &why)
{
    m_fits = false;
    m_parameters->setText(tr("? parameters"));
    m_parameters->setToolTip(QString());
    m_model->clear();
    m_bar->setBudget(0, false);
    m_memoryText = why;
    m_verdict->setText(m_memoryText);
    setTextColor(m_verdict, QColor());
    m_applyPlan->hide();
}

void EstimatePane::showEstimate(const core::RunConfig &config, bool blocked)
{
    m_recommended.reset();
    m_deviceNote->setVisible(config.runtime.device == core::Device::Cpu);
    m_deviceNote->setText(
        tr("runtime.device is cpu: the estimate is of main memory (no CUDA context), checked "
           "against the same budget."));
    if (blocked) {
        showNoEstimate(tr("No estimate until the model, sequence, batch and runtime fields are valid."));
        return;
    }
    ConfigEstimate e;
    try {
        e = estimateConfig(config, config.runtime.memoryBudgetGib);
    } catch (const core::Error &error) {  // a checkpoint the estimate needs cannot be read
        showNoEstimate(tr("No estimate: %1").arg(qs(error.what())));
        return;
    }
    m_parameters->setText(tr("%1 parameters").arg(qs(core::formatCount(double(e.estimate.parameters)))));
    m_parameters->setToolTip(tr("%1 trainable parameters").arg(QLocale().toString(qlonglong(e.estimate.parameters))));
    m_model->setLines(e.estimate.lines);
    m_bar->setBudget(e.budgetBytes, e.fits);
    m_fits = e.fits;
    const double total = e.estimate.total();
    if (e.fits) {
        m_memoryText =
            tr("Fits: needs %1 of %2 (%3 to spare) with %4")
                .arg(bytesText(total), bytesText(e.budgetBytes), bytesText(e.budgetBytes - total), planText(e.plan));
    } else {
        const auto largest = std::max_element(e.estimate.lines.begin(), e.estimate.lines.end(),
                                              [](const auto &a, const auto &b) { return a.bytes < b.bytes; });
        m_memoryText = tr("Does not fit: needs %1 of %2").arg(bytesText(total), bytesText(e.budgetBytes));
        if (largest != e.estimate.lines.end())
            m_memoryText += tr(": %1 %2").arg(MemoryBreakdownModel::partName(largest->name), bytesText(largest->bytes));
        if (e.recommended) {
            m_memoryText += tr("; a plan that fits: %1 (%2)")
                                .arg(planText(*e.recommended), bytesText(e.recommendedEstimate->total()));
            m_recommended = core::applyMemoryPlan(config, *e.recommended);  // the rounding is core's
        } else {
            m_memoryText += tr("; no plan fits: use a smaller model, a shorter sequence or a larger card");
        }
    }
    m_verdict->setText(m_memoryText);
    setTextColor(m_verdict, e.fits ? kFitColor : kProblemColor);
    m_applyPlan->setVisible(m_recommended.has_value());
}

}  // namespace danka::ui
