#include "storage/sqlite/audit_events.h"

#include <limits>

namespace paritrana::sqlite {

absl::Status AppendAuditEvent(Database& db, AuditEvent& event) {
  absl::StatusOr<Statement*> last =
      db.Prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return last.status();
  absl::StatusOr<bool> row = (*last)->Step();
  if (!row.ok()) return row.status();
  event.seq = *row ? (*last)->Int(0) + 1 : 1;
  event.prev_hash = *row ? (*last)->Text(1) : std::string(kAuditGenesis);
  (*last)->Reset();
  event.hash = AuditHash(event);
  absl::StatusOr<Statement*> st = db.Prepare(
      "INSERT INTO audit_events (seq, time, principal, how, method, resource, request_id,"
      " outcome, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, event.seq).Bind(2, absl::ToUnixMicros(event.time)).Bind(3, event.principal);
  (*st)->Bind(4, event.how).Bind(5, event.method).Bind(6, event.resource);
  (*st)->Bind(7, event.request_id).Bind(8, event.outcome).Bind(9, event.prev_hash);
  (*st)->Bind(10, event.hash);
  return (*st)->Run();
}

absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(Database& db, const AuditQuery& query) {
  absl::StatusOr<Statement*> st = db.Prepare(
      "SELECT seq, time, principal, how, method, resource, request_id, outcome, prev_hash, hash"
      " FROM audit_events WHERE seq > ?1 AND (?2 = '' OR principal = ?2)"
      " AND (?3 = '' OR resource = ?3) AND time >= ?4 AND time < ?5 ORDER BY seq LIMIT ?6");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, query.after_seq).Bind(2, query.principal).Bind(3, query.resource);
  (*st)->Bind(4, query.start_time.has_value() ? absl::ToUnixMicros(*query.start_time)
                                              : std::numeric_limits<int64_t>::min());
  (*st)->Bind(5, query.end_time.has_value() ? absl::ToUnixMicros(*query.end_time)
                                            : std::numeric_limits<int64_t>::max());
  (*st)->Bind(6, static_cast<int64_t>(query.limit));
  std::vector<AuditEvent> out;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AuditEvent e;
    e.seq = (*st)->Int(0);
    e.time = absl::FromUnixMicros((*st)->Int(1));
    e.principal = (*st)->Text(2);
    e.how = (*st)->Text(3);
    e.method = (*st)->Text(4);
    e.resource = (*st)->Text(5);
    e.request_id = (*st)->Text(6);
    e.outcome = (*st)->Text(7);
    e.prev_hash = (*st)->Text(8);
    e.hash = (*st)->Text(9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace paritrana::sqlite
