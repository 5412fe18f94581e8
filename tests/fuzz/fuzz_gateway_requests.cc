// The gateway's request side (gateway/http_rules.h, gateway/transcoder.h): the input is the
// target of a GET as a client sent it, path and query. Whatever it holds:
//   - a target no route matches gives a 404 whose body is google.rpc.Status JSON;
//   - a matched target either builds its gRPC request, which then parses back as its own type
//     (proto3 strings must be UTF-8: a request the backend could not parse would come back as
//     INTERNAL) and prints as JSON, or is refused INVALID_ARGUMENT with a 400 JSON body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gateway/http_rules.h"
#include "gateway/status_json.h"
#include "gateway/transcoder.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_support.h"

namespace {

using paritrana::gateway::RouteTable;

const RouteTable& Routes() {
  static const RouteTable* routes = [] {
    auto table = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
    PARITRANA_FUZZ_CHECK(table.ok(), table.status().ToString());
    return new RouteTable(*std::move(table));
  }();
  return *routes;
}

// The error answer of `status` has the HTTP code `http` and parses as google.rpc.Status JSON.
void CheckErrorAnswer(const absl::Status& status, int http) {
  const paritrana::gateway::HttpResponse r = paritrana::gateway::ErrorResponse(status);
  PARITRANA_FUZZ_CHECK(r.status == http, status.ToString());
  const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  PARITRANA_FUZZ_CHECK(!body.is_discarded() && body["error"]["code"] == http, r.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size);
  const size_t question = target.find('?');
  const std::string path = target.substr(0, question);
  const std::string query = question == std::string::npos ? "" : target.substr(question + 1);

  const std::optional<RouteTable::Match> match = Routes().Find("GET", path);
  if (!match.has_value()) {
    CheckErrorAnswer(absl::NotFoundError("no such resource: " + path), 404);
    return 0;
  }
  auto request = paritrana::gateway::BuildRequest(*match, query, "");
  if (!request.ok()) {
    PARITRANA_FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument,
                         request.status().ToString());
    CheckErrorAnswer(request.status(), 400);
    return 0;
  }
  std::unique_ptr<google::protobuf::Message> again((*request)->New());
  PARITRANA_FUZZ_CHECK(again->ParseFromString((*request)->SerializeAsString()),
                       "the built request does not parse back: " + target);
  std::string json;
  PARITRANA_FUZZ_CHECK(google::protobuf::util::MessageToJsonString(**request, &json).ok(), target);
  return 0;
}
