#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

// Who a bearer token belongs to. security/auth.h gives a caller's roles but no identity, and the
// award contract needs one: an assessor may only write assessments under their own id, and
// evaluations record who ran and published them. The identity of a call is read from the same
// bearer token the Authorizer already checked:
// - listed in --principals_file (`PRINCIPAL_ID SHA256_HEX_OF_TOKEN` per line): that id;
// - otherwise a stable pseudonym, `t-` and the first 16 hex digits of the token's SHA-256, which
//   never reveals the token;
// - no token (authentication off): `anonymous`.
namespace paritrana::award {

class PrincipalMap final {
 public:
  PrincipalMap() = default;
  // Lines `PRINCIPAL_ID SHA256_HEX [# comment]`; blank lines and `#` lines are ignored. An id
  // matches the resource-id pattern, a hash is 64 hex digits; a bad line is INVALID_ARGUMENT
  // naming its line number. An empty path is an empty map.
  static absl::StatusOr<PrincipalMap> FromFile(const std::string& path);
  static absl::StatusOr<PrincipalMap> FromText(absl::string_view text, absl::string_view source);

  // The principal id of the call behind `ctx` (see above).
  std::string IdOf(const grpc::ServerContextBase& ctx) const;
  // The id for a raw token.
  std::string IdOfToken(absl::string_view token) const;

 private:
  std::map<std::string, std::string> id_by_hash_;  // lower-case hex SHA-256 -> id
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

}  // namespace paritrana::award
