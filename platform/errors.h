#pragma once

#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"

// Errors travel inside services as absl::Status; google.rpc detail messages ride along as
// payloads keyed by their type URL, and ToGrpcStatus puts them on the wire as google.rpc.Status
// (the `grpc-status-details-bin` trailer) so any gRPC client can decode them.
namespace paritrana {

// Collects every invalid field of a request so the caller can fix them all at once.
class FieldViolations final {
 public:
  void Add(absl::string_view field, absl::string_view description);
  // Records `status.message()` under `field` when `status` is an error. Returns status.ok().
  bool Check(absl::string_view field, const absl::Status& status);
  bool empty() const { return bad_request_.field_violations_size() == 0; }
  // INVALID_ARGUMENT with reason INVALID_FIELDS and every violation; OK when there are none.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest bad_request_;
};

// A single invalid field: INVALID_ARGUMENT with one field violation.
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// An error about one field of a request: `code` with the message "field: description", an
// ErrorInfo with `reason` and metadata {"field": field}, and for INVALID_ARGUMENT a BadRequest.
// Stateful failures (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION) name their field this way too.
absl::Status FieldError(absl::StatusCode code, absl::string_view reason, absl::string_view field,
                        absl::string_view description);
// The field an error is about: the first field violation, else ErrorInfo metadata "field".
std::string ErrorField(const absl::Status& status);

// Returns `status` with an ErrorInfo reason (UPPER_SNAKE_CASE) and metadata attached.
absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata = {});

// The ErrorInfo attached to `status`, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
// The BadRequest attached to `status`, if any.
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);

// The ErrorInfo domain of every error any Paritrana service sends (docs/api.md, "Errors").
inline constexpr absl::string_view kErrorDomain = "paritrana.id";

// For the wire: code and message, and a google.rpc.Status with an ErrorInfo (the reason attached,
// or the code's name) in kErrorDomain, plus any other details. INTERNAL and UNKNOWN messages are
// replaced by a generic one, since they may carry internals; the original is logged.
grpc::Status ToGrpcStatus(const absl::Status& status);

// For clients: the code, message and decoded details of a server's error.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace paritrana

// Early returns for absl::Status and absl::StatusOr, as in Abseil's internal code base.
#define PARITRANA_CONCAT_INNER_(a, b) a##b
#define PARITRANA_CONCAT_(a, b) PARITRANA_CONCAT_INNER_(a, b)
#define PARITRANA_RETURN_IF_ERROR(expr)                 \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (0)
#define PARITRANA_ASSIGN_OR_RETURN(lhs, expr) \
  PARITRANA_ASSIGN_OR_RETURN_IMPL_(PARITRANA_CONCAT_(status_or_, __LINE__), lhs, expr)
#define PARITRANA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(*tmp)
