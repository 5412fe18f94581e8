#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace paritrana::gateway {

// One HTTP request as the transport (http_server.h) hands it to the gateway's handler, whatever
// the protocol it came over (HTTP/1.1 or HTTP/2, clear or TLS).
struct HttpRequest {
  std::string method;  // "GET", "OPTIONS", ...
  std::string target;  // the path and query as sent, e.g. "/v1/regions/15/coverage?date=2024-08-12"
  // Header names in lower case (HTTP/2 sends them so; the HTTP/1.1 reader lowers them).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;  // "ip:port" of the client, the rate limiter's key when it sends no credential

  // The first value of header `name` (lower case), empty when absent.
  absl::string_view Header(absl::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return {};
  }
};

// The handler's answer. The transport adds Content-Length (or HTTP/2 framing), the Date header
// and, when the client accepts it and the body is worth it, gzip (Content-Encoding, Vary).
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
};

// Called by the transport for every request, on one of its threads; `respond` may be called
// later from any thread (the gateway answers once its gRPC call completes), exactly once.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest request, std::function<void(HttpResponse)> respond) = 0;
};

}  // namespace paritrana::gateway
