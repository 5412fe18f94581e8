#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/request_id.h"
#include "security/audit.h"

// The registry's storage interface. Backends (sqlite/ now, postgres/ later) implement a few
// primitives; every rule of the registry lives above them in the service, so a new backend only
// has to pass the conformance suite (store/conformance/registry_store_conformance.h) and be named
// in store/open_store.cc. This header knows no backend.
namespace paritrana::registry {

// The kinds of resource the registry keeps. Values are stored; never renumber.
enum class Kind : int {
  kRegion = 1,
  kBaseline = 2,
  kTarget = 3,
  kEmployer = 4,
  kParticipant = 5,
  kEnrollment = 6,
  kContribution = 7,
  // Employers' monthly contribution bills, `employers/{npp}/bills/{yyyy-mm}`, parent the employer.
  kContributionBill = 8,
};

// A resource as stored: its name and serialized protobuf message (never holding a NIK).
// Participants, enrollments and contributions, nearly every record, have names of the shape
// person_keys.h describes (a KPJ and ids, so a backend can key them compactly): Insert refuses
// other names of those kinds with INVALID_ARGUMENT, Get and Update never find them, and a List
// resuming after one is INVALID_ARGUMENT. Their bodies come back with the name in field 1.
// Contributions are not listed by region.
struct StoredResource {
  std::string name;
  std::string body;
};

// What to list: resources of `kind` whose parent is `parent` (when set; provinces have the parent
// "") and whose region is `region` or one of its descendants (when not empty), sorted by name,
// after `after_name`.
struct ListQuery {
  Kind kind = Kind::kRegion;
  std::optional<std::string> parent;
  std::string region;
  std::string after_name;
  int limit = 50;
};

// What the counts of a region are kept by: a person's profile there is the set of dimension
// combinations (segment, programmes, funding source and scheme) of their enrollments active in the
// region on a day, as a string the store does not read (services/registry/active_counts.h makes
// and reads it). A person whose profile changes leaves one profile and joins another, so an
// enrollment costs two delta rows per region however many programmes it has.
//
// `region` is a region code ("15.08") or another key the registry counts by the same means: an
// employer's workers under its name ("employers/12345678"), a region's employers and their bills
// under "{code}/employers" (services/registry/employer_counts.h). A key's province is the part
// before its first '.' or '/' ("15" of "15.08/employers"); a backend may group a province's keys
// by it.
struct AggregateKey {
  std::string region;
  std::string profile;
  auto operator<=>(const AggregateKey&) const = default;
};

// Counts change by `delta` from day `day` (days since 1970-01-01) onwards.
struct AggregateDelta {
  AggregateKey key;
  int64_t day = 0;
  int64_t delta = 0;
};

// The active persons of one profile on one day.
struct AggregateCount {
  AggregateKey key;
  int64_t active = 0;
};

// One enrollment as the counts see it: where, in which dimensions, and on which days. Provinces
// and regencies/cities keep their counts as deltas (AddDeltas); districts and villages, each with
// a few hundred to a few thousand people, count their spans when asked (SpansOn), so a write
// changes one span there instead of a delta row per key, day and level.
struct EnrollmentSpan {
  std::string region;      // finest region code
  std::string employer;    // the PU enrollment's employer name, or empty; not kept by PutSpan
  int64_t person = 0;      // the participant's KPJ
  int64_t enrollment = 0;  // the enrollment's id (e{id})
  int segment = 0;
  std::vector<int> programmes;  // sorted
  int funding = 0;
  std::string scheme;
  int64_t first_day = 0;  // inclusive, days since 1970-01-01
  int64_t last_day = -1;  // inclusive; before first_day: never active
};

// A remembered request id (one record for every service: api/request_id.h).
using ::paritrana::RequestRecord;

// One unit of work inside a transaction.
class RegistryTx {
 public:
  virtual ~RegistryTx() = default;

  // Runs `fn` so that its writes are undone, and only its writes, when it fails (a savepoint):
  // how one bad import row leaves the rest of its batch intact.
  virtual absl::Status Atomically(absl::FunctionRef<absl::Status()> fn) = 0;

  virtual absl::StatusOr<std::optional<std::string>> Get(Kind kind, absl::string_view name) = 0;
  // ALREADY_EXISTS if `name` exists. `parent` and `region` index the resource for List.
  virtual absl::Status Insert(Kind kind, absl::string_view name, absl::string_view parent,
                              absl::string_view region, absl::string_view body) = 0;
  // NOT_FOUND if `name` does not exist. Parent and region never change here (see Relocate).
  virtual absl::Status Update(Kind kind, absl::string_view name, absl::string_view body) = 0;
  // Lists `name` under `region` from now on (an employer that moved). Not for the person kinds,
  // whose region is part of their key (INVALID_ARGUMENT); NOT_FOUND if `name` does not exist.
  virtual absl::Status Relocate(Kind kind, absl::string_view name, absl::string_view region) = 0;
  virtual absl::StatusOr<std::vector<StoredResource>> List(const ListQuery& query) = 0;

  // The NIK index: keyed hash -> sealed NIK and participant. ALREADY_EXISTS on a repeated hash.
  virtual absl::Status InsertNik(absl::string_view hash, absl::string_view sealed,
                                 absl::string_view participant) = 0;
  virtual absl::StatusOr<std::optional<std::string>> ParticipantByNikHash(
      absl::string_view hash) = 0;
  virtual absl::StatusOr<std::optional<std::string>> SealedNik(absl::string_view participant) = 0;
  // Deletes the NIK index row of `participant` (look-up hash and sealed NIK), if it has one:
  // afterwards no hash finds the participant and no seal of its NIK is left (data-subject
  // erasure). OK when there is none.
  virtual absl::Status DeleteNik(absl::string_view participant) = 0;

  // Say that the transaction is about to Get these resources, or look up these NIK hashes, one
  // by one, as an import batch does: a backend that pays a round trip per statement may fetch
  // them all at once. Doing nothing is correct; SQLite does nothing.
  virtual absl::Status Prefetch(Kind /*kind*/, std::span<const std::string> /*names*/) {
    return absl::OkStatus();
  }
  virtual absl::Status PrefetchNiks(std::span<const std::string> /*hashes*/) {
    return absl::OkStatus();
  }

  // Unique secondary keys (e.g. a region's BPS code): `owner` holds `key` in `scope`. Claiming a
  // key the same owner holds is OK; one held by another owner is ALREADY_EXISTS.
  virtual absl::Status ClaimKey(absl::string_view scope, absl::string_view key,
                                absl::string_view owner) = 0;
  // Gives up `key` if `owner` holds it.
  virtual absl::Status ReleaseKey(absl::string_view scope, absl::string_view key,
                                  absl::string_view owner) = 0;

  // Aggregates: time-indexed deltas of active persons by profile, kept for provinces and
  // regencies/cities, so a count is a sum over one region's deltas up to the day, whatever the
  // number of participants. A backend
  // should also keep the cost of a count from growing with every day of history (SQLite keeps
  // sums per 32 and 1024 days besides the days).
  // A backend may hold deltas back until commit, so an error may surface only from Write; a
  // failed Atomically drops its own deltas like its other writes.
  virtual absl::Status AddDeltas(std::span<const AggregateDelta> deltas) = 0;
  // Non-zero counts of every profile of `region` on `day`, this transaction's deltas included,
  // sorted by profile.
  virtual absl::StatusOr<std::vector<AggregateCount>> CountActive(absl::string_view region,
                                                                  int64_t day) = 0;

  // Replaces the stored span of (region, person, enrollment); a span that is never active is
  // removed. Written at once (not held back), so Atomically undoes it like any other write.
  virtual absl::Status PutSpan(const EnrollmentSpan& span) = 0;
  // The spans of `region` and its descendants that cover `day`, in no particular order.
  virtual absl::StatusOr<std::vector<EnrollmentSpan>> SpansOn(absl::string_view region,
                                                              int64_t day) = 0;

  // Request ids by method; Put replaces an older record with the same key.
  virtual absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                                  absl::string_view request_id) = 0;
  virtual absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                                  const RequestRecord& record) = 0;

  // Cache generations per province, advanced in the same transaction as the write they follow.
  virtual absl::StatusOr<int64_t> BumpGeneration(absl::string_view province) = 0;
  virtual absl::StatusOr<int64_t> Generation(absl::string_view province) = 0;

  // The next value of a named counter (enrollment and contribution ids).
  virtual absl::StatusOr<int64_t> NextId(absl::string_view sequence) = 0;

  // Completed imports by import id, with the serialized response.
  virtual absl::StatusOr<std::optional<std::string>> GetImport(absl::string_view import_id) = 0;
  virtual absl::Status PutImport(absl::string_view import_id, absl::string_view response) = 0;

  // Settings of the installation by name (e.g. the NIK key's fingerprint); Put replaces.
  virtual absl::StatusOr<std::optional<std::string>> GetSetting(absl::string_view name) = 0;
  virtual absl::Status PutSetting(absl::string_view name, absl::string_view value) = 0;

  // The audit trail (security/audit.h), append-only. Append fills `event`'s seq, prev_hash and
  // hash from the last event, in this (write) transaction.
  virtual absl::Status AppendAudit(AuditEvent& event) = 0;
  virtual absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) = 0;
};

// Held while an import id is being streamed (RegistryStore::ClaimImport); destroying it frees the
// id.
class ImportClaim {
 public:
  virtual ~ImportClaim() = default;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;
  // Claims `import_id` for one stream among every process sharing the database, until the claim
  // is destroyed: nullptr while another process holds it. A backend whose database only one
  // process opens (SQLite) returns a claim that holds nothing: the registry also refuses a second
  // stream of an id within its own process (Registry::BeginImport).
  virtual absl::StatusOr<std::unique_ptr<ImportClaim>> ClaimImport(absl::string_view import_id) = 0;
  // OK when the database answers a trivial query.
  virtual absl::Status Ping() = 0;
  // Runs `fn` in one write transaction: committed when `fn` returns OK, rolled back otherwise
  // (then `fn`'s error is returned). Writes are serialized.
  virtual absl::Status Write(absl::FunctionRef<absl::Status(RegistryTx&)> fn) = 0;
  // Runs `fn` on a consistent snapshot; writes inside it fail.
  virtual absl::Status Read(absl::FunctionRef<absl::Status(RegistryTx&)> fn) = 0;
  // Makes what committed writes deleted or overwrote unrecoverable from the database's own files,
  // as far as the backend can while running; called after a data-subject erasure. SQLite, which
  // zeroes deleted content (secure_delete), checkpoints its write-ahead log and truncates it, since
  // the log keeps older copies of pages. PostgreSQL does nothing: its dead row versions stay until
  // (auto)vacuum, and its WAL archives and backups are the operator's (docs/security.md).
  virtual absl::Status ScrubDeleted() { return absl::OkStatus(); }
};

}  // namespace paritrana::registry
