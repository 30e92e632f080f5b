// The studio's workspace session (see workspace_session.h).
#include "ui/common/workspace_session.h"

#include <QTimer>
#include <tuple>

#include "core/store/experiment_store.h"
#include "core/util/error.h"

namespace danka::ui {

namespace {

auto fields(const core::RunRecord &r)
{
    return std::tie(r.id, r.name, r.stage, r.status, r.configJson, r.parentRunId, r.createdAt, r.updatedAt, r.startedAt,
                    r.finishedAt, r.error);
}
auto fields(const core::CheckpointRecord &c)
{
    return std::tie(c.id, c.runId, c.step, c.path, c.metricsJson, c.createdAt);
}
auto fields(const core::DatasetRecord &d)
{
    return std::tie(d.id, d.name, d.path, d.kind, d.tokenizerId, d.records, d.tokens, d.infoJson, d.createdAt);
}
auto fields(const core::TokenizerRecord &t)
{
    return std::tie(t.id, t.name, t.path, t.vocabSize, t.checksum, t.infoJson, t.createdAt);
}

template <typename Record>
bool same(const std::vector<Record> &a, const std::vector<Record> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const Record &x, const Record &y) { return fields(x) == fields(y); });
}

bool same(const std::map<int64_t, std::vector<core::CheckpointRecord>> &a,
          const std::map<int64_t, std::vector<core::CheckpointRecord>> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto &x, const auto &y) { return x.first == y.first && same(x.second, y.second); });
}

const std::vector<core::CheckpointRecord> kNoCheckpoints;

}  // namespace

WorkspaceSession::WorkspaceSession(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setInterval(kPollMs);
    connect(m_timer, &QTimer::timeout, this, &WorkspaceSession::poll);
}

WorkspaceSession::~WorkspaceSession() = default;

void WorkspaceSession::open(const std::optional<core::Workspace> &workspace)
{
    Q_EMIT workspaceAboutToChange();
    m_timer->stop();
    m_store.reset();
    m_workspace.reset();
    m_dataVersion = -1;
    m_error.clear();
    std::unique_ptr<core::ExperimentStore> store;
    std::optional<core::Error> failure;
    if (workspace) {
        try {
            store = std::make_unique<core::ExperimentStore>(workspace->databasePath());
        } catch (const core::Error &e) {
            failure = e;
        }
    }
    if (store) {
        m_store = std::move(store);
        m_workspace = workspace;
        if (m_timer->interval() > 0) m_timer->start();
    }
    // Every list is new: published whatever it holds (an empty list replaces the previous workspace's).
    m_runs.clear();
    m_checkpoints.clear();
    m_datasets.clear();
    m_tokenizers.clear();
    Q_EMIT workspaceChanged();
    read(true);
    if (failure) throw *failure;
}

void WorkspaceSession::setPollInterval(int ms)
{
    m_timer->stop();
    m_timer->setInterval(ms);
    if (ms > 0 && m_store) m_timer->start();
}

const core::RunRecord *WorkspaceSession::run(int64_t runId) const
{
    for (const core::RunRecord &r : m_runs)
        if (r.id == runId) return &r;
    return nullptr;
}

const std::vector<core::CheckpointRecord> &WorkspaceSession::checkpoints(int64_t runId) const
{
    const auto it = m_checkpoints.find(runId);
    return it == m_checkpoints.end() ? kNoCheckpoints : it->second;
}

void WorkspaceSession::refresh()
{
    read(false);
}

void WorkspaceSession::poll()
{
    if (!m_store) return;
    try {
        if (m_store->dataVersion() != m_dataVersion) {
            ++m_polls;
            read(false);
        }
    } catch (const core::Error &e) {
        m_error = QString::fromStdString(e.what());
        Q_EMIT storeError(m_error);
    }
    Q_EMIT ticked();
}

// Reads every list; publishes those that changed (all of them with `force`). A store error keeps what was
// read before and is reported.
void WorkspaceSession::read(bool force)
{
    std::vector<core::RunRecord> runs;
    std::map<int64_t, std::vector<core::CheckpointRecord>> checkpoints;
    std::vector<core::DatasetRecord> datasets;
    std::vector<core::TokenizerRecord> tokenizers;
    if (m_store) {
        try {
            m_dataVersion = m_store->dataVersion();
            runs = m_store->runs();
            for (const core::RunRecord &r : runs) {
                std::vector<core::CheckpointRecord> list = m_store->checkpoints(r.id);
                if (!list.empty()) checkpoints.emplace(r.id, std::move(list));
            }
            datasets = m_store->datasets();
            tokenizers = m_store->tokenizers();
            m_error.clear();
        } catch (const core::Error &e) {
            m_error = QString::fromStdString(e.what());
            Q_EMIT storeError(m_error);
            if (!force) return;  // keep showing what we had
        }
    }
    const bool runsChanged = force || !same(runs, m_runs);
    const bool checkpointsChanged = force || !same(checkpoints, m_checkpoints);
    const bool datasetsChanged = force || !same(datasets, m_datasets);
    const bool tokenizersChanged = force || !same(tokenizers, m_tokenizers);
    m_runs = std::move(runs);
    m_checkpoints = std::move(checkpoints);
    m_datasets = std::move(datasets);
    m_tokenizers = std::move(tokenizers);
    if (runsChanged) Q_EMIT this->runsChanged();
    if (checkpointsChanged) Q_EMIT this->checkpointsChanged();
    if (datasetsChanged) Q_EMIT this->datasetsChanged();
    if (tokenizersChanged) Q_EMIT this->tokenizersChanged();
    Q_EMIT storeChanged();
}

}  // namespace danka::ui
