#include "services/registry/store/postgres/postgres_registry_store.h"

#include <iterator>
#include <map>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "platform/errors.h"
#include "services/registry/store/person_keys.h"
#include "storage/postgres/audit_events.h"
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
    // 2: the tables of counts by region carry their province first in the primary key and are
    // partitioned by it, a partition per province (BPS codes) and one for any other code; on
    // Citus each becomes distributed by province (docs/scale-out.md).
    R"sql(
ALTER TABLE active_deltas RENAME TO active_deltas_v1;
ALTER INDEX active_deltas_pkey RENAME TO active_deltas_v1_pkey;
ALTER TABLE active_deltas_32d RENAME TO active_deltas_32d_v1;
ALTER INDEX active_deltas_32d_pkey RENAME TO active_deltas_32d_v1_pkey;
ALTER TABLE active_deltas_1024d RENAME TO active_deltas_1024d_v1;
ALTER INDEX active_deltas_1024d_pkey RENAME TO active_deltas_1024d_v1_pkey;
ALTER TABLE enrollment_spans RENAME TO enrollment_spans_v1;
ALTER INDEX enrollment_spans_pkey RENAME TO enrollment_spans_v1_pkey;

CREATE TABLE active_deltas (
  province TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  day BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (province, region, day, profile)
) PARTITION BY LIST (province);
CREATE TABLE active_deltas_32d (
  province TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  block BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (province, region, block, profile)
) PARTITION BY LIST (province);
CREATE TABLE active_deltas_1024d (
  province TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  block BIGINT NOT NULL,
  profile TEXT COLLATE "C" NOT NULL,
  delta BIGINT NOT NULL,
  PRIMARY KEY (province, region, block, profile)
) PARTITION BY LIST (province);
CREATE TABLE enrollment_spans (
  province TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  person BIGINT NOT NULL,
  enrollment BIGINT NOT NULL,
  segment BIGINT NOT NULL,
  programmes BIGINT NOT NULL,
  funding BIGINT NOT NULL,
  scheme TEXT NOT NULL,
  first_day BIGINT NOT NULL,
  last_day BIGINT NOT NULL,
  PRIMARY KEY (province, region, person, enrollment)
) PARTITION BY LIST (province);
DO $$
DECLARE
  t TEXT;
  p TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['active_deltas', 'active_deltas_32d', 'active_deltas_1024d',
                           'enrollment_spans'] LOOP
    FOREACH p IN ARRAY ARRAY['11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '31',
                             '32', '33', '34', '35', '36', '51', '52', '53', '61', '62', '63',
                             '64', '65', '71', '72', '73', '74', '75', '76', '81', '82', '91',
                             '92', '93', '94', '95', '96'] LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)', t || '_p' || p, t, p);
    END LOOP;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_other', t);
  END LOOP;
END $$;

INSERT INTO active_deltas SELECT split_part(region, '.', 1), * FROM active_deltas_v1;
INSERT INTO active_deltas_32d SELECT split_part(region, '.', 1), * FROM active_deltas_32d_v1;
INSERT INTO active_deltas_1024d SELECT split_part(region, '.', 1), * FROM active_deltas_1024d_v1;
INSERT INTO enrollment_spans SELECT split_part(region, '.', 1), * FROM enrollment_spans_v1;
DROP TABLE active_deltas_v1, active_deltas_32d_v1, active_deltas_1024d_v1, enrollment_spans_v1;
)sql",
    // The audit trail (security/audit.h).
    postgres::kAuditEventsMigration,
    // 4: employers' own worker counts (key "employers/{npp}") and the employer side of regions
    // ("{code}/employers", in its province's partition) join the counts, as in the SQLite
    // backend's version 8: the counts are emptied and the registry recounts everything at its
    // next start (Registry::RebuildCounts).
    R"sql(
TRUNCATE active_deltas, active_deltas_32d, active_deltas_1024d, enrollment_spans;
INSERT INTO settings (name, value)
  SELECT 'counts_rebuild', 'pending'
  WHERE EXISTS (SELECT 1 FROM enrollments) OR EXISTS (SELECT 1 FROM resources WHERE kind = 4)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value;
)sql",
};

// The province of a key of the counts ("15" of "15.08.01.2001" or of "15/employers"): the
// partition key of the tables of counts. An employer's key ("employers/{npp}") falls in the
// default partition.
absl::string_view ProvinceOf(absl::string_view region) {
  return region.substr(0, region.find_first_of("./"));
}

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
    // Rows held back so far belong outside the savepoint: send them first.
    PARITRANA_RETURN_IF_ERROR(Flush());
    PARITRANA_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT atomically"));
    const size_t pending_before = pending_.size();
    const Sequences sequences_before = sequences_;
    absl::Status s = fn();
    if (!s.ok()) {
      PARITRANA_RETURN_IF_ERROR(conn_.Exec("ROLLBACK TO SAVEPOINT atomically"));
      pending_.resize(pending_before);
      sequences_ = sequences_before;
      // fn's held-back rows go with it, and what the transaction knew may have come from fn.
      DropHeldRows();
      Forget();
    }
    absl::Status released = conn_.Exec("RELEASE SAVEPOINT atomically");
    return s.ok() ? released : s;
  }

  absl::StatusOr<std::optional<std::string>> Get(Kind kind, absl::string_view name) override {
    if (IsPersonKind(kind)) return GetPerson(kind, name);
    const ResourceKey key{kind, std::string(name)};
    if (auto known = resources_.find(key); known != resources_.end()) return known->second;
    Sql sql;
    const std::string k = sql.Int(Int(kind));
    const std::string n = sql.Text(name);
    PARITRANA_ASSIGN_OR_RETURN(
        std::optional<std::string> body,
        One(absl::StrCat("SELECT body FROM resources WHERE kind = ", k, " AND name = ", n), sql));
    resources_[key] = body;
    return body;
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
    resources_[ResourceKey{kind, std::string(name)}] = std::string(body);
    return absl::OkStatus();
  }

  absl::Status Update(Kind kind, absl::string_view name, absl::string_view body) override {
    PARITRANA_RETURN_IF_ERROR(Flush());
    Sql sql;
    std::string statement;
    if (IsPersonKind(kind)) {
      std::optional<PersonKey> key = ParsePersonKey(kind, name);
      if (!key.has_value()) return absl::NotFoundError(absl::StrCat(name, " not found"));
      if (kind == Kind::kParticipant) participants_.erase(key->kpj);
      const std::string b = sql.Bytes(StripName(name, body));
      const std::string where = KeyEquals(sql, *key, PersonTableOf(kind).keys);
      statement =
          absl::StrCat("UPDATE ", PersonTableOf(kind).name, " SET body = ", b, " WHERE ", where);
    } else {
      resources_.erase(ResourceKey{kind, std::string(name)});
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

  absl::Status Relocate(Kind kind, absl::string_view name, absl::string_view region) override {
    if (IsPersonKind(kind)) return absl::InvalidArgumentError("persons cannot be relocated");
    PARITRANA_RETURN_IF_ERROR(Flush());
    Sql sql;
    const std::string r = sql.Text(region);
    const std::string k = sql.Int(Int(kind));
    const std::string n = sql.Text(name);
    PARITRANA_ASSIGN_OR_RETURN(Result result,
                               conn_.Query(absl::StrCat("UPDATE resources SET region = ", r,
                                                        " WHERE kind = ", k, " AND name = ", n),
                                           sql.params()));
    if (result.Changed() == 0) return absl::NotFoundError(absl::StrCat(name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<StoredResource>> List(const ListQuery& q) override {
    if (IsPersonKind(q.kind)) {
      PARITRANA_RETURN_IF_ERROR(Flush());
      return ListPersons(q);
    }
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
    PARITRANA_RETURN_IF_ERROR(Writable("InsertNik"));
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return NotAPersonName(Kind::kParticipant, participant);
    // The message must not carry the hash either: it identifies a person given the key.
    const absl::Status taken = absl::AlreadyExistsError("NIK already registered");
    auto holder = nik_holders_.find(hash);
    if ((holder != nik_holders_.end() && holder->second.has_value()) ||
        sealed_.contains(key->kpj)) {
      return taken;
    }
    if (holder == nik_holders_.end() || !fresh_.contains(key->kpj)) {
      Sql sql;
      const std::string h = sql.Text(hash);
      const std::string k = sql.Int(key->kpj);
      PARITRANA_ASSIGN_OR_RETURN(Result found,
                                 conn_.Query(absl::StrCat("SELECT 1 FROM niks WHERE hash = ", h,
                                                          " OR kpj = ", k, " LIMIT 1"),
                                             sql.params()));
      if (found.rows() > 0) return taken;
    }
    nik_holders_[std::string(hash)] = key->kpj;
    sealed_[key->kpj] = std::string(sealed);
    niks_.push_back({key->kpj, std::string(hash), std::string(sealed)});
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> ParticipantByNikHash(absl::string_view hash) override {
    auto known = nik_holders_.find(hash);
    std::optional<int64_t> kpj;
    if (known != nik_holders_.end()) {
      kpj = known->second;
    } else {
      Sql sql;
      const std::string h = sql.Text(hash);
      PARITRANA_ASSIGN_OR_RETURN(
          Result result,
          conn_.Query(absl::StrCat("SELECT kpj FROM niks WHERE hash = ", h), sql.params()));
      if (result.rows() > 0) kpj = result.Int(0, 0);
      nik_holders_[std::string(hash)] = kpj;
    }
    if (!kpj.has_value()) return std::nullopt;
    PersonKey key;
    key.kpj = *kpj;
    return PersonName(Kind::kParticipant, key);
  }

  absl::StatusOr<std::optional<std::string>> SealedNik(absl::string_view participant) override {
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return std::nullopt;
    if (auto held = sealed_.find(key->kpj); held != sealed_.end()) return held->second;
    if (fresh_.contains(key->kpj)) return std::nullopt;
    Sql sql;
    const std::string k = sql.Int(key->kpj);
    return One(absl::StrCat("SELECT sealed FROM niks WHERE kpj = ", k), sql);
  }

  absl::Status DeleteNik(absl::string_view participant) override {
    PARITRANA_RETURN_IF_ERROR(Writable("DeleteNik"));
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return absl::OkStatus();
    PARITRANA_RETURN_IF_ERROR(Flush());  // a NIK held back is in the table now, and sealed_ empty
    Sql sql;
    const std::string k = sql.Int(key->kpj);
    PARITRANA_RETURN_IF_ERROR(
        conn_.Query(absl::StrCat("DELETE FROM niks WHERE kpj = ", k), sql.params()).status());
    // What the transaction knew of the NIK's holder is wrong now: no hash finds the participant.
    for (auto& known : nik_holders_) {
      if (known.second == key->kpj) known.second = std::nullopt;
    }
    return absl::OkStatus();
  }

  absl::Status Prefetch(Kind kind, std::span<const std::string> names) override {
    if (!writable_) return absl::OkStatus();
    if (kind == Kind::kParticipant) return PrefetchParticipants(names);
    if (IsPersonKind(kind)) return absl::OkStatus();
    std::vector<std::string> unknown;
    for (const std::string& name : names) {
      if (!resources_.contains(ResourceKey{kind, name})) unknown.push_back(name);
    }
    if (unknown.empty()) return absl::OkStatus();
    Sql sql;
    const std::string k = sql.Int(Int(kind));
    const std::string n = sql.Texts(unknown);
    PARITRANA_ASSIGN_OR_RETURN(Result result,
                               conn_.Query(absl::StrCat("SELECT name, body FROM resources WHERE"
                                                        " kind = ",
                                                        k, " AND name = ANY(", n, ")"),
                                           sql.params()));
    for (const std::string& name : unknown) resources_[ResourceKey{kind, name}] = std::nullopt;
    for (int i = 0; i < result.rows(); ++i) {
      resources_[ResourceKey{kind, result.Bytes(i, 0)}] = result.Bytes(i, 1);
    }
    return absl::OkStatus();
  }

  absl::Status PrefetchNiks(std::span<const std::string> hashes) override {
    if (!writable_) return absl::OkStatus();
    std::vector<std::string> unknown;
    for (const std::string& hash : hashes) {
      if (!nik_holders_.contains(hash)) unknown.push_back(hash);
    }
    if (unknown.empty()) return absl::OkStatus();
    Sql sql;
    const std::string h = sql.Texts(unknown);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("SELECT hash, kpj FROM niks WHERE hash = ANY(", h, ")"),
                    sql.params()));
    for (const std::string& hash : unknown) nik_holders_[hash] = std::nullopt;
    for (int i = 0; i < result.rows(); ++i) nik_holders_[result.Bytes(i, 0)] = result.Int(i, 1);
    return absl::OkStatus();
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
    PARITRANA_RETURN_IF_ERROR(Flush());
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

  // Sends the deltas held back, summed per row of each resolution, with COPY into a staging table
  // and one merge per resolution.
  absl::Status FlushDeltas() {
    if (pending_.empty()) return absl::OkStatus();
    postgres::CopyRows rows;
    for (size_t level = 0; level < std::size(kDeltaTables); ++level) {
      std::map<DeltaRow, int64_t> sums;
      for (const AggregateDelta& d : pending_) {
        sums[DeltaRow{d.key.region, d.day >> kBlockShift[level], d.key.profile}] += d.delta;
      }
      for (const auto& [row, delta] : sums) {
        if (delta == 0) continue;
        rows.Row(6)
            .Int(static_cast<int64_t>(level))
            .Text(ProvinceOf(std::get<0>(row)))
            .Text(std::get<0>(row))
            .Int(std::get<1>(row))
            .Text(std::get<2>(row))
            .Int(delta);
      }
    }
    pending_.clear();
    if (rows.rows() == 0) return absl::OkStatus();
    PARITRANA_RETURN_IF_ERROR(
        conn_.Exec("CREATE TEMP TABLE IF NOT EXISTS staged_deltas (level BIGINT, province TEXT"
                   " COLLATE \"C\", region TEXT COLLATE \"C\", time BIGINT, profile TEXT COLLATE"
                   " \"C\", delta BIGINT)"));
    PARITRANA_RETURN_IF_ERROR(conn_.Copy("COPY staged_deltas FROM STDIN (FORMAT binary)", rows));
    for (size_t level = 0; level < std::size(kDeltaTables); ++level) {
      PARITRANA_RETURN_IF_ERROR(conn_.Exec(
          absl::StrCat("INSERT INTO ", kDeltaTables[level], " AS t (province, region, ",
                       kDeltaTimeColumns[level],
                       ", profile, delta) SELECT province, region, time, profile, delta FROM"
                       " staged_deltas WHERE level = ",
                       level, " ON CONFLICT (province, region, ", kDeltaTimeColumns[level],
                       ", profile) DO UPDATE SET delta = t.delta + excluded.delta")));
    }
    return conn_.Exec("TRUNCATE staged_deltas");
  }

  absl::StatusOr<std::vector<AggregateCount>> CountActive(absl::string_view region,
                                                          int64_t day) override {
    PARITRANA_RETURN_IF_ERROR(FlushDeltas());  // a count in a write transaction sees its own deltas
    // The same three key ranges as the SQLite backend (registry_store.h).
    const int64_t block32 = day >> 5;
    const int64_t block1024 = day >> 10;
    Sql sql;
    const std::string p = sql.Text(ProvinceOf(region));
    const std::string r = sql.Text(region);
    const std::string b1024 = sql.Int(block1024);
    const std::string from32 = sql.Int(block1024 << 5);
    const std::string to32 = sql.Int(block32);
    const std::string from_day = sql.Int(block32 << 5);
    const std::string to_day = sql.Int(day);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(
            absl::StrCat("SELECT profile, SUM(delta)::bigint FROM ("
                         " SELECT profile, delta FROM active_deltas_1024d WHERE province"
                         " = ",
                         p, " AND region = ", r, " AND block < ", b1024,
                         " UNION ALL"
                         " SELECT profile, delta FROM active_deltas_32d WHERE province = ",
                         p, " AND region = ", r, " AND block >= ", from32, " AND block < ", to32,
                         " UNION ALL"
                         " SELECT profile, delta FROM active_deltas WHERE province = ",
                         p, " AND region = ", r, " AND day >= ", from_day, " AND day <= ", to_day,
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
    PARITRANA_RETURN_IF_ERROR(Writable("PutSpan"));
    spans_[SpanKey{span.region, span.person, span.enrollment}] = span;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<EnrollmentSpan>> SpansOn(absl::string_view region,
                                                      int64_t day) override {
    PARITRANA_RETURN_IF_ERROR(Flush());
    Sql sql;
    const std::string p = sql.Text(ProvinceOf(region));
    const std::string r = sql.Text(region);
    const std::string d = sql.Int(day);
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(absl::StrCat("SELECT region, person, enrollment, segment, programmes, funding,"
                                 " scheme, first_day, last_day FROM enrollment_spans WHERE"
                                 " province = ",
                                 p, " AND region >= ", r, " AND region < ", r,
                                 " || '/' AND first_day <= ", d, " AND last_day >= ", d),
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

  absl::Status AppendAudit(AuditEvent& event) override {
    return postgres::AppendAuditEvent(conn_, event);
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) override {
    return postgres::ListAuditEvents(conn_, query);
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

  // Learns which of these participants exist (with their bodies) and which KPJs have no row in
  // any person table or the NIK index (fresh_): inserts for those need no lookup.
  absl::Status PrefetchParticipants(std::span<const std::string> names) {
    std::vector<int64_t> kpjs;
    for (const std::string& name : names) {
      std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, name);
      if (key.has_value() && !participants_.contains(key->kpj)) kpjs.push_back(key->kpj);
    }
    if (kpjs.empty()) return absl::OkStatus();
    PARITRANA_RETURN_IF_ERROR(Flush());  // so that the answer covers every row written so far
    Sql sql;
    const std::string k = sql.Ints(kpjs);
    // What each row says: 0 a participant (with its body), 1 to 3 that the KPJ has enrollments,
    // contributions or a NIK.
    PARITRANA_ASSIGN_OR_RETURN(
        Result result,
        conn_.Query(
            absl::StrCat("SELECT 0, kpj, body FROM participants WHERE kpj = ANY(", k,
                         ") UNION ALL SELECT DISTINCT 1, kpj, NULL::bytea FROM enrollments WHERE"
                         " kpj = ANY(",
                         k,
                         ") UNION ALL SELECT DISTINCT 2, kpj, NULL::bytea FROM contributions WHERE"
                         " kpj = ANY(",
                         k, ") UNION ALL SELECT 3, kpj, NULL::bytea FROM niks WHERE kpj = ANY(", k,
                         ")"),
            sql.params()));
    for (int64_t kpj : kpjs) {
      participants_[kpj] = std::nullopt;
      fresh_.insert(kpj);
    }
    for (int i = 0; i < result.rows(); ++i) {
      const int64_t kpj = result.Int(i, 1);
      if (result.Int(i, 0) == 0) participants_[kpj] = result.Bytes(i, 2);
      fresh_.erase(kpj);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> GetPerson(Kind kind, absl::string_view name) {
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return std::nullopt;
    std::optional<std::string> body;
    if (kind == Kind::kParticipant) {
      if (auto known = participants_.find(key->kpj); known != participants_.end()) {
        body = known->second;
      } else {
        PARITRANA_ASSIGN_OR_RETURN(body, SelectPerson(kind, *key));
        participants_[key->kpj] = body;
      }
    } else if (auto held = held_bodies_.find(name); held != held_bodies_.end()) {
      body = held->second;
    } else if (!fresh_.contains(key->kpj)) {
      PARITRANA_ASSIGN_OR_RETURN(body, SelectPerson(kind, *key));
    }
    if (!body.has_value()) return std::nullopt;
    return RestoreName(name, *body);
  }

  absl::StatusOr<std::optional<std::string>> SelectPerson(Kind kind, const PersonKey& key) {
    Sql sql;
    const std::string where = KeyEquals(sql, key, PersonTableOf(kind).keys);
    return One(absl::StrCat("SELECT body FROM ", PersonTableOf(kind).name, " WHERE ", where), sql);
  }

  // Held back for Flush, after checking the key is free (usually without a round trip: see
  // Prefetch).
  absl::Status InsertPerson(Kind kind, absl::string_view name, absl::string_view region,
                            absl::string_view body) {
    PARITRANA_RETURN_IF_ERROR(Writable("Insert"));
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return NotAPersonName(kind, name);
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> stored, GetPerson(kind, name));
    if (stored.has_value()) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    std::string stripped = StripName(name, body);
    if (kind == Kind::kParticipant) {
      participants_[key->kpj] = stripped;
    } else {
      held_bodies_[std::string(name)] = stripped;
    }
    held_rows_[PersonTableOf(kind).keys - 1].push_back(
        {std::move(*key), std::string(region), std::move(stripped)});
    return absl::OkStatus();
  }

  // Sends the rows held back: new person rows and NIKs straight into their tables with COPY
  // (their keys were checked free when they were inserted), spans through a staging table merged
  // into enrollment_spans (a span may replace a stored one). Runs before any statement that could
  // see those tables, other than the lookups answered from what the transaction knows.
  absl::Status Flush() {
    for (int keys = 1; keys <= 3; ++keys) {
      std::vector<HeldRow>& held = held_rows_[keys - 1];
      if (held.empty()) continue;
      const PersonTable table = PersonTableOf(keys == 1   ? Kind::kParticipant
                                              : keys == 2 ? Kind::kEnrollment
                                                          : Kind::kContribution);
      postgres::CopyRows rows;
      for (const HeldRow& row : held) {
        rows.Row(keys + (table.by_region ? 1 : 0) + 1).Int(row.key.kpj);
        if (keys > 1) rows.Text(row.key.enrollment);
        if (keys > 2) rows.Text(row.key.contribution);
        if (table.by_region) rows.Text(row.region);
        rows.Text(row.body);
        fresh_.erase(row.key.kpj);  // it has rows in the database now
      }
      PARITRANA_RETURN_IF_ERROR(conn_.Copy(
          absl::StrCat("COPY ", table.name, " (", PersonKeyColumns(keys),
                       table.by_region ? ", region" : "", ", body) FROM STDIN (FORMAT binary)"),
          rows));
      held.clear();
    }
    held_bodies_.clear();
    if (!niks_.empty()) {
      postgres::CopyRows rows;
      for (const HeldNik& nik : niks_) {
        rows.Row(3).Int(nik.kpj).Text(nik.hash).Text(nik.sealed);
        fresh_.erase(nik.kpj);
      }
      PARITRANA_RETURN_IF_ERROR(
          conn_.Copy("COPY niks (kpj, hash, sealed) FROM STDIN (FORMAT binary)", rows));
      niks_.clear();
      sealed_.clear();
    }
    if (spans_.empty()) return absl::OkStatus();
    postgres::CopyRows rows;
    for (const auto& [key, span] : spans_) {
      rows.Row(10)
          .Text(ProvinceOf(span.region))
          .Text(span.region)
          .Int(span.person)
          .Int(span.enrollment)
          .Int(span.segment)
          .Int(ProgrammeBits(span.programmes))
          .Int(span.funding)
          .Text(span.scheme)
          .Int(span.first_day)
          .Int(span.last_day);
    }
    spans_.clear();
    PARITRANA_RETURN_IF_ERROR(
        conn_.Exec("CREATE TEMP TABLE IF NOT EXISTS staged_spans (LIKE enrollment_spans)"));
    constexpr absl::string_view kColumns =
        "province, region, person, enrollment, segment, programmes, funding, scheme, first_day,"
        " last_day";
    PARITRANA_RETURN_IF_ERROR(conn_.Copy(
        absl::StrCat("COPY staged_spans (", kColumns, ") FROM STDIN (FORMAT binary)"), rows));
    // A span that is never active is removed (registry_store.h).
    PARITRANA_RETURN_IF_ERROR(conn_.Exec(absl::StrCat(
        "INSERT INTO enrollment_spans (", kColumns, ") SELECT ", kColumns,
        " FROM staged_spans WHERE last_day >= first_day"
        " ON CONFLICT (province, region, person, enrollment) DO UPDATE SET segment ="
        " excluded.segment,"
        " programmes = excluded.programmes, funding = excluded.funding, scheme ="
        " excluded.scheme, first_day = excluded.first_day, last_day = excluded.last_day;"
        " DELETE FROM enrollment_spans e USING staged_spans s WHERE s.last_day < s.first_day"
        " AND (e.province, e.region, e.person, e.enrollment) = (s.province, s.region, s.person,"
        " s.enrollment);"
        " TRUNCATE staged_spans")));
    return absl::OkStatus();
  }

  void DropHeldRows() {
    for (std::vector<HeldRow>& held : held_rows_) held.clear();
    held_bodies_.clear();
    niks_.clear();
    sealed_.clear();
    spans_.clear();
  }

  // Drops what the transaction knew of persons; lookups ask the database again.
  void Forget() {
    resources_.clear();
    participants_.clear();
    fresh_.clear();
    nik_holders_.clear();
  }

  absl::Status Writable(absl::string_view what) const {
    if (writable_) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(what, " inside a read transaction"));
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

  struct HeldRow {
    PersonKey key;
    std::string region;
    std::string body;  // name stripped
  };
  struct HeldNik {
    int64_t kpj = 0;
    std::string hash;
    std::string sealed;
  };
  using SpanKey = std::tuple<std::string, int64_t, int64_t>;
  using ResourceKey = std::pair<Kind, std::string>;

  Connection& conn_;
  const bool writable_;
  std::vector<AggregateDelta> pending_;
  Sequences sequences_;

  // Held back until Flush: new rows of participants, enrollments and contributions (by key
  // columns - 1), with the bodies of the enrollments and contributions among them by name; NIKs,
  // with the sealed NIK by KPJ; spans, the last put of each.
  std::vector<HeldRow> held_rows_[3];
  absl::flat_hash_map<std::string, std::string> held_bodies_;
  std::vector<HeldNik> niks_;
  absl::flat_hash_map<int64_t, std::string> sealed_;
  std::map<SpanKey, EnrollmentSpan> spans_;

  // What this transaction knows, from Prefetch, its lookups and its own writes (all valid to its
  // end: its snapshot is serializable, and its own writes update them): other resources' bodies
  // or their absence; a participant's stored body or its absence; KPJs with no row in any person
  // table or the NIK index; the holder of a NIK hash, or none.
  absl::flat_hash_map<ResourceKey, std::optional<std::string>> resources_;
  absl::flat_hash_map<int64_t, std::optional<std::string>> participants_;
  absl::flat_hash_set<int64_t> fresh_;
  absl::flat_hash_map<std::string, std::optional<int64_t>> nik_holders_;
};

class LockClaim final : public ImportClaim {
 public:
  explicit LockClaim(std::unique_ptr<postgres::SessionLock> lock) : lock_(std::move(lock)) {}

 private:
  std::unique_ptr<postgres::SessionLock> lock_;
};

class PostgresRegistryStore final : public RegistryStore {
 public:
  explicit PostgresRegistryStore(std::unique_ptr<postgres::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](RegistryTx& tx) { return tx.Generation("00").status(); });
  }

  // An advisory lock held by a connection of the claim's own, for as long as the import runs.
  absl::StatusOr<std::unique_ptr<ImportClaim>> ClaimImport(absl::string_view import_id) override {
    PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<postgres::SessionLock> lock,
                               pool_->TryLock(absl::StrCat("registry import ", import_id)));
    if (lock == nullptr) return nullptr;
    return std::make_unique<LockClaim>(std::move(lock));
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

std::span<const absl::string_view> PostgresRegistryMigrations() { return kMigrations; }

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenPostgresRegistryStore(
    const std::string& conninfo) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<postgres::ConnectionPool> pool,
                             postgres::ConnectionPool::Open(conninfo, "registry", kMigrations));
  return std::make_unique<PostgresRegistryStore>(std::move(pool));
}

}  // namespace paritrana::registry
