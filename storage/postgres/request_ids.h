#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/request_id.h"
#include "storage/postgres/postgres.h"

// The `request_ids` table both PostgreSQL stores keep for api/request_id.h: (method, request_id)
// -> fingerprint, resource, create_time (Unix seconds). Each store's migrations create the table.
namespace paritrana::postgres {

absl::StatusOr<std::optional<RequestRecord>> ReadRequestId(Connection& conn,
                                                           absl::string_view method,
                                                           absl::string_view request_id);

// Records `record`, replacing an earlier one of the same id: an expired id is recorded anew.
absl::Status WriteRequestId(Connection& conn, absl::string_view method,
                            absl::string_view request_id, const RequestRecord& record);

}  // namespace paritrana::postgres
