#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

// A thin layer over libpq (the C client Debian ships with PostgreSQL, so the wire protocol,
// TLS and the conninfo grammar are PostgreSQL's own, with no C++ wrapper between) for the
// services' PostgreSQL stores: connections, statements prepared once per connection, parameters
// in text (numbers, text) or binary (bytes) format, results in binary format, and versioned
// migrations applied under an advisory lock. Not thread-safe: one connection per thread at a time.
namespace paritrana::postgres {

// The parameters of one statement, $1 upwards in the order they are added.
class Params final {
 public:
  Params& Text(absl::string_view text);
  Params& Int(int64_t value);
  Params& Bytes(absl::string_view bytes);

 private:
  friend class Connection;
  std::vector<std::string> values_;
  std::vector<int> formats_;  // 0 text, 1 binary
};

// A statement's parameters, numbered in the order they are added: each call returns the
// placeholder with its type ("$3::text") for the statement's text. Add them in statement order,
// one per line, since the order in which a function's arguments are evaluated is unspecified.
class Sql final {
 public:
  std::string Text(absl::string_view v);
  std::string Int(int64_t v);
  std::string Bytes(absl::string_view v);
  // Arrays, for "= ANY($1::bigint[])": one statement for many keys.
  std::string Ints(std::span<const int64_t> v);
  std::string Texts(std::span<const std::string> v);
  const Params& params() const { return params_; }

 private:
  std::string Next(absl::string_view type);
  Params params_;
  int count_ = 0;
};

// Rows for COPY ... FROM STDIN (FORMAT binary): the fastest way to send many rows, one message
// stream with no statement per row. Every field must have the column's exact type: Int a bigint,
// Text a text or bytea column.
class CopyRows final {
 public:
  CopyRows();
  CopyRows& Row(int fields);
  CopyRows& Int(int64_t v);
  CopyRows& Text(absl::string_view v);
  int rows() const { return rows_; }
  // The rows with the format's trailer; Row must not be called afterwards.
  const std::string& Finish();

 private:
  std::string data_;
  int rows_ = 0;
};

// The rows of one statement's answer, every column in binary format.
class Result final {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // A smallint, integer or bigint column (0 when NULL).
  int64_t Int(int row, int column) const;
  // A text or bytea column's bytes ("" when NULL).
  std::string Bytes(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t Changed() const;

 private:
  friend class Connection;
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection final {
 public:
  // Connects with a libpq connection string (a postgresql:// URI or key=value pairs; the
  // password comes from its `passfile`, PGPASSFILE or PGPASSWORD, never from a command line).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one or more statements, no parameters) through the simple query protocol.
  absl::Status Exec(absl::string_view sql);
  // Runs one statement, prepared on this connection the first time its text is seen.
  absl::StatusOr<Result> Query(absl::string_view sql, const Params& params = Params());
  // Runs `copy` (COPY ... FROM STDIN (FORMAT binary)) with `rows`.
  absl::Status Copy(absl::string_view copy, CopyRows& rows);
  // False once the connection is lost: the pool replaces it.
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  // True when a statement failed for a serialization failure or a deadlock: the transaction
  // may succeed if run again. Cleared by the next Exec("BEGIN ...").
  bool must_retry() const { return must_retry_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  absl::Status Failed(const PGresult* result, absl::string_view what);

  PGconn* conn_;
  bool must_retry_ = false;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
};

// The connections of one store. Each call is one transaction, committed when `fn` returns OK and
// rolled back otherwise; a transaction PostgreSQL aborts for a serialization failure or a
// deadlock is run again after a random, growing pause (up to kAttempts times in all), so `fn`
// must only touch state it rebuilds. Writes are SERIALIZABLE and one at a time, as with SQLite:
// within a process by a mutex, across the processes sharing the database (registry replicas) by a
// session advisory lock per schema taken before BEGIN. Without it, a long write (an import batch)
// lost every conflict to a stream of short writes from another replica and was never committed;
// SERIALIZABLE stays as the guard. Reads are REPEATABLE READ READ ONLY snapshots and never wait. A
// connection that broke is replaced; one found broken at BEGIN (the server restarted while it was
// idle) is replaced at once and the call goes on. Every statement runs under `statement_timeout`.
class ConnectionPool final {
 public:
  static constexpr int kAttempts = 20;

  // Connects, then applies migrations[version..] under a transaction-level advisory lock keyed by
  // `schema` (so replicas starting together apply each migration once); migration i brings the
  // schema to version i + 1 and is recorded in the table `schema_version`. Refuses a database
  // newer than the code.
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Open(
      const std::string& conninfo, absl::string_view schema,
      std::span<const absl::string_view> migrations, int size = 4);

  absl::Status Write(absl::FunctionRef<absl::Status(Connection&)> fn);
  absl::Status Read(absl::FunctionRef<absl::Status(Connection&)> fn);
  // The session-level advisory lock named `key`, on a connection of its own, or nullptr when
  // another session holds it.
  absl::StatusOr<std::unique_ptr<class SessionLock>> TryLock(absl::string_view key);

 private:
  ConnectionPool(std::string conninfo, absl::string_view schema, int size)
      : conninfo_(std::move(conninfo)),
        size_(size),
        writer_lock_(absl::StrCat("paritrana writer ", schema)) {}
  absl::StatusOr<std::unique_ptr<Connection>> Take();
  void Give(std::unique_ptr<Connection> conn);
  // `exclusive`: holds the writer lock (writer_lock_) from before BEGIN until after the end.
  absl::Status InTransaction(absl::string_view begin, bool exclusive,
                             absl::FunctionRef<absl::Status(Connection&)> fn);

  const std::string conninfo_;
  const int size_;
  // The session advisory lock every write transaction of this schema holds, in every process.
  const std::string writer_lock_;
  absl::Mutex write_mu_;  // one write transaction of this process at a time
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

// A session advisory lock held by a connection of its own (ConnectionPool::TryLock). Destroying
// it unlocks at once, then closes the connection: closing alone frees the lock only once the
// server has noticed, so a caller that locks again right away could find it still held. A lost
// connection (a server restart, a process that died) has lost the lock with it.
class SessionLock final {
 public:
  SessionLock(std::unique_ptr<Connection> conn, std::string key)
      : conn_(std::move(conn)), key_(std::move(key)) {}
  ~SessionLock();
  SessionLock(const SessionLock&) = delete;
  SessionLock& operator=(const SessionLock&) = delete;

 private:
  std::unique_ptr<Connection> conn_;
  const std::string key_;
};

// The libpq connection string a --store URL names, if it names PostgreSQL: "postgres:CONNINFO"
// (key=value pairs or a URI), or a bare postgresql:// or postgres:// URI.
std::optional<std::string> ConnInfoOfStoreUrl(absl::string_view url);

// A failed statement as a status, without the statement or the server's DETAIL (which can quote
// the values of a key): unique violation ALREADY_EXISTS, serialization failure and deadlock
// ABORTED, statement timeout DEADLINE_EXCEEDED, a lost connection (or an error of libpq's own,
// which has no SQLSTATE: a failed connection) UNAVAILABLE, anything else
// INTERNAL. The SQLSTATE is kept in the message.
absl::Status Error(const PGresult* result, const PGconn* conn, absl::string_view what);

}  // namespace paritrana::postgres
