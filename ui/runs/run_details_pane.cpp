// The selected run's tabs on the Runs page (see run_details_pane.h).
#include "ui/runs/run_details_pane.h"

#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QScrollBar>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "core/store/experiment_store.h"
#include "core/train/metric_names.h"
#include "core/util/error.h"
#include "core/util/text_util.h"
#include "ui/common/workspace_session.h"
#include "ui/i18n.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

namespace {

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

// Text core stored in English (events, errors), in the interface language, as HTML.
QString shownStored(const std::string &text)
{
    return storedText(text).toHtmlEscaped();
}

QString when(double unixSeconds)
{
    return QString::fromStdString(core::formatTimestamp(unixSeconds));
}

QString levelColor(core::EventLevel level)
{
    switch (level) {
    case core::EventLevel::Error: return QStringLiteral("#d03030");
    case core::EventLevel::Warning: return QStringLiteral("#c08000");
    case core::EventLevel::Debug: return QStringLiteral("gray");
    case core::EventLevel::Info: break;
    }
    return QString();
}

// Sets the HTML of a text browser only when it changed, keeping the scroll position (or the bottom, when
// the reader was following the end).
void setHtmlKeepingScroll(QTextBrowser *browser, const QString &html)
{
    if (browser->property("danka_html").toString() == html) return;
    browser->setProperty("danka_html", html);
    QScrollBar *bar = browser->verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 4;
    const int value = bar->value();
    browser->setHtml(html);
    bar->setValue(atEnd ? bar->maximum() : value);
}

enum CheckpointColumn { CpStep, CpValLoss, CpTokens, CpReason, CpPath, CpColumns };

}  // namespace

RunDetailsPane::RunDetailsPane(WorkspaceSession *session, QWidget *parent)
    : QTabWidget(parent),
      m_session(session),
      m_details(new QTextBrowser(this)),
      m_events(new QTextBrowser(this)),
      m_samples(new QTextBrowser(this)),
      m_checkpoints(new QTableWidget(0, CpColumns, this)),
      m_chatButton(new QPushButton(tr("&Chat with This"), this)),
      m_resumeFromButton(new QPushButton(tr("Resume &from This"), this))
{
    m_details->setOpenLinks(false);
    m_events->setOpenLinks(false);
    m_samples->setOpenLinks(false);
    m_checkpoints->setHorizontalHeaderLabels(
        {tr("Step"), tr("Validation loss"), tr("Tokens"), tr("Reason"), tr("Folder")});
    m_checkpoints->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_checkpoints->setSelectionMode(QAbstractItemView::SingleSelection);
    m_checkpoints->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_checkpoints->verticalHeader()->hide();
    m_checkpoints->horizontalHeader()->setStretchLastSection(true);
    m_chatButton->setToolTip(tr("Open this checkpoint on the Chat page"));
    m_resumeFromButton->setToolTip(tr("Continue the run's training from this checkpoint"));
    connect(m_checkpoints, &QTableWidget::itemSelectionChanged, this, &RunDetailsPane::updateButtons);
    connect(m_chatButton, &QPushButton::clicked, this, [this] {
        const QString dir = selectedCheckpoint();
        if (!dir.isEmpty()) Q_EMIT chatRequested(dir);
    });
    connect(m_resumeFromButton, &QPushButton::clicked, this, [this] {
        const QString dir = selectedCheckpoint();
        if (m_runId && !dir.isEmpty()) Q_EMIT resumeRequested(*m_runId, dir);
    });
    auto *checkpointPane = new QWidget(this);
    auto *cpLayout = new QVBoxLayout(checkpointPane);
    cpLayout->addWidget(m_checkpoints);
    auto *cpButtons = new QHBoxLayout;
    cpButtons->addWidget(m_chatButton);
    cpButtons->addWidget(m_resumeFromButton);
    cpButtons->addStretch(1);
    cpLayout->addLayout(cpButtons);

    setDocumentMode(true);
    addTab(m_details, tr("Overview"));
    addTab(m_events, tr("Events"));
    addTab(m_samples, tr("Samples"));
    addTab(checkpointPane, tr("Checkpoints"));
    updateButtons();
}

void RunDetailsPane::showRun(std::optional<int64_t> runId)
{
    m_runId = runId;
    showDetails();
    showEvents();
    showSamples();
    showCheckpoints();
}

void RunDetailsPane::setTraining(bool training)
{
    m_training = training;
    updateButtons();
}

QString RunDetailsPane::detailsText() const
{
    return m_details->toPlainText();
}

QString RunDetailsPane::eventsText() const
{
    return m_events->toPlainText();
}

QString RunDetailsPane::samplesText() const
{
    return m_samples->toPlainText();
}

void RunDetailsPane::showDetails()
{
    const core::RunRecord *run = m_runId ? m_session->run(*m_runId) : nullptr;
    core::ExperimentStore *store = m_session->store();
    if (!run || !store || !m_session->workspace()) {
        m_details->setHtml(QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("Select a run to see its details.")));
        return;
    }
    QString h;
    h += QStringLiteral("<h2>%1</h2>").arg(html(run->name));
    h += QStringLiteral("<table cellspacing=4>");
    auto row2 = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
    };
    row2(tr("Run"), QString::number(run->id));
    row2(tr("Stage"), html(run->stage));
    row2(tr("Status"), RunsModel::statusText(run->status));
    row2(tr("Created"), when(run->createdAt));
    if (run->startedAt) row2(tr("Started"), when(*run->startedAt));
    if (run->finishedAt) row2(tr("Finished"), when(*run->finishedAt));
    if (run->parentRunId) row2(tr("Parent run"), QString::number(*run->parentRunId));
    row2(tr("Folder"), html(m_session->workspace()->runDir(run->id)));
    h += QStringLiteral("</table>");
    if (!run->error.empty())
        h += QStringLiteral("<p style='color:#d03030'><b>%1</b> %2</p>").arg(tr("Error:"), shownStored(run->error));

    try {
        const auto latest = store->latestMetrics(run->id);
        if (!latest.empty()) {
            h += QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Latest metrics"));
            for (const auto &[name, p] : latest)
                // What the metric is, then its key (what danka-cli and the store call it).
                h += QStringLiteral(
                         "<tr><td>%1 <span style='color:gray'>%2</span></td><td align=right>%3</td>"
                         "<td style='color:gray'>%4</td></tr>")
                         .arg(html(core::metricTitle(name)), html(name), html(core::formatNumber(p.value)),
                              tr("step %1").arg(p.step));
            h += QStringLiteral("</table>");
        }
    } catch (const core::Error &e) {
        h += QStringLiteral("<p style='color:#d03030'>%1</p>").arg(html(e.what()));
    }
    const auto &checkpoints = m_session->checkpoints(run->id);
    if (!checkpoints.empty()) {
        h += QStringLiteral("<h3>%1</h3><ul>").arg(tr("Checkpoints"));
        for (const auto &c : checkpoints)
            h += QStringLiteral("<li>%1 &mdash; %2</li>").arg(tr("step %1").arg(c.step), html(c.path));
        h += QStringLiteral("</ul>");
    }
    const nlohmann::json config = nlohmann::json::parse(run->configJson, nullptr, false);
    h += QStringLiteral("<h3>%1</h3><pre>%2</pre>")
             .arg(tr("Config"), html(config.is_discarded() ? run->configJson : config.dump(2)));
    m_details->setHtml(h);
}

void RunDetailsPane::showEvents()
{
    QString h;
    if (m_runId && m_session->store()) {
        try {
            for (const core::EventRecord &e : m_session->store()->events(*m_runId, 500)) {
                const QString color = levelColor(e.level);
                h += QStringLiteral("<div><span style='color:gray'>%1</span> %2</div>")
                         .arg(when(e.time),
                              color.isEmpty()
                                  ? shownStored(e.text)
                                  : QStringLiteral("<span style='color:%1'>%2</span>").arg(color, shownStored(e.text)));
            }
        } catch (const core::Error &e) {
            h = QStringLiteral("<p style='color:#d03030'>%1</p>").arg(html(e.what()));
        }
    }
    if (h.isEmpty()) h = QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("No events yet."));
    setHtmlKeepingScroll(m_events, h);
}

void RunDetailsPane::showSamples()
{
    QString h;
    if (m_runId && m_session->workspace()) {
        // samples.jsonl: one {"step", "prompt", "text"} per line, written by the trainer at every sample step.
        QFile file(QString::fromStdString(m_session->workspace()->runDir(*m_runId)) + QStringLiteral("/samples.jsonl"));
        if (file.open(QIODevice::ReadOnly)) {
            qint64 lastStep = -1;
            QString block;
            QStringList blocks;
            while (!file.atEnd()) {
                const QJsonObject o = QJsonDocument::fromJson(file.readLine()).object();
                if (o.isEmpty()) continue;
                const qint64 step = o.value(QStringLiteral("step")).toInteger();
                if (step != lastStep) {
                    if (!block.isEmpty()) blocks.prepend(block);
                    block = QStringLiteral("<h3>%1</h3>").arg(tr("step %1").arg(step));
                    lastStep = step;
                }
                block += QStringLiteral("<p><b>%1</b>%2</p>")
                             .arg(o.value(QStringLiteral("prompt")).toString().toHtmlEscaped(),
                                  o.value(QStringLiteral("text")).toString().toHtmlEscaped());
            }
            if (!block.isEmpty()) blocks.prepend(block);
            h = blocks.join(QString());  // newest first
        }
    }
    if (h.isEmpty())
        h = QStringLiteral("<p style='color:gray'>%1</p>")
                .arg(tr("No samples yet. Runs generate samples every runtime.sample_every steps."));
    setHtmlKeepingScroll(m_samples, h);
}

void RunDetailsPane::showCheckpoints()
{
    const QString selected = selectedCheckpoint();
    const std::vector<core::CheckpointRecord> &checkpoints = m_runId ? m_session->checkpoints(*m_runId)
                                                                     : std::vector<core::CheckpointRecord>();
    const QSignalBlocker block(m_checkpoints);
    m_checkpoints->setRowCount(static_cast<int>(checkpoints.size()));
    for (int row = 0; row < static_cast<int>(checkpoints.size()); ++row) {
        const core::CheckpointRecord &c = checkpoints[checkpoints.size() - 1 - row];  // newest first
        const nlohmann::json m = nlohmann::json::parse(c.metricsJson, nullptr, false);
        auto cell = [&](int column, const QString &text) {
            auto *item = new QTableWidgetItem(text);
            if (column != CpReason && column != CpPath) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_checkpoints->setItem(row, column, item);
        };
        cell(CpStep, QString::number(c.step));
        cell(CpValLoss, m.is_object() && m.contains("val_loss") && m["val_loss"].is_number()
                            ? QString::number(m["val_loss"].get<double>(), 'f', 4)
                            : QString());
        cell(CpTokens, m.is_object() && m.contains("tokens") && m["tokens"].is_number()
                           ? QString::fromStdString(core::formatCount(m["tokens"].get<double>()))
                           : QString());
        cell(CpReason, m.is_object() && m.contains("reason") && m["reason"].is_string()
                           ? storedText(m["reason"].get<std::string>())
                           : QString());
        cell(CpPath, QString::fromStdString(c.path));
        if (QString::fromStdString(c.path) == selected) m_checkpoints->selectRow(row);
    }
    m_checkpoints->resizeColumnsToContents();
    updateButtons();
}

QString RunDetailsPane::selectedCheckpoint() const
{
    const auto rows = m_checkpoints->selectionModel()->selectedRows();
    if (rows.isEmpty()) return QString();
    const QTableWidgetItem *item = m_checkpoints->item(rows.first().row(), CpPath);
    return item ? item->text() : QString();
}

void RunDetailsPane::updateButtons()
{
    const bool hasCheckpoint = !selectedCheckpoint().isEmpty();
    m_chatButton->setEnabled(hasCheckpoint);
    m_resumeFromButton->setEnabled(hasCheckpoint && !m_training);
}

}  // namespace danka::ui
