#include "services/registry/store/postgres/postgres_registry_store.h"

#include <iterator>
#include <map>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/errors.h"
#include "services/registry/store/person_keys.h"
#include "storage/postgres/postgres.h"
#include "storage/postgres/request_ids.h"

namespace paritrana::registry {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::Result;
using postgres::Sql;

// Schema migrations; entry i brings the schema to version i + 1. Append only. The tables are the
// SQLite backend's at its version 6 (docs/architecture.md), with text keys in the "C" collation so
// names sort byte-wise, as the store contract requires.
constexpr absl::string_view kMigrations[] = {
    R"sql(
CREATE TABLE resources (
  kind INTEGER NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX resources_by_parent ON resources (kind, parent, name);
CREATE INDEX resources_by_region ON resources (kind, region, name);

CREATE TABLE participants (
  kpj BIGINT PRIMARY KEY,
  region TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX participants_by_region ON participants (region, kpj);
CREATE TABLE enrollments (
  kpj BIGINT NOT NULL,
  enrollment TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  PRIMARY KEY (kpj, enrollment)
);
CREATE INDEX enrollments_by_region ON enrollments (region, kpj, enrollment);
CREATE TABLE contributions (
  kpj BIGINT NOT NULL,
  enrollment TEXT COLLATE "C" NOT NULL,
  contribution TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  PRIMARY KEY (kpj, enrollment, contribution)
);
CREATE TABLE niks (
  kpj BIGINT PRIMARY KEY,
  hash TEXT COLLATE "C" NOT NULL UNIQUE,
  sealed TEXT NOT NULL
);

CREATE TABLE unique_keys (
  scope TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  owner TEXT NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE TABLE active_deltas (
  region TEXT COLLATE "C" NOT NULL,
  day BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (region, day, profile)
);
CREATE TABLE active_deltas_32d (
  region TEXT COLLATE "C" NOT NULL,
  block BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (region, block, profile)
);
CREATE TABLE active_deltas_1024d (
  region TEXT COLLATE "C" NOT NULL,
  block BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (region, block, profile)
);
CREATE TABLE enrollment_spans (
  region TEXT COLLATE "C" NOT NULL,
  person BIGINT NOT NULL,
  enrollment BIGINT NOT NULL,
  segment BIGINT NOT NULL,
  programmes BIGINT NOT NULL,
  funding BIGINT NOT NULL,
  scheme TEXT NOT NULL,
  first_day BIGINT NOT NULL,
  last_day BIGINT NOT NULL,
  PRIMARY KEY (region, person, enrollment)
);

CREATE TABLE request_ids (
  method TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (method, request_id)
);
CREATE TABLE generations (province TEXT COLLATE "C" PRIMARY KEY, generation BIGINT NOT NULL);
CREATE TABLE sequences (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE imports (import_id TEXT COLLATE "C" PRIMARY KEY, response BYTEA NOT NULL);
CREATE TABLE settings (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
)sql",
};

// The tables of active_deltas by resolution: a row of level i sums the days d with
// d >> kBlockShift[i] equal to its `block` (or `day`).
constexpr absl::string_view kDeltaTables[] = {"active_deltas", "active_deltas_32d",
                                              "active_deltas_1024d"};
constexpr absl::string_view kDeltaTimeColumns[] = {"day", "block", "block"};
constexpr int kBlockShift[] = {0, 5, 10};

// The placeholders of a key's first `keys` parts, added to `sql` in order: "$1::bigint, $2::text".
std::string KeyValues(Sql& sql, const PersonKey& key, int keys) {
  std::string out = sql.Int(key.kpj);
  if (keys > 1) absl::StrAppend(&out, ", ", sql.Text(key.enrollment));
  if (keys > 2) absl::StrAppend(&out, ", ", sql.Text(key.contribution));
  return out;
}

// "(kpj, enrollment) = ($1::bigint, $2::text)".
std::string KeyEquals(Sql& sql, const PersonKey& key, int keys) {
  const std::string values = KeyValues(sql, key, keys);
  return absl::StrCat("(", PersonKeyColumns(keys), ") = (", values, ")");
}

PersonKey ReadKey(const Result& r, int row, int keys) {
  PersonKey key;
  key.kpj = r.Int(row, 0);
  if (keys > 1) key.enrollment = r.Bytes(row, 1);
  if (keys > 2) key.contribution = r.Bytes(row, 2);
  return key;
}

class PostgresTx final : public RegistryTx {
 public:
  PostgresTx(Connection& conn, bool writable) : conn_(conn), writable_(writable) {}

  absl::Status Atomically(absl::FunctionRef<absl::Status()> fn) override {
    PARITRANA_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT atomically"));
    const size_t pending_before = pending_.size();
    const Sequences sequences_before = sequences_;
    absl::Status s = fn();
    if (!s.ok()) {
      PARITRANA_RETURN_IF_ERROR(conn_.Exec("ROLLBACK TO SAVEPOINT atomically"));
      pending_.resize(pending_before);
      sequences_ = sequences_before;
    }
    absl::Status released = conn_.Exec("RELEASE SAVEPOINT atomically");
    return s.ok() ? released : s;
  }

  absl::StatusOr<std::optional<std::string>> Get(Kind kind, absl::string_view name) override {
    if (IsPersonKind(kind)) return GetPerson(kind, name);
    Sql sql;
    const std::string k = sql.Int(Int(kind));
    const std::string n = sql.Text(name);
    return One(absl::StrCat("SELECT body FROM resources WHERE kind = ", k, " AND name = ", n), sql);
  }

  absl::Status Insert(Kind kind, absl::string_view name, absl::string_view parent,
                      absl::string_view region, absl::string_view body) override {
    if (IsPersonKind(kind)) return InsertPerson(kind, name, region, body);
    Sql sql;
    const std::string k = sql.Int(Int(kind));
    const std::string n = sql.Text(name);
    const std::string p = sql.Text(parent);
    const std::string r = sql.Text(region);
    const std::string b = sql.Bytes(body);
    // ON CONFLICT, not a failed statement: an error would abort the whole transaction.
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO resources (kind, name, parent, region,"
                                 " body) VALUES (",
                                 k, ", ", n, ", ", p, ", ", r, ", ", b, ") ON CONFLICT DO NOTHING"),
                    sql.params()));
    if (result.Changed() == 0) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    return absl::OkStatus();
  }

  absl::Status Update(Kind kind, absl::string_view name, absl::string_view body) override {
    Sql sql;
    std::string statement;
    if (IsPersonKind(kind)) {
      std::optional<PersonKey> key = ParsePersonKey(kind, name);
      if (!key.has_value()) return absl::NotFoundError(absl::StrCat(name, " not found"));
      const std::string b = sql.Bytes(StripName(name, body));
      const std::string where = KeyEquals(sql, *key, PersonTableOf(kind).keys);
      statement =
          absl::StrCat("UPDATE ", PersonTableOf(kind).name, " SET body = ", b, " WHERE ", where);
    } else {
      const std::string b = sql.Bytes(body);
      const std::string k = sql.Int(Int(kind));
      const std::string n = sql.Text(name);
      statement =
          absl::StrCat("UPDATE resources SET body = ", b, " WHERE kind = ", k, " AND name = ", n);
    }
    PARITRANA_ASSIGN_OR_RETURN(Result result, conn_.Query(statement, sql.params()));
    if (result.Changed() == 0) return absl::NotFoundError(absl::StrCat(name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<StoredResource>> List(const ListQuery& q) override {
    if (IsPersonKind(q.kind)) return ListPersons(q);
    Sql sql;
    const std::string k = sql.Int(Int(q.kind));
    const std::string after = sql.Text(q.after_name);
    std::string statement =
        absl::StrCat("SELECT name, body FROM resources WHERE kind = ", k, " AND name > ", after);
    if (q.parent.has_value()) {
      const std::string p = sql.Text(*q.parent);
      absl::StrAppend(&statement, " AND parent = ", p);
    }
    if (!q.region.empty()) absl::StrAppend(&statement, " AND ", RegionFilter(sql, q.region));
    const std::string limit = sql.Int(q.limit);
    absl::StrAppend(&statement, " ORDER BY name LIMIT ", limit);
    PARITRANA_ASSIGN_OR_RETURN(Result result, conn_.Query(statement, sql.params()));
    std::vector<StoredResource> out;
    for (int i = 0; i < result.rows(); ++i) {
      out.push_back({result.Bytes(i, 0), result.Bytes(i, 1)});
    }
    return out;
  }

  absl::Status InsertNik(absl::string_view hash, absl::string_view sealed,
                         absl::string_view participant) override {
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return NotAPersonName(Kind::kParticipant, participant);
    Sql sql;
    const std::string k = sql.Int(key->kpj);
    const std::string h = sql.Text(hash);
    const std::string s = sql.Text(sealed);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result, conn_.Query(absl::StrCat("INSERT INTO niks (kpj, hash, sealed) VALUES (", k,
                                                ", ", h, ", ", s, ") ON CONFLICT DO NOTHING"),
                                   sql.params()));
    // The message must not carry the hash either: it identifies a person given the key.
    if (result.Changed() == 0) return absl::AlreadyExistsError("NIK already registered");
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> ParticipantByNikHash(absl::string_view hash) override {
    Sql sql;
    const std::string h = sql.Text(hash);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("SELECT kpj FROM niks WHERE hash = ", h), sql.params()));
    if (result.rows() == 0) return std::nullopt;
    PersonKey key;
    key.kpj = result.Int(0, 0);
    return PersonName(Kind::kParticipant, key);
  }

  absl::StatusOr<std::optional<std::string>> SealedNik(absl::string_view participant) override {
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return std::nullopt;
    Sql sql;
    const std::string k = sql.Int(key->kpj);
    return One(absl::StrCat("SELECT sealed FROM niks WHERE kpj = ", k), sql);
  }

  absl::Status ClaimKey(absl::string_view scope, absl::string_view key,
                        absl::string_view owner) override {
    Sql sql;
    const std::string s = sql.Text(scope);
    const std::string k = sql.Text(key);
    const std::string o = sql.Text(owner);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO unique_keys (scope, key, owner) VALUES (", s, ", ", k,
                                 ", ", o,
                                 ") ON CONFLICT (scope, key) DO UPDATE SET owner ="
                                 " unique_keys.owner RETURNING owner"),
                    sql.params()));
    if (result.rows() == 1 && result.Bytes(0, 0) != owner) {
      return absl::AlreadyExistsError(absl::StrCat(scope, " is taken"));
    }
    return absl::OkStatus();
  }

  absl::Status ReleaseKey(absl::string_view scope, absl::string_view key,
                          absl::string_view owner) override {
    Sql sql;
    const std::string s = sql.Text(scope);
    const std::string k = sql.Text(key);
    const std::string o = sql.Text(owner);
    return conn_
        .Query(absl::StrCat("DELETE FROM unique_keys WHERE scope = ", s, " AND key = ", k,
                            " AND owner = ", o),
               sql.params())
        .status();
  }

  absl::Status AddDeltas(std::span<const AggregateDelta> deltas) override {
    if (!writable_) return absl::FailedPreconditionError("AddDeltas inside a read transaction");
    // Held back until the transaction commits or counts, summed per row (as in the SQLite
    // backend): an import batch's rows share most rows.
    pending_.insert(pending_.end(), deltas.begin(), deltas.end());
    return absl::OkStatus();
  }

  // Writes what the transaction held back. Write calls it before committing.
  absl::Status FlushPending() {
    for (const auto& [name, value] : sequences_) {
      Sql sql;
      const std::string n = sql.Text(name);
      const std::string v = sql.Int(value);
      PARITRANA_RETURN_IF_ERROR(
          conn_
              .Query(absl::StrCat("INSERT INTO sequences (name, value) VALUES (", n, ", ", v,
                                  ") ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                     sql.params())
              .status());
    }
    return FlushDeltas();
  }

  absl::Status FlushDeltas() {
    if (pending_.empty()) return absl::OkStatus();
    for (size_t level = 0; level < std::size(kDeltaTables); ++level) {
      std::map<DeltaRow, int64_t> rows;
      for (const AggregateDelta& d : pending_) {
        rows[DeltaRow{d.key.region, d.day >> kBlockShift[level], d.key.profile}] += d.delta;
      }
      for (const auto& [row, delta] : rows) {
        if (delta == 0) continue;
        const auto& [region, time, profile] = row;
        Sql sql;
        const std::string r = sql.Text(region);
        const std::string t = sql.Int(time);
        const std::string p = sql.Text(profile);
        const std::string d = sql.Int(delta);
        PARITRANA_RETURN_IF_ERROR(
            conn_
                .Query(absl::StrCat("INSERT INTO ", kDeltaTables[level], " AS t (region, ",
                                    kDeltaTimeColumns[level], ", profile, delta) VALUES (", r, ", ",
                                    t, ", ", p, ", ", d, ") ON CONFLICT (region, ",
                                    kDeltaTimeColumns[level],
                                    ", profile) DO UPDATE SET delta = t.delta + excluded.delta"),
                       sql.params())
                .status());
      }
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AggregateCount>> CountActive(absl::string_view region,
                                                          int64_t day) override {
    PARITRANA_RETURN_IF_ERROR(FlushDeltas());  // a count in a write transaction sees its own deltas
    // The same three key ranges as the SQLite backend (registry_store.h).
    const int64_t block32 = day >> 5;
    const int64_t block1024 = day >> 10;
    Sql sql;
    const std::string r = sql.Text(region);
    const std::string b1024 = sql.Int(block1024);
    const std::string from32 = sql.Int(block1024 << 5);
    const std::string to32 = sql.Int(block32);
    const std::string from_day = sql.Int(block32 << 5);
    const std::string to_day = sql.Int(day);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("SELECT profile, SUM(delta)::bigint FROM ("
                                 " SELECT profile, delta FROM active_deltas_1024d WHERE region = ",
                                 r, " AND block < ", b1024,
                                 " UNION ALL"
                                 " SELECT profile, delta FROM active_deltas_32d WHERE region = ",
                                 r, " AND block >= ", from32, " AND block < ", to32,
                                 " UNION ALL"
                                 " SELECT profile, delta FROM active_deltas WHERE region = ",
                                 r, " AND day >= ", from_day, " AND day <= ", to_day,
                                 ") AS d GROUP BY profile HAVING SUM(delta) <> 0 ORDER BY profile"),
                    sql.params()));
    std::vector<AggregateCount> out;
    for (int i = 0; i < result.rows(); ++i) {
      AggregateCount c;
      c.key.region = std::string(region);
      c.key.profile = result.Bytes(i, 0);
      c.active = result.Int(i, 1);
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::Status PutSpan(const EnrollmentSpan& span) override {
    Sql sql;
    const std::string r = sql.Text(span.region);
    const std::string person = sql.Int(span.person);
    const std::string e = sql.Int(span.enrollment);
    if (span.last_day < span.first_day) {
      return conn_
          .Query(absl::StrCat("DELETE FROM enrollment_spans WHERE region = ", r,
                              " AND person = ", person, " AND enrollment = ", e),
                 sql.params())
          .status();
    }
    const int64_t programmes = ProgrammeBits(span.programmes);
    const std::string segment = sql.Int(span.segment);
    const std::string bits = sql.Int(programmes);
    const std::string funding = sql.Int(span.funding);
    const std::string scheme = sql.Text(span.scheme);
    const std::string first = sql.Int(span.first_day);
    const std::string last = sql.Int(span.last_day);
    return conn_
        .Query(absl::StrCat("INSERT INTO enrollment_spans (region, person, enrollment, segment,"
                            " programmes, funding, scheme, first_day, last_day) VALUES (",
                            r, ", ", person, ", ", e, ", ", segment, ", ", bits, ", ", funding,
                            ", ", scheme, ", ", first, ", ", last,
                            ") ON CONFLICT (region, person, enrollment) DO UPDATE SET segment ="
                            " excluded.segment, programmes = excluded.programmes, funding ="
                            " excluded.funding, scheme = excluded.scheme, first_day ="
                            " excluded.first_day, last_day = excluded.last_day"),
               sql.params())
        .status();
  }

  absl::StatusOr<std::vector<EnrollmentSpan>> SpansOn(absl::string_view region,
                                                      int64_t day) override {
    Sql sql;
    const std::string r = sql.Text(region);
    const std::string d = sql.Int(day);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("SELECT region, person, enrollment, segment, programmes, funding,"
                                 " scheme, first_day, last_day FROM enrollment_spans WHERE region"
                                 " >= ",
                                 r, " AND region < ", r, " || '/' AND first_day <= ", d,
                                 " AND last_day >= ", d),
                    sql.params()));
    std::vector<EnrollmentSpan> out;
    for (int i = 0; i < result.rows(); ++i) {
      EnrollmentSpan span;
      span.region = result.Bytes(i, 0);
      span.person = result.Int(i, 1);
      span.enrollment = result.Int(i, 2);
      span.segment = static_cast<int>(result.Int(i, 3));
      span.programmes = ProgrammesOfBits(result.Int(i, 4));
      span.funding = static_cast<int>(result.Int(i, 5));
      span.scheme = result.Bytes(i, 6);
      span.first_day = result.Int(i, 7);
      span.last_day = result.Int(i, 8);
      out.push_back(std::move(span));
    }
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

  absl::StatusOr<int64_t> BumpGeneration(absl::string_view province) override {
    Sql sql;
    const std::string p = sql.Text(province);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO generations AS g (province, generation) VALUES (", p,
                                 ", 1) ON CONFLICT (province) DO UPDATE SET generation ="
                                 " g.generation + 1 RETURNING generation"),
                    sql.params()));
    return result.Int(0, 0);
  }

  absl::StatusOr<int64_t> Generation(absl::string_view province) override {
    Sql sql;
    const std::string p = sql.Text(province);
    PARITRANA_ASSIGN_OR_RETURN(Result result,
                               conn_.Query(absl::StrCat("SELECT generation FROM generations WHERE"
                                                        " province = ",
                                                        p),
                                           sql.params()));
    return result.rows() == 0 ? 0 : result.Int(0, 0);
  }

  absl::StatusOr<int64_t> NextId(absl::string_view sequence) override {
    // Counted in memory and written at commit (FlushPending), as in the SQLite backend; two
    // registries writing at once conflict on the row and one transaction is run again.
    if (!writable_) return absl::FailedPreconditionError("NextId inside a read transaction");
    auto it = sequences_.find(sequence);
    if (it == sequences_.end()) {
      Sql sql;
      const std::string n = sql.Text(sequence);
      PARITRANA_ASSIGN_OR_RETURN(
          Result result,
          conn_.Query(absl::StrCat("SELECT value FROM sequences WHERE name = ", n), sql.params()));
      it = sequences_.emplace(std::string(sequence), result.rows() == 0 ? 0 : result.Int(0, 0))
               .first;
    }
    return ++it->second;
  }

  absl::StatusOr<std::optional<std::string>> GetImport(absl::string_view import_id) override {
    Sql sql;
    const std::string id = sql.Text(import_id);
    return One(absl::StrCat("SELECT response FROM imports WHERE import_id = ", id), sql);
  }

  absl::Status PutImport(absl::string_view import_id, absl::string_view response) override {
    Sql sql;
    const std::string id = sql.Text(import_id);
    const std::string r = sql.Bytes(response);
    return conn_
        .Query(absl::StrCat("INSERT INTO imports (import_id, response) VALUES (", id, ", ", r,
                            ") ON CONFLICT (import_id) DO UPDATE SET response = excluded.response"),
               sql.params())
        .status();
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(absl::string_view name) override {
    Sql sql;
    const std::string n = sql.Text(name);
    return One(absl::StrCat("SELECT value FROM settings WHERE name = ", n), sql);
  }

  absl::Status PutSetting(absl::string_view name, absl::string_view value) override {
    Sql sql;
    const std::string n = sql.Text(name);
    const std::string v = sql.Text(value);
    return conn_
        .Query(absl::StrCat("INSERT INTO settings (name, value) VALUES (", n, ", ", v,
                            ") ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
               sql.params())
        .status();
  }

 private:
  using DeltaRow = std::tuple<std::string, int64_t, std::string>;
  using Sequences = std::map<std::string, int64_t, std::less<>>;

  static int64_t Int(Kind kind) { return static_cast<int64_t>(kind); }

  // "(region = $n OR (region > $n || '.' AND region < $n || '/'))": the region or any code below
  // it ("15.08" matches "15.08.01.2001" but not "15.081").
  static std::string RegionFilter(Sql& sql, const std::string& region) {
    const std::string r = sql.Text(region);
    return absl::StrCat("(region = ", r, " OR (region > ", r, " || '.' AND region < ", r,
                        " || '/'))");
  }

  // The first column of the first row, if any.
  absl::StatusOr<std::optional<std::string>> One(const std::string& statement, const Sql& sql) {
    PARITRANA_ASSIGN_OR_RETURN(Result result, conn_.Query(statement, sql.params()));
    if (result.rows() == 0) return std::nullopt;
    return result.Bytes(0, 0);
  }

  absl::StatusOr<std::optional<std::string>> GetPerson(Kind kind, absl::string_view name) {
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return std::nullopt;
    Sql sql;
    const std::string where = KeyEquals(sql, *key, PersonTableOf(kind).keys);
    PARITRANA_ASSIGN_OR_RETURN(
        std::optional<std::string> body,
        One(absl::StrCat("SELECT body FROM ", PersonTableOf(kind).name, " WHERE ", where), sql));
    if (!body.has_value()) return std::nullopt;
    return RestoreName(name, *body);
  }

  absl::Status InsertPerson(Kind kind, absl::string_view name, absl::string_view region,
                            absl::string_view body) {
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return NotAPersonName(kind, name);
    const PersonTable table = PersonTableOf(kind);
    Sql sql;
    std::string values = KeyValues(sql, *key, table.keys);
    if (table.by_region) {
      const std::string r = sql.Text(region);
      absl::StrAppend(&values, ", ", r);
    }
    const std::string b = sql.Bytes(StripName(name, body));
    absl::StrAppend(&values, ", ", b);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("INSERT INTO ", table.name, " (", PersonKeyColumns(table.keys),
                                 table.by_region ? ", region" : "", ", body) VALUES (", values,
                                 ") ON CONFLICT DO NOTHING"),
                    sql.params()));
    if (result.Changed() == 0) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<StoredResource>> ListPersons(const ListQuery& q) {
    const PersonTable table = PersonTableOf(q.kind);
    PARITRANA_ASSIGN_OR_RETURN(const PersonListPlan plan, PlanPersonList(q));
    if (plan.none) return std::vector<StoredResource>{};
    const PersonKey& after = plan.after;
    const std::optional<PersonKey>& parent = plan.parent;
    const std::string keys = PersonKeyColumns(table.keys);
    Sql sql;
    const std::string after_values = KeyValues(sql, after, table.keys);
    std::string statement = absl::StrCat("SELECT ", keys, ", body FROM ", table.name, " WHERE (",
                                         keys, ") > (", after_values, ")");
    if (parent.has_value()) {
      absl::StrAppend(&statement, " AND ", KeyEquals(sql, *parent, table.keys - 1));
    }
    if (!q.region.empty()) absl::StrAppend(&statement, " AND ", RegionFilter(sql, q.region));
    const std::string limit = sql.Int(q.limit);
    absl::StrAppend(&statement, " ORDER BY ", keys, " LIMIT ", limit);
    PARITRANA_ASSIGN_OR_RETURN(Result result, conn_.Query(statement, sql.params()));
    std::vector<StoredResource> out;
    for (int i = 0; i < result.rows(); ++i) {
      std::string name = PersonName(q.kind, ReadKey(result, i, table.keys));
      std::string body = RestoreName(name, result.Bytes(i, table.keys));
      out.push_back({std::move(name), std::move(body)});
    }
    return out;
  }

  Connection& conn_;
  const bool writable_;
  std::vector<AggregateDelta> pending_;
  Sequences sequences_;
};

class PostgresRegistryStore final : public RegistryStore {
 public:
  explicit PostgresRegistryStore(std::unique_ptr<postgres::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](RegistryTx& tx) { return tx.Generation("00").status(); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Write([&](Connection& conn) {
      PostgresTx tx(conn, /*writable=*/true);
      PARITRANA_RETURN_IF_ERROR(fn(tx));
      return tx.FlushPending();
    });
  }

  absl::Status Read(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Read([&](Connection& conn) {
      PostgresTx tx(conn, /*writable=*/false);
      return fn(tx);
    });
  }

 private:
  std::unique_ptr<postgres::ConnectionPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenPostgresRegistryStore(
    const std::string& conninfo) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<postgres::ConnectionPool> pool,
                             postgres::ConnectionPool::Open(conninfo, "registry", kMigrations));
  return std::make_unique<PostgresRegistryStore>(std::move(pool));
}

}  // namespace paritrana::registry
