#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

// The one TLS option set of the suite. The services (flags --plaintext, --tls_ca, --tls_cert,
// --tls_key in platform/server.cc) and the CLI (options of the same names in cli/main.cc) fill
// it, so both sides name and check TLS material the same way and no TLS code exists twice.
namespace paritrana {

struct TlsOptions {
  bool plaintext = false;  // no TLS at all
  // PEM CA bundle. A server requires client certificates signed by it (mutual TLS); a client
  // verifies servers with it. Empty: servers ask for no client certificate and clients verify
  // servers against the system's roots.
  std::string ca_file;
  std::string cert_file;  // PEM certificate chain: the server's, or a client's for mutual TLS
  std::string key_file;   // PEM private key of cert_file
};

// Credentials to serve with. Fails with a message naming the flag when a file cannot be read or
// is not PEM, when --plaintext is given with a certificate or key, or when TLS lacks either the
// certificate or the key. For plaintext, grpc::InsecureServerCredentials().
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const TlsOptions& options);

// Credentials to call a service with. Fails as ServerCredentials does, except that a client
// needs no certificate: it presents one (for mutual TLS) only when given both cert and key.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const TlsOptions& options);

}  // namespace paritrana
