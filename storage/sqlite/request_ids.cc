#include "storage/sqlite/request_ids.h"

namespace paritrana::sqlite {

absl::StatusOr<std::optional<RequestRecord>> ReadRequestId(Database& db, absl::string_view method,
                                                           absl::string_view request_id) {
  absl::StatusOr<Statement*> st = db.Prepare(
      "SELECT fingerprint, resource, create_time FROM request_ids"
      " WHERE method = ?1 AND request_id = ?2");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, method).Bind(2, request_id);
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  RequestRecord record{(*st)->Text(0), (*st)->Text(1), absl::FromUnixSeconds((*st)->Int(2))};
  (*st)->Reset();
  return record;
}

absl::Status WriteRequestId(Database& db, absl::string_view method, absl::string_view request_id,
                            const RequestRecord& record) {
  absl::StatusOr<Statement*> st = db.Prepare(
      "INSERT OR REPLACE INTO request_ids (method, request_id, fingerprint, resource,"
      " create_time) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, method).Bind(2, request_id).Bind(3, record.fingerprint);
  (*st)->Bind(4, record.resource).Bind(5, absl::ToUnixSeconds(record.create_time));
  return (*st)->Run();
}

}  // namespace paritrana::sqlite
