#include "services/registry/store/sqlite/sqlite_registry_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/sqlite.h"

namespace paritrana::registry {
namespace {

// Schema migrations; entry i brings the schema to version i + 1. Append only.
constexpr absl::string_view kMigrations[] = {
    R"sql(
CREATE TABLE resources (
  kind INTEGER NOT NULL,
  name TEXT NOT NULL,
  parent TEXT NOT NULL,
  region TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
CREATE INDEX resources_by_parent ON resources (kind, parent, name);
CREATE INDEX resources_by_region ON resources (kind, region, name);

-- NIK look-up: keyed hash (not reversible without the key) and the sealed NIK (AES-GCM).
CREATE TABLE nik_index (
  hash TEXT PRIMARY KEY,
  sealed TEXT NOT NULL,
  participant TEXT NOT NULL UNIQUE
) WITHOUT ROWID;

-- Active persons change by delta from day onwards, per region (every level) and key.
CREATE TABLE active_deltas (
  region TEXT NOT NULL,
  segment INTEGER NOT NULL,
  programme INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  day INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, segment, programme, funding, scheme, day)
) WITHOUT ROWID;

CREATE TABLE request_ids (
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (method, request_id)
) WITHOUT ROWID;

CREATE TABLE generations (province TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE imports (import_id TEXT PRIMARY KEY, response BLOB NOT NULL) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE unique_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  owner TEXT NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
)sql",
};

class SqliteTx final : public RegistryTx {
 public:
  explicit SqliteTx(sqlite::Database& db) : db_(db) {}

  absl::Status Atomically(absl::FunctionRef<absl::Status()> fn) override {
    RETURN_IF_ERROR(db_.Exec("SAVEPOINT atomically"));
    absl::Status s = fn();
    if (!s.ok()) {
      db_.Exec("ROLLBACK TO atomically").IgnoreError();
    }
    absl::Status released = db_.Exec("RELEASE atomically");
    return s.ok() ? released : s;
  }

  absl::StatusOr<std::optional<std::string>> Get(Kind kind, absl::string_view name) override {
    return One("SELECT body FROM resources WHERE kind = ?1 AND name = ?2",
               [&](sqlite::Statement& s) { s.Bind(1, Int(kind)).Bind(2, name); });
  }

  absl::Status Insert(Kind kind, absl::string_view name, absl::string_view parent,
                      absl::string_view region, absl::string_view body) override {
    auto st = db_.Prepare(
        "INSERT INTO resources (kind, name, parent, region, body) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, Int(kind)).Bind(2, name).Bind(3, parent).Bind(4, region).BindBlob(5, body);
    absl::Status s = (*st)->Run();
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    return s;
  }

  absl::Status Update(Kind kind, absl::string_view name, absl::string_view body) override {
    auto st = db_.Prepare("UPDATE resources SET body = ?3 WHERE kind = ?1 AND name = ?2");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, Int(kind)).Bind(2, name).BindBlob(3, body);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat(name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<StoredResource>> List(const ListQuery& q) override {
    // One statement per filter combination, each written so SQLite can use an index: a
    // parameter-dependent OR would make it scan every record of the kind.
    // Without statistics SQLite would walk the primary key for the ORDER BY; name the index.
    std::string sql = "SELECT name, body FROM resources";
    if (q.parent.has_value()) {
      sql += " INDEXED BY resources_by_parent";
    } else if (!q.region.empty()) {
      sql += " INDEXED BY resources_by_region";
    }
    sql += " WHERE kind = ?1 AND name > ?2";
    if (q.parent.has_value()) sql += " AND parent = ?3";
    // Region filter: the region itself or any code below it ("15.08" matches "15.08.01.2001"
    // but not "15.081"); '/' is the character after '.', so the range is index-friendly.
    if (!q.region.empty()) sql += " AND (region = ?4 OR (region > ?4 || '.' AND region < ?4 || '/'))";
    sql += " ORDER BY name LIMIT ?5";
    auto st = db_.Prepare(sql);
    if (!st.ok()) return st.status();
    (*st)->Bind(1, Int(q.kind)).Bind(2, q.after_name);
    if (q.parent.has_value()) (*st)->Bind(3, *q.parent);
    if (!q.region.empty()) (*st)->Bind(4, q.region);
    (*st)->Bind(5, static_cast<int64_t>(q.limit));
    std::vector<StoredResource> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({(*st)->Text(0), (*st)->Text(1)});
    }
    return out;
  }

  absl::Status InsertNik(absl::string_view hash, absl::string_view sealed,
                         absl::string_view participant) override {
    auto st = db_.Prepare("INSERT INTO nik_index (hash, sealed, participant) VALUES (?1, ?2, ?3)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, hash).Bind(2, sealed).Bind(3, participant);
    absl::Status s = (*st)->Run();
    // The message must not carry the hash either: it identifies a person given the key.
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError("NIK already registered");
    return s;
  }

  absl::StatusOr<std::optional<std::string>> ParticipantByNikHash(
      absl::string_view hash) override {
    return One("SELECT participant FROM nik_index WHERE hash = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, hash); });
  }

  absl::StatusOr<std::optional<std::string>> SealedNik(absl::string_view participant) override {
    return One("SELECT sealed FROM nik_index WHERE participant = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, participant); });
  }

  absl::Status ClaimKey(absl::string_view scope, absl::string_view key,
                        absl::string_view owner) override {
    ASSIGN_OR_RETURN(std::optional<std::string> holder,
                     One("SELECT owner FROM unique_keys WHERE scope = ?1 AND key = ?2",
                         [&](sqlite::Statement& s) { s.Bind(1, scope).Bind(2, key); }));
    if (holder.has_value()) {
      return *holder == owner ? absl::OkStatus()
                              : absl::AlreadyExistsError(absl::StrCat(scope, " is taken"));
    }
    auto st = db_.Prepare("INSERT INTO unique_keys (scope, key, owner) VALUES (?1, ?2, ?3)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, scope).Bind(2, key).Bind(3, owner);
    return (*st)->Run();
  }

  absl::Status ReleaseKey(absl::string_view scope, absl::string_view key,
                          absl::string_view owner) override {
    auto st = db_.Prepare("DELETE FROM unique_keys WHERE scope = ?1 AND key = ?2 AND owner = ?3");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, scope).Bind(2, key).Bind(3, owner);
    return (*st)->Run();
  }

  absl::Status AddDeltas(std::span<const AggregateDelta> deltas) override {
    auto st = db_.Prepare(
        "INSERT INTO active_deltas (region, segment, programme, funding, scheme, day, delta)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT DO UPDATE SET delta = delta + excluded.delta");
    if (!st.ok()) return st.status();
    for (const AggregateDelta& d : deltas) {
      (*st)->Reset();
      (*st)->Bind(1, d.key.region).Bind(2, d.key.segment).Bind(3, d.key.programme);
      (*st)->Bind(4, d.key.funding).Bind(5, d.key.scheme).Bind(6, d.day).Bind(7, d.delta);
      if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AggregateCount>> CountActive(absl::string_view region,
                                                          int64_t day) override {
    auto st = db_.Prepare(
        "SELECT segment, programme, funding, scheme, SUM(delta) FROM active_deltas"
        " WHERE region = ?1 AND day <= ?2 GROUP BY segment, programme, funding, scheme"
        " HAVING SUM(delta) <> 0");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, region).Bind(2, day);
    std::vector<AggregateCount> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      AggregateCount c;
      c.key.region = std::string(region);
      c.key.segment = static_cast<int>((*st)->Int(0));
      c.key.programme = static_cast<int>((*st)->Int(1));
      c.key.funding = static_cast<int>((*st)->Int(2));
      c.key.scheme = (*st)->Text(3);
      c.active = (*st)->Int(4);
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    auto st = db_.Prepare(
        "SELECT fingerprint, resource FROM request_ids WHERE method = ?1 AND request_id = ?2");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, method).Bind(2, request_id);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    RequestRecord record{(*st)->Text(0), (*st)->Text(1)};
    (*st)->Reset();
    return record;
  }

  absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                          const RequestRecord& record) override {
    auto st = db_.Prepare(
        "INSERT INTO request_ids (method, request_id, fingerprint, resource, create_time)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, method).Bind(2, request_id).Bind(3, record.fingerprint);
    (*st)->Bind(4, record.resource).Bind(5, absl::ToUnixSeconds(absl::Now()));
    return (*st)->Run();
  }

  absl::StatusOr<int64_t> BumpGeneration(absl::string_view province) override {
    return Counter("generations", "province", "generation", province);
  }

  absl::StatusOr<int64_t> Generation(absl::string_view province) override {
    auto value = One("SELECT generation FROM generations WHERE province = ?1",
                     [&](sqlite::Statement& s) { s.Bind(1, province); });
    if (!value.ok()) return value.status();
    return value->has_value() ? std::stoll(**value) : 0;
  }

  absl::StatusOr<int64_t> NextId(absl::string_view sequence) override {
    return Counter("sequences", "name", "value", sequence);
  }

  absl::StatusOr<std::optional<std::string>> GetImport(absl::string_view import_id) override {
    return One("SELECT response FROM imports WHERE import_id = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, import_id); });
  }

  absl::Status PutImport(absl::string_view import_id, absl::string_view response) override {
    auto st = db_.Prepare("INSERT OR REPLACE INTO imports (import_id, response) VALUES (?1, ?2)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, import_id).BindBlob(2, response);
    return (*st)->Run();
  }

 private:
  static int64_t Int(Kind kind) { return static_cast<int64_t>(kind); }

  // The first column of the first row, if any.
  template <typename BindFn>
  absl::StatusOr<std::optional<std::string>> One(absl::string_view sql, BindFn bind) {
    auto st = db_.Prepare(sql);
    if (!st.ok()) return st.status();
    bind(**st);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    std::string value = (*st)->Text(0);
    (*st)->Reset();
    return value;
  }

  // Increments a named counter row and returns its new value.
  absl::StatusOr<int64_t> Counter(absl::string_view table, absl::string_view key_column,
                                  absl::string_view value_column, absl::string_view key) {
    const std::string sql =
        absl::StrCat("INSERT INTO ", table, " (", key_column, ", ", value_column,
                     ") VALUES (?1, 1) ON CONFLICT DO UPDATE SET ", value_column, " = ",
                     value_column, " + 1 RETURNING ", value_column);
    auto st = db_.Prepare(sql);
    if (!st.ok()) return st.status();
    (*st)->Bind(1, key);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    const int64_t value = (*st)->Int(0);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    return value;
  }

  sqlite::Database& db_;
};

class SqliteRegistryStore final : public RegistryStore {
 public:
  explicit SqliteRegistryStore(std::unique_ptr<sqlite::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](RegistryTx& tx) { return tx.Generation("00").status(); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Write([&](sqlite::Database& db) {
      SqliteTx tx(db);
      return fn(tx);
    });
  }

  absl::Status Read(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Read([&](sqlite::Database& db) {
      SqliteTx tx(db);
      return fn(tx);
    });
  }

 private:
  std::unique_ptr<sqlite::ConnectionPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenSqliteRegistryStore(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<sqlite::ConnectionPool> pool,
                   sqlite::ConnectionPool::Open(path, kMigrations));
  return std::make_unique<SqliteRegistryStore>(std::move(pool));
}

}  // namespace paritrana::registry
