#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace paritrana::cli {

// How the CLI reaches the services: addresses, TLS and the bearer token, from flags or the
// PARITRANA_* environment (see `paritrana --help`).
struct Connection {
  std::string registry = "127.0.0.1:50051";
  std::string coverage = "127.0.0.1:50052";
  std::string award = "127.0.0.1:50053";
  bool plaintext = false;
  std::string tls_ca;  // PEM file; empty: the system's roots
  std::string token;
  int timeout_seconds = 30;

  std::shared_ptr<grpc::Channel> Channel(const std::string& target) const;
  // A context with the deadline and the token. `streaming` calls get no deadline.
  std::unique_ptr<grpc::ClientContext> Context(bool streaming = false) const;
};

}  // namespace paritrana::cli
