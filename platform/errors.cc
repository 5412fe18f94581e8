#include "platform/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "platform/log.h"

namespace paritrana {
namespace {

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";

std::string TypeUrl(const google::protobuf::Message& m) {
  return std::string(kTypePrefix) + m.GetDescriptor()->full_name();
}

template <typename Detail>
std::optional<Detail> GetDetail(const absl::Status& status) {
  Detail detail;
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrl(detail));
  if (!payload || !detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

void SetDetail(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(TypeUrl(detail), absl::Cord(detail.SerializeAsString()));
}

}  // namespace

void FieldViolations::Add(absl::string_view field, absl::string_view description) {
  auto* v = bad_request_.add_field_violations();
  v->set_field(std::string(field));
  v->set_description(std::string(description));
}

bool FieldViolations::Check(absl::string_view field, const absl::Status& status) {
  if (!status.ok()) Add(field, status.message());
  return status.ok();
}

absl::Status FieldViolations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  const auto& first = bad_request_.field_violations(0);
  std::string message = absl::StrCat(first.field(), ": ", first.description());
  if (bad_request_.field_violations_size() > 1) {
    absl::StrAppend(&message, " (and ", bad_request_.field_violations_size() - 1,
                    " more field violations)");
  }
  absl::Status status = WithReason(absl::InvalidArgumentError(message), "INVALID_FIELDS");
  SetDetail(status, bad_request_);
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  FieldViolations v;
  v.Add(field, description);
  return v.ToStatus();
}

absl::Status FieldError(absl::StatusCode code, absl::string_view reason, absl::string_view field,
                        absl::string_view description) {
  absl::Status status(code, absl::StrCat(field, ": ", description));
  status = WithReason(status, reason, {{"field", std::string(field)}});
  if (code == absl::StatusCode::kInvalidArgument) {
    google::rpc::BadRequest bad;
    auto* v = bad.add_field_violations();
    v->set_field(std::string(field));
    v->set_description(std::string(description));
    SetDetail(status, bad);
  }
  return status;
}

std::string ErrorField(const absl::Status& status) {
  if (auto bad = GetBadRequest(status); bad && bad->field_violations_size() > 0) {
    return bad->field_violations(0).field();
  }
  if (auto info = GetErrorInfo(status)) {
    auto it = info->metadata().find("field");
    if (it != info->metadata().end()) return it->second;
  }
  return "";
}

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  for (const auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  SetDetail(status, info);
  return status;
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetDetail<google::rpc::ErrorInfo>(status);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return GetDetail<google::rpc::BadRequest>(status);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    log::Error("internal error", {{"error", message}});
    message = "internal error; the operator's logs have the details";
  }

  google::rpc::Status wire;
  wire.set_code(static_cast<int>(status.code()));
  wire.set_message(message);
  google::rpc::ErrorInfo info = GetErrorInfo(status).value_or(google::rpc::ErrorInfo());
  if (info.reason().empty()) info.set_reason(absl::StatusCodeToString(status.code()));
  info.set_domain(std::string(kErrorDomain));
  wire.add_details()->PackFrom(info);
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url == TypeUrl(info)) return;
    auto* any = wire.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      wire.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status wire;
  if (!status.error_details().empty() && wire.ParseFromString(status.error_details())) {
    for (const auto& any : wire.details()) out.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return out;
}

}  // namespace paritrana
