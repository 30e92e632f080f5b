// The experiment store's schema as an ordered list of migrations. PRAGMA user_version holds the number of
// the last one applied; each migration runs in its own transaction, so a crash leaves a valid version.
#pragma once

#include <vector>

namespace danka::core::sqlite {
class Database;
}

namespace danka::core::store {

struct Migration {
    int version;              // 1, 2, 3... (user_version after it ran)
    const char *description;  // what it adds
    const char *sql;
    // A data migration that SQL cannot express, run after `sql` in the same transaction (may be null).
    void (*apply)(sqlite::Database &db) = nullptr;
};

const std::vector<Migration> &migrations();
int latestSchemaVersion();

// Brings `db` from its current version to `targetVersion` (default: the latest). Throws core::Error when the
// database is newer than this build knows, naming the file and both versions.
void migrate(sqlite::Database &db, int targetVersion = -1);

}  // namespace danka::core::store
