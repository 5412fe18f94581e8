#include "platform/tls.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace paritrana {
namespace {

// Reads a PEM file given by `flag`. gRPC itself would accept any bytes here and fail later, at
// the first handshake, with an error naming neither the flag nor the file; checking now does.
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream pem;
  pem << in.rdbuf();
  if (in.bad()) {
    return absl::FailedPreconditionError(absl::StrCat("--", flag, ": cannot read ", path));
  }
  if (!absl::StrContains(pem.str(), "-----BEGIN ")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", flag, ": ", path, " is not PEM (no -----BEGIN line)"));
  }
  return pem.str();
}

// What both sides refuse: material given with --plaintext would silently go unused, and half
// a key pair cannot be used at all.
absl::Status CheckConsistent(const TlsOptions& o) {
  if (o.plaintext && (!o.cert_file.empty() || !o.key_file.empty())) {
    return absl::InvalidArgumentError("--plaintext contradicts --tls_cert/--tls_key; choose one");
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return absl::InvalidArgumentError(o.cert_file.empty() ? "--tls_key needs --tls_cert"
                                                          : "--tls_cert needs --tls_key");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsOptions& o) {
  if (absl::Status s = CheckConsistent(o); !s.ok()) return s;
  if (o.plaintext) return grpc::InsecureServerCredentials();
  if (o.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "no TLS material: give --tls_cert and --tls_key (and --tls_ca for mTLS), or "
        "--plaintext to serve without TLS");
  }
  auto cert = ReadPem(o.cert_file, "tls_cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(o.key_file, "tls_key");
  if (!key.ok()) return key.status();
  // With a CA, every client must present a certificate signed by it (mutual TLS).
  grpc::SslServerCredentialsOptions ssl(
      o.ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                        : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  if (!o.ca_file.empty()) {
    auto ca = ReadPem(o.ca_file, "tls_ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const TlsOptions& o) {
  if (absl::Status s = CheckConsistent(o); !s.ok()) return s;
  if (o.plaintext) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;  // empty roots: gRPC uses the system's
  if (!o.ca_file.empty()) {
    auto ca = ReadPem(o.ca_file, "tls_ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!o.cert_file.empty()) {
    auto cert = ReadPem(o.cert_file, "tls_cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(o.key_file, "tls_key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace paritrana
