#pragma once

#include <string>

#include "absl/status/status.h"
#include "gateway/http_types.h"
#include "grpcpp/support/status.h"

// Errors over HTTP as Google's JSON APIs send them: the HTTP status of the standard gRPC mapping
// (google/rpc/code.proto) and a body {"error":{"code":HTTP,"message":...,"status":"NAME",
// "details":[Any as JSON with "@type", ...]}} carrying the same google.rpc.Status details a gRPC
// client decodes from grpc-status-details-bin.
namespace paritrana::gateway {

// 400, 401, 403, 404, 409, 429, 499, 500, 501, 503 or 504 for an error; 200 for OK.
int HttpStatusOf(grpc::StatusCode code);
// "INVALID_ARGUMENT", ... ("OK" for OK).
std::string StatusName(grpc::StatusCode code);

// The JSON body for `status` (a backend's answer, details in error_details()). Details whose
// type is not in the generated pool are left out.
std::string ErrorJson(const grpc::Status& status);

// The whole HTTP answer for an error: status, JSON body, content type and `cache-control:
// no-store` (an error is never cached).
HttpResponse ErrorResponse(const grpc::Status& status);
// The same for one of the gateway's own errors (platform/errors.h details included).
HttpResponse ErrorResponse(const absl::Status& status);

}  // namespace paritrana::gateway
