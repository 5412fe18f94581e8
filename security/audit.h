#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"

// The audit trail: who did what, how they proved it, on which resource, when and with what
// outcome. Each service with a store keeps its events in an append-only table (audit_events) of
// that store, written in the same transaction as the write they record; every event carries the
// hash of the one before it, so a record altered or removed in the database breaks the chain
// (VerifyAuditChain, `paritrana audit verify`). Events never hold a NIK or other personal data:
// the resource is a name such as `participants/{kpj}`.
namespace paritrana {

// The prev_hash of the first event of a trail.
inline constexpr absl::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditEvent {
  int64_t seq = 0;         // 1, 2, ... without gaps
  absl::Time time;         // kept to the microsecond
  std::string principal;   // Caller::id; "system" for the service's own work outside any call
  std::string how;         // AuthMethodName: "none", "token", "jwt", "certificate"
  std::string method;      // "paritrana.registry.v1.RegistryService/CreateParticipant"
  std::string resource;    // "participants/1234567890", "imports/batch-7", or ""
  std::string request_id;  // x-request-id of the call
  std::string outcome;     // canonical code name: "OK", "PERMISSION_DENIED", ...
  std::string prev_hash;   // `hash` of event seq - 1 (kAuditGenesis for seq 1)
  std::string hash;        // AuditHash(*this)
};

// Lower-hex SHA-256 over a length-prefixed encoding of every field but `hash` (prev_hash
// included), so no two different events share an encoding.
std::string AuditHash(const AuditEvent& event);

// Where a chain breaks: the first seq that is missing, altered or not linked to the one before.
struct AuditChainBreak {
  int64_t seq = 0;
  std::string reason;
};

// Checks `events` (in seq order, as listed) link up: consecutive seqs, each hash recomputed, each
// prev_hash the hash before it, the first one's prev_hash `expected_first_prev` (kAuditGenesis
// for a whole trail, which must then start at seq 1). nullopt when the chain holds.
std::optional<AuditChainBreak> VerifyAuditChain(std::span<const AuditEvent> events,
                                                absl::string_view expected_first_prev);

// An event for the current call (security/call_context.h) with `outcome`'s code and the current
// time; outside any call principal "system", how "none", method and resource empty. seq,
// prev_hash and hash are the store's to fill (AppendAuditEvent of storage/*/audit_events.h).
AuditEvent AuditEventOfCall(const absl::Status& outcome);

// How many events AuditEventOfCall built on this thread: ServeUnary tells by it whether the rules
// recorded a call themselves (a write that reached its transaction) or it must.
uint64_t AuditEventsBuiltOnThisThread();

// The resource a request names, for the audit trail: its `name` field, else the `name` of its
// first message field that has one (update requests), else its `parent`, else `regions/...` of a
// `region` filter; "" when none. Reads no other field, so never a NIK.
std::string AuditResourceOf(const google::protobuf::Message& request);

// What ListAuditEvents asks: events after seq `after_seq` matching every filter set, in seq
// order, at most `limit`.
struct AuditQuery {
  std::string principal;
  std::string resource;
  std::optional<absl::Time> start_time;  // inclusive
  std::optional<absl::Time> end_time;    // exclusive
  int64_t after_seq = 0;
  int limit = 50;
};

// A service's audit trail.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends `event` in a transaction of its own (refused calls, failed writes, personal reads);
  // fills its seq, prev_hash and hash.
  virtual absl::Status Record(AuditEvent event) = 0;
  virtual absl::StatusOr<std::vector<AuditEvent>> List(const AuditQuery& query) = 0;
};

// The AuditLog of a service's store: `Store` has Write and Read taking a function of its
// transaction, whose AppendAudit and ListAudit reach the store's audit_events table. Writes record
// themselves in their own transaction; this log records what happens outside one.
template <typename Store>
class StoreAuditLog final : public AuditLog {
 public:
  explicit StoreAuditLog(Store& store) : store_(store) {}

  absl::Status Record(AuditEvent event) override {
    return store_.Write([&](auto& tx) { return tx.AppendAudit(event); });
  }

  absl::StatusOr<std::vector<AuditEvent>> List(const AuditQuery& query) override {
    absl::StatusOr<std::vector<AuditEvent>> events;
    absl::Status read = store_.Read([&](auto& tx) -> absl::Status {
      events = tx.ListAudit(query);
      return events.status();
    });
    if (!read.ok()) return read;
    return events;
  }

 private:
  Store& store_;
};

// Records a call refused before it ran (UNAUTHENTICATED or PERMISSION_DENIED; other errors are
// not refusals and are ignored) to `log`, or, without one (coverage keeps no store), to the
// process log. `principal` and `how` are "" when the caller is unknown. Never fails: a refusal
// that cannot be recorded is logged as an error.
void RecordRefusal(AuditLog* log, const absl::Status& refusal, absl::string_view principal,
                   absl::string_view how, absl::string_view method, absl::string_view request_id,
                   absl::string_view resource);

}  // namespace paritrana
