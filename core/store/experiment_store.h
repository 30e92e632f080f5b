// The experiment store: every run, metric, checkpoint, event, dataset and tokenizer of a workspace, in one
// SQLite file (WAL mode, foreign keys, ordered migrations). One ExperimentStore per thread; several
// processes may use the same file at once (a CLI training while the studio watches). Paths inside the
// workspace (the database's folder) are stored relative to it and read back absolute, so a workspace can be
// moved or copied whole (workspace_paths.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/store/records.h"
#include "core/store/sqlite.h"

namespace danka::core {

class ExperimentStore {
public:
    // Opens (creating when missing) and migrates to the latest schema. Throws core::Error naming the file.
    explicit ExperimentStore(const std::string &databasePath);

    const std::string &path() const { return m_db.path(); }
    // The workspace folder: the database's folder (empty for an in-memory database).
    const std::string &root() const { return m_root; }
    // A path as the store keeps it (relative when inside root()) and back (absolute).
    std::string storedPath(const std::string &path) const;
    std::string resolvedPath(const std::string &stored) const;
    sqlite::Database &database() { return m_db; }
    int schemaVersion() const { return m_db.userVersion(); }
    // Changes whenever another connection commits (PRAGMA data_version): cheap polling for the GUI.
    int64_t dataVersion() const;

    // --- runs
    int64_t createRun(const std::string &name, const std::string &stage, const std::string &configJson = "{}",
                      std::optional<int64_t> parentRunId = std::nullopt);
    // Sets the status; the first switch to running stamps started_at, a terminal status stamps finished_at.
    void setRunStatus(int64_t runId, RunStatus status, const std::string &error = std::string());
    void renameRun(int64_t runId, const std::string &name);
    std::optional<RunRecord> run(int64_t runId) const;
    std::vector<RunRecord> runs() const;          // newest first
    bool deleteRun(int64_t runId);                // metrics, checkpoints and events go with it

    // --- metrics
    // Writes all points in one transaction (a batch is stored whole or not at all). A point for an existing
    // (run, name, step) replaces it, so a resumed run that logs a step again does not duplicate it.
    void appendMetrics(const std::vector<MetricPoint> &points);
    std::vector<std::string> metricNames(int64_t runId) const;
    // The series of one metric ordered by step. With maxPoints > 0 and more points than that, consecutive
    // steps are averaged into at most maxPoints buckets of equal step width (min and max kept).
    std::vector<SeriesPoint> series(int64_t runId, const std::string &name, int maxPoints = 0) const;
    int64_t metricCount(int64_t runId) const;
    // The value at the highest step of every metric of a run.
    std::map<std::string, MetricPoint> latestMetrics(int64_t runId) const;

    // --- checkpoints and events
    int64_t addCheckpoint(int64_t runId, int64_t step, const std::string &path,
                          const std::string &metricsJson = "{}");
    void removeCheckpoint(int64_t checkpointId);
    std::vector<CheckpointRecord> checkpoints(int64_t runId) const;
    int64_t addEvent(int64_t runId, EventLevel level, const std::string &text, double time = 0);
    // The most recent `limit` events of a run (all with limit 0), oldest first.
    std::vector<EventRecord> events(int64_t runId, int limit = 0) const;

    // --- assets
    // Replaces the name, vocabulary and checksum of a record with the same path; its info JSON is merged
    // (the new keys win, the others stay), so registering a tokenizer again never loses its figures.
    int64_t registerTokenizer(const TokenizerRecord &record);
    std::optional<int64_t> tokenizerIdByPath(const std::string &path) const;
    std::vector<TokenizerRecord> tokenizers() const;
    int64_t registerDataset(const DatasetRecord &record);      // replaces a record with the same path
    std::vector<DatasetRecord> datasets() const;

private:
    sqlite::Database m_db;
    std::string m_root;
};

}  // namespace danka::core
