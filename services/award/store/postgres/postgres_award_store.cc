#include "services/award/store/postgres/postgres_award_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/errors.h"
#include "storage/postgres/audit_events.h"
#include "storage/postgres/postgres.h"
#include "storage/postgres/request_ids.h"

namespace paritrana::award {
namespace {

using postgres::Connection;
using postgres::Result;
using postgres::Sql;

// Schema migrations; entry i brings the schema to version i + 1. Append only. The SQLite
// backend's tables, with text keys in the "C" collation so they sort byte-wise.
constexpr absl::string_view kMigrations[] = {
    R"sql(
CREATE TABLE records (
  kind INTEGER NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL,
  cycle TEXT COLLATE "C" NOT NULL,
  sort_key TEXT COLLATE "C" NOT NULL,
  category INTEGER NOT NULL,
  state INTEGER NOT NULL,
  year INTEGER NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  assessor TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX records_by_parent ON records (kind, parent, sort_key);
CREATE INDEX records_by_cycle ON records (kind, cycle, sort_key);
CREATE INDEX records_by_order ON records (kind, sort_key);
-- A subject competes at most once per cycle.
CREATE UNIQUE INDEX records_subject_per_cycle ON records (kind, cycle, subject)
  WHERE subject <> '';

CREATE TABLE request_ids (
  method TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (method, request_id)
);

CREATE TABLE sequences (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL);
)sql",
    // The audit trail (security/audit.h).
    postgres::kAuditEventsMigration,
};

constexpr absl::string_view kColumns =
    "kind, name, parent, cycle, sort_key, category, state, year, subject, assessor, body";

class PostgresTx final : public AwardTx {
 public:
  explicit PostgresTx(Connection& conn) : conn_(conn) {}

  absl::StatusOr<std::optional<Record>> Get(Kind kind, absl::string_view name) override {
    Sql sql;
    const std::string k = sql.Int(static_cast<int64_t>(kind));
    const std::string n = sql.Text(name);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(
            absl::StrCat("SELECT ", kColumns, " FROM records WHERE kind = ", k, " AND name = ", n),
            sql.params()));
    if (result.rows() == 0) return std::nullopt;
    return Read(result, 0);
  }

  absl::Status Insert(const Record& r) override {
    Sql sql;
    const std::string values[] = {sql.Int(static_cast<int64_t>(r.kind)),
                                  sql.Text(r.name),
                                  sql.Text(r.parent),
                                  sql.Text(r.cycle),
                                  sql.Text(r.sort_key),
                                  sql.Int(r.category),
                                  sql.Int(r.state),
                                  sql.Int(r.year),
                                  sql.Text(r.subject),
                                  sql.Text(r.assessor),
                                  sql.Bytes(r.body)};
    // ON CONFLICT, not a failed statement (which would abort the transaction): a taken name and a
    // subject already competing in the cycle are both ALREADY_EXISTS.
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO records (", kColumns, ") VALUES (",
                                 absl::StrJoin(values, ", "), ") ON CONFLICT DO NOTHING"),
                    sql.params()));
    if (result.Changed() == 0) return absl::AlreadyExistsError(absl::StrCat(r.name, " exists"));
    return absl::OkStatus();
  }

  absl::Status Update(const Record& r) override {
    Sql sql;
    const std::string sort_key = sql.Text(r.sort_key);
    const std::string category = sql.Int(r.category);
    const std::string state = sql.Int(r.state);
    const std::string year = sql.Int(r.year);
    const std::string subject = sql.Text(r.subject);
    const std::string assessor = sql.Text(r.assessor);
    const std::string body = sql.Bytes(r.body);
    const std::string kind = sql.Int(static_cast<int64_t>(r.kind));
    const std::string name = sql.Text(r.name);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("UPDATE records SET sort_key = ", sort_key,
                                 ", category = ", category, ", state = ", state, ", year = ", year,
                                 ", subject = ", subject, ", assessor = ", assessor,
                                 ", body = ", body, " WHERE kind = ", kind, " AND name = ", name),
                    sql.params()));
    if (result.Changed() == 0) return absl::NotFoundError(absl::StrCat(r.name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Record>> List(const ListQuery& q) override {
    Sql sql;
    const std::string kind = sql.Int(static_cast<int64_t>(q.kind));
    const std::string after = sql.Text(q.after_key);
    std::string statement = absl::StrCat("SELECT ", kColumns, " FROM records WHERE kind = ", kind,
                                         " AND sort_key > ", after);
    // Only the filters that are set, so the planner sees plain equalities.
    if (q.parent.has_value()) {
      const std::string v = sql.Text(*q.parent);
      absl::StrAppend(&statement, " AND parent = ", v);
    }
    if (q.cycle.has_value()) {
      const std::string v = sql.Text(*q.cycle);
      absl::StrAppend(&statement, " AND cycle = ", v);
    }
    if (q.category != 0) {
      const std::string v = sql.Int(q.category);
      absl::StrAppend(&statement, " AND category = ", v);
    }
    if (q.state != 0) {
      const std::string v = sql.Int(q.state);
      absl::StrAppend(&statement, " AND state = ", v);
    }
    if (q.year != 0) {
      const std::string v = sql.Int(q.year);
      absl::StrAppend(&statement, " AND year = ", v);
    }
    if (!q.subject.empty()) {
      const std::string v = sql.Text(q.subject);
      absl::StrAppend(&statement, " AND subject = ", v);
    }
    if (!q.assessor.empty()) {
      const std::string v = sql.Text(q.assessor);
      absl::StrAppend(&statement, " AND assessor = ", v);
    }
    const std::string limit = sql.Int(q.limit);
    absl::StrAppend(&statement, " ORDER BY sort_key LIMIT ", limit);
    PARITRANA_ASSIGN_OR_RETURN(Result result, conn_.Query(statement, sql.params()));
    std::vector<Record> out;
    for (int i = 0; i < result.rows(); ++i) out.push_back(Read(result, i));
    return out;
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    return postgres::ReadRequestId(conn_, method, request_id);
  }

  absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                          const RequestRecord& record) override {
    return postgres::WriteRequestId(conn_, method, request_id, record);
  }

  absl::Status AppendAudit(AuditEvent& event) override {
    return postgres::AppendAuditEvent(conn_, event);
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) override {
    return postgres::ListAuditEvents(conn_, query);
  }

  absl::StatusOr<int64_t> NextId(absl::string_view sequence) override {
    Sql sql;
    const std::string n = sql.Text(sequence);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO sequences AS s (name, value) VALUES (", n,
                                 ", 1) ON CONFLICT (name) DO UPDATE SET value = s.value + 1"
                                 " RETURNING value"),
                    sql.params()));
    if (result.rows() != 1) return absl::InternalError("sequence update returned no row");
    return result.Int(0, 0);
  }

 private:
  static Record Read(const Result& r, int row) {
    Record out;
    out.kind = static_cast<Kind>(r.Int(row, 0));
    out.name = r.Bytes(row, 1);
    out.parent = r.Bytes(row, 2);
    out.cycle = r.Bytes(row, 3);
    out.sort_key = r.Bytes(row, 4);
    out.category = static_cast<int>(r.Int(row, 5));
    out.state = static_cast<int>(r.Int(row, 6));
    out.year = static_cast<int>(r.Int(row, 7));
    out.subject = r.Bytes(row, 8);
    out.assessor = r.Bytes(row, 9);
    out.body = r.Bytes(row, 10);
    return out;
  }

  Connection& conn_;
};

class PostgresAwardStore final : public AwardStore {
 public:
  explicit PostgresAwardStore(std::unique_ptr<postgres::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](AwardTx& tx) { return tx.Get(Kind::kRubric, "").status(); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(AwardTx&)> fn) override {
    return pool_->Write([&](Connection& conn) {
      PostgresTx tx(conn);
      return fn(tx);
    });
  }

  absl::Status Read(absl::FunctionRef<absl::Status(AwardTx&)> fn) override {
    return pool_->Read([&](Connection& conn) {
      PostgresTx tx(conn);
      return fn(tx);
    });
  }

 private:
  std::unique_ptr<postgres::ConnectionPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AwardStore>> OpenPostgresAwardStore(const std::string& conninfo) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<postgres::ConnectionPool> pool,
                             postgres::ConnectionPool::Open(conninfo, "award", kMigrations));
  return std::make_unique<PostgresAwardStore>(std::move(pool));
}

}  // namespace paritrana::award
