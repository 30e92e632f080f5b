// SQLite RAII wrapper (see sqlite.h).
#include "core/store/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace danka::core::sqlite {

namespace {

std::string describe(sqlite3 *db, int rc)
{
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return message;
}

}  // namespace

// --- Statement --------------------------------------------------------------------------------------------

Statement::Statement(sqlite3 *db, std::string_view sql) : m_db(db)
{
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        throw Error("database error: " + describe(db, rc) + " (in \"" + std::string(sql) + "\")");
}

Statement::~Statement()
{
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_stmt(std::exchange(other.m_stmt, nullptr))
{
}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_db = std::exchange(other.m_db, nullptr);
        m_stmt = std::exchange(other.m_stmt, nullptr);
    }
    return *this;
}

void Statement::fail(const char *what) const
{
    const char *sql = m_stmt ? sqlite3_sql(m_stmt) : "";
    throw Error(std::string("database error: ") + what + ": " + sqlite3_errmsg(m_db) + " (in \"" +
                (sql ? sql : "") + "\")");
}

Statement &Statement::bind(int index, int64_t value)
{
    if (sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK) fail("bind");
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    if (sqlite3_bind_double(m_stmt, index, value) != SQLITE_OK) fail("bind");
    return *this;
}

Statement &Statement::bind(int index, std::string_view text)
{
    if (sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail("bind");
    return *this;
}

Statement &Statement::bindNull(int index)
{
    if (sqlite3_bind_null(m_stmt, index) != SQLITE_OK) fail("bind");
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
}

int64_t Statement::columnInt(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::columnDouble(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::columnText(int column) const
{
    const auto *text = sqlite3_column_text(m_stmt, column);
    const int size = sqlite3_column_bytes(m_stmt, column);
    return text ? std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(size)) : std::string();
}

bool Statement::columnIsNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::columnOptionalInt(int column) const
{
    if (columnIsNull(column)) return std::nullopt;
    return columnInt(column);
}

std::optional<double> Statement::columnOptionalDouble(int column) const
{
    if (columnIsNull(column)) return std::nullopt;
    return columnDouble(column);
}

// --- Database ---------------------------------------------------------------------------------------------

Database::Database(const std::string &path, Mode mode) : m_path(path)
{
    int flags = SQLITE_OPEN_FULLMUTEX;
    switch (mode) {
    case Mode::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Mode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    }
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = describe(m_db, rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open database " + path + ": " + message);
    }
    sqlite3_extended_result_codes(m_db, 1);
    // Wait for a concurrent writer (another process training) instead of failing at once.
    sqlite3_busy_timeout(m_db, 10000);
}

Database::~Database()
{
    if (m_db) sqlite3_close_v2(m_db);
}

Database::Database(Database &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path))
{
}

Database &Database::operator=(Database &&other) noexcept
{
    if (this != &other) {
        if (m_db) sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

void Database::exec(std::string_view sql)
{
    const std::string text(sql);
    char *message = nullptr;
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string error = message ? message : sqlite3_errmsg(m_db);
        sqlite3_free(message);
        throw Error("database error in " + m_path + ": " + error);
    }
}

int64_t Database::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const
{
    return sqlite3_changes(m_db);
}

int Database::userVersion() const
{
    return static_cast<int>(queryInt("PRAGMA user_version"));
}

void Database::setUserVersion(int version)
{
    exec("PRAGMA user_version = " + std::to_string(version));
}

int64_t Database::queryInt(std::string_view sql) const
{
    Statement stmt = prepare(sql);
    return stmt.step() ? stmt.columnInt(0) : 0;
}

std::string Database::queryText(std::string_view sql) const
{
    Statement stmt = prepare(sql);
    return stmt.step() ? stmt.columnText(0) : std::string();
}

// --- Transaction ------------------------------------------------------------------------------------------

Transaction::Transaction(Database &db) : m_db(db)
{
    m_db.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
            // nothing sensible to do in a destructor; SQLite rolls back on close anyway
        }
    }
}

void Transaction::commit()
{
    m_db.exec("COMMIT");
    m_done = true;
}

}  // namespace danka::core::sqlite
