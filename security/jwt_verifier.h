#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

// Bearer JWTs (RFC 7519) signed by an identity provider whose public keys we hold as a JWKS
// (RFC 7517). Only RS256 and ES256 are accepted, each only with a key of its own type: the
// classic JWT attacks ("alg": "none", an HMAC keyed with the RSA public key, a key of one type
// presented for another algorithm) all come from letting the token choose how it is checked.
namespace paritrana {

// What a verified token says about its caller. Roles and regions are the token's strings as they
// are: mapping them to Role values and region scopes is the caller's business.
struct JwtClaims {
  std::string subject;               // "sub", never empty
  std::vector<std::string> roles;    // "roles"; empty when absent
  std::vector<std::string> regions;  // "regions", e.g. "15" or "15.08"; empty when absent
  absl::Time expires;                // "exp"
};

class JwtVerifier final {
 public:
  struct Options {
    std::string issuer;    // "iss" must equal it
    std::string audience;  // "aud" (a string or an array) must include it
    // Tolerated clock difference with the issuer, for exp, nbf and iat.
    absl::Duration leeway = absl::Seconds(60);
  };

  // From a JWKS document, {"keys": [...]}. Accepted keys: "kty": "RSA" (n, e; 2048 to 8192 bits)
  // and "kty": "EC" with "crv": "P-256" (x, y), each with a non-empty "kid" unique in the set, an
  // optional "alg" that must be RS256 or ES256 respectively, and an optional "use" that must be
  // "sig". Anything else, or private key material ("d") in the set, is INVALID_ARGUMENT naming the
  // key's index; so are an empty issuer or audience and a negative leeway.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJwks(absl::string_view jwks_json,
                                                               Options options);
  // Reads the JWKS file (FAILED_PRECONDITION when it cannot be read), then as FromJwks.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJwksFile(const std::string& path,
                                                                   Options options);

  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Verifies a compact JWS at time `now` and returns its claims. Every failure is UNAUTHENTICATED
  // with ErrorInfo reason UNAUTHENTICATED and a message starting "JWT " that says what is wrong
  // without quoting the token (an alg or kid is quoted, escaped and truncated). The header must
  // name a known "kid" and an "alg" matching that key's type; the signature is checked before any
  // claim is read. Claims: "iss", "aud" and "exp" are required, "nbf" and "iat" (not in the
  // future) optional, "sub" a non-empty string, "roles" and "regions" arrays of strings if present.
  // Safe to call from many threads at once.
  absl::StatusOr<JwtClaims> Verify(absl::string_view token, absl::Time now = absl::Now()) const;

 private:
  struct Key;  // one public key of the set, defined in the .cc to keep OpenSSL out of this header

  JwtVerifier(Options options, std::vector<Key> keys);

  const Options options_;
  // A JWKS holds a handful of keys: a linear search by kid is as fast as any map.
  const std::vector<Key> keys_;
};

}  // namespace paritrana
