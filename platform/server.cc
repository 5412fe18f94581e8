#include "platform/server.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_builder.h"
#include "platform/flags.h"
#include "platform/log.h"
#include "platform/metrics.h"
#include "platform/rpc_observer.h"
#include "platform/secret_file.h"
#include "platform/tls.h"

ABSL_FLAG(std::string, listen, "",
          "HOST:PORT to serve gRPC on; port 0 picks a free port (the chosen address is logged). "
          "Empty: 0.0.0.0 and the service's default port");
ABSL_FLAG(bool, plaintext, false,
          "Serve and call without TLS. Required when no --tls_cert/--tls_key is given");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for this service (server and client)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: servers require and verify client certificates signed by it (mTLS); "
          "clients verify servers with it");
ABSL_FLAG(int32_t, max_message_bytes, 4 * 1024 * 1024,
          "Largest request message accepted, in bytes");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(5),
          "On SIGTERM, how long to report NOT_SERVING before refusing new calls");
ABSL_FLAG(absl::Duration, shutdown_deadline, absl::Seconds(10),
          "After the grace period, how long in-flight calls may run before they are cancelled");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "How long a client connection takes new calls before the server asks the client to "
          "reconnect (GOAWAY; calls in flight finish on the old connection), so callers find "
          "replicas added since they connected; 0: never");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "How often dependency probes run to update health");
ABSL_FLAG(std::string, log_level, "info", "Minimum log level: debug, info, warn or error");
ABSL_FLAG(bool, production, false,
          "Refuse what is only fit for development: plaintext, static tokens, authentication off, "
          "and secret files readable by group or others");
ABSL_FLAG(bool, reflection, true,
          "Serve gRPC server reflection (service and message descriptions; no data, no "
          "credential needed)");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT for the Prometheus /metrics endpoint; empty disables it");

namespace paritrana {
namespace {

TlsOptions TlsOptionsFromFlags() {
  TlsOptions tls;
  tls.plaintext = absl::GetFlag(FLAGS_plaintext);
  tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls.key_file = absl::GetFlag(FLAGS_tls_key);
  return tls;
}

// Bad TLS flags are an operator's mistake at start-up: say which and exit 2, like a bad flag.
[[noreturn]] void ExitOnBadFlags(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
  std::exit(2);
}

}  // namespace

ServerOptions ServerOptionsFromFlags(std::string service_name, int default_port) {
  ServerOptions o;
  o.service_name = std::move(service_name);
  o.listen = absl::GetFlag(FLAGS_listen);
  if (o.listen.empty()) o.listen = absl::StrCat("0.0.0.0:", default_port);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  o.shutdown_deadline = absl::GetFlag(FLAGS_shutdown_deadline);
  o.health_interval = absl::GetFlag(FLAGS_health_interval);
  o.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  if (o.max_connection_age < absl::ZeroDuration()) {
    ExitOnBadFlags(absl::InvalidArgumentError("--max_connection_age must not be negative"));
  }

  o.reflection = absl::GetFlag(FLAGS_reflection);

  const TlsOptions tls = TlsOptionsFromFlags();
  if (absl::GetFlag(FLAGS_production)) {
    if (tls.plaintext) {
      ExitOnBadFlags(absl::FailedPreconditionError(
          "--production refuses --plaintext: give --tls_cert and --tls_key"));
    }
    // The key is read again by ServerCredentials; this read only applies the rule for secrets.
    if (auto key = ReadSecretFile(tls.key_file, "--tls_key", 1 << 20); !key.ok()) {
      ExitOnBadFlags(key.status());
    }
  }
  auto credentials = ServerCredentials(tls);
  if (!credentials.ok()) ExitOnBadFlags(credentials.status());
  // ServerOptions spells plaintext as null credentials (logged as "tls": false).
  if (!tls.plaintext) o.credentials = *std::move(credentials);
  return o;
}

std::shared_ptr<grpc::ChannelCredentials> ClientCredentialsFromFlags() {
  auto credentials = ChannelCredentials(TlsOptionsFromFlags());
  if (!credentials.ok()) ExitOnBadFlags(credentials.status());
  return *std::move(credentials);
}

ServiceHost::ServiceHost(ServerOptions options, std::vector<Dependency> dependencies)
    : options_(std::move(options)), dependencies_(std::move(dependencies)) {}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    ServerOptions options, std::vector<grpc::Service*> services,
    std::vector<Dependency> dependencies) {
  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service carries no protobuf descriptors; touching ours links them in,
  // so reflection clients (grpcurl, buf curl) can describe grpc.health.v1.Health too.
  grpc::health::v1::HealthCheckRequest::descriptor();
  if (options.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(options), std::move(dependencies)));
  const ServerOptions& o = host->options_;

  grpc::ServerBuilder builder;
  auto credentials = o.credentials ? o.credentials : grpc::InsecureServerCredentials();
  builder.AddListeningPort(o.listen, credentials, &host->port_);
  for (grpc::Service* s : services) builder.RegisterService(s);
  builder.SetMaxReceiveMessageSize(o.max_message_bytes);
  // Keepalive: the server pings idle connections every 2 min and drops them if no answer in 20 s.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 2 * 60 * 1000 /*2 min*/);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000 /*20 s*/);
  // Enforcement: clients may ping at most every 30 s, also without calls in flight; a client that
  // pings faster gets GOAWAY (too_many_pings) after 2 strikes.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             30 * 1000 /*30 s*/);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // Idle connections are closed after 30 min so long-lived clients rebalance across replicas.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 30 * 60 * 1000 /*30 min*/);
  // Busy connections are never idle: past their age the client is sent GOAWAY, reconnects and
  // resolves its target again (a dns:/// name then lists replicas added since). The grace is
  // unlimited, because calls in flight must finish on the old connection: an import stream of a
  // whole country runs for most of an hour. gRPC adds its own jitter of +-10% to the age.
  if (o.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(o.max_connection_age),
                                           std::numeric_limits<int>::max())));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               std::numeric_limits<int>::max());
  }

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
  observers.push_back(MakeRpcObserverFactory(&host->gate_));
  builder.experimental().SetInterceptorCreators(std::move(observers));

  host->server_ = builder.BuildAndStart();
  if (host->server_ == nullptr || host->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", o.listen));
  }
  host->address_ = absl::StrCat(o.listen.substr(0, o.listen.rfind(':')), ":", host->port_);

  host->CheckDependencies();
  host->watcher_ = std::thread([h = host.get()] {
    while (!h->stop_watching_.WaitForNotificationWithTimeout(h->options_.health_interval)) {
      h->CheckDependencies();
    }
  });
  log::Info("listening", {{"address", host->address_},
                          {"port", host->port_},
                          {"service", o.service_name},
                          {"tls", o.credentials != nullptr}});
  return host;
}

void ServiceHost::CheckDependencies() {
  std::vector<std::string> failures;
  bool serving = true;
  auto* health = server_->GetHealthCheckService();
  for (const Dependency& d : dependencies_) {
    const absl::Status s = d.probe();
    if (!s.ok()) {
      failures.push_back(absl::StrCat(d.name, ": ", s.message()));
      if (d.required) serving = false;
    }
    health->SetServingStatus("dependency/" + d.name, s.ok());
  }
  absl::MutexLock lock(&mu_);
  if (drained_) return;
  health->SetServingStatus("", serving);
  health->SetServingStatus(options_.service_name, serving);
  if (failures != last_failures_) {
    if (failures.empty()) {
      log::Info("all dependencies healthy");
    } else {
      log::Warn("dependency unhealthy",
                {{"failures", absl::StrJoin(failures, "; ")}, {"serving", serving}});
    }
    last_failures_ = std::move(failures);
  }
}

void ServiceHost::Drain() {
  {
    absl::MutexLock lock(&mu_);
    if (drained_) return;
    drained_ = true;
  }
  if (server_ == nullptr) return;  // Start failed; nothing to stop
  stop_watching_.Notify();
  if (watcher_.joinable()) watcher_.join();
  // Shutdown() of the health service flips every name to NOT_SERVING and freezes it there.
  server_->GetHealthCheckService()->Shutdown();
  log::Info("draining", {{"grace_ms", absl::ToInt64Milliseconds(options_.drain_grace)}});
  absl::SleepFor(options_.drain_grace);
  const absl::Time deadline = absl::Now() + options_.shutdown_deadline;
  gate_.Refuse();
  // Quiet: nothing in flight, and callers have had a moment to take their UNAVAILABLE elsewhere.
  constexpr absl::Duration kQuiet = absl::Milliseconds(100);
  while (absl::Now() < deadline &&
         (gate_.in_flight() > 0 || absl::Now() - gate_.last_arrival() < kQuiet)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  log::Info("shutting down", {{"in_flight", gate_.in_flight()}});
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_->Wait();
  log::Info("stopped");
}

ServiceHost::~ServiceHost() { Drain(); }

void InitServiceProcess(int argc, char** argv, absl::string_view service, absl::string_view usage) {
  BlockTerminationSignals();
  // Debian's Abseil is built with its debug checks, so every absl::Mutex (gRPC's included) keeps a
  // lock-order graph: about 4% of a serving process's CPU on a cached read (bench/analysis.md).
  // The services turn that off; the tests, which build servers in process, keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ParseFlags(argc, argv, usage);
  if (absl::Status s = log::Init(service, absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::fprintf(stderr, "--log_level: %s\n", std::string(s.message()).c_str());
    std::exit(2);
  }
  metrics::Registry::Global().Describe("paritrana_build_info", "gauge",
                                       "Always 1; labels name the service and version");
  metrics::Registry::Global().Add(
      "paritrana_build_info", {{"service", std::string(service)}, {"version", PARITRANA_VERSION}});
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    static std::unique_ptr<metrics::Endpoint> endpoint;  // serves until the process exits
    auto started = metrics::Endpoint::Start(listen);
    if (!started.ok()) {
      std::fprintf(stderr, "--metrics_listen: %s\n", started.status().ToString().c_str());
      std::exit(2);
    }
    endpoint = std::move(*started);
    log::Info("metrics listening", {{"port", endpoint->port()}, {"path", "/metrics"}});
  }
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  log::Info("termination signal", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

void ServeUntilTerminated(ServiceHost& host) {
  WaitForTerminationSignal();
  host.Drain();
}

int ServeProcess(ServerOptions options, std::vector<grpc::Service*> services,
                 std::vector<Dependency> dependencies) {
  absl::StatusOr<std::unique_ptr<ServiceHost>> host =
      ServiceHost::Start(std::move(options), std::move(services), std::move(dependencies));
  if (!host.ok()) {
    log::Error("cannot start", {{"error", host.status().ToString()}});
    return 1;
  }
  ServeUntilTerminated(**host);
  return 0;
}

}  // namespace paritrana
