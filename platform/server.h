#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "platform/rpc_observer.h"

// The server bootstrap every Paritrana service uses: health tied to dependency checks, server
// reflection, keepalive enforcement, message-size limits and a bounded drain on shutdown.
// --production: refuse what is only fit for development (plaintext here; static tokens and
// authentication off in security/auth.h; secret files readable by others everywhere they are read).
ABSL_DECLARE_FLAG(bool, production);

namespace paritrana {

// Something a service needs to work (its store, Redis, another service). A failing required
// dependency turns the service NOT_SERVING; an optional one only shows under its own health name
// `dependency/{name}`, because the service still answers without it (e.g. a cache).
struct Dependency {
  std::string name;
  bool required = true;
  std::function<absl::Status()> probe;  // must return within its own deadline (about 0.5 s)
};

struct ServerOptions {
  std::string service_name;  // fully qualified, e.g. "paritrana.registry.v1.RegistryService"
  std::string listen = "127.0.0.1:0";                    // port 0 picks a free port
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext
  int max_message_bytes = 4 * 1024 * 1024;  // largest request accepted; responses are unbounded
  absl::Duration drain_grace = absl::Seconds(5);         // NOT_SERVING before refusing new calls
  absl::Duration shutdown_deadline = absl::Seconds(10);  // then in-flight calls are cancelled
  absl::Duration health_interval = absl::Seconds(1);
  // Past this age a client connection is asked to reconnect (GOAWAY) and its calls in flight
  // finish; zero: never. See --max_connection_age.
  absl::Duration max_connection_age = absl::Minutes(5);
  // gRPC server reflection (grpcurl, buf curl). It lists services and messages, never data, and
  // needs no credential; --reflection=false turns it off. Once on, it is on for the process.
  bool reflection = true;
};

// The options given by the common flags (--listen, --plaintext, --tls_*, --drain_grace, ...).
// `default_port` is used when --listen is empty. Exits 2 with a message on contradictory flags
// or TLS files that cannot be read (see ServerCredentials in platform/tls.h), and with
// --production on --plaintext or a TLS key file that group or others may read.
ServerOptions ServerOptionsFromFlags(std::string service_name, int default_port);

// A started gRPC server with its health and dependency watcher.
class ServiceHost final {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(
      ServerOptions options, std::vector<grpc::Service*> services,
      std::vector<Dependency> dependencies = {});
  ~ServiceHost();

  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  int port() const { return port_; }
  // "host:port" with the port actually bound.
  const std::string& address() const { return address_; }

  // Re-runs every dependency probe now and updates health; the watcher also does so periodically.
  void CheckDependencies();

  // Reports NOT_SERVING and waits the grace period so load balancers stop sending, still serving.
  // Then refuses new calls with UNAVAILABLE and waits, within the shutdown deadline, until no call
  // is in flight and none has arrived for a moment; only then calls gRPC's Shutdown with what is
  // left of the deadline, since gRPC cancels calls that arrive after that. Idempotent; also
  // called by the destructor.
  void Drain();

 private:
  ServiceHost(ServerOptions options, std::vector<Dependency> dependencies);

  const ServerOptions options_;
  const std::vector<Dependency> dependencies_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  CallGate gate_;
  absl::Notification stop_watching_;
  std::thread watcher_;
  absl::Mutex mu_;
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> last_failures_ ABSL_GUARDED_BY(mu_);
};

// Everything a service's main does before building its service: blocks termination signals
// (see below), parses flags with their PARITRANA_* environment equivalents, and starts JSON logs
// naming `service` (e.g. "registry").
void InitServiceProcess(int argc, char** argv, absl::string_view service, absl::string_view usage);

// Blocks SIGTERM and SIGINT in the calling thread and every thread started after it. Call first
// thing in main, before any thread exists, so that WaitForTerminationSignal can receive them.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT (blocked by BlockTerminationSignals) and logs which came.
void WaitForTerminationSignal();

// Waits for SIGTERM or SIGINT, then drains `host`.
void ServeUntilTerminated(ServiceHost& host);

// The rest of a service's main once its services are built: starts the host, serves until
// SIGTERM or SIGINT and drains. Returns the process's exit code (1, logged, if it cannot start).
int ServeProcess(ServerOptions options, std::vector<grpc::Service*> services,
                 std::vector<Dependency> dependencies = {});

// Client-side credentials from the same flags (platform/tls.h, as the CLI's): TLS verifying the
// callee with --tls_ca, presenting --tls_cert/--tls_key for mTLS, unless --plaintext. Exits 2
// with a message naming the flag on unreadable files or half a key pair.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentialsFromFlags();

}  // namespace paritrana
