#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "openssl/types.h"

namespace paritrana::test_support {

// A stand-in identity provider for tests: a fresh key pair (RSA 2048 for RS256, EC P-256 for
// ES256) generated in memory, its public half as a JWKS for a JwtVerifier or a server's
// --jwks_file, and tokens signed with the private half. It also forges the bad tokens a verifier
// must refuse (unsigned, HMAC-signed, with any header), since those are built from the same parts.
//
// Copies share the key. RSA key generation takes tens of milliseconds (more under sanitizers), so
// a suite makes its issuers once (SetUpTestSuite or a function-local static), not per test.
class JwtIssuer final {
 public:
  // `bits` other than 2048 is for testing a verifier's limits on key sizes.
  static JwtIssuer Rsa(std::string kid, int bits = 2048);
  static JwtIssuer Ec(std::string kid);

  const std::string& kid() const { return kid_; }
  // "RS256" or "ES256": the algorithm this key signs with.
  absl::string_view alg() const;

  // The public key as a JWK: kty, kid, use "sig", alg and n/e or crv/x/y.
  nlohmann::json PublicJwk() const;
  // {"keys": [PublicJwk()]}, as text.
  std::string Jwks() const;
  // {"keys": [...]} with the public keys of all `issuers`, in order, as text.
  static std::string JwksOf(const std::vector<const JwtIssuer*>& issuers);
  // The public key as PEM (SubjectPublicKeyInfo), e.g. as the secret of an alg-confusion forgery.
  std::string PublicKeyPem() const;

  // A compact JWS of `claims` signed with this key. The header is {"alg": alg(), "typ": "JWT",
  // "kid": kid()} merge-patched (RFC 7386) with `header_extra`: its members replace those, and a
  // null member removes one, e.g. {{"kid", nullptr}}. The signature is always made with this
  // key's own algorithm, whatever "alg" the header ends up naming.
  std::string Sign(const nlohmann::json& header_extra, const nlohmann::json& claims) const;

  // A token as an identity provider would issue it: {"sub", "roles", "regions", "iss", "aud",
  // "exp"}. No "iat", so the token depends only on the arguments.
  std::string Token(absl::string_view subject, const std::vector<std::string>& roles,
                    const std::vector<std::string>& regions, absl::string_view issuer,
                    absl::string_view audience, absl::Time expires) const;

  // Forgeries that need no key of ours: `header` and `claims` with no signature (for "alg":
  // "none"), and signed with HMAC-SHA256 under `secret` (for "alg": "HS256").
  static std::string Unsigned(const nlohmann::json& header, const nlohmann::json& claims);
  static std::string SignHs256(absl::string_view secret, const nlohmann::json& header,
                               const nlohmann::json& claims);

  // Base64url without padding, as JWS segments are encoded.
  static std::string Base64Url(absl::string_view bytes);

 private:
  JwtIssuer(std::string kid, std::shared_ptr<EVP_PKEY> key, bool rsa)
      : kid_(std::move(kid)), key_(std::move(key)), rsa_(rsa) {}

  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;  // the private key (and with it the public one)
  bool rsa_;                       // else EC P-256
};

}  // namespace paritrana::test_support
