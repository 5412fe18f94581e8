#include "services/registry/store/sqlite/sqlite_registry_store.h"

#include <iterator>
#include <map>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "platform/errors.h"
#include "services/registry/store/person_keys.h"
#include "storage/sqlite/audit_events.h"
#include "storage/sqlite/request_ids.h"
#include "storage/sqlite/sqlite.h"

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
    // A count summed every day of a region's history, so its cost grew with history and with
    // participants. Deltas are now also summed per block of 32 and of 1024 days (block = day >> 5
    // or >> 10, floor division), and every table leads with (region, time) so that a count reads
    // three time ranges: whole 1024-day blocks, then at most 31 32-day blocks, then at most 32
    // days. The day table is rebuilt for that key order; the blocks are backfilled from it.
    R"sql(
CREATE TABLE active_deltas_by_day (
  region TEXT NOT NULL,
  day INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  programme INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, day, segment, programme, funding, scheme)
) WITHOUT ROWID;
INSERT INTO active_deltas_by_day (region, day, segment, programme, funding, scheme, delta)
  SELECT region, day, segment, programme, funding, scheme, delta FROM active_deltas
  WHERE delta <> 0;
DROP TABLE active_deltas;
ALTER TABLE active_deltas_by_day RENAME TO active_deltas;

CREATE TABLE active_deltas_32d (
  region TEXT NOT NULL,
  block INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  programme INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, block, segment, programme, funding, scheme)
) WITHOUT ROWID;
INSERT INTO active_deltas_32d (region, block, segment, programme, funding, scheme, delta)
  SELECT region, day >> 5, segment, programme, funding, scheme, SUM(delta) FROM active_deltas
  GROUP BY region, day >> 5, segment, programme, funding, scheme HAVING SUM(delta) <> 0;

CREATE TABLE active_deltas_1024d (
  region TEXT NOT NULL,
  block INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  programme INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, block, segment, programme, funding, scheme)
) WITHOUT ROWID;
INSERT INTO active_deltas_1024d (region, block, segment, programme, funding, scheme, delta)
  SELECT region, block >> 5, segment, programme, funding, scheme, SUM(delta)
  FROM active_deltas_32d
  GROUP BY region, block >> 5, segment, programme, funding, scheme HAVING SUM(delta) <> 0;
)sql",
    // Settings of the installation, such as the fingerprint of the NIK key.
    R"sql(
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql",
    // Counts by profile (registry_store.h), for provinces and regencies/cities only: districts
    // and villages count enrollment spans when asked. The old delta rows were by key at every
    // level, four fifths of them for villages, and most of an import's time; they cannot be turned
    // into profiles, so the registry recounts every person at its next start
    // (Registry::RebuildCounts), told by the setting.
    R"sql(
DROP TABLE active_deltas;
DROP TABLE active_deltas_32d;
DROP TABLE active_deltas_1024d;
CREATE TABLE active_deltas (
  region TEXT NOT NULL,
  day INTEGER NOT NULL,
  profile TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, day, profile)
) WITHOUT ROWID;
CREATE TABLE active_deltas_32d (
  region TEXT NOT NULL,
  block INTEGER NOT NULL,
  profile TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, block, profile)
) WITHOUT ROWID;
CREATE TABLE active_deltas_1024d (
  region TEXT NOT NULL,
  block INTEGER NOT NULL,
  profile TEXT NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (region, block, profile)
) WITHOUT ROWID;
CREATE TABLE enrollment_spans (
  region TEXT NOT NULL,
  person INTEGER NOT NULL,
  enrollment INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  programmes INTEGER NOT NULL,
  funding INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  first_day INTEGER NOT NULL,
  last_day INTEGER NOT NULL,
  PRIMARY KEY (region, person, enrollment)
) WITHOUT ROWID;
INSERT INTO settings (name, value)
  SELECT 'counts_rebuild', 'pending' WHERE EXISTS (SELECT 1 FROM resources WHERE kind = 6);
)sql",
    // Participants, enrollments and contributions (nearly every row) get tables of their own, keyed
    // by the KPJ as an integer and the ids (store/person_keys.h), with the name kept once (not
    // also in the body) and no parent column or index: a parent's children are a range of the
    // key. Only participants and enrollments are listed by region. The NIK index is keyed by the
    // KPJ too. Names were checked when written, so the substrings below are their parts:
    // "participants/" is 13 characters, "/enrollments/" 13, "/contributions/" 15.
    R"sql(
CREATE TABLE participants (
  kpj INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX participants_by_region ON participants (region, kpj);
CREATE TABLE enrollments (
  kpj INTEGER NOT NULL,
  enrollment TEXT NOT NULL,
  region TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (kpj, enrollment)
) WITHOUT ROWID;
CREATE INDEX enrollments_by_region ON enrollments (region, kpj, enrollment);
CREATE TABLE contributions (
  kpj INTEGER NOT NULL,
  enrollment TEXT NOT NULL,
  contribution TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (kpj, enrollment, contribution)
) WITHOUT ROWID;
CREATE TABLE niks (
  kpj INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  sealed TEXT NOT NULL
);
INSERT INTO participants (kpj, region, body)
  SELECT CAST(substr(name, 14) AS INTEGER), region, body FROM resources WHERE kind = 5;
INSERT INTO enrollments (kpj, enrollment, region, body)
  SELECT CAST(substr(name, 14, 11) AS INTEGER), substr(name, 38), region, body
  FROM resources WHERE kind = 6;
INSERT INTO contributions (kpj, enrollment, contribution, body)
  SELECT CAST(substr(name, 14, 11) AS INTEGER), substr(parent, 38), substr(name, length(parent) + 16),
    body FROM resources WHERE kind = 7;
INSERT INTO niks (kpj, hash, sealed)
  SELECT CAST(substr(participant, 14) AS INTEGER), hash, sealed FROM nik_index;
DELETE FROM resources WHERE kind IN (5, 6, 7);
DROP TABLE nik_index;
)sql",
    // The audit trail (security/audit.h).
    sqlite::kAuditEventsMigration,
    // Employers' own worker counts (key "employers/{npp}") and the employer side of regions
    // ("{code}/employers": registrations and contribution bills) join the counts. The counts are
    // emptied and the registry recounts everything at its next start (Registry::RebuildCounts),
    // which also gives employers stored before registration dates their day.
    R"sql(
DELETE FROM active_deltas;
DELETE FROM active_deltas_32d;
DELETE FROM active_deltas_1024d;
DELETE FROM enrollment_spans;
INSERT OR REPLACE INTO settings (name, value)
  SELECT 'counts_rebuild', 'pending'
  WHERE EXISTS (SELECT 1 FROM enrollments) OR EXISTS (SELECT 1 FROM resources WHERE kind = 4);
)sql",
};

// The tables of active_deltas by resolution: a row of level i sums the days d with
// d >> kBlockShift[i] equal to its `block` (or `day`).
constexpr absl::string_view kDeltaTables[] = {"active_deltas", "active_deltas_32d",
                                              "active_deltas_1024d"};
constexpr absl::string_view kDeltaTimeColumns[] = {"day", "block", "block"};
constexpr int kBlockShift[] = {0, 5, 10};

// "kpj = ?7 AND enrollment = ?8" for two key columns from parameter 7.
std::string KeyEquals(int keys, int first_param) {
  std::string out;
  for (int i = 0; i < keys; ++i) {
    absl::StrAppend(&out, i ? " AND " : "", kPersonKeyColumns[i], " = ?", first_param + i);
  }
  return out;
}

// "?1, ?2" for two key columns.
std::string KeyParams(int keys) {
  std::string out;
  for (int i = 0; i < keys; ++i) absl::StrAppend(&out, i ? ", ?" : "?", i + 1);
  return out;
}

void BindKey(sqlite::Statement& st, const PersonKey& key, int keys, int first_param) {
  st.Bind(first_param, key.kpj);
  if (keys > 1) st.Bind(first_param + 1, key.enrollment);
  if (keys > 2) st.Bind(first_param + 2, key.contribution);
}

PersonKey ReadKey(const sqlite::Statement& st, int keys) {
  PersonKey key;
  key.kpj = st.Int(0);
  if (keys > 1) key.enrollment = st.Text(1);
  if (keys > 2) key.contribution = st.Text(2);
  return key;
}

class SqliteTx final : public RegistryTx {
 public:
  SqliteTx(sqlite::Database& db, bool writable) : db_(db), writable_(writable) {}

  absl::Status Atomically(absl::FunctionRef<absl::Status()> fn) override {
    // Prepared once per connection: a savepoint per import row is parsed only once.
    PARITRANA_RETURN_IF_ERROR(Run("SAVEPOINT atomically"));
    const size_t pending_before = pending_.size();
    const Sequences sequences_before = sequences_;
    absl::Status s = fn();
    if (!s.ok()) {
      Run("ROLLBACK TO atomically").IgnoreError();
      pending_.resize(pending_before);  // what is held back is undone with the rest
      sequences_ = sequences_before;
    }
    absl::Status released = Run("RELEASE atomically");
    return s.ok() ? released : s;
  }

  absl::StatusOr<std::optional<std::string>> Get(Kind kind, absl::string_view name) override {
    if (IsPersonKind(kind)) return GetPerson(kind, name);
    return One("SELECT body FROM resources WHERE kind = ?1 AND name = ?2",
               [&](sqlite::Statement& s) { s.Bind(1, Int(kind)).Bind(2, name); });
  }

  absl::Status Insert(Kind kind, absl::string_view name, absl::string_view parent,
                      absl::string_view region, absl::string_view body) override {
    if (IsPersonKind(kind)) return InsertPerson(kind, name, region, body);
    auto st = db_.Prepare(
        "INSERT INTO resources (kind, name, parent, region, body) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, Int(kind)).Bind(2, name).Bind(3, parent).Bind(4, region).BindBlob(5, body);
    absl::Status s = (*st)->Run();
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    return s;
  }

  absl::Status Update(Kind kind, absl::string_view name, absl::string_view body) override {
    std::optional<PersonKey> key;
    if (IsPersonKind(kind)) {
      key = ParsePersonKey(kind, name);
      if (!key.has_value()) return absl::NotFoundError(absl::StrCat(name, " not found"));
    }
    auto st =
        key.has_value()
            ? db_.Prepare(absl::StrCat("UPDATE ", PersonTableOf(kind).name, " SET body = ?5 WHERE ",
                                       KeyEquals(PersonTableOf(kind).keys, 1)))
            : db_.Prepare("UPDATE resources SET body = ?3 WHERE kind = ?1 AND name = ?2");
    if (!st.ok()) return st.status();
    if (key.has_value()) {
      BindKey(**st, *key, PersonTableOf(kind).keys, 1);
      (*st)->BindBlob(5, StripName(name, body));
    } else {
      (*st)->Bind(1, Int(kind)).Bind(2, name).BindBlob(3, body);
    }
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat(name, " not found"));
    return absl::OkStatus();
  }

  absl::Status Relocate(Kind kind, absl::string_view name, absl::string_view region) override {
    if (IsPersonKind(kind)) return absl::InvalidArgumentError("persons cannot be relocated");
    auto st = db_.Prepare("UPDATE resources SET region = ?3 WHERE kind = ?1 AND name = ?2");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, Int(kind)).Bind(2, name).Bind(3, region);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat(name, " not found"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<StoredResource>> List(const ListQuery& q) override {
    if (IsPersonKind(q.kind)) return ListPersons(q);
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
    if (!q.region.empty())
      sql += " AND (region = ?4 OR (region > ?4 || '.' AND region < ?4 || '/'))";
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
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return NotAPersonName(Kind::kParticipant, participant);
    auto st = db_.Prepare("INSERT INTO niks (kpj, hash, sealed) VALUES (?1, ?2, ?3)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, key->kpj).Bind(2, hash).Bind(3, sealed);
    absl::Status s = (*st)->Run();
    // The message must not carry the hash either: it identifies a person given the key.
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError("NIK already registered");
    return s;
  }

  absl::StatusOr<std::optional<std::string>> ParticipantByNikHash(absl::string_view hash) override {
    auto st = db_.Prepare("SELECT kpj FROM niks WHERE hash = ?1");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, hash);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    PersonKey key;
    key.kpj = (*st)->Int(0);
    (*st)->Reset();
    return PersonName(Kind::kParticipant, key);
  }

  absl::StatusOr<std::optional<std::string>> SealedNik(absl::string_view participant) override {
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return std::nullopt;
    return One("SELECT sealed FROM niks WHERE kpj = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, key->kpj); });
  }

  absl::Status DeleteNik(absl::string_view participant) override {
    std::optional<PersonKey> key = ParsePersonKey(Kind::kParticipant, participant);
    if (!key.has_value()) return absl::OkStatus();
    auto st = db_.Prepare("DELETE FROM niks WHERE kpj = ?1");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, key->kpj);
    return (*st)->Run();
  }

  absl::Status ClaimKey(absl::string_view scope, absl::string_view key,
                        absl::string_view owner) override {
    PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> holder,
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
    if (!writable_) return absl::FailedPreconditionError("AddDeltas inside a read transaction");
    // Held back until the transaction commits or counts (FlushDeltas): an import batch's rows
    // share most region-level keys and days, so summed together they take far fewer upserts.
    pending_.insert(pending_.end(), deltas.begin(), deltas.end());
    return absl::OkStatus();
  }

  // Writes what the transaction held back. Write calls it before committing.
  absl::Status FlushPending() {
    for (const auto& [name, value] : sequences_) {
      auto st = db_.Prepare("INSERT OR REPLACE INTO sequences (name, value) VALUES (?1, ?2)");
      if (!st.ok()) return st.status();
      (*st)->Bind(1, name).Bind(2, value);
      PARITRANA_RETURN_IF_ERROR((*st)->Run());
    }
    return FlushDeltas();
  }

  // Writes the deltas AddDeltas held back.
  absl::Status FlushDeltas() {
    if (pending_.empty()) return absl::OkStatus();
    // Each delta lands in three tables; summing them per row first saves upserts (a person's
    // start and end often share a block, and then cancel), and writing them in key order keeps
    // neighbouring upserts on the same pages.
    for (size_t level = 0; level < std::size(kDeltaTables); ++level) {
      std::map<DeltaRow, int64_t> rows;
      for (const AggregateDelta& d : pending_) {
        rows[DeltaRow{d.key.region, d.day >> kBlockShift[level], d.key.profile}] += d.delta;
      }
      auto st = db_.Prepare(
          absl::StrCat("INSERT INTO ", kDeltaTables[level], " (region, ", kDeltaTimeColumns[level],
                       ", profile, delta) VALUES (?1, ?2, ?3, ?4)"
                       " ON CONFLICT DO UPDATE SET delta = delta + excluded.delta"));
      if (!st.ok()) return st.status();
      for (const auto& [row, delta] : rows) {
        if (delta == 0) continue;
        const auto& [region, time, profile] = row;
        (*st)->Reset();
        (*st)->Bind(1, region).Bind(2, time).Bind(3, profile).Bind(4, delta);
        if (absl::Status s = (*st)->Run(); !s.ok()) return s;
      }
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AggregateCount>> CountActive(absl::string_view region,
                                                          int64_t day) override {
    PARITRANA_RETURN_IF_ERROR(FlushDeltas());  // a count in a write transaction sees its own deltas
    // Days up to `day` = the 1024-day blocks before its own, the 32-day blocks of its own
    // 1024-day block before its own 32-day block, and its own 32-day block's days up to `day`.
    // Each part is a range of its table's primary key, so at most about keys x (31 + 32 + blocks
    // of history) rows are read, however many participants there are.
    auto st = db_.Prepare(
        "SELECT profile, SUM(delta) FROM ("
        " SELECT profile, delta FROM active_deltas_1024d WHERE region = ?1 AND block < ?2"
        " UNION ALL"
        " SELECT profile, delta FROM active_deltas_32d"
        "  WHERE region = ?1 AND block >= ?3 AND block < ?4"
        " UNION ALL"
        " SELECT profile, delta FROM active_deltas WHERE region = ?1 AND day >= ?5 AND day <= ?6)"
        " GROUP BY profile HAVING SUM(delta) <> 0 ORDER BY profile");
    if (!st.ok()) return st.status();
    const int64_t block32 = day >> 5;
    const int64_t block1024 = day >> 10;
    (*st)->Bind(1, region).Bind(2, block1024).Bind(3, block1024 << 5).Bind(4, block32);
    (*st)->Bind(5, block32 << 5).Bind(6, day);
    std::vector<AggregateCount> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      AggregateCount c;
      c.key.region = std::string(region);
      c.key.profile = (*st)->Text(0);
      c.active = (*st)->Int(1);
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::Status PutSpan(const EnrollmentSpan& span) override {
    if (span.last_day < span.first_day) {
      auto st = db_.Prepare(
          "DELETE FROM enrollment_spans WHERE region = ?1 AND person = ?2 AND enrollment = ?3");
      if (!st.ok()) return st.status();
      (*st)->Bind(1, span.region).Bind(2, span.person).Bind(3, span.enrollment);
      return (*st)->Run();
    }
    const int64_t programmes = ProgrammeBits(span.programmes);
    auto st = db_.Prepare(
        "INSERT OR REPLACE INTO enrollment_spans (region, person, enrollment, segment, programmes,"
        " funding, scheme, first_day, last_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, span.region).Bind(2, span.person).Bind(3, span.enrollment);
    (*st)->Bind(4, span.segment).Bind(5, programmes).Bind(6, span.funding).Bind(7, span.scheme);
    (*st)->Bind(8, span.first_day).Bind(9, span.last_day);
    return (*st)->Run();
  }

  absl::StatusOr<std::vector<EnrollmentSpan>> SpansOn(absl::string_view region,
                                                      int64_t day) override {
    // The region and its descendants: "15.08.01" up to "15.08.01/" ('/' follows '.'), which
    // leaves out "15.08.010".
    auto st = db_.Prepare(
        "SELECT region, person, enrollment, segment, programmes, funding, scheme, first_day,"
        " last_day FROM enrollment_spans WHERE region >= ?1 AND region < ?1 || '/'"
        " AND first_day <= ?2 AND last_day >= ?2");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, region).Bind(2, day);
    std::vector<EnrollmentSpan> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      EnrollmentSpan span;
      span.region = (*st)->Text(0);
      span.person = (*st)->Int(1);
      span.enrollment = (*st)->Int(2);
      span.segment = static_cast<int>((*st)->Int(3));
      span.programmes = ProgrammesOfBits((*st)->Int(4));
      span.funding = static_cast<int>((*st)->Int(5));
      span.scheme = (*st)->Text(6);
      span.first_day = (*st)->Int(7);
      span.last_day = (*st)->Int(8);
      out.push_back(std::move(span));
    }
    return out;
  }

  absl::Status AppendAudit(AuditEvent& event) override {
    return sqlite::AppendAuditEvent(db_, event);
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) override {
    return sqlite::ListAuditEvents(db_, query);
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    return sqlite::ReadRequestId(db_, method, request_id);
  }

  absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                          const RequestRecord& record) override {
    return sqlite::WriteRequestId(db_, method, request_id, record);
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
    // Counted in memory and written once at commit (FlushPending): an import batch takes two ids
    // per row, and an upsert each was a tenth of its time.
    if (!writable_) return absl::FailedPreconditionError("NextId inside a read transaction");
    auto it = sequences_.find(sequence);
    if (it == sequences_.end()) {
      PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> value,
                                 One("SELECT value FROM sequences WHERE name = ?1",
                                     [&](sqlite::Statement& s) { s.Bind(1, sequence); }));
      it = sequences_.emplace(std::string(sequence), value.has_value() ? std::stoll(*value) : 0)
               .first;
    }
    return ++it->second;
  }

  absl::StatusOr<std::optional<std::string>> GetImport(absl::string_view import_id) override {
    return One("SELECT response FROM imports WHERE import_id = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, import_id); });
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(absl::string_view name) override {
    return One("SELECT value FROM settings WHERE name = ?1",
               [&](sqlite::Statement& s) { s.Bind(1, name); });
  }

  absl::Status PutSetting(absl::string_view name, absl::string_view value) override {
    auto st = db_.Prepare("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, name).Bind(2, value);
    return (*st)->Run();
  }

  absl::Status PutImport(absl::string_view import_id, absl::string_view response) override {
    auto st = db_.Prepare("INSERT OR REPLACE INTO imports (import_id, response) VALUES (?1, ?2)");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, import_id).BindBlob(2, response);
    return (*st)->Run();
  }

 private:
  absl::StatusOr<std::optional<std::string>> GetPerson(Kind kind, absl::string_view name) {
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return std::nullopt;
    const PersonTable table = PersonTableOf(kind);
    PARITRANA_ASSIGN_OR_RETURN(
        std::optional<std::string> body,
        One(absl::StrCat("SELECT body FROM ", table.name, " WHERE ", KeyEquals(table.keys, 1)),
            [&](sqlite::Statement& s) { BindKey(s, *key, table.keys, 1); }));
    if (!body.has_value()) return std::nullopt;
    return RestoreName(name, *body);
  }

  absl::Status InsertPerson(Kind kind, absl::string_view name, absl::string_view region,
                            absl::string_view body) {
    std::optional<PersonKey> key = ParsePersonKey(kind, name);
    if (!key.has_value()) return NotAPersonName(kind, name);
    const PersonTable table = PersonTableOf(kind);
    auto st =
        db_.Prepare(absl::StrCat("INSERT INTO ", table.name, " (", PersonKeyColumns(table.keys),
                                 table.by_region ? ", region" : "", ", body) VALUES (",
                                 KeyParams(table.keys), table.by_region ? ", ?4" : "", ", ?5)"));
    if (!st.ok()) return st.status();
    BindKey(**st, *key, table.keys, 1);
    if (table.by_region) (*st)->Bind(4, region);
    (*st)->BindBlob(5, StripName(name, body));
    absl::Status s = (*st)->Run();
    if (absl::IsAlreadyExists(s)) return absl::AlreadyExistsError(absl::StrCat(name, " exists"));
    return s;
  }

  // List over a person table: the key order is the name order (person_keys.h), a parent's
  // children are the rows sharing its key columns, and after_name becomes a key to start after.
  absl::StatusOr<std::vector<StoredResource>> ListPersons(const ListQuery& q) {
    const PersonTable table = PersonTableOf(q.kind);
    PARITRANA_ASSIGN_OR_RETURN(const PersonListPlan plan, PlanPersonList(q));
    if (plan.none) return std::vector<StoredResource>{};
    const PersonKey& after = plan.after;
    const std::optional<PersonKey>& parent = plan.parent;
    const std::string keys = PersonKeyColumns(table.keys);
    std::string sql = absl::StrCat("SELECT ", keys, ", body FROM ", table.name);
    if (!parent.has_value() && !q.region.empty()) {
      absl::StrAppend(&sql, " INDEXED BY ", table.name, "_by_region");
    }
    absl::StrAppend(&sql, " WHERE (", keys, ") > (", KeyParams(table.keys), ")");
    if (parent.has_value()) absl::StrAppend(&sql, " AND ", KeyEquals(table.keys - 1, 6));
    // The region itself or any code below it, as in List over resources.
    if (!q.region.empty()) {
      sql += " AND (region = ?4 OR (region > ?4 || '.' AND region < ?4 || '/'))";
    }
    absl::StrAppend(&sql, " ORDER BY ", keys, " LIMIT ?5");
    auto st = db_.Prepare(sql);
    if (!st.ok()) return st.status();
    BindKey(**st, after, table.keys, 1);
    if (parent.has_value()) BindKey(**st, *parent, table.keys - 1, 6);
    if (!q.region.empty()) (*st)->Bind(4, q.region);
    (*st)->Bind(5, static_cast<int64_t>(q.limit));
    std::vector<StoredResource> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      std::string name = PersonName(q.kind, ReadKey(**st, table.keys));
      std::string body = RestoreName(name, (*st)->Text(table.keys));
      out.push_back({std::move(name), std::move(body)});
    }
    return out;
  }

  // A row of one delta table, in its primary key's order: region, day or block, profile.
  using DeltaRow = std::tuple<std::string, int64_t, std::string>;

  static int64_t Int(Kind kind) { return static_cast<int64_t>(kind); }

  absl::Status Run(absl::string_view sql) {
    PARITRANA_ASSIGN_OR_RETURN(sqlite::Statement * st, db_.Prepare(sql));
    return st->Run();
  }

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
  const bool writable_;
  // Deltas added but not yet written (AddDeltas), in order; a failed Atomically drops its own.
  std::vector<AggregateDelta> pending_;
  // The last value handed out by each sequence this transaction used (NextId).
  using Sequences = std::map<std::string, int64_t, std::less<>>;
  Sequences sequences_;
};

class SqliteRegistryStore final : public RegistryStore {
 public:
  absl::StatusOr<std::unique_ptr<ImportClaim>> ClaimImport(absl::string_view) override {
    return std::make_unique<ImportClaim>();
  }

  explicit SqliteRegistryStore(std::unique_ptr<sqlite::ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Ping() override {
    return Read([](RegistryTx& tx) { return tx.Generation("00").status(); });
  }

  absl::Status Write(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Write([&](sqlite::Database& db) {
      SqliteTx tx(db, /*writable=*/true);
      PARITRANA_RETURN_IF_ERROR(fn(tx));
      return tx.FlushPending();
    });
  }

  absl::Status Read(absl::FunctionRef<absl::Status(RegistryTx&)> fn) override {
    return pool_->Read([&](sqlite::Database& db) {
      SqliteTx tx(db, /*writable=*/false);
      return fn(tx);
    });
  }

  // Deleted content is zeroed in the file as it is deleted (secure_delete, storage/sqlite); what
  // is left are older page images in the write-ahead log.
  absl::Status ScrubDeleted() override { return pool_->CheckpointAndTruncate(); }

 private:
  std::unique_ptr<sqlite::ConnectionPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryStore>> OpenSqliteRegistryStore(const std::string& path) {
  PARITRANA_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::ConnectionPool> pool,
                             sqlite::ConnectionPool::Open(path, kMigrations));
  return std::make_unique<SqliteRegistryStore>(std::move(pool));
}

}  // namespace paritrana::registry
