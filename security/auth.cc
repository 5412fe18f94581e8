#include "security/auth.h"

#include <mutex>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/security/auth_context.h"
#include "openssl/evp.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "platform/rpc_observer.h"
#include "platform/secret_file.h"
#include "platform/server.h"
#include "security/jwt_verifier.h"

ABSL_FLAG(std::string, tokens_file, "",
          "Static bearer tokens, for development: one per line, ROLE[,ROLE...] TOKEN [PRINCIPAL "
          "[REGION,...]] (mode 0600). Refused with --production");
ABSL_FLAG(std::string, jwks_file, "",
          "JWKS file of the keys (RS256, ES256) that sign the bearer JWTs this service accepts; "
          "needs --jwt_issuer and --jwt_audience");
ABSL_FLAG(std::string, jwt_issuer, "", "The `iss` every accepted JWT must carry");
ABSL_FLAG(std::string, jwt_audience, "", "A value the `aud` of every accepted JWT must hold");
ABSL_FLAG(std::string, client_certificates_file, "",
          "Mutual-TLS client certificates this service accepts as identities: one per line, "
          "SAN_OR_CN PRINCIPAL ROLE[,ROLE...] [REGION,...] (mode 0600)");
ABSL_FLAG(std::string, token, "",
          "Bearer token this process sends when it calls another Paritrana service");

namespace paritrana {
namespace {

// Short tokens can be guessed; 16 characters is the least a generated token should have.
constexpr size_t kMinTokenLength = 16;
constexpr size_t kMaxPrincipalLength = 128;

std::string Sha256(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    // Only a broken crypto library gets here; no token can match then.
    log::Error("SHA-256 failed");
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest), len);
}

// Characters a gRPC metadata value can carry, minus space (which separates fields).
bool IsTokenChar(char c) { return c > ' ' && c <= '~'; }

absl::Status Unauthenticated(absl::string_view message) {
  return WithReason(absl::UnauthenticatedError(message), "UNAUTHENTICATED");
}

// Principal ids go into the audit trail and logs: printable, no spaces, bounded.
absl::Status CheckPrincipal(absl::string_view id) {
  if (id.empty() || id.size() > kMaxPrincipalLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("a principal id has 1 to ", kMaxPrincipalLength, " characters"));
  }
  for (char c : id) {
    if (!IsTokenChar(c)) {
      return absl::InvalidArgumentError("a principal id has printable ASCII characters only");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::set<Role>> ParseRoles(absl::string_view field) {
  std::set<Role> roles;
  for (absl::string_view name : absl::StrSplit(field, ',')) {
    absl::StatusOr<Role> role = ParseRole(name);
    if (!role.ok()) return role.status();
    roles.insert(*role);
  }
  return roles;
}

absl::StatusOr<std::set<std::string>> ParseRegions(absl::string_view field) {
  std::set<std::string> regions;
  for (absl::string_view code : absl::StrSplit(field, ',')) {
    PARITRANA_RETURN_IF_ERROR(CheckRegionCode(code, "region"));
    regions.emplace(code);
  }
  return regions;
}

// The fields of each meaningful line of a credentials file, with its line number. Fields are
// separated by spaces or tabs; a field starting with '#' begins a comment.
std::vector<std::pair<int, std::vector<absl::string_view>>> Lines(absl::string_view text) {
  std::vector<std::pair<int, std::vector<absl::string_view>>> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    std::vector<absl::string_view> fields;
    for (absl::string_view field :
         absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty())) {
      if (absl::StartsWith(field, "#")) break;
      fields.push_back(field);
    }
    if (!fields.empty()) lines.emplace_back(number, std::move(fields));
  }
  return lines;
}

// A tokens or certificates file holds a line per caller; a megabyte is thousands of them.
absl::StatusOr<std::string> ReadSecret(const std::string& path, absl::string_view flag) {
  return ReadSecretFile(path, flag, 1 << 20);
}

Caller CallerOf(const Identity& identity, AuthMethod how) {
  Caller caller;
  caller.id = identity.id;
  caller.roles = identity.roles;
  caller.regions = identity.regions;
  caller.how = how;
  return caller;
}

}  // namespace

Authorizer::~Authorizer() = default;

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromFlags() {
  AuthOptions o;
  o.tokens_file = absl::GetFlag(FLAGS_tokens_file);
  o.jwks_file = absl::GetFlag(FLAGS_jwks_file);
  o.jwt_issuer = absl::GetFlag(FLAGS_jwt_issuer);
  o.jwt_audience = absl::GetFlag(FLAGS_jwt_audience);
  o.client_certificates_file = absl::GetFlag(FLAGS_client_certificates_file);
  o.production = absl::GetFlag(FLAGS_production);
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = FromOptions(o);
  if (auth.ok() && !(*auth)->enabled()) {
    static std::once_flag warned;
    std::call_once(warned, [] {
      log::Warn(
          "authentication is disabled (no --jwks_file, --client_certificates_file or "
          "--tokens_file): every caller may read and write, and NIKs are never revealed");
    });
  }
  return auth;
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromOptions(const AuthOptions& options) {
  if (options.production) {
    if (!options.tokens_file.empty()) {
      return absl::FailedPreconditionError(
          "--production refuses --tokens_file: static tokens are for development; use "
          "--jwks_file or --client_certificates_file");
    }
    if (options.jwks_file.empty() && options.client_certificates_file.empty()) {
      return absl::FailedPreconditionError(
          "--production refuses to run with authentication off: give --jwks_file or "
          "--client_certificates_file");
    }
  }
  std::unique_ptr<Authorizer> auth(new Authorizer());
  if (!options.tokens_file.empty()) {
    absl::StatusOr<std::string> text = ReadSecret(options.tokens_file, "--tokens_file");
    if (!text.ok()) return text.status();
    PARITRANA_RETURN_IF_ERROR(auth->LoadTokens(*text, options.tokens_file));
  }
  if (!options.client_certificates_file.empty()) {
    absl::StatusOr<std::string> text =
        ReadSecret(options.client_certificates_file, "--client_certificates_file");
    if (!text.ok()) return text.status();
    PARITRANA_RETURN_IF_ERROR(auth->LoadCertificates(*text, options.client_certificates_file));
  }
  if (!options.jwks_file.empty()) {
    JwtVerifier::Options jwt_options;
    jwt_options.issuer = options.jwt_issuer;
    jwt_options.audience = options.jwt_audience;
    absl::StatusOr<std::unique_ptr<JwtVerifier>> jwt =
        JwtVerifier::FromJwksFile(options.jwks_file, jwt_options);
    if (!jwt.ok()) {
      return absl::Status(jwt.status().code(),
                          absl::StrCat("--jwks_file: ", jwt.status().message()));
    }
    auth->jwt_ = *std::move(jwt);
  }
  auth->enabled_ = !options.tokens_file.empty() || !options.client_certificates_file.empty() ||
                   !options.jwks_file.empty();
  return auth;
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromTokensText(absl::string_view text,
                                                                       absl::string_view source) {
  std::unique_ptr<Authorizer> auth(new Authorizer());
  PARITRANA_RETURN_IF_ERROR(auth->LoadTokens(text, source));
  auth->enabled_ = true;
  return auth;
}

std::unique_ptr<Authorizer> Authorizer::Disabled() {
  return std::unique_ptr<Authorizer>(new Authorizer());
}

absl::Status Authorizer::LoadTokens(absl::string_view text, absl::string_view source) {
  std::map<std::string, int> line_by_hash;
  for (const auto& [number, fields] : Lines(text)) {
    // Every message names the line, never its content: the content is a secret.
    auto bad_line = [&, n = number](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("tokens file ", source, " line ", n, ": ", what));
    };
    if (fields.size() < 2 || fields.size() > 4) {
      return bad_line(absl::StrCat("expected ROLE[,ROLE...] TOKEN [PRINCIPAL [REGION,...]], found ",
                                   fields.size(), fields.size() == 1 ? " field" : " fields"));
    }
    // ParseRole's message repeats the name, which may be a token written in the wrong column.
    absl::StatusOr<std::set<Role>> roles = ParseRoles(fields[0]);
    if (!roles.ok()) {
      return bad_line(
          absl::StrCat("unknown role in the first field; known roles: ", KnownRoleNames()));
    }
    const absl::string_view token = fields[1];
    if (token.size() < kMinTokenLength) {
      return bad_line(absl::StrCat("token is shorter than ", kMinTokenLength, " characters"));
    }
    for (char c : token) {
      if (!IsTokenChar(c)) return bad_line("token has characters other than printable ASCII");
    }
    std::string hash = Sha256(token);
    if (auto it = line_by_hash.find(hash); it != line_by_hash.end()) {
      return bad_line(absl::StrCat("token repeats the one on line ", it->second));
    }
    line_by_hash[hash] = number;
    Identity identity;
    identity.id = absl::StrCat("token-", absl::BytesToHexString(hash).substr(0, 12));
    identity.roles = *std::move(roles);
    if (fields.size() >= 3) {
      if (absl::Status s = CheckPrincipal(fields[2]); !s.ok()) return bad_line(s.message());
      identity.id = std::string(fields[2]);
    }
    if (fields.size() == 4) {
      absl::StatusOr<std::set<std::string>> regions = ParseRegions(fields[3]);
      if (!regions.ok()) return bad_line(regions.status().message());
      identity.regions = *std::move(regions);
    }
    tokens_by_hash_[std::move(hash)] = std::move(identity);
  }
  if (tokens_by_hash_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tokens file ", source,
        " has no token; leave --tokens_file empty to turn authentication off on purpose"));
  }
  return absl::OkStatus();
}

absl::Status Authorizer::LoadCertificates(absl::string_view text, absl::string_view source) {
  for (const auto& [number, fields] : Lines(text)) {
    auto bad_line = [&, n = number](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("client certificates file ", source, " line ", n, ": ", what));
    };
    if (fields.size() < 3 || fields.size() > 4) {
      return bad_line("expected SAN_OR_CN PRINCIPAL ROLE[,ROLE...] [REGION,...]");
    }
    if (certificates_.count(std::string(fields[0])) > 0) {
      return bad_line(absl::StrCat("\"", fields[0], "\" is listed twice"));
    }
    if (absl::Status s = CheckPrincipal(fields[1]); !s.ok()) return bad_line(s.message());
    absl::StatusOr<std::set<Role>> roles = ParseRoles(fields[2]);
    if (!roles.ok()) return bad_line(roles.status().message());
    Identity identity;
    identity.id = std::string(fields[1]);
    identity.roles = *std::move(roles);
    if (fields.size() == 4) {
      absl::StatusOr<std::set<std::string>> regions = ParseRegions(fields[3]);
      if (!regions.ok()) return bad_line(regions.status().message());
      identity.regions = *std::move(regions);
    }
    certificates_[std::string(fields[0])] = std::move(identity);
  }
  if (certificates_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("client certificates file ", source, " lists no certificate"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> Authorizer::Authenticate(const grpc::ServerContextBase& ctx) const {
  // Every service method starts here, so a server that is shutting down refuses here too.
  if (absl::Status admitted = CheckAdmitted(ctx); !admitted.ok()) return admitted;
  if (!enabled_) {
    // Any credential sent is ignored: with nothing to check it against, it proves nothing.
    Caller anonymous;
    anonymous.id = "anonymous";
    anonymous.roles = {Role::kAdmin};
    return anonymous;
  }
  const auto& metadata = ctx.client_metadata();
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) return FromCertificate(ctx);
  if (std::next(first) != last) {
    return Unauthenticated("more than one authorization metadata entry");
  }
  const absl::string_view value(first->second.data(), first->second.size());
  // The scheme is case-insensitive (RFC 7235); the token is not.
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return Unauthenticated("authorization metadata must be \"Bearer TOKEN\"");
  }
  return FromBearer(ctx, absl::StripAsciiWhitespace(value.substr(kScheme.size())));
}

absl::StatusOr<Caller> Authorizer::FromBearer(const grpc::ServerContextBase& ctx,
                                              absl::string_view token) const {
  // A JWT has three base64url parts; a static token is matched as it is.
  if (jwt_ != nullptr && absl::StrContains(token, '.')) {
    absl::StatusOr<JwtClaims> claims = jwt_->Verify(token);
    if (!claims.ok()) {
      log::Warn("rejected a bearer JWT",
                {{"peer", ctx.peer()}, {"reason", std::string(claims.status().message())}});
      return claims.status();
    }
    Caller caller;
    caller.how = AuthMethod::kJwt;
    if (absl::Status s = CheckPrincipal(claims->subject); !s.ok()) {
      return Unauthenticated(absl::StrCat("JWT subject: ", s.message()));
    }
    caller.id = claims->subject;
    for (const std::string& name : claims->roles) {
      absl::StatusOr<Role> role = ParseRole(name);
      if (!role.ok())
        return Unauthenticated(absl::StrCat("JWT claim roles: ", role.status().message()));
      caller.roles.insert(*role);
    }
    for (const std::string& code : claims->regions) {
      if (absl::Status s = CheckRegionCode(code, "JWT claim regions"); !s.ok()) {
        return Unauthenticated(s.message());
      }
      caller.regions.insert(code);
    }
    return caller;
  }
  auto it = tokens_by_hash_.find(Sha256(token));
  if (it == tokens_by_hash_.end()) {
    log::Warn("rejected an unknown bearer token", {{"peer", ctx.peer()}});
    return Unauthenticated("unknown bearer token");
  }
  return CallerOf(it->second, AuthMethod::kStaticToken);
}

absl::StatusOr<Caller> Authorizer::FromCertificate(const grpc::ServerContextBase& ctx) const {
  std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  std::vector<std::string> names;
  if (auth != nullptr) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      for (const grpc::string_ref& v : auth->FindPropertyValues(property)) {
        names.emplace_back(v.data(), v.size());
      }
    }
  }
  if (names.empty()) {
    return Unauthenticated(
        "missing credentials: send metadata \"authorization: Bearer TOKEN\" or a client "
        "certificate");
  }
  for (const std::string& name : names) {
    if (auto it = certificates_.find(name); it != certificates_.end()) {
      return CallerOf(it->second, AuthMethod::kCertificate);
    }
  }
  log::Warn("rejected an unknown client certificate", {{"peer", ctx.peer()}, {"name", names[0]}});
  return Unauthenticated(absl::StrCat("client certificate \"", names[0],
                                      "\" is not in --client_certificates_file, and no bearer "
                                      "token was sent"));
}

absl::StatusOr<Caller> Authorizer::Admit(const grpc::ServerContextBase& ctx,
                                         absl::string_view method) const {
  absl::StatusOr<Caller> caller = Authenticate(ctx);
  if (!caller.ok()) return caller;
  absl::StatusOr<Access> access = AccessOf(method);
  if (!access.ok()) return absl::InternalError(access.status().message());
  PARITRANA_RETURN_IF_ERROR(CheckAccess(*caller, *access));
  return caller;
}

void AttachToken(grpc::ClientContext& ctx) {
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace paritrana
