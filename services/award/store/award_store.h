#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/request_id.h"
#include "security/audit.h"

// The award service's storage interface. Backends (sqlite/ now, postgres/ later) implement a few
// primitives over one table of records plus request ids and counters; every rule of the award
// service (validation, states, freezing, scoring) lives above them, so a new backend only has to
// pass the conformance suite (store/conformance/award_store_conformance.h) and be named in
// store/open_store.cc. This header knows no backend.
namespace paritrana::award {

// The kinds of record the award service keeps. Values are stored; never renumber.
enum class Kind : int {
  kRubric = 1,
  kRubricVersion = 2,
  kCycle = 3,
  kCandidate = 4,
  kAssessment = 5,
  kEvaluation = 6,
};

// A resource as stored: its serialized protobuf message and the attributes lists filter and
// order on (copied out of the message by the service so the backend never parses it).
struct Record {
  Kind kind = Kind::kRubric;
  std::string name;      // the resource name, unique per kind
  std::string parent;    // rubric of a version, cycle of a candidate or evaluation, candidate of
                         // an assessment; "" for rubrics and cycles
  std::string cycle;     // the cycle the record belongs to; "" for rubrics and their versions
  std::string sort_key;  // list order among records of the same kind (ascending)
  int category = 0;      // AwardCategory of rubrics and candidates
  int state = 0;         // candidate status, evaluation state, cycle state, version state
  int year = 0;          // cycles
  std::string subject;   // candidates: unique within a cycle when not empty
  std::string assessor;  // assessments
  std::string body;      // the serialized message
};

// What to list: records of `kind`, with every set filter equal, ordered by sort_key, after
// `after_key`. 0 and "" mean "any".
struct ListQuery {
  Kind kind = Kind::kRubric;
  std::optional<std::string> parent;
  std::optional<std::string> cycle;
  int category = 0;
  int state = 0;
  int year = 0;
  std::string subject;
  std::string assessor;
  std::string after_key;
  int limit = 50;
};

// A remembered request id (one record for every service: api/request_id.h).
using ::paritrana::RequestRecord;

// One unit of work inside a transaction.
class AwardTx {
 public:
  virtual ~AwardTx() = default;

  virtual absl::StatusOr<std::optional<Record>> Get(Kind kind, absl::string_view name) = 0;
  // ALREADY_EXISTS if the name exists, or a candidate's subject is already used in its cycle.
  virtual absl::Status Insert(const Record& record) = 0;
  // Replaces the attributes and body of an existing record (parent and cycle never change).
  // NOT_FOUND if it does not exist.
  virtual absl::Status Update(const Record& record) = 0;
  virtual absl::StatusOr<std::vector<Record>> List(const ListQuery& query) = 0;

  // Request ids by method; Put replaces an older record with the same key.
  virtual absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                                  absl::string_view request_id) = 0;
  virtual absl::Status PutRequest(absl::string_view method, absl::string_view request_id,
                                  const RequestRecord& record) = 0;

  // The next value (1, 2, ...) of a named counter, e.g. a cycle's evaluation numbers.
  virtual absl::StatusOr<int64_t> NextId(absl::string_view sequence) = 0;

  // The audit trail (security/audit.h), append-only. Append fills `event`'s seq, prev_hash and
  // hash from the last event, in this (write) transaction.
  virtual absl::Status AppendAudit(AuditEvent& event) = 0;
  virtual absl::StatusOr<std::vector<AuditEvent>> ListAudit(const AuditQuery& query) = 0;
};

class AwardStore {
 public:
  virtual ~AwardStore() = default;
  // OK when the database answers a trivial query.
  virtual absl::Status Ping() = 0;
  // Runs `fn` in one write transaction: committed when `fn` returns OK, rolled back otherwise
  // (then `fn`'s error is returned). Writes are serialized.
  virtual absl::Status Write(absl::FunctionRef<absl::Status(AwardTx&)> fn) = 0;
  // Runs `fn` on a consistent snapshot; writes inside it fail.
  virtual absl::Status Read(absl::FunctionRef<absl::Status(AwardTx&)> fn) = 0;
};

}  // namespace paritrana::award
