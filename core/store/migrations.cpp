// Schema history of danka.sqlite. Never edit a released migration: add a new one at the end.
#include "core/store/migrations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "core/util/error.h"
#include "core/store/sqlite.h"
#include "core/store/workspace_paths.h"

namespace fs = std::filesystem;

namespace danka::core::store {

namespace {

// Times are Unix seconds (REAL). JSON columns are checked with json_valid. A NULL metric value is NaN.
const char *kRunsSchema = R"sql(
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    stage         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'created'
                  CHECK (status IN ('created', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    config        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
    parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    started_at    REAL,
    finished_at   REAL,
    error         TEXT
);
CREATE INDEX runs_parent ON runs(parent_run_id);

CREATE TABLE metrics (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    step      INTEGER NOT NULL,
    value     REAL,
    wall_time REAL NOT NULL,
    PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step       INTEGER NOT NULL,
    path       TEXT NOT NULL,
    metrics    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    created_at REAL NOT NULL,
    UNIQUE (run_id, path)
);

CREATE TABLE events (
    id     INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time   REAL NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
    text   TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id, time);
)sql";

const char *kAssetsSchema = R"sql(
CREATE TABLE tokenizers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE,
    vocab_size INTEGER NOT NULL,
    checksum   TEXT,
    info       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(info)),
    created_at REAL NOT NULL
);

CREATE TABLE datasets (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    path         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('raw', 'pretrain', 'sft', 'preference', 'eval')),
    tokenizer_id INTEGER REFERENCES tokenizers(id) ON DELETE SET NULL,
    records      INTEGER,
    tokens       INTEGER,
    info         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(info)),
    created_at   REAL NOT NULL
);
)sql";

const char *kAlignmentSchema = R"sql(
CREATE TABLE preference_pairs (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
    prompt      TEXT NOT NULL,
    response_a  TEXT NOT NULL,
    response_b  TEXT NOT NULL,
    label       TEXT CHECK (label IN ('a', 'b', 'tie', 'skip')),
    source      TEXT NOT NULL DEFAULT 'import' CHECK (source IN ('import', 'generated', 'manual')),
    created_at  REAL NOT NULL,
    labelled_at REAL
);
CREATE INDEX preference_pairs_dataset ON preference_pairs(dataset_id, label);

CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    checkpoint_path TEXT NOT NULL,
    adapter_path    TEXT,
    system_prompt   TEXT NOT NULL DEFAULT '',
    settings        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);

CREATE TABLE chat_messages (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content      TEXT NOT NULL,
    tokens       INTEGER,
    tokens_per_s REAL,
    created_at   REAL NOT NULL
);
CREATE INDEX chat_messages_chat ON chat_messages(chat_id, id);

CREATE TABLE eval_results (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER REFERENCES runs(id) ON DELETE CASCADE,
    checkpoint_path TEXT NOT NULL,
    benchmark       TEXT NOT NULL,
    metric          TEXT NOT NULL,
    value           REAL,
    details         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    created_at      REAL NOT NULL
);
CREATE INDEX eval_results_run ON eval_results(run_id, benchmark);
)sql";

// The studio's chat (core/store/conversations.h). It replaces the chats / chat_messages tables of
// migration 3, which no Danka ever wrote: one place for conversations, with messages in an explicit order
// and their generation statistics as JSON (tokens, tokens/s, finish reason), so new statistics need no
// migration.
const char *kConversationsSchema = R"sql(
DROP TABLE chat_messages;
DROP TABLE chats;

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    checkpoint_path TEXT NOT NULL DEFAULT '',
    system_prompt   TEXT NOT NULL DEFAULT '',
    settings_json   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings_json)),
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);
CREATE INDEX conversations_updated ON conversations(updated_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL,
    stats_json      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stats_json)),
    created_at      REAL NOT NULL,
    UNIQUE (conversation_id, position)
);
)sql";

// --- migration 5: paths relative to the workspace folder ----------------------------------------------------

// The folders this workspace was in before it was moved, as its checkpoints name them: the trainer writes
// them to <workspace>/runs/<run id>/checkpoints/<name>, so a checkpoint of run 7 at /old/ws/runs/7/
// checkpoints/step-100 says the workspace was /old/ws.
std::vector<std::string> formerFolders(sqlite::Database &db, const std::string &root)
{
    std::vector<std::string> out;
    auto s = db.prepare("SELECT run_id, path FROM checkpoints");
    while (s.step()) {
        const fs::path p(s.columnText(1));
        if (!p.is_absolute()) continue;
        const std::vector<fs::path> parts(p.begin(), p.end());
        const size_t n = parts.size();
        if (n < 5 || parts[n - 4] != "runs" || parts[n - 3] != std::to_string(s.columnInt(0)) ||
            parts[n - 2] != "checkpoints")
            continue;
        fs::path folder;
        for (size_t i = 0; i + 4 < n; ++i) folder /= parts[i];
        const std::string f = cleanAbsolutePath(folder.string());
        if (f != root && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    }
    return out;
}

// Rewrites `column` of every row of `table` to convert(value). Rows that would collide with another row's
// (unique) value keep theirs; rows already inside the workspace's folder go first, so they win.
void rewriteColumn(sqlite::Database &db, const std::string &table, const std::string &column,
                   const std::function<std::string(const std::string &)> &convert,
                   const std::function<bool(const std::string &)> &fromCurrentFolder)
{
    std::vector<std::tuple<bool, int64_t, std::string>> updates;  // (from a former folder, id, new value)
    auto s = db.prepare("SELECT id, " + column + " FROM " + table);
    while (s.step()) {
        const std::string old = s.columnText(1);
        const std::string converted = convert(old);
        if (converted != old) updates.emplace_back(!fromCurrentFolder(old), s.columnInt(0), converted);
    }
    std::stable_sort(updates.begin(), updates.end(),
                     [](const auto &a, const auto &b) { return std::get<0>(a) < std::get<0>(b); });
    auto u = db.prepare("UPDATE OR IGNORE " + table + " SET " + column + " = ? WHERE id = ?");
    for (const auto &[former, id, value] : updates) {
        u.bindAll(value, id);
        u.run();
        u.reset();
    }
}

// Rewrites the JSON file `file` with `edit` (which returns false to leave it alone), through a temporary
// file and a rename. An unreadable file is left as it is: the migration must not fail on a damaged folder.
void editJsonFile(const fs::path &file, const std::function<bool(nlohmann::ordered_json &)> &edit)
{
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return;
    nlohmann::ordered_json j;
    {
        std::ifstream in(file);
        j = nlohmann::ordered_json::parse(in, nullptr, false);
    }
    if (!j.is_object() || !edit(j)) return;
    const fs::path temp = file.string() + ".tmp";
    {
        std::ofstream out(temp);
        out << j.dump(2) << '\n';
        if (!out) return;
    }
    fs::rename(temp, file, ec);
    if (ec) fs::remove(temp, ec);
}

void relativePaths(sqlite::Database &db)
{
    const std::string root = databaseFolder(db.path());
    if (root.empty()) return;
    const std::vector<std::string> former = formerFolders(db, root);
    // A path of a former folder means the same file in this folder.
    auto here = [&](const std::string &path) {
        if (path.empty() || !fs::path(path).is_absolute()) return path;
        for (const std::string &f : former) {
            const std::string rel = storedPath(path, f);
            if (!fs::path(rel).is_absolute()) return resolvedPath(rel, root);
        }
        return cleanAbsolutePath(path);
    };
    auto stored = [&](const std::string &path) {
        return path.empty() || !fs::path(path).is_absolute() ? path : storedPath(here(path), root);
    };
    auto current = [&](const std::string &path) { return !fs::path(storedPath(path, root)).is_absolute(); };

    rewriteColumn(db, "checkpoints", "path", stored, current);
    rewriteColumn(db, "tokenizers", "path", stored, current);
    rewriteColumn(db, "datasets", "path", stored, current);
    rewriteColumn(db, "conversations", "checkpoint_path", stored, current);
    rewriteColumn(db, "eval_results", "checkpoint_path", stored, current);
    rewriteColumn(db, "runs", "config", [&](const std::string &config) { return mapConfigPaths(config, stored); },
                  [](const std::string &) { return true; });

    // The workspace's own files that name other files of it: a dataset's tokenizer, an adapter's base.
    auto portable = [&](nlohmann::ordered_json &object, const char *key, const fs::path &folder) {
        if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return false;
        const std::string value = object[key].get<std::string>();
        if (value.empty() || !fs::path(value).is_absolute()) return false;
        const std::string converted = portablePath(here(value), folder.string());
        if (converted == value) return false;
        object[key] = converted;
        return true;
    };
    auto datasets = db.prepare("SELECT path FROM datasets");
    while (datasets.step()) {
        const fs::path folder = resolvedPath(datasets.columnText(0), root);
        if (!current(folder.string())) continue;
        editJsonFile(folder / "dataset.json", [&](nlohmann::ordered_json &j) {
            return j.contains("tokenizer") && portable(j["tokenizer"], "dir", folder);
        });
    }
    auto checkpoints = db.prepare("SELECT path FROM checkpoints");
    while (checkpoints.step()) {
        const fs::path folder = resolvedPath(checkpoints.columnText(0), root);
        if (!current(folder.string())) continue;
        editJsonFile(folder / "danka.json", [&](nlohmann::ordered_json &j) {
            return j.value("adapter", false) && portable(j, "base_checkpoint", folder);
        });
        // The run config a training state must match on resume (its paths portable for the run's folder).
        const fs::path runDir = folder.parent_path().parent_path();
        editJsonFile(folder / "training_state.json", [&](nlohmann::ordered_json &j) {
            if (!j.contains("identity") || !j["identity"].is_object()) return false;
            const std::string before = j["identity"].dump();
            const std::string after = mapConfigPaths(before, [&](const std::string &value) {
                return fs::path(value).is_absolute() ? portablePath(here(value), runDir.string()) : value;
            });
            if (after == before) return false;
            j["identity"] = nlohmann::ordered_json::parse(after);
            return true;
        });
    }
}

// --- migration 6: tokenizer figures ---------------------------------------------------------------------------

// Registering a dataset registered its tokenizer again with an empty info, which erased the held-out
// figures the Tokenizer page lists (chars per token, byte fallback). They are still in the tokenizer's
// folder (danka_tokenizer.json, "stats"): take them back from there.
void restoreTokenizerFigures(sqlite::Database &db)
{
    const std::string root = databaseFolder(db.path());
    const char *keys[] = {"chars_per_token_zh", "chars_per_token_en", "byte_fallback_share"};
    std::vector<std::pair<int64_t, std::string>> updates;
    auto s = db.prepare("SELECT id, path, info FROM tokenizers");
    while (s.step()) {
        nlohmann::json info = nlohmann::json::parse(s.columnText(2), nullptr, false);
        if (!info.is_object() || info.contains(keys[0])) continue;
        std::ifstream in(fs::path(resolvedPath(s.columnText(1), root)) / "danka_tokenizer.json");
        const nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
        const nlohmann::json stats = meta.is_object() ? meta.value("stats", nlohmann::json()) : nlohmann::json();
        if (!stats.is_object()) continue;
        for (const char *key : keys)
            if (stats.contains(key) && stats[key].is_number()) info[key] = stats[key];
        updates.emplace_back(s.columnInt(0), info.dump());
    }
    auto u = db.prepare("UPDATE tokenizers SET info = ? WHERE id = ?");
    for (const auto &[id, info] : updates) {
        u.bindAll(info, id);
        u.run();
        u.reset();
    }
}

}  // namespace

const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> list = {
        {1, "runs, metrics, checkpoints, events", kRunsSchema},
        {2, "tokenizers and datasets", kAssetsSchema},
        {3, "preference pairs, chats, evaluation results", kAlignmentSchema},
        {4, "conversations and messages of the chat (replacing chats)", kConversationsSchema},
        {5, "paths inside the workspace relative to its folder", "", relativePaths},
        {6, "tokenizer figures restored from the tokenizer folders", "", restoreTokenizerFigures},
    };
    return list;
}

int latestSchemaVersion()
{
    return migrations().back().version;
}

void migrate(sqlite::Database &db, int targetVersion)
{
    const int latest = latestSchemaVersion();
    if (targetVersion < 0) targetVersion = latest;
    const int current = db.userVersion();
    if (current > latest)
        throw Error(db.path() + ": the workspace database has schema version " + std::to_string(current) +
                    ", but this Danka knows versions up to " + std::to_string(latest) +
                    "; it was written by a newer Danka: update Danka to open it");
    for (const Migration &m : migrations()) {
        if (m.version <= current || m.version > targetVersion) continue;
        sqlite::Transaction tx(db);
        try {
            db.exec(m.sql);
            if (m.apply) m.apply(db);
        } catch (const Error &e) {
            throw Error(db.path() + ": schema migration " + std::to_string(m.version) + " (" + m.description +
                        ") failed: " + e.what());
        }
        db.setUserVersion(m.version);
        tx.commit();
    }
}

}  // namespace danka::core::store
