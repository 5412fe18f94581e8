#include "security/jwt_verifier.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "openssl/bn.h"
#include "openssl/core_names.h"
#include "openssl/ec.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/param_build.h"
#include "platform/errors.h"

namespace paritrana {

using json = nlohmann::json;

namespace {

// Far above any real token (a national admin's region list fits in a few KiB) and above what gRPC
// lets through as metadata; bounds the work an unauthenticated caller can make us do.
constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr size_t kMaxJwksBytes = 1024 * 1024;
// Below 2048 bits RSA is breakable in practice; above 8192 a verification gets costly.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr size_t kP256CoordinateBytes = 32;

enum class Alg { kRs256, kEs256 };

absl::string_view AlgName(Alg alg) { return alg == Alg::kRs256 ? "RS256" : "ES256"; }
absl::string_view KeyTypeName(Alg alg) { return alg == Alg::kRs256 ? "RSA" : "EC P-256"; }

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;
using Params = std::unique_ptr<OSSL_PARAM, ParamDeleter>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

// A failed OpenSSL call leaves entries on the thread's error queue; dropping them keeps them from
// being reported later against some unrelated call on the same thread.
template <typename T>
T ClearingErrors(T result) {
  ERR_clear_error();
  return result;
}

// Whether `value` is the string `expected`. Spelled out because nlohmann::json converts implicitly
// to and from strings, which makes a plain == ambiguous or, worse, true for a non-string.
bool IsString(const json& value, absl::string_view expected) {
  return value.is_string() && value.get_ref<const std::string&>() == expected;
}

// Compact JWS segments are base64url without padding (RFC 7515 section 2). absl also accepts
// padding and skips whitespace, neither of which belongs in a token, so the alphabet is checked
// here first.
bool DecodeBase64Url(absl::string_view in, std::string* out) {
  for (char c : in) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return absl::WebSafeBase64Unescape(in, out);
}

// Quotes a string that came from a token or a JWKS for an error message: escaped so it cannot
// forge log lines, and truncated so it cannot flood them.
std::string Quoted(absl::string_view s) {
  constexpr size_t kMax = 40;
  const bool truncated = s.size() > kMax;
  return absl::StrCat("\"", absl::CHexEscape(s.substr(0, kMax)), truncated ? "...\"" : "\"");
}

absl::Status Unauthenticated(absl::string_view message) {
  return WithReason(absl::UnauthenticatedError(message), "UNAUTHENTICATED");
}

// A base64url JSON object, or nullopt.
std::optional<json> DecodeJsonObject(absl::string_view segment) {
  std::string text;
  if (!DecodeBase64Url(segment, &text)) return std::nullopt;
  json value = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;  // also a parse error, which is `discarded`
  return value;
}

// An RFC 7519 NumericDate: seconds since the epoch, possibly fractional. Values beyond absl::Time's
// range saturate to the infinite past or future.
std::optional<absl::Time> NumericDate(const json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t seconds = value.get<uint64_t>();
    if (seconds > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InfiniteFuture();
    }
    return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  }
  if (value.is_number_integer()) return absl::FromUnixSeconds(value.get<int64_t>());
  if (value.is_number_float()) {
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds)) return std::nullopt;
    return absl::UnixEpoch() + absl::Seconds(seconds);
  }
  return std::nullopt;
}

// A claim that, when present, is an array of strings.
absl::Status StringArrayClaim(const json& claims, const char* name, std::vector<std::string>* out) {
  auto it = claims.find(name);
  if (it == claims.end()) return absl::OkStatus();
  const absl::Status bad =
      Unauthenticated(absl::StrCat("JWT claim ", name, " must be an array of strings"));
  if (!it->is_array()) return bad;
  for (const json& element : *it) {
    if (!element.is_string()) return bad;
    out->push_back(element.get<std::string>());
  }
  return absl::OkStatus();
}

// The JWKS member `name` of `jwk` as bytes (a base64url string), or why not.
absl::StatusOr<std::string> JwkBytes(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  std::string bytes;
  if (it == jwk.end() || !it->is_string() || !DecodeBase64Url(it->get<std::string>(), &bytes) ||
      bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" must be a base64url string"));
  }
  return bytes;
}

Bn BigEndianBn(absl::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

// A public key from OSSL_PARAMs, checked by OpenSSL (an RSA modulus and exponent that make sense,
// an EC point on the curve) so that a bad JWKS fails at load and not at the first token.
absl::StatusOr<Pkey> PublicKeyFromParams(const char* type, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return ClearingErrors(absl::InvalidArgumentError("OpenSSL does not accept the public key"));
  }
  Pkey key(raw);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return ClearingErrors(absl::InvalidArgumentError("the public key is not valid"));
  }
  return key;
}

absl::StatusOr<Pkey> RsaKey(const json& jwk) {
  PARITRANA_ASSIGN_OR_RETURN(const std::string n, JwkBytes(jwk, "n"));
  PARITRANA_ASSIGN_OR_RETURN(const std::string e, JwkBytes(jwk, "e"));
  // Checked before OpenSSL sees it: a huge modulus would make the public check itself costly.
  if (n.size() * 8 > static_cast<size_t>(kMaxRsaBits) + 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA modulus is longer than ", kMaxRsaBits, " bits"));
  }
  Bn n_bn = BigEndianBn(n);
  Bn e_bn = BigEndianBn(e);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (n_bn == nullptr || e_bn == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
    return ClearingErrors(absl::InternalError("OpenSSL could not hold the RSA key"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) {
    return ClearingErrors(absl::InternalError("OpenSSL could not hold the RSA key"));
  }
  PARITRANA_ASSIGN_OR_RETURN(Pkey key, PublicKeyFromParams("RSA", params.get()));
  const int bits = EVP_PKEY_get_bits(key.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return absl::InvalidArgumentError(absl::StrCat("RSA modulus of ", bits, " bits is outside ",
                                                   kMinRsaBits, " to ", kMaxRsaBits));
  }
  return key;
}

absl::StatusOr<Pkey> EcKey(const json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !IsString(*crv, "P-256")) {
    return absl::InvalidArgumentError("\"crv\" must be \"P-256\" (the only curve of ES256)");
  }
  PARITRANA_ASSIGN_OR_RETURN(const std::string x, JwkBytes(jwk, "x"));
  PARITRANA_ASSIGN_OR_RETURN(const std::string y, JwkBytes(jwk, "y"));
  // RFC 7518 section 6.2.1.2: each coordinate is exactly the curve's size, leading zeros kept.
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError("\"x\" and \"y\" must be 32 bytes each");
  }
  // The uncompressed point encoding (SEC 1): 0x04 || x || y.
  std::string point = absl::StrCat("\x04", x, y);
  char group[] = "P-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  return PublicKeyFromParams("EC", params);
}

// ES256 signatures are r || s, 32 bytes each (RFC 7518 section 3.4); OpenSSL verifies the DER
// ECDSA-Sig-Value. Empty when `raw` is not 64 bytes.
std::string EcdsaRawToDer(absl::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return "";
  Bn r = BigEndianBn(raw.substr(0, kP256CoordinateBytes));
  Bn s = BigEndianBn(raw.substr(kP256CoordinateBytes));
  EcdsaSig sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr ||
      ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return ClearingErrors(std::string());
  }
  r.release();  // owned by sig now
  s.release();
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return ClearingErrors(std::string());
  std::string der(static_cast<size_t>(size), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != size) return ClearingErrors(std::string());
  return der;
}

}  // namespace

struct JwtVerifier::Key {
  std::string kid;
  Alg alg;  // the one algorithm this key verifies, fixed by its type
  Pkey pkey;
};

JwtVerifier::JwtVerifier(Options options, std::vector<Key> keys)
    : options_(std::move(options)), keys_(std::move(keys)) {}

JwtVerifier::~JwtVerifier() = default;

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJwks(absl::string_view jwks_json,
                                                                   Options options) {
  if (options.issuer.empty()) return absl::InvalidArgumentError("JWT issuer must be set");
  if (options.audience.empty()) return absl::InvalidArgumentError("JWT audience must be set");
  if (options.leeway < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("JWT leeway must not be negative");
  }
  const json jwks = json::parse(jwks_json, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (jwks.is_discarded()) return absl::InvalidArgumentError("JWKS is not valid JSON");
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS must be an object with a \"keys\" array");
  }
  const json& jwk_list = jwks["keys"];
  if (jwk_list.empty()) return absl::InvalidArgumentError("JWKS has no keys");

  std::vector<Key> keys;
  std::set<std::string> kids;
  for (size_t i = 0; i < jwk_list.size(); ++i) {
    const json& jwk = jwk_list[i];
    const std::string where = absl::StrCat("JWKS key ", i);
    auto invalid = [&where](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
    };
    if (!jwk.is_object()) return invalid("is not an object");
    auto kid = jwk.find("kid");
    if (kid == jwk.end() || !kid->is_string() || kid->get<std::string>().empty()) {
      return invalid("needs a non-empty \"kid\" string");
    }
    const std::string kid_value = kid->get<std::string>();
    if (!kids.insert(kid_value).second) {
      return invalid(absl::StrCat("\"kid\" ", Quoted(kid_value), " appears twice"));
    }
    if (auto use = jwk.find("use"); use != jwk.end() && !IsString(*use, "sig")) {
      return invalid("\"use\" must be \"sig\"");
    }
    // A private key in a set that is published and copied around is a leak waiting to happen.
    if (jwk.contains("d"))
      return invalid("holds private key material (\"d\"); publish public keys");
    auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string()) return invalid("needs a \"kty\" string");
    Alg alg;
    if (IsString(*kty, "RSA")) {
      alg = Alg::kRs256;
    } else if (IsString(*kty, "EC")) {
      alg = Alg::kEs256;
    } else {
      return invalid(
          absl::StrCat("\"kty\" ", Quoted(kty->get<std::string>()), " is not supported (RSA, EC)"));
    }
    if (auto jwk_alg = jwk.find("alg"); jwk_alg != jwk.end() && !IsString(*jwk_alg, AlgName(alg))) {
      return invalid(absl::StrCat("\"alg\" of a ", alg == Alg::kRs256 ? "RSA" : "EC",
                                  " key must be \"", AlgName(alg), "\""));
    }
    absl::StatusOr<Pkey> pkey = alg == Alg::kRs256 ? RsaKey(jwk) : EcKey(jwk);
    if (!pkey.ok()) return invalid(pkey.status().message());
    keys.push_back(Key{kid_value, alg, *std::move(pkey)});
  }
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(options), std::move(keys)));
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJwksFile(const std::string& path,
                                                                       Options options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read JWKS file ", path, ": ", std::strerror(errno)));
  }
  std::string text(kMaxJwksBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read JWKS file ", path));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxJwksBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("JWKS file ", path, " is larger than ", kMaxJwksBytes, " bytes"));
  }
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = FromJwks(text, std::move(options));
  if (!verifier.ok()) {
    return absl::Status(verifier.status().code(),
                        absl::StrCat(path, ": ", verifier.status().message()));
  }
  return verifier;
}

absl::StatusOr<JwtClaims> JwtVerifier::Verify(absl::string_view token, absl::Time now) const {
  if (token.size() > kMaxTokenBytes) {
    return Unauthenticated(absl::StrCat("JWT is longer than ", kMaxTokenBytes, " bytes"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Unauthenticated("JWT is malformed: a JWT is three base64url segments joined by dots");
  }
  const absl::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());

  // The header decides which key checks the signature, so it is read first, and trusted only as far
  // as our own key set allows: the key fixes the algorithm, the token merely has to agree.
  const std::optional<json> header = DecodeJsonObject(parts[0]);
  if (!header) return Unauthenticated("JWT is malformed: the header is not base64url JSON");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    return Unauthenticated("JWT is malformed: the header has no \"alg\"");
  }
  const std::string alg_name = alg->get<std::string>();
  if (alg_name != "RS256" && alg_name != "ES256") {
    return Unauthenticated(
        absl::StrCat("JWT algorithm ", Quoted(alg_name), " is not accepted (RS256, ES256)"));
  }
  // RFC 7515 section 4.1.11: extensions listed in "crit" must be understood; we know none.
  if (header->contains("crit")) {
    return Unauthenticated("JWT header has critical extensions (crit), none of which is supported");
  }
  auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string()) {
    return Unauthenticated("JWT has no key id (kid)");
  }
  const std::string kid_value = kid->get<std::string>();
  const Key* key = nullptr;
  for (const Key& candidate : keys_) {
    if (candidate.kid == kid_value) key = &candidate;
  }
  if (key == nullptr)
    return Unauthenticated(absl::StrCat("JWT key id ", Quoted(kid_value), " is unknown"));
  if (alg_name != AlgName(key->alg)) {
    return Unauthenticated(absl::StrCat("JWT algorithm ", Quoted(alg_name), " does not match key ",
                                        Quoted(kid_value), " (", KeyTypeName(key->alg), ")"));
  }

  std::string signature;
  if (!DecodeBase64Url(parts[2], &signature) || signature.empty()) {
    return Unauthenticated("JWT is malformed: the signature is not base64url");
  }
  if (key->alg == Alg::kEs256) {
    signature = EcdsaRawToDer(signature);
    if (signature.empty()) return Unauthenticated("JWT signature is invalid");
  }
  MdCtx md(EVP_MD_CTX_new());
  if (md == nullptr || EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr,
                                               key->pkey.get(), nullptr) != 1) {
    return ClearingErrors(absl::InternalError("OpenSSL cannot verify signatures"));
  }
  if (EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
    return ClearingErrors(Unauthenticated("JWT signature is invalid"));
  }

  // Signed by a key we trust: now the claims.
  const std::optional<json> claims = DecodeJsonObject(parts[1]);
  if (!claims) return Unauthenticated("JWT is malformed: the payload is not base64url JSON");

  auto iss = claims->find("iss");
  if (iss == claims->end() || !IsString(*iss, options_.issuer)) {
    return Unauthenticated("JWT issuer is not the expected one");
  }

  auto aud = claims->find("aud");
  if (aud == claims->end()) return Unauthenticated("JWT has no audience (aud)");
  bool audience_ok = false;
  if (aud->is_string()) {
    audience_ok = IsString(*aud, options_.audience);
  } else if (aud->is_array()) {
    for (const json& element : *aud) {
      if (!element.is_string()) {
        return Unauthenticated("JWT claim aud must be a string or an array of strings");
      }
      audience_ok = audience_ok || IsString(element, options_.audience);
    }
  } else {
    return Unauthenticated("JWT claim aud must be a string or an array of strings");
  }
  if (!audience_ok) {
    return Unauthenticated(
        absl::StrCat("JWT audience does not include ", Quoted(options_.audience)));
  }

  JwtClaims out;
  auto exp = claims->find("exp");
  if (exp == claims->end()) return Unauthenticated("JWT has no expiry (exp)");
  const std::optional<absl::Time> expires = NumericDate(*exp);
  if (!expires) return Unauthenticated("JWT claim exp must be a number");
  // RFC 7519 section 4.1.4: the token must not be accepted on or after exp.
  if (now >= *expires + options_.leeway) return Unauthenticated("JWT has expired");
  out.expires = *expires;

  if (auto nbf = claims->find("nbf"); nbf != claims->end()) {
    const std::optional<absl::Time> not_before = NumericDate(*nbf);
    if (!not_before) return Unauthenticated("JWT claim nbf must be a number");
    if (now + options_.leeway < *not_before) return Unauthenticated("JWT is not valid yet (nbf)");
  }
  // A token issued in the future comes from a broken clock or a forger; either way, refused.
  if (auto iat = claims->find("iat"); iat != claims->end()) {
    const std::optional<absl::Time> issued = NumericDate(*iat);
    if (!issued) return Unauthenticated("JWT claim iat must be a number");
    if (now + options_.leeway < *issued)
      return Unauthenticated("JWT was issued in the future (iat)");
  }

  auto sub = claims->find("sub");
  if (sub == claims->end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Unauthenticated("JWT has no subject");
  }
  out.subject = sub->get<std::string>();
  PARITRANA_RETURN_IF_ERROR(StringArrayClaim(*claims, "roles", &out.roles));
  PARITRANA_RETURN_IF_ERROR(StringArrayClaim(*claims, "regions", &out.regions));
  return out;
}

}  // namespace paritrana
