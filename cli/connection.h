#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "platform/tls.h"

namespace paritrana::cli {

// How the CLI reaches the services: addresses, TLS and the bearer token, from flags or the
// PARITRANA_* environment (see `paritrana --help`).
struct Connection {
  std::string registry = "127.0.0.1:50051";
  std::string coverage = "127.0.0.1:50052";
  std::string award = "127.0.0.1:50053";
  // The services' option set and flag names (--plaintext, --tls_ca, --tls_cert, --tls_key): an
  // empty CA verifies the services against the system's roots; a certificate and key are
  // presented for mutual TLS.
  TlsOptions tls;
  std::string token;
  int timeout_seconds = 30;

  // Reads the TLS files once, before any call, so a missing file or a certificate without its
  // key is reported as such instead of as a failed connection.
  absl::Status LoadCredentials();
  // A channel to `target` with the loaded credentials (loaded here, exiting on error, when
  // LoadCredentials was not called).
  std::shared_ptr<grpc::Channel> Channel(const std::string& target) const;
  // A context with the deadline and the token. `streaming` calls get no deadline.
  std::unique_ptr<grpc::ClientContext> Context(bool streaming = false) const;

 private:
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
};

}  // namespace paritrana::cli
