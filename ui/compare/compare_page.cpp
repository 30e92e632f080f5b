// Compare page (see compare_page.h).
#include "ui/compare/compare_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/util/error.h"
#include "core/train/metric_names.h"
#include "core/store/experiment_store.h"
#include "ui/compare/config_diff_pane.h"
#include "ui/common/workspace_session.h"
#include "ui/compare/run_check_model.h"
#include "ui/compare/run_curve.h"
#include "ui/runs/runs_model.h"

namespace danka::ui {

namespace {


// "training loss" for "train/loss", in the interface language.
QString metricTitle(const QString &name)
{
    return QString::fromStdString(core::metricTitle(name.toStdString()));
}


}  // namespace

ComparePage::ComparePage(QWidget *parent) : ComparePage(nullptr, parent) {}

ComparePage::ComparePage(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session ? session : new WorkspaceSession(this)),
      m_metric(QStringLiteral("train/loss")),
      m_runsModel(new RunsModel(this)),
      m_checkModel(new RunCheckModel(m_runsModel, this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_diffPane(new ConfigDiffPane(this)),
      m_stack(new QStackedWidget(this)),
      m_hint(new QLabel(this)),
      m_filter(new QLineEdit(this)),
      m_runsView(new QTableView(this)),
      m_metricBox(new QComboBox(this)),
      m_xBox(new QComboBox(this)),
      m_smoothing(new QSlider(Qt::Horizontal, this)),
      m_smoothingValue(new QLabel(this)),
      m_logY(new QCheckBox(tr("Log scale"), this)),
      m_exportPng(new QPushButton(tr("Export PNG..."), this)),
      m_exportCsv(new QPushButton(tr("Export CSV..."), this)),
      m_chart(new MetricChart(this)),
      m_note(new QLabel(this))
{
    // Runs list: every run of the store, with a check box each.
    m_proxy->setSourceModel(m_checkModel);
    m_proxy->setSortRole(RunsModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_filter->setPlaceholderText(tr("Filter runs by name, stage or status"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    m_runsView->setModel(m_proxy);
    m_runsView->setSortingEnabled(true);
    m_runsView->sortByColumn(RunsModel::IdColumn, Qt::DescendingOrder);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_runsView->setAlternatingRowColors(true);
    m_runsView->verticalHeader()->hide();
    m_runsView->setColumnHidden(RunsModel::DurationColumn, true);
    m_runsView->setColumnHidden(RunsModel::ParentColumn, true);
    m_runsView->horizontalHeader()->setSectionResizeMode(RunsModel::IdColumn, QHeaderView::ResizeToContents);
    m_runsView->horizontalHeader()->setSectionResizeMode(RunsModel::NameColumn, QHeaderView::Stretch);
    m_runsView->horizontalHeader()->setHighlightSections(false);
    connect(m_checkModel, &RunCheckModel::checkedRunsChanged, this, &ComparePage::onCheckedRunsChanged);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_runsView);

    // Chart controls.
    m_metricBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_metricBox->setMinimumContentsLength(12);
    // Items show a metric's title ("training loss"), their data is its name ("train/loss").
    connect(m_metricBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        const QString name = m_metricBox->itemData(index).toString();
        if (!name.isEmpty() && name != m_metric) setMetric(name);
    });
    m_xBox->addItem(tr("Step"), static_cast<int>(MetricChart::XKind::Step));
    m_xBox->addItem(tr("Tokens"), static_cast<int>(MetricChart::XKind::Tokens));
    m_xBox->addItem(tr("Wall time"), static_cast<int>(MetricChart::XKind::Seconds));
    connect(m_xBox, &QComboBox::currentIndexChanged, this,
            [this] { setXKind(static_cast<MetricChart::XKind>(m_xBox->currentData().toInt())); });
    m_smoothing->setRange(0, 99);  // EMA weight in hundredths
    m_smoothing->setMinimumWidth(80);
    m_smoothing->setMaximumWidth(160);
    m_smoothing->setToolTip(tr("Exponential moving average weight (0 = raw values)"));
    m_smoothingValue->setMinimumWidth(
        m_smoothingValue->fontMetrics().horizontalAdvance(QStringLiteral("0.00")));
    connect(m_smoothing, &QSlider::valueChanged, this, [this](int value) {
        m_smoothingValue->setText(QString::number(value / 100.0, 'f', 2));
        m_chart->setSmoothing(value / 100.0);
    });
    connect(m_logY, &QCheckBox::toggled, m_chart, &MetricChart::setLogY);
    connect(m_exportPng, &QPushButton::clicked, this, [this] { exportWithDialog(true); });
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportWithDialog(false); });

    // Two rows, so that the page fits a 1024-pixel window: what is drawn, then how.
    auto *what = new QHBoxLayout;
    what->addWidget(new QLabel(tr("Metric:"), this));
    what->addWidget(m_metricBox);
    what->addSpacing(8);
    what->addWidget(new QLabel(tr("X axis:"), this));
    what->addWidget(m_xBox);
    what->addStretch(1);
    what->addWidget(m_exportPng);
    what->addWidget(m_exportCsv);
    auto *how = new QHBoxLayout;
    how->addWidget(new QLabel(tr("Smoothing:"), this));
    how->addWidget(m_smoothing);
    how->addWidget(m_smoothingValue);
    how->addSpacing(8);
    how->addWidget(m_logY);
    how->addStretch(1);
    auto *controls = new QVBoxLayout;
    controls->addLayout(what);
    controls->addLayout(how);

    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->hide();
    m_chart->setMinimumHeight(220);

    auto *chartPane = new QWidget(this);
    auto *chartLayout = new QVBoxLayout(chartPane);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->addLayout(controls);
    chartLayout->addWidget(m_chart, 1);
    chartLayout->addWidget(m_note);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(chartPane);
    right->addWidget(m_diffPane);
    // The diff keeps a good share of a small window (at 1024x700 it showed two rows under a 3:1 split).
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    right->setSizes({3000, 2000});
    right->setChildrenCollapsible(false);

    auto *content = new QSplitter(Qt::Horizontal, this);
    content->addWidget(left);
    content->addWidget(right);
    content->setStretchFactor(0, 1);
    content->setStretchFactor(1, 3);
    content->setSizes({300, 900});
    left->setMinimumWidth(220);

    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setWordWrap(true);
    m_stack->addWidget(content);
    m_stack->addWidget(m_hint);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_stack);

    m_chart->setAxisTitles(m_xBox->currentText(), metricTitle(m_metric));
    m_smoothingValue->setText(QStringLiteral("0.00"));
    connect(m_session, &WorkspaceSession::workspaceChanged, this, &ComparePage::onWorkspaceChanged);
    connect(m_session, &WorkspaceSession::storeChanged, this, &ComparePage::onStoreChanged);
    connect(m_session, &WorkspaceSession::storeError, this, &ComparePage::reportError);
    m_runsModel->setRuns(m_session->runs());
    showContent();
}

ComparePage::~ComparePage() = default;

void ComparePage::setWorkspace(const std::optional<core::Workspace> &ws)
{
    try {
        m_session->open(ws);  // onWorkspaceChanged() and onStoreChanged() follow its signals
    } catch (const core::Error &e) {
        reportError(QString::fromStdString(e.what()));
        showContent();
    }
}

core::ExperimentStore *ComparePage::store() const
{
    return m_session->store();
}

void ComparePage::onWorkspaceChanged()
{
    m_cache.clear();
    m_error.clear();
    m_runsModel->setRuns({});
    m_checkModel->setCheckedRuns({});  // ids mean other runs in another workspace
    m_diffPane->reset();
}

void ComparePage::refresh()
{
    m_cache.clear();
    m_diffPane->reset();
    m_session->refresh();  // onStoreChanged()
}

void ComparePage::onStoreChanged()
{
    m_runsModel->setRuns(m_session->runs());
    invalidateActiveRuns();
    showContent();
}

void ComparePage::showContent()
{
    if (!store()) {
        m_hint->setText(m_error.isEmpty() ? tr("No workspace is open.\nUse File > Open Workspace to choose one.")
                                          : tr("Cannot read the workspace:\n%1").arg(m_error));
        m_stack->setCurrentWidget(m_hint);
    } else {
        m_stack->setCurrentIndex(0);
    }
    m_stack->widget(0)->setEnabled(store() != nullptr);
    onCheckedRunsChanged();
}

void ComparePage::invalidateActiveRuns()
{
    // Finished runs never change: only runs still going (or that changed status since) are read again.
    for (auto it = m_cache.begin(); it != m_cache.end();) {
        const core::RunRecord *run = m_runsModel->runAt(m_runsModel->rowOfRun(it->first));
        const bool stale = !run || !core::isTerminal(run->status) || run->status != it->second.status;
        it = stale ? m_cache.erase(it) : std::next(it);
    }
}

ComparePage::Cached &ComparePage::cached(int64_t runId)
{
    auto it = m_cache.find(runId);
    if (it == m_cache.end()) {
        const core::RunRecord *run = m_runsModel->runAt(m_runsModel->rowOfRun(runId));
        it = m_cache.emplace(runId, Cached{run ? run->status : core::RunStatus::Created, {}, {}}).first;
    }
    return it->second;
}

void ComparePage::onCheckedRunsChanged()
{
    const QList<int64_t> ids = checkedRuns();
    for (auto it = m_cache.begin(); it != m_cache.end();)
        it = ids.contains(it->first) ? std::next(it) : m_cache.erase(it);
    updateMetricBox();
    updateDiff();
    updateChart();
}

void ComparePage::updateMetricBox()
{
    QStringList names;
    for (int64_t id : store() ? checkedRuns() : QList<int64_t>()) {
        Cached &c = cached(id);
        if (!c.metricNames) {
            QStringList runNames;
            try {
                for (const std::string &name : store()->metricNames(id)) runNames << QString::fromStdString(name);
            } catch (const core::Error &e) {
                reportError(QString::fromStdString(e.what()));
            }
            c.metricNames = runNames;
        }
        names += *c.metricNames;
    }
    if (!m_metric.isEmpty()) names << m_metric;
    names.removeDuplicates();
    names.sort();
    if (names != metricNames()) {
        const QSignalBlocker block(m_metricBox);
        m_metricBox->clear();
        for (const QString &name : names) {
            m_metricBox->addItem(metricTitle(name), name);
            m_metricBox->setItemData(m_metricBox->count() - 1, name, Qt::ToolTipRole);
        }
    }
    const QSignalBlocker block(m_metricBox);
    m_metricBox->setCurrentIndex(m_metricBox->findData(m_metric));
}

QStringList ComparePage::metricNames() const
{
    QStringList names;
    for (int i = 0; i < m_metricBox->count(); ++i)
        names << m_metricBox->itemData(i).toString();
    return names;
}

QString ComparePage::runTitle(int64_t runId) const
{
    const core::RunRecord *run = m_runsModel->runAt(m_runsModel->rowOfRun(runId));
    return QStringLiteral("#%1 %2").arg(runId).arg(run ? QString::fromStdString(run->name) : QString());
}

void ComparePage::updateDiff()
{
    std::vector<ConfigDiffModel::Run> runs;
    for (int64_t id : checkedRuns()) {
        const core::RunRecord *run = m_runsModel->runAt(m_runsModel->rowOfRun(id));
        if (run) runs.push_back({id, runTitle(id), run->configJson});
    }
    m_diffPane->setRuns(runs);
}

ComparePage::Curve ComparePage::load(int64_t runId, int maxPoints) const
{
    const RunCurve c = RunCurve::load(*store(), runId, runTitle(runId), m_metric, m_xKind, maxPoints);
    Curve curve;
    curve.points = c.points;
    curve.problem = c.problem;
    return curve;
}

void ComparePage::updateChart()
{
    const QList<int64_t> ids = store() ? checkedRuns() : QList<int64_t>();
    for (const QString &key : m_chart->seriesKeys())
        if (!ids.contains(key.toLongLong())) m_chart->removeSeries(key);
    QStringList problems;
    for (int64_t id : ids) {
        Cached &c = cached(id);
        const QString key = QString::number(id);
        if (!c.curve) c.curve = load(id, kStoreMaxPoints);
        if (!c.curve->problem.isEmpty()) {
            problems << c.curve->problem;
            m_chart->removeSeries(key);
            continue;
        }
        if (!c.curve->shown) {
            m_chart->setSeries(key, runTitle(id), c.curve->points, m_checkModel->colorOf(id));
            c.curve->shown = true;
        }
    }
    m_chart->setPlaceholderText(ids.isEmpty() ? tr("Check runs on the left to overlay their curves.")
                                              : QString());
    QStringList notes;
    if (!problems.isEmpty()) notes << tr("Not drawn: %1.").arg(problems.join(QStringLiteral("; ")));
    if (!m_error.isEmpty() && store()) notes << m_error;
    m_note->setText(notes.join(QLatin1Char('\n')));
    m_note->setVisible(!notes.isEmpty());
    const bool hasCurves = !m_chart->seriesKeys().isEmpty();
    m_exportPng->setEnabled(hasCurves);
    m_exportCsv->setEnabled(hasCurves);
}

void ComparePage::reportError(const QString &message)
{
    m_error = message;
    Q_EMIT storeError(message);
}

void ComparePage::setCheckedRuns(const QList<int64_t> &ids)
{
    m_checkModel->setCheckedRuns(ids);
}

QList<int64_t> ComparePage::checkedRuns() const
{
    return m_checkModel->checkedRuns();
}

void ComparePage::setMetric(const QString &name)
{
    if (name == m_metric) return;
    m_metric = name;
    for (auto &[id, c] : m_cache)
        c.curve.reset();
    m_chart->setAxisTitles(m_xBox->currentText(), metricTitle(m_metric));
    updateMetricBox();
    updateChart();
}

void ComparePage::setXKind(MetricChart::XKind kind)
{
    {
        const QSignalBlocker block(m_xBox);
        m_xBox->setCurrentIndex(m_xBox->findData(static_cast<int>(kind)));
    }
    if (kind == m_xKind) return;
    m_xKind = kind;
    for (auto &[id, c] : m_cache)
        c.curve.reset();
    m_chart->setXKind(kind);
    m_chart->setAxisTitles(m_xBox->currentText(), metricTitle(m_metric));
    updateChart();
}

void ComparePage::setSmoothing(double weight)
{
    m_smoothing->setValue(static_cast<int>(std::lround(std::clamp(weight, 0.0, 0.99) * 100)));
}

void ComparePage::setLogY(bool on)
{
    m_logY->setChecked(on);
}

void ComparePage::setShowAllKeys(bool on)
{
    m_diffPane->setShowAllKeys(on);
}

QAbstractItemModel *ComparePage::runsModel() const
{
    return m_checkModel;
}

QAbstractItemModel *ComparePage::diffModel() const
{
    return m_diffPane->model();
}

QStringList ComparePage::differingKeys() const
{
    return m_diffPane->model()->differingKeys();
}

QString ComparePage::noteText() const
{
    return m_note->text();
}

bool ComparePage::exportPng(const QString &path, QString *error)
{
    return m_chart->exportPng(path, error);
}

bool ComparePage::exportCsv(const QString &path, QString *error)
{
    QStringList labels;
    QVector<QVector<QPointF>> series;
    if (store()) {
        for (int64_t id : checkedRuns()) {
            const Curve curve = load(id, 0);
            if (!curve.problem.isEmpty()) continue;
            labels << runTitle(id);
            series << curve.points;
        }
    }
    if (labels.isEmpty()) {
        if (error) *error = tr("None of the checked runs has %1 values to export.").arg(m_metric);
        return false;
    }
    return MetricChart::writeFile(path, MetricChart::csvText(m_xBox->currentText(), labels, series), error);
}

void ComparePage::exportWithDialog(bool png)
{
    const QString folder = m_session->workspace() ? QString::fromStdString(m_session->workspace()->path())
                                                  : QDir::homePath();
    QString base = m_metric;
    base.replace(QLatin1Char('/'), QLatin1Char('_'));
    const QString path = QFileDialog::getSaveFileName(
        this, png ? tr("Export Chart as PNG") : tr("Export Series as CSV"),
        QDir(folder).filePath(base + (png ? QStringLiteral(".png") : QStringLiteral(".csv"))),
        png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    exportTo(path, png);
}

bool ComparePage::exportTo(const QString &path, bool png)
{
    QString error;
    if (!(png ? exportPng(path, &error) : exportCsv(path, &error))) {
        QMessageBox::warning(this, png ? tr("Export Chart as PNG") : tr("Export Series as CSV"), error);
        return false;
    }
    const QString where = QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath());
    Q_EMIT statusMessage(png ? tr("Chart of %1 saved as %2").arg(m_metric, where)
                             : tr("Series of %1 exported to %2").arg(m_metric, where));
    return true;
}

}  // namespace danka::ui
