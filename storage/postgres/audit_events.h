#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "security/audit.h"
#include "storage/postgres/postgres.h"

// The `audit_events` table both PostgreSQL stores keep for the audit trail (security/audit.h):
// append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), each event chained to the one
// before by hash. Appends are serialized by the writer lock every write transaction of the store
// takes (ConnectionPool::Write), in every process; the primary key on seq and SERIALIZABLE
// isolation would turn a race into a retried transaction, never a fork of the chain.
namespace paritrana::postgres {

// The migration creating the table, its indexes and triggers; each store appends it to its own.
inline constexpr absl::string_view kAuditEventsMigration = R"sql(
CREATE TABLE audit_events (
  seq BIGINT PRIMARY KEY,
  time BIGINT NOT NULL,
  principal TEXT COLLATE "C" NOT NULL,
  how TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT COLLATE "C" NOT NULL,
  request_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_by_principal ON audit_events (principal, seq);
CREATE INDEX audit_events_by_resource ON audit_events (resource, seq);
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
)sql";

// Appends `event` in the current write transaction: seq is the last seq + 1, prev_hash the last
// hash (kAuditGenesis for the first), hash AuditHash; all three are set in `event`.
absl::Status AppendAuditEvent(Connection& conn, AuditEvent& event);

// The events matching `query`, in seq order.
absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(Connection& conn, const AuditQuery& query);

}  // namespace paritrana::postgres
