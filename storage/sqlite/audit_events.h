#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "security/audit.h"
#include "storage/sqlite/sqlite.h"

// The `audit_events` table both SQLite stores keep for the audit trail (security/audit.h):
// append-only (triggers refuse UPDATE and DELETE), each event chained to the one before by hash.
namespace paritrana::sqlite {

// The migration creating the table, its indexes and triggers; each store appends it to its own.
inline constexpr absl::string_view kAuditEventsMigration = R"sql(
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  principal TEXT NOT NULL,
  how TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_by_principal ON audit_events (principal, seq);
CREATE INDEX audit_events_by_resource ON audit_events (resource, seq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
)sql";

// Appends `event` in the current write transaction: seq is the last seq + 1, prev_hash the last
// hash (kAuditGenesis for the first), hash AuditHash; all three are set in `event`.
absl::Status AppendAuditEvent(Database& db, AuditEvent& event);

// The events matching `query`, in seq order.
absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(Database& db, const AuditQuery& query);

}  // namespace paritrana::sqlite
