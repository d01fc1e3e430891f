#pragma once
// Thin RAII wrappers over the SQLite C API: one connection, prepared statements with typed binds.
// Everything above this file speaks in these types, so error handling (throwing SqliteError with
// SQLite's own message) lives in one place.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mm::state {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // A UNIQUE or PRIMARY KEY constraint failed: the caller maps this to "already exists".
  bool is_unique_violation() const {
    return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
  }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  // Opens (creating if needed) the file; ":memory:" gives a private in-memory database.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  void exec(const std::string& sql);
  Statement prepare(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement. bind() takes 1-based positions as SQLite does; step() returns true while
// there is a row.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int pos, int64_t v);
  Statement& bind(int pos, const std::string& v);
  Statement& bind(int pos, const char* v) { return bind(pos, std::string(v)); }
  Statement& bind_blob(int pos, const std::vector<uint8_t>& v);
  Statement& bind_null(int pos);

  bool step();
  void run() { step(); }  // for statements that return no rows
  void reset();

  int64_t column_int(int col) const;
  std::string column_text(int col) const;
  std::vector<uint8_t> column_blob(int col) const;
  bool column_is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless commit() ran. IMMEDIATE takes
// the write lock up front, so two writers never deadlock upgrading from a read lock.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace mm::state
