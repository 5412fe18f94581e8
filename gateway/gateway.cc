#include "gateway/gateway.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/request_id.h"
#include "gateway/dashboard_assets.h"
#include "gateway/openapi.h"
#include "gateway/status_json.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "nlohmann/json.hpp"
#include "platform/errors.h"
#include "platform/log.h"
#include "platform/metrics.h"

namespace paritrana::gateway {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
// API answers differ by caller (a NIK only for pii_reader, region scopes): a shared cache must
// not keep them, and a client revalidates each time (cheap: a 304 when nothing changed).
constexpr char kApiCacheControl[] = "private, no-cache";
constexpr char kRequestsMetric[] = "paritrana_gateway_requests_total";
constexpr char kRateLimitedMetric[] = "paritrana_gateway_rate_limited_total";

// The request-id grammar is the API's (api/request_id.h), where "" means no id.
bool ValidRequestId(absl::string_view id) { return !id.empty() && CheckRequestId(id).ok(); }

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen;
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(*gen),
                         absl::Uniform<uint64_t>(*gen));
}

std::string QuotedETag(uint64_t hash) { return absl::StrFormat("\"%016x\"", hash); }

// Whether an If-None-Match list names `etag` (weak comparison, as RFC 9110 asks for it) or is "*".
bool NoneMatchHits(absl::string_view if_none_match, absl::string_view etag) {
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

// A google.rpc.Status error with `details` (plus the suite's ErrorInfo), as a backend sends one.
grpc::Status GatewayError(grpc::StatusCode code, const std::string& message,
                          absl::string_view reason,
                          std::vector<const google::protobuf::Message*> details = {}) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  status.add_details()->PackFrom(info);
  for (const auto* d : details) status.add_details()->PackFrom(*d);
  return grpc::Status(code, message, status.SerializeAsString());
}

HttpResponse NotFound(absl::string_view path) {
  return ErrorResponse(GatewayError(grpc::StatusCode::NOT_FOUND,
                                    absl::StrCat("no such resource: ", path), "NOT_FOUND"));
}

HttpResponse MethodNotAllowed(absl::string_view method, const std::vector<std::string>& allowed) {
  HttpResponse r = ErrorResponse(
      GatewayError(grpc::StatusCode::UNIMPLEMENTED,
                   absl::StrCat("method ", method, " is not allowed here"), "METHOD_NOT_ALLOWED"));
  r.status = 405;
  nlohmann::json body = nlohmann::json::parse(r.body);
  body["error"]["code"] = 405;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.emplace_back("allow", absl::StrJoin(allowed, ", "));
  return r;
}

// The target's path and query ("" when none); a fragment is dropped.
std::pair<absl::string_view, absl::string_view> SplitTarget(absl::string_view target) {
  target = target.substr(0, target.find('#'));
  const size_t q = target.find('?');
  if (q == absl::string_view::npos) return {target, ""};
  return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayOptions options,
                                                         Backends backends) {
  absl::StatusOr<RouteTable> routes = RouteTable::FromGeneratedPool(RouteTable::DefaultServices());
  if (!routes.ok()) return routes.status();
  auto& metrics = metrics::Registry::Global();
  metrics.Describe(kRequestsMetric, "counter",
                   "JSON API requests by route (the annotated path template) and HTTP status");
  metrics.Describe(kRateLimitedMetric, "counter", "Requests refused by the per-caller rate limit");
  return std::unique_ptr<Gateway>(
      new Gateway(std::move(options), *std::move(routes), std::move(backends)));
}

Gateway::Gateway(GatewayOptions options, RouteTable routes, Backends backends)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      forwarder_(std::move(backends), options_.call_deadline),
      limiter_(options_.rate_limit, options_.rate_limit_burst),
      openapi_json_(OpenApiJson(routes_)) {}

void Gateway::AddCorsHeaders(absl::string_view origin, HttpResponse& response) const {
  if (options_.cors_allowed_origins.empty()) return;
  response.headers.emplace_back("vary", "origin");
  if (origin.empty()) return;
  const auto& allowed = options_.cors_allowed_origins;
  std::string allow;
  if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
    allow = std::string(origin);
  } else if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end()) {
    allow = "*";
  } else {
    return;
  }
  response.headers.emplace_back("access-control-allow-origin", allow);
  response.headers.emplace_back("access-control-expose-headers", "etag, x-request-id, retry-after");
}

HttpResponse Gateway::Cacheable(absl::string_view if_none_match, std::string content_type,
                                std::string cache_control, uint64_t hash,
                                std::function<std::string()> body) {
  HttpResponse r;
  const std::string etag = QuotedETag(hash);
  r.headers = {{"etag", etag}, {"cache-control", std::move(cache_control)}};
  if (!if_none_match.empty() && NoneMatchHits(if_none_match, etag)) {
    r.status = 304;  // the client's copy is current: no body, and none printed
    return r;
  }
  r.headers.emplace_back("content-type", std::move(content_type));
  r.body = body();
  return r;
}

void Gateway::Handle(HttpRequest request, std::function<void(HttpResponse)> respond) {
  const auto [path, query] = SplitTarget(request.target);
  std::string request_id(request.Header("x-request-id"));
  if (!ValidRequestId(request_id)) request_id = NewRequestId();
  const bool head = request.method == "HEAD";
  // Every answer, whichever way it is made, gets the request id and the CORS headers. A HEAD's
  // body is dropped by the transport, which still sends the length a GET would have had.
  auto finish = [this, request_id, origin = std::string(request.Header("origin")),
                 respond = std::move(respond)](HttpResponse r) {
    r.headers.emplace_back("x-request-id", request_id);
    AddCorsHeaders(origin, r);
    respond(std::move(r));
  };

  if (request.method == "OPTIONS") {
    HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("allow", "GET, HEAD, OPTIONS");
    if (!request.Header("origin").empty() && !options_.cors_allowed_origins.empty()) {
      r.headers.emplace_back("access-control-allow-methods", "GET, HEAD, OPTIONS");
      r.headers.emplace_back("access-control-allow-headers",
                             "authorization, content-type, if-none-match, x-request-id");
      r.headers.emplace_back("access-control-max-age", "600");
    }
    finish(std::move(r));
    return;
  }
  if (path == "/v1" || absl::StartsWith(path, "/v1/")) {
    if (path == "/v1/openapi.json") {
      if (request.method != "GET" && !head)
        return finish(MethodNotAllowed(request.method, {"GET"}));
      return finish(Cacheable(request.Header("if-none-match"), kJson, "public, no-cache",
                              StableHash64(openapi_json_), [this] { return openapi_json_; }));
    }
    HandleApi(request, path, query, request_id, std::move(finish));
    return;
  }
  if (request.method != "GET" && !head) {
    return finish(MethodNotAllowed(request.method, {"GET", "HEAD", "OPTIONS"}));
  }
  if (path == "/healthz") {
    HttpResponse r;
    r.headers = {{"content-type", kJson}, {"cache-control", "no-store"}};
    r.body = R"({"status":"SERVING"})";
    return finish(std::move(r));
  }
  if (path == "/readyz") return HandleReady(std::move(finish));
  if (path == "/dashboard/boundaries.geojson") {
    // Without --boundaries_file, a collection of no features: the dashboard then draws no map,
    // and no browser logs a failed request for it.
    static const std::string kNoBoundaries = R"({"type":"FeatureCollection","features":[]})";
    const std::string& geojson =
        options_.boundaries_geojson.has_value() ? *options_.boundaries_geojson : kNoBoundaries;
    return finish(Cacheable(request.Header("if-none-match"), "application/geo+json", "no-cache",
                            StableHash64(geojson), [&geojson] { return geojson; }));
  }
  // The dashboard: "/" is its index; its files also answer under "/dashboard/".
  absl::string_view asset_path = path;
  if (absl::ConsumePrefix(&asset_path, "/dashboard") && !asset_path.empty() &&
      asset_path.front() != '/') {
    asset_path = path;  // "/dashboardX" is no prefix of ours
  }
  const std::string lookup =
      asset_path.empty() || asset_path == "/" ? "/index.html" : std::string(asset_path);
  if (const Asset* asset = FindDashboardAsset(lookup); asset != nullptr) {
    HttpResponse r =
        Cacheable(request.Header("if-none-match"), std::string(asset->content_type), "no-cache",
                  StableHash64(asset->body), [asset] { return std::string(asset->body); });
    // The dashboard holds a token: no framing by other sites (clickjacking of the sign-in), no
    // script or connection from elsewhere, no guessing of content types.
    r.headers.emplace_back("content-security-policy",
                           "default-src 'self'; img-src 'self' data: blob:; "
                           "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
                           "base-uri 'none'; form-action 'self'");
    r.headers.emplace_back("x-content-type-options", "nosniff");
    r.headers.emplace_back("referrer-policy", "no-referrer");
    return finish(std::move(r));
  }
  finish(NotFound(path));
}

void Gateway::HandleApi(const HttpRequest& request, absl::string_view path, absl::string_view query,
                        const std::string& request_id, std::function<void(HttpResponse)> respond) {
  const absl::string_view authorization = request.Header("authorization");
  // gRPC metadata values are printable ASCII; HTTP allows more (a tab, bytes above 0x7E), and a
  // value gRPC refuses would abort the process inside it. No credential has such characters.
  if (std::any_of(authorization.begin(), authorization.end(),
                  [](char c) { return c < 0x20 || c > 0x7E; })) {
    return respond(ErrorResponse(GatewayError(grpc::StatusCode::UNAUTHENTICATED,
                                              "the authorization header holds characters no "
                                              "credential has",
                                              "CREDENTIAL_MALFORMED")));
  }
  if (options_.require_authorization && authorization.empty()) {
    HttpResponse r =
        ErrorResponse(GatewayError(grpc::StatusCode::UNAUTHENTICATED,
                                   "this API needs an authorization header", "CREDENTIAL_MISSING"));
    r.headers.emplace_back("www-authenticate", "Bearer");
    return respond(std::move(r));
  }
  if (RateLimiter::Decision d = limiter_.Admit(CallerKey(request)); !d.admitted) {
    metrics::Registry::Global().Add(kRateLimitedMetric, {});
    google::rpc::RetryInfo retry;
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(d.retry_after));
    retry.mutable_retry_delay()->set_seconds(ms / 1000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
    HttpResponse r = ErrorResponse(GatewayError(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                                "too many requests from this caller; retry later",
                                                "RATE_LIMITED", {&retry}));
    r.headers.emplace_back("retry-after", absl::StrCat((ms + 999) / 1000));
    return respond(std::move(r));
  }
  // Both arms are views: with a literal and a std::string the ternary would make a temporary
  // string and leave `method` dangling.
  const absl::string_view method =
      request.method == "HEAD" ? absl::string_view("GET") : absl::string_view(request.method);
  std::optional<RouteTable::Match> match = routes_.Find(method, path);
  if (!match.has_value()) {
    std::vector<std::string> allowed = routes_.MethodsFor(path);
    if (allowed.empty()) return respond(NotFound(path));
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
      allowed.push_back("HEAD");
    }
    allowed.push_back("OPTIONS");
    return respond(MethodNotAllowed(request.method, allowed));
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> grpc_request =
      BuildRequest(*match, query, request.body);
  const Route* route = match->route;
  if (!grpc_request.ok()) {
    metrics::Registry::Global().Add(kRequestsMetric,
                                    {{"route", route->path.text}, {"code", "400"}});
    return respond(ErrorResponse(grpc_request.status()));
  }
  std::vector<std::pair<std::string, std::string>> metadata = {{"x-request-id", request_id}};
  if (!authorization.empty()) metadata.emplace_back("authorization", std::string(authorization));
  ++in_flight_;
  const absl::Time start = absl::Now();
  forwarder_.Call(
      *route, **grpc_request, metadata,
      [this, route, start, request_id, if_none_match = std::string(request.Header("if-none-match")),
       respond = std::move(respond)](BackendAnswer answer) {
        HttpResponse r;
        if (!answer.status.ok() && answer.status.error_details().empty()) {
          // Not a service's answer (those always carry details) but gRPC's own: its message
          // names internal addresses, so the caller gets a plain one and the log the original.
          log::Warn("backend call failed", {{"route", route->path.text},
                                            {"request_id", request_id},
                                            {"error", answer.status.error_message()}});
          const std::string service = route->method->service()->name();
          const grpc::StatusCode code = answer.status.error_code();
          r = ErrorResponse(
              GatewayError(code,
                           code == grpc::StatusCode::DEADLINE_EXCEEDED
                               ? absl::StrCat(service, " did not answer in time")
                               : absl::StrCat(service, " cannot be reached; retry later"),
                           code == grpc::StatusCode::DEADLINE_EXCEEDED ? "BACKEND_DEADLINE_EXCEEDED"
                                                                       : "BACKEND_UNAVAILABLE"));
        } else if (!answer.status.ok()) {
          r = ErrorResponse(answer.status);
        } else {
          // Deterministic bytes, so equal answers always get equal tags (map order aside).
          std::string bytes;
          {
            google::protobuf::io::StringOutputStream out(&bytes);
            google::protobuf::io::CodedOutputStream coded(&out);
            coded.SetSerializationDeterministic(true);
            answer.response->SerializeToCodedStream(&coded);
          }
          const google::protobuf::Message& message = *answer.response;
          r = Cacheable(if_none_match, kJson, kApiCacheControl, StableHash64(bytes), [&message] {
            std::string json;
            // Printing a parsed message fails only on invalid UTF-8 in a string field, which
            // parsing already refused.
            (void)google::protobuf::util::MessageToJsonString(message, &json);
            return json;
          });
        }
        // Only the template is logged: paths and queries may name participants.
        log::Debug("http call", {{"route", route->path.text},
                                 {"status", r.status},
                                 {"request_id", request_id},
                                 {"ms", absl::ToInt64Milliseconds(absl::Now() - start)}});
        metrics::Registry::Global().Add(
            kRequestsMetric, {{"route", route->path.text}, {"code", absl::StrCat(r.status)}});
        respond(std::move(r));
        --in_flight_;
      });
}

void Gateway::HandleReady(std::function<void(HttpResponse)> respond) {
  // Three health checks in parallel; the last to answer writes the response.
  struct Probe {
    std::mutex mu;
    nlohmann::json backends = nlohmann::json::object();
    int pending = 0;
    bool coverage_serving = false;
    std::function<void(HttpResponse)> respond;
  };
  auto probe = std::make_shared<Probe>();
  probe->respond = std::move(respond);
  const std::vector<std::string>& services = RouteTable::DefaultServices();
  probe->pending = static_cast<int>(services.size());
  for (const std::string& service : services) {
    grpc::health::v1::HealthCheckRequest check;
    check.set_service(service);
    forwarder_.CallMethod(
        service, "/grpc.health.v1.Health/Check", check,
        grpc::health::v1::HealthCheckResponse::default_instance(), {}, absl::Seconds(1),
        [probe, service](BackendAnswer answer) {
          std::string state;
          if (!answer.status.ok()) {
            state = StatusName(answer.status.error_code());
          } else {
            const auto& health =
                static_cast<const grpc::health::v1::HealthCheckResponse&>(*answer.response);
            state = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(health.status());
          }
          std::lock_guard<std::mutex> lock(probe->mu);
          probe->backends[service] = state;
          if (absl::StrContains(service, ".coverage.")) {
            probe->coverage_serving = state == "SERVING";
          }
          if (--probe->pending > 0) return;
          HttpResponse r;
          r.status = probe->coverage_serving ? 200 : 503;
          r.headers = {{"content-type", kJson}, {"cache-control", "no-store"}};
          r.body = nlohmann::json{{"status", probe->coverage_serving ? "SERVING" : "NOT_SERVING"},
                                  {"backends", probe->backends}}
                       .dump();
          probe->respond(std::move(r));
        });
  }
}

}  // namespace paritrana::gateway
