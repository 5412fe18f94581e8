// paritrana-gateway: the JSON/HTTP API over the registry, coverage and award services, and the
// dashboard's files (docs/api.md, "JSON over HTTP").
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "clients/channel.h"
#include "gateway/gateway.h"
#include "gateway/http_server.h"
#include "platform/log.h"
#include "platform/server.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(bool, plaintext);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_deadline);

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "HOST:PORT of the registry service");
ABSL_FLAG(std::string, coverage, "127.0.0.1:50052", "HOST:PORT of the coverage service");
ABSL_FLAG(std::string, award, "127.0.0.1:50053", "HOST:PORT of the award service");
ABSL_FLAG(std::string, http_tls_cert_file, "",
          "PEM certificate chain to serve HTTPS with (h2 and http/1.1 by ALPN); with "
          "--http_tls_key_file. Empty: clear-text HTTP/1.1 and h2c");
ABSL_FLAG(std::string, http_tls_key_file, "", "PEM private key of --http_tls_cert_file");
ABSL_FLAG(std::string, cors_allowed_origins, "",
          "Comma-separated origins allowed to call the API from a browser (\"*\" for any); "
          "empty: no CORS headers");
ABSL_FLAG(double, rate_limit, 100, "Requests a second per caller (token or IP); 0: no limit");
ABSL_FLAG(double, rate_limit_burst, 200, "Requests a caller may send at once");
ABSL_FLAG(std::string, boundaries_file, "",
          "GeoJSON of region boundaries served at /dashboard/boundaries.geojson (the dashboard's "
          "map); empty: a collection of no features, and no map");
ABSL_FLAG(absl::Duration, call_deadline, absl::Seconds(5), "Deadline of each backend call");
ABSL_FLAG(int32_t, http_threads, 2, "Threads serving HTTP connections");

namespace {

using paritrana::log::Error;

int Run() {
  namespace gw = paritrana::gateway;
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) listen = "127.0.0.1:8080";

  gw::GatewayOptions options;
  for (absl::string_view origin :
       absl::StrSplit(absl::GetFlag(FLAGS_cors_allowed_origins), ',', absl::SkipWhitespace())) {
    options.cors_allowed_origins.emplace_back(absl::StripAsciiWhitespace(origin));
  }
  options.rate_limit = absl::GetFlag(FLAGS_rate_limit);
  options.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  options.call_deadline = absl::GetFlag(FLAGS_call_deadline);
  // With a client certificate the services would take an anonymous HTTP caller for the gateway
  // itself, so every API call must bring its own credential.
  options.require_authorization = !absl::GetFlag(FLAGS_plaintext) &&
                                  !absl::GetFlag(FLAGS_tls_cert).empty() &&
                                  !absl::GetFlag(FLAGS_tls_key).empty();
  if (const std::string file = absl::GetFlag(FLAGS_boundaries_file); !file.empty()) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      Error("cannot read --boundaries_file", {{"file", file}});
      return 1;
    }
    options.boundaries_geojson = text.str();
  }

  const auto credentials = paritrana::ClientCredentialsFromFlags();
  gw::Backends backends;
  const std::vector<std::string>& services = gw::RouteTable::DefaultServices();
  const std::string targets[] = {absl::GetFlag(FLAGS_registry), absl::GetFlag(FLAGS_coverage),
                                 absl::GetFlag(FLAGS_award)};
  for (size_t i = 0; i < services.size(); ++i) {
    backends[services[i]] = paritrana::ConnectToService(targets[i], credentials, services[i]);
  }
  auto gateway = gw::Gateway::Create(std::move(options), std::move(backends));
  if (!gateway.ok()) {
    Error("cannot build the routes", {{"error", gateway.status().ToString()}});
    return 1;
  }

  gw::HttpServerOptions http;
  http.listen = listen;
  http.threads = std::max(1, absl::GetFlag(FLAGS_http_threads));
  http.tls_cert_file = absl::GetFlag(FLAGS_http_tls_cert_file);
  http.tls_key_file = absl::GetFlag(FLAGS_http_tls_key_file);
  auto server = gw::HttpServer::Start(http, **gateway);
  if (!server.ok()) {
    Error("cannot serve HTTP", {{"listen", listen}, {"error", server.status().ToString()}});
    return 1;
  }
  const int port = (*server)->port();
  paritrana::log::Info("listening",
                       {{"address", absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port)},
                        {"port", port},
                        {"service", "paritrana.gateway"},
                        {"tls", !http.tls_cert_file.empty()},
                        {"routes", (*gateway)->routes().routes().size()}});

  paritrana::WaitForTerminationSignal();
  // Stop accepting, finish the requests in progress, then wait for backend calls whose answers
  // came too late to be written (they still reference the gateway).
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_deadline));
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_call_deadline) + absl::Seconds(1);
  while ((*gateway)->in_flight() > 0 && absl::Now() < give_up)
    absl::SleepFor(absl::Milliseconds(10));
  server->reset();
  paritrana::log::Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  paritrana::InitServiceProcess(argc, argv, "gateway",
                                "paritrana-gateway --registry=HOST:PORT --coverage=HOST:PORT "
                                "--award=HOST:PORT [--listen=HOST:PORT]");
  return Run();
}
