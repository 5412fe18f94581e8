#include "gateway/status_json.h"

#include <utility>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"
#include "platform/errors.h"

namespace paritrana::gateway {

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS and codes gRPC does not define
      return 500;
  }
}

std::string StatusName(grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) return "OK";
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string ErrorJson(const grpc::Status& status) {
  nlohmann::json error = {{"code", HttpStatusOf(status.error_code())},
                          {"message", status.error_message()},
                          {"status", StatusName(status.error_code())}};
  nlohmann::json details = nlohmann::json::array();
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : rpc_status.details()) {
      std::string json;
      if (!google::protobuf::util::MessageToJsonString(any, &json).ok()) continue;
      nlohmann::json detail = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
      if (!detail.is_discarded()) details.push_back(std::move(detail));
    }
  }
  if (!details.empty()) error["details"] = std::move(details);
  // Messages may quote what the caller sent (a path, a parameter's name); bytes that are not
  // UTF-8 become U+FFFD rather than an exception.
  return nlohmann::json{{"error", std::move(error)}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
}

HttpResponse ErrorResponse(const grpc::Status& status) {
  HttpResponse response;
  response.status = HttpStatusOf(status.error_code());
  response.headers = {{"content-type", "application/json; charset=utf-8"},
                      {"cache-control", "no-store"}};
  response.body = ErrorJson(status);
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  return ErrorResponse(ToGrpcStatus(status));
}

}  // namespace paritrana::gateway
