#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/http_rules.h"
#include "gateway/http_types.h"
#include "gateway/rate_limiter.h"
#include "gateway/transcoder.h"

// The gateway's HTTP handler: the JSON API under /v1 (transcoded to the backends' gRPC methods by
// their google.api.http annotations), /v1/openapi.json, /healthz and /readyz, and the dashboard's
// static files; with the policies a mobile backend expects on the API: the callers' credentials
// forwarded, ETag/If-None-Match, Cache-Control, CORS, request ids and a per-caller rate limit.
namespace paritrana::gateway {

struct GatewayOptions {
  // Origins allowed by CORS ("https://a.example"); "*" allows any. Empty: no CORS headers.
  std::vector<std::string> cors_allowed_origins;
  double rate_limit = 100;        // requests a second per caller; 0: no limit
  double rate_limit_burst = 200;  // requests at once per caller
  absl::Duration call_deadline = absl::Seconds(5);
  // The gateway's channels present a client certificate (mTLS): a call without a credential of
  // its own would reach the services as the gateway, so /v1 calls need `authorization`.
  bool require_authorization = false;
  // Served at /dashboard/boundaries.geojson when set (--boundaries_file's content).
  std::optional<std::string> boundaries_geojson;
};

class Gateway final : public HttpHandler {
 public:
  // `backends` by service full name (RouteTable::DefaultServices()). Fails when an annotation
  // cannot be served (a bad template).
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(GatewayOptions options, Backends backends);

  void Handle(HttpRequest request, std::function<void(HttpResponse)> respond) override;

  const RouteTable& routes() const { return routes_; }
  // API calls forwarded and not yet answered (SIGTERM waits for none).
  int in_flight() const { return in_flight_.load(); }

 private:
  Gateway(GatewayOptions options, RouteTable routes, Backends backends);

  void HandleApi(const HttpRequest& request, absl::string_view path, absl::string_view query,
                 const std::string& request_id, std::function<void(HttpResponse)> respond);
  void HandleReady(std::function<void(HttpResponse)> respond);
  // The CORS headers for a request from `origin` (none when it is not allowed).
  void AddCorsHeaders(absl::string_view origin, HttpResponse& response) const;
  // 200 with `body` and a strong ETag, or 304 when `if_none_match` names that ETag.
  static HttpResponse Cacheable(absl::string_view if_none_match, std::string content_type,
                                std::string cache_control, uint64_t hash,
                                std::function<std::string()> body);

  const GatewayOptions options_;
  const RouteTable routes_;
  Forwarder forwarder_;
  RateLimiter limiter_;
  const std::string openapi_json_;
  std::atomic<int> in_flight_{0};
};

}  // namespace paritrana::gateway
