#include "storage/postgres/request_ids.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "platform/errors.h"

namespace paritrana::postgres {

absl::StatusOr<std::optional<RequestRecord>> ReadRequestId(Connection& conn,
                                                           absl::string_view method,
                                                           absl::string_view request_id) {
  Sql sql;
  const std::string m = sql.Text(method);
  const std::string id = sql.Text(request_id);
  PARITRANA_ASSIGN_OR_RETURN(
      Result result,
      conn.Query(absl::StrCat("SELECT fingerprint, resource, create_time FROM request_ids"
                              " WHERE method = ",
                              m, " AND request_id = ", id),
                 sql.params()));
  if (result.rows() == 0) return std::nullopt;
  return RequestRecord(result.Bytes(0, 0), result.Bytes(0, 1),
                       absl::FromUnixSeconds(result.Int(0, 2)));
}

absl::Status WriteRequestId(Connection& conn, absl::string_view method,
                            absl::string_view request_id, const RequestRecord& record) {
  Sql sql;
  const std::string m = sql.Text(method);
  const std::string id = sql.Text(request_id);
  const std::string f = sql.Text(record.fingerprint);
  const std::string r = sql.Text(record.resource);
  const std::string t = sql.Int(absl::ToUnixSeconds(record.create_time));
  return conn
      .Query(absl::StrCat("INSERT INTO request_ids (method, request_id, fingerprint, resource,"
                          " create_time) VALUES (",
                          m, ", ", id, ", ", f, ", ", r, ", ", t,
                          ") ON CONFLICT (method, request_id) DO UPDATE SET fingerprint ="
                          " excluded.fingerprint, resource = excluded.resource, create_time ="
                          " excluded.create_time"),
             sql.params())
      .status();
}

}  // namespace paritrana::postgres
