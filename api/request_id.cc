#include "api/request_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace paritrana {

absl::Status CheckRequestId(absl::string_view id) {
  FieldViolations v;
  CheckRequestId(id, v);
  return v.ToStatus();
}

void CheckRequestId(absl::string_view id, FieldViolations& v) {
  if (id.empty()) return;  // no id: the call is not deduplicated
  bool ok = id.size() <= kMaxRequestIdLength;
  for (char c : id) {
    ok = ok &&
         (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    v.Add("request_id",
          absl::StrCat("must be 1 to ", kMaxRequestIdLength,
                       " characters of A-Z, a-z, 0-9, '.', '_' and '-', e.g. a UUID"));
  }
}

absl::Status RequestIdReused(absl::string_view method, absl::string_view id) {
  return WithReason(absl::AlreadyExistsError(
                        absl::StrCat("request_id ", id, " was already used by a different ", method,
                                     " request; use a new request_id for a new request")),
                    "REQUEST_ID_REUSED", {{"request_id", std::string(id)}});
}

absl::StatusOr<std::optional<std::string>> Replay(const std::optional<RequestRecord>& seen,
                                                  absl::string_view method, absl::string_view id,
                                                  absl::string_view fingerprint, absl::Time now) {
  if (id.empty() || !seen.has_value() || now - seen->create_time >= kRequestIdRetention) {
    return std::nullopt;
  }
  if (seen->fingerprint != fingerprint) return RequestIdReused(method, id);
  return seen->resource;
}

}  // namespace paritrana
