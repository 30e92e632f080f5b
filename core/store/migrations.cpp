// Schema history of danka.sqlite. Never edit a released migration: add a new one at the end.
#include "core/store/migrations.h"

#include <string>

#include "core/error.h"
#include "core/store/sqlite.h"

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

}  // namespace

const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> list = {
        {1, "runs, metrics, checkpoints, events", kRunsSchema},
        {2, "tokenizers and datasets", kAssetsSchema},
        {3, "preference pairs, chats, evaluation results", kAlignmentSchema},
        {4, "conversations and messages of the chat (replacing chats)", kConversationsSchema},
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
        } catch (const Error &e) {
            throw Error(db.path() + ": schema migration " + std::to_string(m.version) + " (" + m.description +
                        ") failed: " + e.what());
        }
        db.setUserVersion(m.version);
        tx.commit();
    }
}

}  // namespace danka::core::store
