// Experiment store implementation (see experiment_store.h). Schema: migrations.cpp.
#include "core/store/experiment_store.h"

#include <chrono>
#include <cmath>

#include "core/store/migrations.h"
#include "core/store/workspace_paths.h"

namespace danka::core {

// --- records.h helpers -------------------------------------------------------------------------------------

namespace {
constexpr const char *kStatusNames[] = {"created", "running", "paused", "completed", "failed", "cancelled"};
constexpr const char *kLevelNames[] = {"debug", "info", "warning", "error"};

// The enum value whose name is `name`, for enums numbered 0..N-1 in the order of `names`.
template <typename Enum, size_t N>
std::optional<Enum> parseName(const char *const (&names)[N], const std::string &name)
{
    for (size_t i = 0; i < N; ++i)
        if (name == names[i]) return static_cast<Enum>(i);
    return std::nullopt;
}
}  // namespace

const char *runStatusName(RunStatus status)
{
    return kStatusNames[static_cast<int>(status)];
}

std::optional<RunStatus> parseRunStatus(const std::string &name)
{
    return parseName<RunStatus>(kStatusNames, name);
}

bool isTerminal(RunStatus status)
{
    return status == RunStatus::Completed || status == RunStatus::Failed || status == RunStatus::Cancelled;
}

const char *eventLevelName(EventLevel level)
{
    return kLevelNames[static_cast<int>(level)];
}

std::optional<EventLevel> parseEventLevel(const std::string &name)
{
    return parseName<EventLevel>(kLevelNames, name);
}

double nowSeconds()
{
    using namespace std::chrono;
    return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

// --- ExperimentStore ---------------------------------------------------------------------------------------

namespace {

const char *kRunColumns =
    "id, name, stage, status, config, parent_run_id, created_at, updated_at, started_at, finished_at, error";

RunRecord readRun(const sqlite::Statement &s, const std::string &root)
{
    RunRecord r;
    r.id = s.columnInt(0);
    r.name = s.columnText(1);
    r.stage = s.columnText(2);
    r.status = parseRunStatus(s.columnText(3)).value_or(RunStatus::Failed);
    r.configJson = configWithPaths(s.columnText(4), root, false);
    r.parentRunId = s.columnOptionalInt(5);
    r.createdAt = s.columnDouble(6);
    r.updatedAt = s.columnDouble(7);
    r.startedAt = s.columnOptionalDouble(8);
    r.finishedAt = s.columnOptionalDouble(9);
    r.error = s.columnText(10);
    return r;
}

double valueOrNan(const sqlite::Statement &s, int column)
{
    return s.columnIsNull(column) ? NAN : s.columnDouble(column);
}

}  // namespace

ExperimentStore::ExperimentStore(const std::string &databasePath)
    : m_db(databasePath), m_root(databaseFolder(databasePath))
{
    // WAL: readers (the studio) never block the writer (a training job) and a killed writer loses at most
    // its uncommitted transaction. synchronous=NORMAL is durable against process crashes in WAL mode.
    const std::string mode = m_db.queryText("PRAGMA journal_mode = WAL");
    if (mode != "wal" && mode != "memory")
        throw Error(databasePath + ": cannot switch the database to WAL mode (got \"" + mode + "\")");
    m_db.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    store::migrate(m_db);
}

std::string ExperimentStore::storedPath(const std::string &path) const
{
    return core::storedPath(path, m_root);
}

std::string ExperimentStore::resolvedPath(const std::string &stored) const
{
    return core::resolvedPath(stored, m_root);
}

int64_t ExperimentStore::dataVersion() const
{
    return m_db.queryInt("PRAGMA data_version");
}

int64_t ExperimentStore::createRun(const std::string &name, const std::string &stage,
                                   const std::string &configJson, std::optional<int64_t> parentRunId)
{
    const double now = nowSeconds();
    auto s = m_db.prepare(
        "INSERT INTO runs (name, stage, status, config, parent_run_id, created_at, updated_at) "
        "VALUES (?, ?, 'created', ?, ?, ?, ?)");
    s.bindAll(name, stage, configWithPaths(configJson, m_root, true), parentRunId, now, now);
    s.run();
    return m_db.lastInsertId();
}

void ExperimentStore::setRunStatus(int64_t runId, RunStatus status, const std::string &error)
{
    const double now = nowSeconds();
    auto s = m_db.prepare(
        "UPDATE runs SET status = ?1, updated_at = ?2, "
        "started_at = CASE WHEN ?1 = 'running' AND started_at IS NULL THEN ?2 ELSE started_at END, "
        "finished_at = CASE WHEN ?3 THEN ?2 ELSE NULL END, "
        "error = CASE WHEN ?4 <> '' THEN ?4 WHEN ?1 = 'running' THEN NULL ELSE error END "
        "WHERE id = ?5");
    s.bindAll(runStatusName(status), now, static_cast<int64_t>(isTerminal(status)), error, runId);
    s.run();
    if (m_db.changes() == 0) throw Error("run " + std::to_string(runId) + " does not exist");
}

void ExperimentStore::renameRun(int64_t runId, const std::string &name)
{
    auto s = m_db.prepare("UPDATE runs SET name = ?, updated_at = ? WHERE id = ?");
    s.bindAll(name, nowSeconds(), runId);
    s.run();
    if (m_db.changes() == 0) throw Error("run " + std::to_string(runId) + " does not exist");
}

std::optional<RunRecord> ExperimentStore::run(int64_t runId) const
{
    auto s = m_db.prepare(std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?");
    s.bind(1, runId);
    if (!s.step()) return std::nullopt;
    return readRun(s, m_root);
}

std::vector<RunRecord> ExperimentStore::runs() const
{
    auto s = m_db.prepare(std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC");
    std::vector<RunRecord> out;
    while (s.step()) out.push_back(readRun(s, m_root));
    return out;
}

bool ExperimentStore::deleteRun(int64_t runId)
{
    auto s = m_db.prepare("DELETE FROM runs WHERE id = ?");
    s.bind(1, runId);
    s.run();
    return m_db.changes() > 0;
}

void ExperimentStore::appendMetrics(const std::vector<MetricPoint> &points)
{
    if (points.empty()) return;
    sqlite::Transaction tx(m_db);
    auto s = m_db.prepare(
        "INSERT OR REPLACE INTO metrics (run_id, name, step, value, wall_time) VALUES (?, ?, ?, ?, ?)");
    for (const MetricPoint &p : points) {
        s.bind(1, p.runId).bind(2, p.name).bind(3, p.step);
        if (std::isnan(p.value))
            s.bindNull(4);
        else
            s.bind(4, p.value);
        s.bind(5, p.wallTime > 0 ? p.wallTime : nowSeconds());
        s.run();
        s.reset();
    }
    tx.commit();
}

std::vector<std::string> ExperimentStore::metricNames(int64_t runId) const
{
    auto s = m_db.prepare("SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name");
    s.bind(1, runId);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

std::vector<SeriesPoint> ExperimentStore::series(int64_t runId, const std::string &name, int maxPoints) const
{
    std::vector<SeriesPoint> out;
    auto range = m_db.prepare("SELECT count(*), min(step), max(step) FROM metrics WHERE run_id = ? AND name = ?");
    range.bindAll(runId, name);
    range.step();
    const int64_t count = range.columnInt(0);
    if (count == 0) return out;
    const int64_t minStep = range.columnInt(1), maxStep = range.columnInt(2);

    if (maxPoints <= 0 || count <= maxPoints) {
        auto s = m_db.prepare(
            "SELECT step, value, wall_time FROM metrics WHERE run_id = ? AND name = ? ORDER BY step");
        s.bindAll(runId, name);
        out.reserve(static_cast<size_t>(count));
        while (s.step()) {
            const double v = valueOrNan(s, 1);
            out.push_back({static_cast<double>(s.columnInt(0)), v, v, v, s.columnDouble(2), 1});
        }
        return out;
    }
    // Buckets of equal step width over [minStep, maxStep]; aggregates ignore NaN (NULL) values.
    const double width = static_cast<double>(maxStep - minStep + 1) / maxPoints;
    auto s = m_db.prepare(
        "SELECT CAST((step - ?1) / ?2 AS INTEGER) AS bucket, avg(step), avg(value), min(value), max(value), "
        "avg(wall_time), count(*) FROM metrics WHERE run_id = ?3 AND name = ?4 GROUP BY bucket ORDER BY bucket");
    s.bindAll(minStep, width, runId, name);
    while (s.step())
        out.push_back({s.columnDouble(1), valueOrNan(s, 2), valueOrNan(s, 3), valueOrNan(s, 4), s.columnDouble(5),
                       s.columnInt(6)});
    return out;
}

int64_t ExperimentStore::metricCount(int64_t runId) const
{
    auto s = m_db.prepare("SELECT count(*) FROM metrics WHERE run_id = ?");
    s.bind(1, runId);
    s.step();
    return s.columnInt(0);
}

std::map<std::string, MetricPoint> ExperimentStore::latestMetrics(int64_t runId) const
{
    // SQLite returns the other columns of the row holding max(step) (documented bare-column behaviour).
    auto s = m_db.prepare(
        "SELECT name, max(step), value, wall_time FROM metrics WHERE run_id = ? GROUP BY name ORDER BY name");
    s.bind(1, runId);
    std::map<std::string, MetricPoint> out;
    while (s.step()) {
        MetricPoint p{runId, s.columnText(0), s.columnInt(1), valueOrNan(s, 2), s.columnDouble(3)};
        out.emplace(p.name, p);
    }
    return out;
}

int64_t ExperimentStore::addCheckpoint(int64_t runId, int64_t step, const std::string &path,
                                       const std::string &metricsJson)
{
    auto s = m_db.prepare(
        "INSERT INTO checkpoints (run_id, step, path, metrics, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, path) DO UPDATE SET step = excluded.step, metrics = excluded.metrics, "
        "created_at = excluded.created_at");
    const std::string stored = storedPath(path);
    s.bindAll(runId, step, stored, metricsJson, nowSeconds());
    s.run();
    auto id = m_db.prepare("SELECT id FROM checkpoints WHERE run_id = ? AND path = ?");
    id.bindAll(runId, stored);
    id.step();
    return id.columnInt(0);
}

void ExperimentStore::removeCheckpoint(int64_t checkpointId)
{
    auto s = m_db.prepare("DELETE FROM checkpoints WHERE id = ?");
    s.bind(1, checkpointId);
    s.run();
}

std::vector<CheckpointRecord> ExperimentStore::checkpoints(int64_t runId) const
{
    auto s = m_db.prepare(
        "SELECT id, run_id, step, path, metrics, created_at FROM checkpoints WHERE run_id = ? ORDER BY step, id");
    s.bind(1, runId);
    std::vector<CheckpointRecord> out;
    while (s.step())
        out.push_back({s.columnInt(0), s.columnInt(1), s.columnInt(2), resolvedPath(s.columnText(3)),
                       s.columnText(4), s.columnDouble(5)});
    return out;
}

int64_t ExperimentStore::addEvent(int64_t runId, EventLevel level, const std::string &text, double time)
{
    auto s = m_db.prepare("INSERT INTO events (run_id, time, level, text) VALUES (?, ?, ?, ?)");
    s.bindAll(runId, time > 0 ? time : nowSeconds(), eventLevelName(level), text);
    s.run();
    return m_db.lastInsertId();
}

std::vector<EventRecord> ExperimentStore::events(int64_t runId, int limit) const
{
    auto s = m_db.prepare(
        "SELECT id, run_id, time, level, text FROM ("
        "  SELECT * FROM events WHERE run_id = ?1 ORDER BY time DESC, id DESC LIMIT ?2"
        ") ORDER BY time, id");
    s.bindAll(runId, static_cast<int64_t>(limit > 0 ? limit : -1));
    std::vector<EventRecord> out;
    while (s.step())
        out.push_back({s.columnInt(0), s.columnInt(1), s.columnDouble(2),
                       parseEventLevel(s.columnText(3)).value_or(EventLevel::Info), s.columnText(4)});
    return out;
}

int64_t ExperimentStore::registerTokenizer(const TokenizerRecord &r)
{
    auto s = m_db.prepare(
        "INSERT INTO tokenizers (name, path, vocab_size, checksum, info, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (path) DO UPDATE SET name = excluded.name, vocab_size = excluded.vocab_size, "
        "checksum = excluded.checksum, info = json_patch(tokenizers.info, excluded.info), "
        "created_at = excluded.created_at");
    const std::string stored = storedPath(r.path);
    s.bindAll(r.name, stored, r.vocabSize, r.checksum, r.infoJson.empty() ? std::string("{}") : r.infoJson,
              r.createdAt > 0 ? r.createdAt : nowSeconds());
    s.run();
    return *tokenizerIdByPath(r.path);
}

std::optional<int64_t> ExperimentStore::tokenizerIdByPath(const std::string &path) const
{
    auto id = m_db.prepare("SELECT id FROM tokenizers WHERE path = ?");
    id.bind(1, storedPath(path));
    if (!id.step()) return std::nullopt;
    return id.columnInt(0);
}

std::vector<TokenizerRecord> ExperimentStore::tokenizers() const
{
    auto s = m_db.prepare(
        "SELECT id, name, path, vocab_size, checksum, info, created_at FROM tokenizers ORDER BY id DESC");
    std::vector<TokenizerRecord> out;
    while (s.step())
        out.push_back({s.columnInt(0), s.columnText(1), resolvedPath(s.columnText(2)), s.columnInt(3),
                       s.columnText(4), s.columnText(5), s.columnDouble(6)});
    return out;
}

int64_t ExperimentStore::registerDataset(const DatasetRecord &r)
{
    auto s = m_db.prepare(
        "INSERT INTO datasets (name, path, kind, tokenizer_id, records, tokens, info, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (path) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
        "tokenizer_id = excluded.tokenizer_id, records = excluded.records, tokens = excluded.tokens, "
        "info = excluded.info, created_at = excluded.created_at");
    const std::string stored = storedPath(r.path);
    s.bindAll(r.name, stored, r.kind, r.tokenizerId, r.records, r.tokens, r.infoJson,
              r.createdAt > 0 ? r.createdAt : nowSeconds());
    s.run();
    auto id = m_db.prepare("SELECT id FROM datasets WHERE path = ?");
    id.bind(1, stored);
    id.step();
    return id.columnInt(0);
}

std::vector<DatasetRecord> ExperimentStore::datasets() const
{
    auto s = m_db.prepare(
        "SELECT id, name, path, kind, tokenizer_id, records, tokens, info, created_at FROM datasets "
        "ORDER BY id DESC");
    std::vector<DatasetRecord> out;
    while (s.step())
        out.push_back({s.columnInt(0), s.columnText(1), resolvedPath(s.columnText(2)), s.columnText(3),
                       s.columnOptionalInt(4), s.columnOptionalInt(5), s.columnOptionalInt(6), s.columnText(7),
                       s.columnDouble(8)});
    return out;
}

}  // namespace danka::core
