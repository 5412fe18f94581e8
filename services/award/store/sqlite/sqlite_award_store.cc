#include "services/award/store/sqlite/sqlite_award_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "platform/errors.h"
#include "storage/sqlite/audit_events.h"
#include "storage/sqlite/request_ids.h"
#include "storage/sqlite/sqlite.h"

namespace paritrana::award {
namespace {

// Schema migrations; entry i brings the schema to version i + 1. Append only. Plain SQL types
// and no SQLite-only features beyond WITHOUT ROWID and partial indexes, so the PostgreSQL backend
// can mirror the same tables.
constexpr absl::string_view kMigrations[] = {
    R"sql(
CREATE TABLE records (
  kind INTEGER NOT NULL,
  name TEXT NOT NULL,
  parent TEXT NOT NULL,
  cycle TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  category INTEGER NOT NULL,
  state INTEGER NOT NULL,
  year INTEGER NOT NULL,
  subject TEXT NOT NULL,
  assessor TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
CREATE INDEX records_by_parent ON records (kind, parent, sort_key);
CREATE INDEX records_by_cycle ON records (kind, cycle, sort_key);
CREATE INDEX records_by_order ON records (kind, sort_key);
-- A subject competes at most once per cycle.
CREATE UNIQUE INDEX records_subject_per_cycle ON records (kind, cycle, subject)
  WHERE subject <> '';

CREATE TABLE request_ids (
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (method, request_id)
) WITHOUT ROWID;

CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql",
    // The audit trail (security/audit.h).
    sqlite::kAuditEventsMigration,
};

constexpr absl::string_view kColumns =
    "kind, name, parent, cycle, sort_key, category, state, year, subject, assessor, body";

class SqliteTx final : public AwardTx {
 public:
  explicit SqliteTx(sqlite::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, absl::string_view name) override {
    auto st = db_.Prepare(
        absl::StrCat("SELECT ", kColumns, " FROM records WHERE kind = ?1 AND name = ?2"));
    if (!st.ok()) return st.status();
    (*st)->Bind(1, static_cast<int64_t>(kind)).Bind(2, name);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    Record r = Read(**st);
    (*st)->Reset();
    return r;
  }

  absl::Status Insert(const Record& r) override {
    auto st = db_.Prepare(absl::StrCat("INSERT INTO records (", kColumns,
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    if (!st.ok()) return st.status();
    (*st)->Bind(1, static_cast<int64_t>(r.kind)).Bind(2, r.name).Bind(3, r.parent);
    (*st)->Bind(4, r.cycle).Bind(5, r.sort_key).Bind(6, static_cast<int64_t>(r.category));
    (*st)->Bind(7, static_cast<int64_t>(r.state)).Bind(8, static_cast<int64_t>(r.year));
    (*st)->Bind(9, r.subject).Bind(10, r.assessor).BindBlob(11, r.body);
    absl::Status s = (*st)->Run();
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError(absl::StrCat(r.name, " exists"));
    return s;
  }

  absl::Status Update(const Record& r) override {
    auto st = db_.Prepare(
        "UPDATE records SET sort_key = ?3, category = ?4, state = ?5, year = ?6, subject = ?7,"
        " assessor = ?8, body = ?9 WHERE kind = ?1 AND name = ?2");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, static_cast<int64_t>(r.kind)).Bind(2, r.name).Bind(3, r.sort_key);
    (*st)->Bind(4, static_cast<int64_t>(r.category)).Bind(5, static_cast<int64_t>(r.state));
    (*st)->Bind(6, static_cast<int64_t>(r.year)).Bind(7, r.subject).Bind(8, r.assessor);
    (*st)->BindBlob(9, r.body);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat(r.name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Record>> List(const ListQuery& q) override {
    auto st = db_.Prepare(absl::StrCat(
        "SELECT ", kColumns, " FROM records WHERE kind = ?1 AND sort_key > ?2",
        " AND (?3 = 0 OR parent = ?4) AND (?5 = 0 OR cycle = ?6)",
        " AND (?7 = 0 OR category = ?7) AND (?8 = 0 OR state = ?8) AND (?9 = 0 OR year = ?9)",
        " AND (?10 = '' OR subject = ?10) AND (?11 = '' OR assessor = ?11)",
        " ORDER BY sort_key LIMIT ?12"));
    if (!st.ok()) return st.status();
    (*st)->Bind(1, static_cast<int64_t>(q.kind)).Bind(2, q.after_key);
    (*st)->Bind(3, static_cast<int64_t>(q.parent.has_value())).Bind(4, q.parent.value_or(""));
    (*st)->Bind(5, static_cast<int64_t>(q.cycle.has_value())).Bind(6, q.cycle.value_or(""));
    (*st)->Bind(7, static_cast<int64_t>(q.category)).Bind(8, static_cast<int64_t>(q.state));
    (*st)->Bind(9, static_cast<int64_t>(q.year)).Bind(10, q.subject).Bind(11, q.assessor);
    (*st)->Bind(12, static_cast<int64_t>(q.limit));
    std::vector<Record> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(Read(**st));
    }
    return out;
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    return sqlite::ReadRequestId(db_, method, request_id);
  }

  absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                          const RequestRecord& record) override {
    return sqlite::WriteRequestId(db_, method, request_id, record);
  }

  absl::Status AppendAudit(AuditEvent& event) override {
    return sqlite::AppendAuditEvent(db_, event);
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) override {
    return sqlite::ListAuditEvents(db_, query);
  }

  absl::StatusOr<int64_t> NextId(absl::string_view sequence) override {
    auto st = db_.Prepare(
        "INSERT INTO sequences (name, value) VALUES (?1, 1)"
        " ON CONFLICT DO UPDATE SET value = value + 1 RETURNING value");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, sequence);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::InternalError("sequence update returned no row");
    const int64_t value = (*st)->Int(0);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    return value;
  }

 private:
  static Record Read(const sqlite::Statement& st) {
    Record r;
    r.kind = static_cast<Kind>(st.Int(0));
    r.name = st.Text(1);
    r.parent = st.Text(2);
    r.cycle = st.Text(3);
    r.sort_key = st.Text(4);
    r.category = static_cast<int>(st.Int(5));
    r.state = static_cast<int>(st.Int(6));
    r.year = static_cast<int>(st.Int(7));
    r.subject = st.Text(8);
    r.assessor = st.Text(9);
    r.body = st.Text(10);
    return r;
  }

  sqlite::Database& db_;
};

class SqliteAwardStore final : public AwardStore {
 public:
  explicit SqliteAwardStore(std::unique_ptr<sqlite::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](AwardTx& tx) { return tx.Get(Kind::kRubric, "").status(); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(AwardTx&)> fn) override {
    return pool_->Write([&](sqlite::Database& db) {
      SqliteTx tx(db);
      return fn(tx);
    });
  }

  absl::Status Read(absl::FunctionRef<absl::Status(AwardTx&)> fn) override {
    return pool_->Read([&](sqlite::Database& db) {
      SqliteTx tx(db);
      return fn(tx);
    });
  }

 private:
  std::unique_ptr<sqlite::ConnectionPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AwardStore>> OpenSqliteAwardStore(const std::string& path) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::ConnectionPool> pool,
                             sqlite::ConnectionPool::Open(path, kMigrations));
  return std::make_unique<SqliteAwardStore>(std::move(pool));
}

}  // namespace paritrana::award
