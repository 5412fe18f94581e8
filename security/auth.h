#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "security/access_policy.h"
#include "security/caller.h"

ABSL_DECLARE_FLAG(std::string, tokens_file);
ABSL_DECLARE_FLAG(std::string, jwks_file);
ABSL_DECLARE_FLAG(std::string, jwt_issuer);
ABSL_DECLARE_FLAG(std::string, jwt_audience);
ABSL_DECLARE_FLAG(std::string, client_certificates_file);
// --token: the bearer token this process sends when it calls another service (see AttachToken).
ABSL_DECLARE_FLAG(std::string, token);

// Who is calling, proved by one of three credentials, and whether they may make this call.
//   1. A bearer JWT (`authorization: Bearer eyJ...`), verified against the keys of --jwks_file
//      (RS256 or ES256) with --jwt_issuer and --jwt_audience: the subject is the caller's id, the
//      `roles` and `regions` claims its roles and scope.
//   2. A mutual-TLS client certificate whose subject alternative name or common name is listed
//      in --client_certificates_file, which gives its principal, roles and regions.
//   3. A static bearer token from --tokens_file: for development, refused with --production.
// A bearer credential wins over the certificate (a gateway with its own certificate forwards its
// users' tokens). With none of the three configured, authentication is off: every caller is
// `anonymous` with every role but pii_reader and auditor; --production refuses that.
namespace paritrana {

class JwtVerifier;

// One known credential's identity.
struct Identity {
  std::string id;
  std::set<Role> roles;
  std::set<std::string> regions;
};

struct AuthOptions {
  std::string tokens_file;
  std::string jwks_file;
  std::string jwt_issuer;
  std::string jwt_audience;
  std::string client_certificates_file;
  bool production = false;
};

class Authorizer final {
 public:
  // From the flags above.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromFlags();
  // Loads every configured credential source. FAILED_PRECONDITION for files that cannot be read
  // or, for the tokens and certificates files, that group or others may read (secret_file.h);
  // INVALID_ARGUMENT naming the file and line for bad content; with `production`,
  // FAILED_PRECONDITION when a tokens file is given or no JWKS and no certificates file is.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromOptions(const AuthOptions& options);

  // Tokens file text: one token per line, `ROLE[,ROLE...] TOKEN [PRINCIPAL [REGION[,REGION...]]]
  // [# comment]`; blank lines and lines starting with `#` are ignored. A token is at least 16
  // printable ASCII characters without spaces and appears once; the principal defaults to
  // `token-` and 12 hex digits of the token's SHA-256; no regions: national. Errors name the
  // line, never its token. `source` names the file in errors.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromTokensText(absl::string_view text,
                                                                    absl::string_view source);
  // Authentication off (see above), without the warning FromFlags logs.
  static std::unique_ptr<Authorizer> Disabled();

  ~Authorizer();

  bool enabled() const { return enabled_; }

  // The caller of the call behind `ctx`. UNAUTHENTICATED (reason UNAUTHENTICATED) with the reason
  // when authentication is on and no credential proves an identity: no credential, a malformed
  // header, an unknown token, a JWT that fails verification (expired, wrong audience, ...), a
  // client certificate not in the certificates file. UNAVAILABLE first when the call arrived while
  // its server is shutting down (CheckAdmitted).
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& ctx) const;

  // Authenticate, then CheckAccess for `method` ("package.Service/Method", see AccessTable).
  absl::StatusOr<Caller> Admit(const grpc::ServerContextBase& ctx, absl::string_view method) const;

 private:
  Authorizer() = default;

  absl::Status LoadTokens(absl::string_view text, absl::string_view source);
  absl::Status LoadCertificates(absl::string_view text, absl::string_view source);
  absl::StatusOr<Caller> FromBearer(const grpc::ServerContextBase& ctx,
                                    absl::string_view token) const;
  absl::StatusOr<Caller> FromCertificate(const grpc::ServerContextBase& ctx) const;

  bool enabled_ = false;
  // Keyed by SHA-256 of the token: the process never keeps the tokens themselves, and a look-up
  // by hash leaks nothing useful through timing, since a caller cannot steer a hash's prefix.
  std::map<std::string, Identity> tokens_by_hash_;
  std::map<std::string, Identity> certificates_;  // by SAN or CN
  std::unique_ptr<JwtVerifier> jwt_;
};

// For this suite's own clients: adds `authorization: Bearer <--token>` to `ctx` when --token is
// set, and nothing otherwise.
void AttachToken(grpc::ClientContext& ctx);

}  // namespace paritrana
