#include "security/jwt_verifier.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/errors.h"
#include "tests/support/jwt_issuer.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

using json = nlohmann::json;
using test_support::JwtIssuer;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kIssuer[] = "https://id.paritrana.test";
constexpr char kAudience[] = "paritrana-registry";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Key generation is the slow part, so every test shares these.
const JwtIssuer& Rsa() {
  static const JwtIssuer* issuer = new JwtIssuer(JwtIssuer::Rsa("rsa-1"));
  return *issuer;
}
const JwtIssuer& Ec() {
  static const JwtIssuer* issuer = new JwtIssuer(JwtIssuer::Ec("ec-1"));
  return *issuer;
}

JwtVerifier::Options DefaultOptions() {
  JwtVerifier::Options options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  return options;
}

json Claims(absl::Time exp = kNow + absl::Minutes(10)) {
  return {{"sub", "registrar-15"}, {"roles", {"registrar"}}, {"regions", {"15", "15.08"}},
          {"iss", kIssuer},        {"aud", kAudience},       {"exp", absl::ToUnixSeconds(exp)}};
}

class JwtVerifierTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
        JwtVerifier::FromJwks(JwtIssuer::JwksOf({&Rsa(), &Ec()}), DefaultOptions());
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
  }

  // Checks that `token` is refused as UNAUTHENTICATED with reason UNAUTHENTICATED and a message
  // starting with `message`, and that the message does not quote the token or any of its parts.
  void ExpectRefused(const std::string& token, absl::string_view message) {
    absl::StatusOr<JwtClaims> claims = verifier_->Verify(token, kNow);
    ASSERT_FALSE(claims.ok()) << "accepted a token that should fail with: " << message;
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << claims.status();
    EXPECT_THAT(std::string(claims.status().message()), StartsWith(std::string(message)));
    std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(claims.status());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "UNAUTHENTICATED");
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_THAT(std::string(claims.status().message()), Not(HasSubstr(std::string(part))));
      }
    }
  }

  std::unique_ptr<JwtVerifier> verifier_;
};

TEST_F(JwtVerifierTest, AcceptsRs256) {
  const std::string token = Rsa().Sign(json::object(), Claims());
  absl::StatusOr<JwtClaims> claims = verifier_->Verify(token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "registrar-15");
  EXPECT_EQ(claims->roles, std::vector<std::string>{"registrar"});
  EXPECT_EQ(claims->regions, (std::vector<std::string>{"15", "15.08"}));
  EXPECT_EQ(claims->expires, kNow + absl::Minutes(10));
}

TEST_F(JwtVerifierTest, AcceptsEs256) {
  const std::string token = Ec().Sign(json::object(), Claims());
  absl::StatusOr<JwtClaims> claims = verifier_->Verify(token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "registrar-15");
}

TEST_F(JwtVerifierTest, TokenHelperMakesAnAcceptedToken) {
  const std::string token =
      Ec().Token("analyst-1", {"analyst"}, {}, kIssuer, kAudience, kNow + absl::Hours(1));
  absl::StatusOr<JwtClaims> claims = verifier_->Verify(token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "analyst-1");
  EXPECT_EQ(claims->roles, std::vector<std::string>{"analyst"});
  EXPECT_TRUE(claims->regions.empty());
}

TEST_F(JwtVerifierTest, RolesAndRegionsMayBeAbsent) {
  json claims = Claims();
  claims.erase("roles");
  claims.erase("regions");
  absl::StatusOr<JwtClaims> verified = verifier_->Verify(Rsa().Sign({}, claims), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->roles.empty());
  EXPECT_TRUE(verified->regions.empty());
}

TEST_F(JwtVerifierTest, AudienceMayBeAnArray) {
  json claims = Claims();
  claims["aud"] = {"paritrana-award", kAudience};
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, claims), kNow).ok());
  claims["aud"] = {"paritrana-award"};
  ExpectRefused(Rsa().Sign({}, claims), "JWT audience does not include \"paritrana-registry\"");
  claims["aud"] = {kAudience, 7};
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim aud must be a string or an array of strings");
}

TEST_F(JwtVerifierTest, RefusesExpiredTokensAfterTheLeeway) {
  // Expired 30 s ago: still inside the 60 s leeway.
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, Claims(kNow - absl::Seconds(30))), kNow).ok());
  ExpectRefused(Rsa().Sign({}, Claims(kNow - absl::Seconds(60))), "JWT has expired");
  ExpectRefused(Rsa().Sign({}, Claims(kNow - absl::Hours(1))), "JWT has expired");
}

TEST_F(JwtVerifierTest, RefusesTokensNotValidYet) {
  json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(30));  // within the leeway
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, claims), kNow).ok());
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRefused(Rsa().Sign({}, claims), "JWT is not valid yet (nbf)");
}

TEST_F(JwtVerifierTest, RefusesTokensIssuedInTheFuture) {
  json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(kNow - absl::Minutes(1));
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, claims), kNow).ok());
  claims["iat"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRefused(Rsa().Sign({}, claims), "JWT was issued in the future (iat)");
}

TEST_F(JwtVerifierTest, RefusesBadTimeClaims) {
  json claims = Claims();
  claims.erase("exp");
  ExpectRefused(Rsa().Sign({}, claims), "JWT has no expiry (exp)");
  claims["exp"] = "tomorrow";
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim exp must be a number");
  claims = Claims();
  claims["nbf"] = nullptr;
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim nbf must be a number");
  // Far beyond absl::Time's range: saturates to forever instead of overflowing.
  claims = Claims();
  claims["exp"] = 1e300;
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, claims), kNow).ok());
  claims["exp"] = 1700000000.5;  // fractional seconds are allowed
  EXPECT_TRUE(verifier_->Verify(Rsa().Sign({}, claims), kNow).ok());
}

TEST_F(JwtVerifierTest, RefusesWrongAudience) {
  json claims = Claims();
  claims["aud"] = "paritrana-award";
  ExpectRefused(Rsa().Sign({}, claims), "JWT audience does not include \"paritrana-registry\"");
  claims.erase("aud");
  ExpectRefused(Rsa().Sign({}, claims), "JWT has no audience (aud)");
}

TEST_F(JwtVerifierTest, RefusesWrongIssuer) {
  json claims = Claims();
  claims["iss"] = "https://evil.test";
  ExpectRefused(Rsa().Sign({}, claims), "JWT issuer is not the expected one");
  claims.erase("iss");
  ExpectRefused(Rsa().Sign({}, claims), "JWT issuer is not the expected one");
}

TEST_F(JwtVerifierTest, RefusesBadSubjectAndClaimTypes) {
  json claims = Claims();
  claims.erase("sub");
  ExpectRefused(Rsa().Sign({}, claims), "JWT has no subject");
  claims["sub"] = "";
  ExpectRefused(Rsa().Sign({}, claims), "JWT has no subject");
  claims = Claims();
  claims["roles"] = "admin";
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim roles must be an array of strings");
  claims["roles"] = {"admin", 1};
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim roles must be an array of strings");
  claims = Claims();
  claims["regions"] = json::array({json::array({"15", "16"})});
  ExpectRefused(Rsa().Sign({}, claims), "JWT claim regions must be an array of strings");
}

// Flips one byte of the decoded segment `index` (0 header, 1 payload, 2 signature).
std::string FlipByte(const std::string& token, int index) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string bytes;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[index], &bytes));
  bytes[bytes.size() / 2] ^= 0x01;
  parts[index] = JwtIssuer::Base64Url(bytes);
  return absl::StrJoin(parts, ".");
}

TEST_F(JwtVerifierTest, RefusesBadSignatures) {
  for (const JwtIssuer* issuer : {&Rsa(), &Ec()}) {
    SCOPED_TRACE(issuer->kid());
    const std::string token = issuer->Sign({}, Claims());
    ExpectRefused(FlipByte(token, 2), "JWT signature is invalid");
    ExpectRefused(FlipByte(token, 1), "JWT signature is invalid");
    // A claim changed after signing: a longer expiry.
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    parts[1] = JwtIssuer::Base64Url(Claims(kNow + absl::Hours(100)).dump());
    ExpectRefused(absl::StrJoin(parts, "."), "JWT signature is invalid");
    // Signature of the wrong length.
    parts = absl::StrSplit(token, '.');
    parts[2] = JwtIssuer::Base64Url("short");
    ExpectRefused(absl::StrJoin(parts, "."), "JWT signature is invalid");
  }
}

TEST_F(JwtVerifierTest, RefusesSignaturesOfAnotherKeyWithTheSameKid) {
  const JwtIssuer impostor_rsa = JwtIssuer::Rsa("rsa-1");
  ExpectRefused(impostor_rsa.Sign({}, Claims()), "JWT signature is invalid");
  const JwtIssuer impostor_ec = JwtIssuer::Ec("ec-1");
  ExpectRefused(impostor_ec.Sign({}, Claims()), "JWT signature is invalid");
}

TEST_F(JwtVerifierTest, RefusesUnknownOrMissingKid) {
  ExpectRefused(Rsa().Sign({{"kid", "k9"}}, Claims()), "JWT key id \"k9\" is unknown");
  ExpectRefused(Rsa().Sign({{"kid", nullptr}}, Claims()), "JWT has no key id (kid)");
  ExpectRefused(Rsa().Sign({{"kid", 1}}, Claims()), "JWT has no key id (kid)");
}

TEST_F(JwtVerifierTest, RefusesAlgNone) {
  ExpectRefused(JwtIssuer::Unsigned({{"alg", "none"}, {"kid", "rsa-1"}}, Claims()),
                "JWT algorithm \"none\" is not accepted (RS256, ES256)");
  // The same with a signature glued on, and with alg missing altogether.
  ExpectRefused(Rsa().Sign({{"alg", "none"}}, Claims()), "JWT algorithm \"none\" is not accepted");
  ExpectRefused(Rsa().Sign({{"alg", nullptr}}, Claims()), "JWT is malformed");
}

// The classic confusion: a verifier that lets the token pick HS256 would use the RSA public key,
// which everyone has, as the HMAC secret.
TEST_F(JwtVerifierTest, RefusesHs256SignedWithThePublicKey) {
  const std::string pem = Rsa().PublicKeyPem();
  ASSERT_THAT(pem, StartsWith("-----BEGIN PUBLIC KEY-----"));
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}};
  ExpectRefused(JwtIssuer::SignHs256(pem, header, Claims()),
                "JWT algorithm \"HS256\" is not accepted (RS256, ES256)");
  const std::string n = Rsa().PublicJwk()["n"];
  ExpectRefused(JwtIssuer::SignHs256(n, header, Claims()), "JWT algorithm \"HS256\"");
}

TEST_F(JwtVerifierTest, RefusesAnAlgorithmThatDoesNotMatchTheKey) {
  ExpectRefused(Rsa().Sign({{"alg", "ES256"}}, Claims()),
                "JWT algorithm \"ES256\" does not match key \"rsa-1\" (RSA)");
  ExpectRefused(Ec().Sign({{"alg", "RS256"}}, Claims()),
                "JWT algorithm \"RS256\" does not match key \"ec-1\" (EC P-256)");
  // An EC signature presented under the RSA key's kid.
  ExpectRefused(Ec().Sign({{"kid", "rsa-1"}, {"alg", "RS256"}}, Claims()),
                "JWT signature is invalid");
}

TEST_F(JwtVerifierTest, RefusesCriticalHeaderExtensions) {
  ExpectRefused(Rsa().Sign({{"crit", {"exp"}}, {"exp", 1}}, Claims()),
                "JWT header has critical extensions");
}

TEST_F(JwtVerifierTest, RefusesMalformedTokens) {
  const std::string token = Rsa().Sign({}, Claims());
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ExpectRefused("", "JWT is malformed");
  ExpectRefused("not-a-jwt", "JWT is malformed");
  ExpectRefused(absl::StrCat(parts[0], ".", parts[1]), "JWT is malformed");
  ExpectRefused(absl::StrCat(token, ".", parts[2]), "JWT is malformed");
  ExpectRefused(absl::StrCat("!!!!.", parts[1], ".", parts[2]), "JWT is malformed");
  ExpectRefused(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]), "JWT is malformed");
  ExpectRefused(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "="), "JWT is malformed");
  ExpectRefused(absl::StrCat(parts[0], ".", parts[1], "."), "JWT is malformed");
  ExpectRefused(absl::StrCat(JwtIssuer::Base64Url("{not json"), ".", parts[1], ".", parts[2]),
                "JWT is malformed");
  ExpectRefused(absl::StrCat(JwtIssuer::Base64Url("[1,2]"), ".", parts[1], ".", parts[2]),
                "JWT is malformed");
  // A well-signed payload that is not JSON.
  ExpectRefused(Rsa().Sign({}, "just a string"), "JWT is malformed");
  ExpectRefused(std::string(20000, 'a'), "JWT is longer than");
}

TEST(JwtVerifierJwksTest, LoadsAFile) {
  test_support::TempDir dir("jwt_verifier_test");
  const std::string path = dir.File("jwks.json");
  std::ofstream(path) << Ec().Jwks();
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::FromJwksFile(path, DefaultOptions());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE((*verifier)->Verify(Ec().Sign({}, Claims()), kNow).ok());

  absl::StatusOr<std::unique_ptr<JwtVerifier>> missing =
      JwtVerifier::FromJwksFile(dir.File("missing.json"), DefaultOptions());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("missing.json"));
}

TEST(JwtVerifierJwksTest, RefusesEmptyIssuerOrAudience) {
  JwtVerifier::Options options = DefaultOptions();
  options.issuer.clear();
  EXPECT_EQ(JwtVerifier::FromJwks(Rsa().Jwks(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = DefaultOptions();
  options.audience.clear();
  EXPECT_EQ(JwtVerifier::FromJwks(Rsa().Jwks(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// FromJwks of `jwks` fails with INVALID_ARGUMENT and a message containing `message`.
void ExpectBadJwks(const std::string& jwks, absl::string_view message) {
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::FromJwks(jwks, DefaultOptions());
  ASSERT_FALSE(verifier.ok()) << jwks;
  EXPECT_EQ(verifier.status().code(), absl::StatusCode::kInvalidArgument) << verifier.status();
  EXPECT_THAT(std::string(verifier.status().message()), HasSubstr(std::string(message)));
}

// The set {"keys": [good RSA key, `bad`]}, where `bad` is the EC key changed by `patch`.
std::string WithBadSecondKey(const json& patch) {
  json bad = Ec().PublicJwk();
  bad.merge_patch(patch);
  return json{{"keys", {Rsa().PublicJwk(), bad}}}.dump();
}

TEST(JwtVerifierJwksTest, RefusesBadSets) {
  ExpectBadJwks("", "JWKS is not valid JSON");
  ExpectBadJwks("{\"keys\": [", "JWKS is not valid JSON");
  ExpectBadJwks("[]", "\"keys\" array");
  ExpectBadJwks("{\"keys\": {}}", "\"keys\" array");
  ExpectBadJwks("{\"keys\": []}", "JWKS has no keys");
  ExpectBadJwks(WithBadSecondKey({{"kid", nullptr}}), "JWKS key 1: needs a non-empty \"kid\"");
  ExpectBadJwks(WithBadSecondKey({{"kid", ""}}), "JWKS key 1: needs a non-empty \"kid\"");
  ExpectBadJwks(WithBadSecondKey({{"kid", "rsa-1"}}),
                "JWKS key 1: \"kid\" \"rsa-1\" appears twice");
  ExpectBadJwks(WithBadSecondKey({{"use", "enc"}}), "JWKS key 1: \"use\" must be \"sig\"");
  ExpectBadJwks(WithBadSecondKey({{"kty", "oct"}, {"k", "c2VjcmV0"}}),
                "JWKS key 1: \"kty\" \"oct\" is not supported");
  ExpectBadJwks(WithBadSecondKey({{"kty", "OKP"}, {"crv", "Ed25519"}}),
                "JWKS key 1: \"kty\" \"OKP\" is not supported");
  ExpectBadJwks(WithBadSecondKey({{"crv", "P-384"}}), "JWKS key 1: \"crv\" must be \"P-256\"");
  ExpectBadJwks(WithBadSecondKey({{"alg", "ES384"}}), "JWKS key 1: \"alg\" of a EC key");
  ExpectBadJwks(WithBadSecondKey({{"alg", "RS256"}}), "JWKS key 1: \"alg\" of a EC key");
  ExpectBadJwks(WithBadSecondKey({{"x", "!!"}}), "JWKS key 1: \"x\" must be a base64url string");
  ExpectBadJwks(WithBadSecondKey({{"y", nullptr}}), "JWKS key 1: \"y\" must be a base64url");
  ExpectBadJwks(WithBadSecondKey({{"x", JwtIssuer::Base64Url("short")}}), "32 bytes");
  ExpectBadJwks(WithBadSecondKey({{"d", "AAAA"}}), "JWKS key 1: holds private key material");
  // A point that is not on the curve.
  ExpectBadJwks(WithBadSecondKey({{"y", JwtIssuer::Base64Url(std::string(32, '\x01'))}}),
                "JWKS key 1: OpenSSL does not accept the public key");

  json rsa = Rsa().PublicJwk();
  rsa["alg"] = "ES256";
  ExpectBadJwks(json{{"keys", {rsa}}}.dump(), "JWKS key 0: \"alg\" of a RSA key must be \"RS256\"");
  rsa = Rsa().PublicJwk();
  rsa.erase("e");
  ExpectBadJwks(json{{"keys", {rsa}}}.dump(), "JWKS key 0: \"e\" must be a base64url string");
  // A modulus of the right size that is not a product of two large primes: the real one made
  // odd and divisible by 3, which OpenSSL's small-factor check refuses every time.
  rsa = Rsa().PublicJwk();
  std::string n;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(rsa["n"].get<std::string>(), &n));
  int remainder = 0;
  for (unsigned char byte : n) remainder = (remainder * 256 + byte) % 3;
  // n -= remainder, then n -= 3 if that made it even; small enough never to shorten n.
  auto subtract = [&n](int value) {
    for (size_t i = n.size(); value > 0 && i-- > 0;) {
      int byte = static_cast<unsigned char>(n[i]) - value;
      value = byte < 0 ? 1 : 0;
      n[i] = static_cast<char>(byte < 0 ? byte + 256 : byte);
    }
  };
  subtract(remainder);
  if ((static_cast<unsigned char>(n.back()) & 1) == 0) subtract(3);
  rsa["n"] = JwtIssuer::Base64Url(n);
  ExpectBadJwks(json{{"keys", {rsa}}}.dump(), "JWKS key 0: the public key is not valid");
  // A genuine key that is too small.
  ExpectBadJwks(JwtIssuer::Rsa("small", 1024).Jwks(),
                "JWKS key 0: RSA modulus of 1024 bits is outside 2048 to 8192");
}

}  // namespace
}  // namespace paritrana
