#include "storage/postgres/audit_events.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "platform/errors.h"

namespace paritrana::postgres {

absl::Status AppendAuditEvent(Connection& conn, AuditEvent& event) {
  PARITRANA_ASSIGN_OR_RETURN(
      Result last, conn.Query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"));
  event.seq = last.rows() == 0 ? 1 : last.Int(0, 0) + 1;
  event.prev_hash = last.rows() == 0 ? std::string(kAuditGenesis) : last.Bytes(0, 1);
  event.hash = AuditHash(event);
  Sql sql;
  const std::string seq = sql.Int(event.seq);
  const std::string time = sql.Int(absl::ToUnixMicros(event.time));
  const std::string principal = sql.Text(event.principal);
  const std::string how = sql.Text(event.how);
  const std::string method = sql.Text(event.method);
  const std::string resource = sql.Text(event.resource);
  const std::string request_id = sql.Text(event.request_id);
  const std::string outcome = sql.Text(event.outcome);
  const std::string prev_hash = sql.Text(event.prev_hash);
  const std::string hash = sql.Text(event.hash);
  return conn
      .Query(absl::StrCat("INSERT INTO audit_events (seq, time, principal, how, method, resource,"
                          " request_id, outcome, prev_hash, hash) VALUES (",
                          seq, ", ", time, ", ", principal, ", ", how, ", ", method, ", ", resource,
                          ", ", request_id, ", ", outcome, ", ", prev_hash, ", ", hash, ")"),
             sql.params())
      .status();
}

absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(Connection& conn, const AuditQuery& query) {
  Sql sql;
  const std::string after = sql.Int(query.after_seq);
  const std::string principal = sql.Text(query.principal);
  const std::string resource = sql.Text(query.resource);
  const std::string start =
      sql.Int(query.start_time.has_value() ? absl::ToUnixMicros(*query.start_time)
                                           : std::numeric_limits<int64_t>::min());
  const std::string end = sql.Int(query.end_time.has_value() ? absl::ToUnixMicros(*query.end_time)
                                                             : std::numeric_limits<int64_t>::max());
  const std::string limit = sql.Int(query.limit);
  PARITRANA_ASSIGN_OR_RETURN(
      Result r,
      conn.Query(
          absl::StrCat("SELECT seq, time, principal, how, method, resource, request_id,"
                       " outcome, prev_hash, hash FROM audit_events WHERE seq > ",
                       after, " AND (", principal, " = '' OR principal = ", principal, ") AND (",
                       resource, " = '' OR resource = ", resource, ") AND time >= ", start,
                       " AND time < ", end, " ORDER BY seq LIMIT ", limit),
          sql.params()));
  std::vector<AuditEvent> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    AuditEvent e;
    e.seq = r.Int(i, 0);
    e.time = absl::FromUnixMicros(r.Int(i, 1));
    e.principal = r.Bytes(i, 2);
    e.how = r.Bytes(i, 3);
    e.method = r.Bytes(i, 4);
    e.resource = r.Bytes(i, 5);
    e.request_id = r.Bytes(i, 6);
    e.outcome = r.Bytes(i, 7);
    e.prev_hash = r.Bytes(i, 8);
    e.hash = r.Bytes(i, 9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace paritrana::postgres
