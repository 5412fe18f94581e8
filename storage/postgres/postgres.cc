#include "storage/postgres/postgres.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/errors.h"

namespace paritrana::postgres {
namespace {

// Type OIDs of the integer columns Result::Int reads (pg_type.h).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23;

// A statement that fails for one of these may succeed when its transaction is run again.
bool Retryable(absl::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";  // serialization failure, deadlock
}

int64_t BigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  // Sign-extend the narrower integers.
  if (bytes < 8 && (v >> (8 * bytes - 1)) != 0) v |= ~uint64_t{0} << (8 * bytes);
  return static_cast<int64_t>(v);
}

}  // namespace

Params& Params::Text(absl::string_view text) {
  values_.emplace_back(text);
  formats_.push_back(0);
  return *this;
}

Params& Params::Int(int64_t value) { return Text(std::to_string(value)); }

Params& Params::Bytes(absl::string_view bytes) {
  values_.emplace_back(bytes);
  formats_.push_back(1);
  return *this;
}

std::string Sql::Text(absl::string_view v) {
  params_.Text(v);
  return Next("text");
}

std::string Sql::Int(int64_t v) {
  params_.Int(v);
  return Next("bigint");
}

std::string Sql::Bytes(absl::string_view v) {
  params_.Bytes(v);
  return Next("bytea");
}

std::string Sql::Ints(std::span<const int64_t> v) {
  params_.Text(absl::StrCat("{", absl::StrJoin(v, ","), "}"));
  return Next("bigint[]");
}

std::string Sql::Texts(std::span<const std::string> v) {
  std::string literal = "{";
  for (const std::string& t : v) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (char c : t) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  params_.Text(literal);
  return Next("text[]");
}

std::string Sql::Next(absl::string_view type) { return absl::StrCat("$", ++count_, "::", type); }

namespace {

void AppendBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

CopyRows::CopyRows() {
  // The binary format's signature, then flags and header extension length (both 0).
  data_.assign("PGCOPY\n\377\r\n\0", 11);
  AppendBigEndian(data_, 0, 4);
  AppendBigEndian(data_, 0, 4);
}

CopyRows& CopyRows::Row(int fields) {
  ++rows_;
  AppendBigEndian(data_, static_cast<uint64_t>(fields), 2);
  return *this;
}

CopyRows& CopyRows::Int(int64_t v) {
  AppendBigEndian(data_, 8, 4);
  AppendBigEndian(data_, static_cast<uint64_t>(v), 8);
  return *this;
}

CopyRows& CopyRows::Text(absl::string_view v) {
  AppendBigEndian(data_, v.size(), 4);
  data_.append(v.data(), v.size());
  return *this;
}

const std::string& CopyRows::Finish() {
  AppendBigEndian(data_, 0xffff, 2);  // -1 fields: the end
  return data_;
}

int64_t Result::Int(int row, int column) const {
  if (IsNull(row, column)) return 0;
  const char* value = PQgetvalue(result_.get(), row, column);
  switch (PQftype(result_.get(), column)) {
    case kInt8:
      return BigEndian(value, 8);
    case kInt4:
      return BigEndian(value, 4);
    case kInt2:
      return BigEndian(value, 2);
    case kBool:
      return value[0] != 0;
    default:
      return 0;  // not an integer column: a bug in the statement, caught by the stores' tests
  }
}

std::string Result::Bytes(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t Result::Changed() const {
  const char* n = PQcmdTuples(result_.get());
  return n[0] == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

std::optional<std::string> ConnInfoOfStoreUrl(absl::string_view url) {
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    return std::string(url);
  }
  constexpr absl::string_view kPrefix = "postgres:";
  if (absl::StartsWith(url, kPrefix) && url.size() > kPrefix.size()) {
    return std::string(url.substr(kPrefix.size()));
  }
  return std::nullopt;
}

absl::Status Error(const PGresult* result, const PGconn* conn, absl::string_view what) {
  if (result == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(what, ": the database connection is lost"));
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) {
    // An error of libpq's own, not the server's: the connection failed (the server crashed or
    // closed it) before libpq marked it lost.
    return absl::UnavailableError(absl::StrCat(what, ": the database connection failed"));
  }
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string sqlstate = state;
  const std::string message = absl::StrCat(what, ": ", primary != nullptr ? primary : "error",
                                           " (SQLSTATE ", sqlstate, ")");
  if (sqlstate == "23505") return absl::AlreadyExistsError(message);
  if (Retryable(sqlstate)) return absl::AbortedError(message);
  if (sqlstate == "57014") return absl::DeadlineExceededError(message);
  // Connection exceptions, and the server shutting down or not yet accepting connections.
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P")) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names the server and the reason; it never holds the password.
    std::string why = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!why.empty() && why.back() == '\n') why.pop_back();
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", why));
  }
  // Server notices (such as "relation already exists, skipping") are not errors; libpq would
  // print them on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Connection> out(new Connection(conn));
  // A statement that runs away is cut off rather than holding its connection and locks; a
  // connection string may set its own (options=-c statement_timeout=...).
  if (!absl::StrContains(conninfo, "statement_timeout")) {
    PARITRANA_RETURN_IF_ERROR(out->Exec("SET statement_timeout = '30s'"));
  }
  return out;
}

absl::Status Connection::Failed(const PGresult* result, absl::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && Retryable(state)) must_retry_ = true;
  return Error(result, conn_, what);
}

absl::Status Connection::Exec(absl::string_view sql) {
  if (absl::StartsWith(sql, "BEGIN")) must_retry_ = false;
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_, std::string(sql).c_str()),
                                                       &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  return Failed(result.get(), "statement");
}

absl::StatusOr<Result> Connection::Query(absl::string_view sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = absl::StrCat("s", prepared_.size() + 1);
    Result prepared(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    if (PQresultStatus(prepared.result_.get()) != PGRES_COMMAND_OK) {
      return Failed(prepared.result_.get(), "prepare");
    }
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  const int n = static_cast<int>(params.values_.size());
  std::vector<const char*> values(params.values_.size());
  std::vector<int> lengths(params.values_.size());
  for (size_t i = 0; i < params.values_.size(); ++i) {
    values[i] = params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  Result result(PQexecPrepared(conn_, it->second.c_str(), n, values.data(), lengths.data(),
                               params.formats_.data(), /*resultFormat=*/1));
  const ExecStatusType status =
      result.result_ ? PQresultStatus(result.result_.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Failed(result.result_.get(), "query");
  }
  return result;
}

absl::Status Connection::Copy(absl::string_view copy, CopyRows& rows) {
  Result start(PQexec(conn_, std::string(copy).c_str()));
  if (!start.result_ || PQresultStatus(start.result_.get()) != PGRES_COPY_IN) {
    return Failed(start.result_.get(), "copy");
  }
  const std::string& data = rows.Finish();
  constexpr size_t kChunk = 1 << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < data.size(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) == 1;
  }
  // Ending with an error message makes the server abandon the COPY, so nothing half-sent stays.
  if (PQputCopyEnd(conn_, sent ? nullptr : "the rows could not be sent") != 1) sent = false;
  absl::Status status = absl::OkStatus();
  // One result for the COPY, then none; a failed COPY's result carries the server's reason.
  while (PGresult* r = PQgetResult(conn_)) {
    Result result(r);
    if (status.ok() && PQresultStatus(r) != PGRES_COMMAND_OK) status = Failed(r, "copy");
  }
  if (status.ok() && !sent) status = Failed(nullptr, "copy");
  return status;
}

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(
    const std::string& conninfo, absl::string_view schema,
    std::span<const absl::string_view> migrations, int size) {
  std::unique_ptr<ConnectionPool> pool(new ConnectionPool(conninfo, schema, size));
  const int64_t known = static_cast<int64_t>(migrations.size());
  for (int64_t next = 0;; ++next) {
    bool done = false;
    // READ COMMITTED, so that each statement sees what was committed before it ran: a
    // SERIALIZABLE snapshot would be taken at the lock, before the replica that held it committed.
    PARITRANA_RETURN_IF_ERROR(pool->InTransaction(
        "BEGIN ISOLATION LEVEL READ COMMITTED", /*exclusive=*/false,
        [&](Connection& conn) -> absl::Status {
          // Replicas starting together queue here; each applies only what is still missing.
          PARITRANA_RETURN_IF_ERROR(
              conn.Query("SELECT pg_advisory_xact_lock(hashtext($1::text))", Params().Text(schema))
                  .status());
          PARITRANA_RETURN_IF_ERROR(
              conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (store TEXT PRIMARY KEY, "
                        "version BIGINT NOT "
                        "NULL)"));
          PARITRANA_ASSIGN_OR_RETURN(
              Result row, conn.Query("SELECT version FROM schema_version WHERE store = $1::text",
                                     Params().Text(schema)));
          const int64_t version = row.rows() == 0 ? 0 : row.Int(0, 0);
          if (version > known) {
            return absl::FailedPreconditionError(
                absl::StrCat("the ", schema, " schema is at version ", version,
                             ", newer than this binary's ", known));
          }
          if (version == known) {
            done = true;
            return absl::OkStatus();
          }
          PARITRANA_RETURN_IF_ERROR(conn.Exec(migrations[static_cast<size_t>(version)]));
          return conn
              .Query(
                  "INSERT INTO schema_version (store, version) VALUES ($1::text, $2::bigint)"
                  " ON CONFLICT (store) DO UPDATE SET version = excluded.version",
                  Params().Text(schema).Int(version + 1))
              .status();
        }));
    if (done) break;
  }
  return pool;
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Take() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return Connection::Open(conninfo_);
}

void ConnectionPool::Give(std::unique_ptr<Connection> conn) {
  if (!conn->ok()) return;  // lost: the next Take connects anew
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < size_) idle_.push_back(std::move(conn));
}

absl::Status ConnectionPool::InTransaction(absl::string_view begin, bool exclusive,
                                           absl::FunctionRef<absl::Status(Connection&)> fn) {
  const Params lock_key = Params().Text(writer_lock_);
  absl::Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Take());
    // Taken before BEGIN, so that the transaction's snapshot follows the writer before it.
    absl::Status s =
        exclusive ? conn->Query("SELECT pg_advisory_lock(hashtextextended($1::text, 0))", lock_key)
                        .status()
                  : absl::OkStatus();
    if (s.ok()) s = conn->Exec(begin);
    if (!s.ok() && !conn->ok()) {
      // A pooled connection the server dropped while it was idle (a restart, a failover): nothing
      // ran, so a fresh connection may try again.
      last = s;
      continue;
    }
    if (s.ok()) {
      s = fn(*conn);
      if (s.ok()) {
        s = conn->Exec("COMMIT");
      } else {
        // An error of fn's own stays fn's; a failed statement of the database leaves the
        // transaction aborted, and ROLLBACK clears it either way.
        conn->Exec("ROLLBACK").IgnoreError();
      }
    }
    if (exclusive && conn->ok()) {
      // A lost connection has lost its lock with it.
      conn->Query("SELECT pg_advisory_unlock(hashtextextended($1::text, 0))", lock_key)
          .IgnoreError();
    }
    const bool retry = !s.ok() && conn->must_retry();
    Give(std::move(conn));
    if (!retry) return s;
    last = s;
    // Transactions that conflicted once will likely conflict again if they start together:
    // wait a random while, longer after each attempt (1, 2, 4 ... up to 64 ms at most).
    thread_local std::mt19937 rng(std::random_device{}());
    const int cap_ms = 1 << std::min(attempt, 6);
    absl::SleepFor(absl::Microseconds(std::uniform_int_distribution<int>(0, cap_ms * 1000)(rng)));
  }
  return last;
}

absl::StatusOr<std::unique_ptr<SessionLock>> ConnectionPool::TryLock(absl::string_view key) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(conninfo_));
  PARITRANA_ASSIGN_OR_RETURN(
      Result locked, conn->Query("SELECT pg_try_advisory_lock(hashtextextended($1::text, 0))",
                                 Params().Text(key)));
  if (locked.rows() != 1 || locked.Int(0, 0) == 0) return nullptr;
  return std::make_unique<SessionLock>(std::move(conn), std::string(key));
}

SessionLock::~SessionLock() {
  if (!conn_->ok()) return;
  conn_->Query("SELECT pg_advisory_unlock(hashtextextended($1::text, 0))", Params().Text(key_))
      .IgnoreError();
}

absl::Status ConnectionPool::Write(absl::FunctionRef<absl::Status(Connection&)> fn) {
  absl::MutexLock lock(&write_mu_);
  return InTransaction("BEGIN ISOLATION LEVEL SERIALIZABLE", /*exclusive=*/true, fn);
}

absl::Status ConnectionPool::Read(absl::FunctionRef<absl::Status(Connection&)> fn) {
  return InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*exclusive=*/false, fn);
}

}  // namespace paritrana::postgres
