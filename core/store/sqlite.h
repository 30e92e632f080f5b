// A thin RAII layer over the SQLite C API: Database, Statement, Transaction. Errors become core::Error with
// the SQLite message and the statement that failed. Not thread-safe: one Database per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace danka::core::sqlite {

class Statement {
public:
    Statement(sqlite3 *db, std::string_view sql);
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement &bind(int index, int64_t value);
    Statement &bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
    Statement &bind(int index, const std::string &text) { return bind(index, std::string_view(text)); }
    Statement &bindNull(int index);
    template <typename T>
    Statement &bind(int index, const std::optional<T> &value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }
    // Binds every argument in order from parameter 1.
    template <typename... Args>
    Statement &bindAll(const Args &...args)
    {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    bool step();       // true while a row is available
    void run();        // steps to completion (for statements without rows)
    void reset();      // ready to bind and run again (bindings kept)

    int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    bool columnIsNull(int column) const;
    std::optional<int64_t> columnOptionalInt(int column) const;
    std::optional<double> columnOptionalDouble(int column) const;

private:
    [[noreturn]] void fail(const char *what) const;
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
};

class Database {
public:
    enum class Mode { ReadWriteCreate, ReadWrite, ReadOnly };

    Database() = default;
    explicit Database(const std::string &path, Mode mode = Mode::ReadWriteCreate);
    ~Database();
    Database(Database &&other) noexcept;
    Database &operator=(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    bool isOpen() const { return m_db != nullptr; }
    const std::string &path() const { return m_path; }
    sqlite3 *handle() const { return m_db; }

    void exec(std::string_view sql);  // one or more statements, no results
    Statement prepare(std::string_view sql) const { return Statement(m_db, sql); }
    int64_t lastInsertId() const;
    int changes() const;

    int userVersion() const;
    void setUserVersion(int version);
    // Single-value query helpers.
    int64_t queryInt(std::string_view sql) const;
    std::string queryText(std::string_view sql) const;

private:
    sqlite3 *m_db = nullptr;
    std::string m_path;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so a busy database fails here and not
// half-way), ROLLBACK in the destructor unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database &db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &m_db;
    bool m_done = false;
};

}  // namespace danka::core::sqlite
