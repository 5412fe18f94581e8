#include "security/auth.h"

#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "openssl/evp.h"
#include "platform/errors.h"
#include "platform/log.h"
#include "platform/rpc_observer.h"

ABSL_FLAG(std::string, tokens_file, "",
          "File of accepted bearer tokens, one per line: ROLE[,ROLE...] TOKEN [# comment]; roles "
          "are registrar, analyst, assessor, admin. Empty: authentication is off (everyone may "
          "read and write, nobody sees NIKs)");
ABSL_FLAG(std::string, token, "",
          "Bearer token this process sends when it calls another Paritrana service");

namespace paritrana {
namespace {

// Short tokens can be guessed; 16 characters is the least a generated token should have.
constexpr size_t kMinTokenLength = 16;

constexpr std::pair<Role, absl::string_view> kRoleNames[] = {
    {Role::kRegistrar, "registrar"},
    {Role::kAnalyst, "analyst"},
    {Role::kAssessor, "assessor"},
    {Role::kAdmin, "admin"},
};

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

}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role \"", name, "\"; known roles: registrar, analyst, assessor, admin"));
}

bool Caller::has(Role role) const { return roles.count(role) > 0 || roles.count(Role::kAdmin) > 0; }

bool Caller::can_read_pii() const { return authenticated && has(Role::kRegistrar); }

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromFlags() {
  const std::string path = absl::GetFlag(FLAGS_tokens_file);
  if (!path.empty()) return FromTokensFile(path);
  static std::once_flag warned;
  std::call_once(warned, [] {
    log::Warn(
        "authentication is disabled (--tokens_file is empty): every caller may read and write, "
        "and NIKs are never revealed");
  });
  return Disabled();
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromTokensFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("--tokens_file: cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::FailedPreconditionError(absl::StrCat("--tokens_file: cannot read ", path));
  }
  return FromTokensText(text.str(), path);
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromTokensText(absl::string_view text,
                                                                       absl::string_view source) {
  std::map<std::string, std::set<Role>> roles_by_hash;
  std::map<std::string, int> line_by_hash;
  int line_number = 0;
  // Every message names the line, never its content: the content is a secret.
  auto bad_line = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokens file ", source, " line ", line_number, ": ", what));
  };
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    // Fields are separated by spaces or tabs; a field starting with '#' begins a comment.
    std::vector<absl::string_view> fields;
    for (absl::string_view field :
         absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty())) {
      if (absl::StartsWith(field, "#")) break;
      fields.push_back(field);
    }
    if (fields.empty()) continue;
    if (fields.size() != 2) {
      return bad_line(absl::StrCat("expected ROLE[,ROLE...] TOKEN [# comment], found ",
                                   fields.size(), fields.size() == 1 ? " field" : " fields"));
    }
    std::set<Role> roles;
    for (absl::string_view name : absl::StrSplit(fields[0], ',')) {
      absl::StatusOr<Role> role = ParseRole(name);
      // ParseRole's message repeats the name, which may be a token written in the wrong column.
      if (!role.ok()) {
        return bad_line(
            "unknown role in the first field; known roles: registrar, analyst, "
            "assessor, admin");
      }
      roles.insert(*role);
    }
    const absl::string_view token = fields[1];
    if (token.size() < kMinTokenLength) {
      return bad_line(absl::StrCat("token is shorter than ", kMinTokenLength, " characters"));
    }
    for (char c : token) {
      if (!IsTokenChar(c)) {
        return bad_line("token has characters other than printable ASCII");
      }
    }
    std::string hash = Sha256(token);
    if (auto it = line_by_hash.find(hash); it != line_by_hash.end()) {
      return bad_line(absl::StrCat("token repeats the one on line ", it->second));
    }
    line_by_hash[hash] = line_number;
    roles_by_hash[std::move(hash)] = std::move(roles);
  }
  if (roles_by_hash.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tokens file ", source,
        " has no token; leave --tokens_file empty to turn authentication off on purpose"));
  }
  return std::unique_ptr<Authorizer>(new Authorizer(true, std::move(roles_by_hash)));
}

std::unique_ptr<Authorizer> Authorizer::Disabled() {
  return std::unique_ptr<Authorizer>(new Authorizer(false, {}));
}

absl::StatusOr<Caller> Authorizer::Authenticate(const grpc::ServerContextBase& ctx) const {
  // Every service method starts here, so a server that is shutting down refuses here too.
  if (absl::Status admitted = CheckAdmitted(ctx); !admitted.ok()) return admitted;
  if (!enabled_) {
    // Any token sent is ignored: with nothing to check it against, it proves nothing.
    return Caller{{Role::kRegistrar, Role::kAnalyst, Role::kAssessor}, false};
  }
  const auto& metadata = ctx.client_metadata();
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) {
    return Unauthenticated("missing credentials: send metadata \"authorization: Bearer TOKEN\"");
  }
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
  const absl::string_view token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  auto it = roles_by_token_hash_.find(Sha256(token));
  if (it == roles_by_token_hash_.end()) {
    log::Warn("rejected an unknown bearer token", {{"peer", ctx.peer()}});
    return Unauthenticated("unknown bearer token");
  }
  return Caller{it->second, true};
}

absl::Status Authorizer::Require(const Caller& caller, std::initializer_list<Role> any_of) {
  for (Role role : any_of) {
    if (caller.has(role)) return absl::OkStatus();
  }
  if (caller.has(Role::kAdmin)) return absl::OkStatus();  // also for an empty any_of
  std::vector<absl::string_view> names;
  for (Role role : any_of) names.push_back(RoleName(role));
  if (names.empty()) names.push_back(RoleName(Role::kAdmin));
  const std::string required = absl::StrJoin(names, ",");
  return WithReason(
      absl::PermissionDeniedError(absl::StrCat(
          names.size() > 1 ? "this call needs one of the roles " : "this call needs the role ",
          required)),
      "PERMISSION_DENIED", {{"required_role", required}});
}

void AttachToken(grpc::ClientContext& ctx) {
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace paritrana
