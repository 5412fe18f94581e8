#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/request_id.h"
#include "storage/sqlite/sqlite.h"

// The `request_ids` table both SQLite stores keep for api/request_id.h: (method, request_id) ->
// fingerprint, resource, create_time (Unix seconds). Each store's migrations create the table.
namespace paritrana::sqlite {

absl::StatusOr<std::optional<RequestRecord>> ReadRequestId(Database& db, absl::string_view method,
                                                           absl::string_view request_id);

// Records `record`, replacing an earlier one of the same id: an expired id is recorded anew.
absl::Status WriteRequestId(Database& db, absl::string_view method, absl::string_view request_id,
                            const RequestRecord& record);

}  // namespace paritrana::sqlite
