#include "tests/support/jwt_issuer.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/bn.h"
#include "openssl/core_names.h"
#include "openssl/ec.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/pem.h"

namespace paritrana::test_support {

using json = nlohmann::json;

namespace {

constexpr int kP256CoordinateBytes = 32;

// A test helper whose crypto fails cannot make any meaningful token: stop right there, with
// OpenSSL's own reason, rather than hand a test an empty string to puzzle over.
void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "JwtIssuer: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  Check(key != nullptr, "key generation");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// A public parameter of `key` as big-endian bytes, left-padded to `size` bytes when size > 0.
std::string BnParam(const EVP_PKEY* key, const char* name, int size = 0) {
  BIGNUM* raw = nullptr;
  Check(EVP_PKEY_get_bn_param(key, name, &raw) == 1, name);
  Bn bn(raw);
  const int length = size > 0 ? size : BN_num_bytes(bn.get());
  std::string out(static_cast<size_t>(length), '\0');
  Check(BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), length) == length,
        "BN_bn2binpad");
  return out;
}

std::string SigningInput(const json& header, const json& claims) {
  return absl::StrCat(JwtIssuer::Base64Url(header.dump()), ".",
                      JwtIssuer::Base64Url(claims.dump()));
}

// OpenSSL's ECDSA signature is DER; JWS wants r || s, each padded to the curve's 32 bytes.
std::string EcdsaDerToRaw(const std::string& der) {
  const unsigned char* in = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size()));
  Check(sig != nullptr, "d2i_ECDSA_SIG");
  std::string raw(2 * kP256CoordinateBytes, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(raw.data());
  const bool ok =
      BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, kP256CoordinateBytes) == kP256CoordinateBytes &&
      BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + kP256CoordinateBytes, kP256CoordinateBytes) ==
          kP256CoordinateBytes;
  ECDSA_SIG_free(sig);
  Check(ok, "BN_bn2binpad");
  return raw;
}

}  // namespace

JwtIssuer JwtIssuer::Rsa(std::string kid, int bits) {
  return JwtIssuer(std::move(kid),
                   Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))),
                   /*rsa=*/true);
}

JwtIssuer JwtIssuer::Ec(std::string kid) {
  return JwtIssuer(std::move(kid), Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")),
                   /*rsa=*/false);
}

absl::string_view JwtIssuer::alg() const { return rsa_ ? "RS256" : "ES256"; }

json JwtIssuer::PublicJwk() const {
  json jwk = {{"kid", kid_}, {"use", "sig"}, {"alg", std::string(alg())}};
  if (rsa_) {
    jwk["kty"] = "RSA";
    jwk["n"] = Base64Url(BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = Base64Url(BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_E));
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = Base64Url(BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes));
    jwk["y"] = Base64Url(BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes));
  }
  return jwk;
}

std::string JwtIssuer::Jwks() const { return JwksOf({this}); }

std::string JwtIssuer::JwksOf(const std::vector<const JwtIssuer*>& issuers) {
  json keys = json::array();
  for (const JwtIssuer* issuer : issuers) keys.push_back(issuer->PublicJwk());
  return json{{"keys", keys}}.dump();
}

std::string JwtIssuer::PublicKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && PEM_write_bio_PUBKEY(bio, key_.get()) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string JwtIssuer::Sign(const json& header_extra, const json& claims) const {
  json header = {{"alg", std::string(alg())}, {"typ", "JWT"}, {"kid", kid_}};
  // A patch that is not an object would replace the whole header (RFC 7386); null means none.
  if (!header_extra.is_null()) {
    Check(header_extra.is_object(), "Sign: header_extra must be an object");
    header.merge_patch(header_extra);
  }
  const std::string input = SigningInput(header, claims);

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t size = 0;
  Check(ctx != nullptr &&
            EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) ==
                1 &&
            EVP_DigestSign(ctx, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1,
        "EVP_DigestSign (size)");
  std::string signature(size, '\0');
  Check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1,
        "EVP_DigestSign");
  EVP_MD_CTX_free(ctx);
  signature.resize(size);  // a DER ECDSA signature is often shorter than the maximum
  if (!rsa_) signature = EcdsaDerToRaw(signature);
  return absl::StrCat(input, ".", Base64Url(signature));
}

std::string JwtIssuer::Token(absl::string_view subject, const std::vector<std::string>& roles,
                             const std::vector<std::string>& regions, absl::string_view issuer,
                             absl::string_view audience, absl::Time expires) const {
  const json claims = {
      {"sub", std::string(subject)},  {"roles", roles},
      {"regions", regions},           {"iss", std::string(issuer)},
      {"aud", std::string(audience)}, {"exp", absl::ToUnixSeconds(expires)},
  };
  return Sign(json::object(), claims);
}

std::string JwtIssuer::Unsigned(const json& header, const json& claims) {
  return absl::StrCat(SigningInput(header, claims), ".");
}

std::string JwtIssuer::SignHs256(absl::string_view secret, const json& header, const json& claims) {
  const std::string input = SigningInput(header, claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
             &size) != nullptr,
        "HMAC");
  return absl::StrCat(input, ".",
                      Base64Url(absl::string_view(reinterpret_cast<const char*>(mac), size)));
}

std::string JwtIssuer::Base64Url(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);  // base64url without padding
}

}  // namespace paritrana::test_support
