#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

// A thin RAII layer over the SQLite C API for the services' embedded stores: connections with
// the pragmas every store wants (WAL, foreign keys, busy timeout), cached prepared statements and
// versioned migrations. Not thread-safe: one connection per thread at a time.
namespace paritrana::sqlite {

// A prepared statement, reset and re-bound for each use.
class Statement final {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Clears bindings and the previous result; returns *this for chaining binds.
  Statement& Reset();
  // Parameters are numbered from 1, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);

  // Advances: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps through to the end, for statements that return no rows.
  absl::Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;  // also reads blobs

 private:
  sqlite3_stmt* stmt_;
};

class Database final {
 public:
  // Opens (creating when `read_only` is false) the file at `path` in WAL mode.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path, bool read_only);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  absl::Status Exec(absl::string_view sql);
  // A cached prepared statement for `sql`, reset and ready to bind.
  absl::StatusOr<Statement*> Prepare(absl::string_view sql);
  // Applies migrations[user_version..] in one transaction each; migration i brings the schema to
  // version i + 1. Refuses a database newer than the code.
  absl::Status Migrate(std::span<const absl::string_view> migrations);
  // Rows changed by the last statement.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

// The connections of one embedded store: one writer (writes are serialized, as SQLite requires)
// and a pool of read-only connections, so reads never wait for writes. WAL checkpoints run on a
// thread of their own with its own connection, so a commit never waits for one (unless the WAL
// grows past Checkpointer::kBackPressurePages because checkpoints cannot keep up). Each call is one
// transaction, committed when `fn` returns OK and rolled back otherwise; its latency (waiting
// for a connection included) is recorded as paritrana_store_operation_duration_seconds.
class ConnectionPool final {
 public:
  // Opens (creating the file and its folder) and migrates the database at `path`.
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Open(
      const std::string& path, std::span<const absl::string_view> migrations, int readers = 4);

  absl::Status Write(absl::FunctionRef<absl::Status(Database&)> fn);
  absl::Status Read(absl::FunctionRef<absl::Status(Database&)> fn);
  // Copies the whole write-ahead log into the database file and truncates the log to zero bytes,
  // between two writes: the log keeps older images of pages, which may hold content deleted since
  // (see secure_delete in Database::Open). Waits for readers up to the busy timeout; UNAVAILABLE
  // when one still kept it from completing (a later call finishes it).
  absl::Status CheckpointAndTruncate();

  ~ConnectionPool();

 private:
  class Checkpointer;
  ConnectionPool() = default;

  // Declared before the connections, so it outlives the writer whose commits call it.
  std::unique_ptr<Checkpointer> checkpointer_;
  absl::Mutex write_mu_;
  std::unique_ptr<Database> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex read_mu_;
  std::vector<std::unique_ptr<Database>> readers_ ABSL_GUARDED_BY(read_mu_);
};

// An error from SQLite as a status: a primary-key or unique violation is ALREADY_EXISTS,
// busy/locked UNAVAILABLE, anything else INTERNAL.
absl::Status Error(sqlite3* db, int rc, absl::string_view what);

}  // namespace paritrana::sqlite
