#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

// --tokens_file: the bearer tokens this service accepts, with their roles (see Authorizer).
ABSL_DECLARE_FLAG(std::string, tokens_file);
// --token: the bearer token this process sends when it calls another service (see AttachToken).
ABSL_DECLARE_FLAG(std::string, token);

// Who may call what. Callers present `authorization: Bearer TOKEN`; each token carries roles, and
// every RPC names the roles it accepts. Reading a NIK is a separate right (UU 27/2022 personal
// data) that only registrars and admins hold, and only when they have proved who they are.
namespace paritrana {

enum class Role {
  kRegistrar,  // writes to the registry; holds the PII right (may read NIK)
  kAnalyst,    // reads aggregates and coverage only
  kAssessor,   // records jury scores
  kAdmin,      // everything, PII included
};

// "registrar", "analyst", "assessor", "admin": the spelling used in tokens files and errors.
absl::string_view RoleName(Role role);
// The role spelled `name` (lower case, as RoleName gives it); INVALID_ARGUMENT otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// The authenticated identity of one call.
struct Caller {
  std::set<Role> roles;
  // False when authentication is off: the roles were granted to everyone, not proved.
  bool authenticated = false;

  // Whether the caller holds `role`; an admin holds every role.
  bool has(Role role) const;
  // Whether NIKs may be shown unmasked: a proved registrar or admin. With authentication off
  // nobody may, since anyone could be calling.
  bool can_read_pii() const;
};

class Authorizer final {
 public:
  // From --tokens_file. Empty: authentication is OFF (a warning is logged once per process) and
  // every caller gets registrar, analyst and assessor but not the PII right. Otherwise the file is
  // read as FromTokensFile does.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromFlags();

  // Reads a tokens file: one token per line, `ROLE[,ROLE...] TOKEN [# comment]`; blank lines and
  // lines starting with `#` are ignored. A token is at least 16 printable ASCII characters without
  // spaces and appears once. A bad line is INVALID_ARGUMENT naming its line number, never its
  // token; a file that cannot be read is FAILED_PRECONDITION, one with no token INVALID_ARGUMENT
  // (leave --tokens_file empty to turn authentication off on purpose).
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromTokensFile(const std::string& path);
  // The same parse, from the file's text; `source` names it in errors (e.g. the path).
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromTokensText(absl::string_view text,
                                                                    absl::string_view source);
  // Authentication off, as FromFlags with an empty --tokens_file (without the warning).
  static std::unique_ptr<Authorizer> Disabled();

  bool enabled() const { return enabled_; }

  // The caller of the call behind `ctx`, from its `authorization: Bearer TOKEN` metadata.
  // UNAUTHENTICATED (ErrorInfo reason UNAUTHENTICATED) when authentication is on and the token is
  // missing, malformed or unknown. With authentication off, every call gets the default caller.
  // UNAVAILABLE first when the call arrived while its server is shutting down (CheckAdmitted).
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& ctx) const;

  // OK when `caller` holds at least one of `any_of` (an admin always does); otherwise
  // PERMISSION_DENIED with ErrorInfo reason PERMISSION_DENIED and metadata `required_role`: the
  // accepted roles, comma-separated.
  static absl::Status Require(const Caller& caller, std::initializer_list<Role> any_of);

 private:
  Authorizer(bool enabled, std::map<std::string, std::set<Role>> roles_by_token_hash)
      : enabled_(enabled), roles_by_token_hash_(std::move(roles_by_token_hash)) {}

  const bool enabled_;
  // Keyed by SHA-256 of the token: the process never keeps the tokens themselves, and a look-up
  // by hash leaks nothing useful through timing, since a caller cannot steer a hash's prefix.
  const std::map<std::string, std::set<Role>> roles_by_token_hash_;
};

// For this suite's own clients: adds `authorization: Bearer <--token>` to `ctx` when --token is
// set, and nothing otherwise.
void AttachToken(grpc::ClientContext& ctx);

}  // namespace paritrana
