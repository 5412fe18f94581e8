#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http_rules.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/status.h"

// From an HTTP request to a gRPC request message and back: the request message is built from the
// route's path bindings, the query and the body (protobuf's JSON mapping), sent to the backend
// over a generic stub without blocking a thread, and its answer printed as JSON.
namespace paritrana::gateway {

// The query of a target ("a=1&b=2"), split and percent-decoded ('+' is a space), in order.
// INVALID_ARGUMENT on a malformed escape.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view query);

// Sets the field at dotted `path` of `message` (each part the field's proto name or its JSON
// lowerCamel name) from the text `value`: scalars by their text form, bools as true/false/1/0,
// enums by name or number, bytes as base64, repeated fields by appending, google.type.Date from
// "YYYY-MM-DD", a message of `year` and `month` (e.g. YearMonth) from "YYYY-MM",
// google.protobuf.Timestamp from RFC 3339, FieldMask from its comma list. INVALID_ARGUMENT with a
// BadRequest field violation naming `path` when it names no such field or the value does not fit.
absl::Status SetField(google::protobuf::Message& message, absl::string_view path,
                      absl::string_view value);

// The request message of `match`'s method: a new message of its input type with the path
// bindings, the query parameters and (when the rule has one) the JSON body.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const RouteTable::Match& match, absl::string_view query, absl::string_view body);

// The backends' channels, by service full name.
using Backends = std::map<std::string, std::shared_ptr<grpc::ChannelInterface>>;

// A backend's answer: the status and, when OK, the response message.
struct BackendAnswer {
  grpc::Status status;
  std::unique_ptr<google::protobuf::Message> response;
};

class Forwarder final {
 public:
  Forwarder(Backends backends, absl::Duration deadline);

  // Calls `route`'s method with `request` and `metadata` (lower-case keys) within the deadline;
  // `done` runs once, on a gRPC thread, when the call completes. A service without a channel
  // answers UNAVAILABLE at once.
  void Call(const Route& route, const google::protobuf::Message& request,
            const std::vector<std::pair<std::string, std::string>>& metadata,
            std::function<void(BackendAnswer)> done);

  // The same for any unary method by its path ("/pkg.Service/Method") on `service`'s channel,
  // with the response parsed into `response_prototype`'s type (health probes use this).
  void CallMethod(const std::string& service, const std::string& method_path,
                  const google::protobuf::Message& request,
                  const google::protobuf::Message& response_prototype,
                  const std::vector<std::pair<std::string, std::string>>& metadata,
                  absl::Duration deadline, std::function<void(BackendAnswer)> done);

 private:
  struct Backend {
    std::shared_ptr<grpc::ChannelInterface> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };
  std::map<std::string, Backend> backends_;
  const absl::Duration deadline_;
};

}  // namespace paritrana::gateway
