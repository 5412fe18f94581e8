// Identity against a real registry server: bearer JWTs verified against a JWKS file (and the
// reason of each refusal), static tokens beside them, region scope on writes and NIK reads, and
// what --production refuses. Client certificates are tested with real certificates in
// cli_tls_test.sh.
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "platform/errors.h"
#include "security/auth.h"
#include "tests/support/jwt_issuer.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

namespace rv1 = registry::v1;
using test_support::JwtIssuer;

constexpr char kIssuer[] = "https://sso.example.go.id";
constexpr char kAudience[] = "paritrana";
constexpr char kNationalToken[] = "tok-national-registrar-01";

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

class IdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new JwtIssuer(JwtIssuer::Rsa("rsa-1"));
    ec_ = new JwtIssuer(JwtIssuer::Ec("ec-1"));
    stranger_ = new JwtIssuer(JwtIssuer::Ec("stranger"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete stranger_;
  }

  void SetUp() override {
    WriteFile(dir_.File("jwks.json"), JwtIssuer::JwksOf({rsa_, ec_}), 0644);
    WriteFile(dir_.File("tokens.txt"),
              absl::StrCat("registrar,pii_reader ", kNationalToken, " national-officer\n"), 0600);
    AuthOptions o;
    o.jwks_file = dir_.File("jwks.json");
    o.jwt_issuer = kIssuer;
    o.jwt_audience = kAudience;
    o.tokens_file = dir_.File("tokens.txt");
    auto auth = Authorizer::FromOptions(o);
    ASSERT_TRUE(auth.ok()) << auth.status();
    auto registry = test_support::RegistryUnderTest::Start(dir_.path(), "", *std::move(auth));
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    stub_ = rv1::RegistryService::NewStub(
        grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials()));
  }

  // A JWT of `issuer` for `subject` with `roles` and `regions`, valid for an hour.
  static std::string Jwt(const JwtIssuer& issuer, const std::string& subject,
                         std::vector<std::string> roles, std::vector<std::string> regions = {}) {
    return issuer.Token(subject, roles, regions, kIssuer, kAudience, absl::Now() + absl::Hours(1));
  }

  grpc::Status GetRegion(const std::string& bearer) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
    rv1::GetRegionRequest req;
    req.set_name("regions/15");
    rv1::Region region;
    return stub_->GetRegion(&ctx, req, &region);
  }

  // Creates participant 24000000000 + n domiciled in `region` as `bearer`.
  grpc::Status CreateParticipant(const std::string& bearer, int n, const std::string& region) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
    rv1::CreateParticipantRequest req;
    req.set_participant_id(absl::StrFormat("%011d", 24000000000LL + n));
    req.mutable_participant()->set_nik(absl::StrFormat("157101010190%04d", n + 1));
    req.mutable_participant()->set_display_name("Pekerja");
    req.mutable_participant()->set_sex(rv1::SEX_MALE);
    req.mutable_participant()->mutable_birth_date()->set_year(1990);
    req.mutable_participant()->mutable_birth_date()->set_month(1);
    req.mutable_participant()->mutable_birth_date()->set_day(1);
    req.mutable_participant()->set_domicile_region(region);
    rv1::Participant out;
    return stub_->CreateParticipant(&ctx, req, &out);
  }

  grpc::Status FindByNik(const std::string& bearer, int n) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
    rv1::FindParticipantByNikRequest req;
    req.set_nik(absl::StrFormat("157101010190%04d", n + 1));
    rv1::Participant out;
    return stub_->FindParticipantByNik(&ctx, req, &out);
  }

  static void ExpectUnauthenticated(const grpc::Status& s, absl::string_view reason) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), reason))
        << "\"" << s.error_message() << "\" does not say " << reason;
  }

  static JwtIssuer* rsa_;
  static JwtIssuer* ec_;
  static JwtIssuer* stranger_;
  test_support::TempDir dir_{"identity"};
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<rv1::RegistryService::Stub> stub_;
};

JwtIssuer* IdentityTest::rsa_ = nullptr;
JwtIssuer* IdentityTest::ec_ = nullptr;
JwtIssuer* IdentityTest::stranger_ = nullptr;

TEST_F(IdentityTest, JwtsOfBothAlgorithmsAndStaticTokensAreAccepted) {
  EXPECT_TRUE(GetRegion(Jwt(*rsa_, "ana@bappeda.jambiprov.go.id", {"analyst"})).ok());
  EXPECT_TRUE(GetRegion(Jwt(*ec_, "ana@bappeda.jambiprov.go.id", {"analyst"})).ok());
  EXPECT_TRUE(GetRegion(kNationalToken).ok());
}

TEST_F(IdentityTest, EachBadJwtIsRefusedWithItsReason) {
  const absl::Time hour_ago = absl::Now() - absl::Hours(1);
  ExpectUnauthenticated(
      GetRegion(rsa_->Token("ana", {"analyst"}, {}, kIssuer, kAudience, hour_ago)), "expired");
  ExpectUnauthenticated(GetRegion(rsa_->Token("ana", {"analyst"}, {}, kIssuer, "another-app",
                                              absl::Now() + absl::Hours(1))),
                        "audience");
  ExpectUnauthenticated(GetRegion(rsa_->Token("ana", {"analyst"}, {}, "https://evil.example",
                                              kAudience, absl::Now() + absl::Hours(1))),
                        "issuer");
  ExpectUnauthenticated(GetRegion(Jwt(*stranger_, "ana", {"analyst"})), "key id");
  // A good token with a character of its signature changed (not the last one, whose low bits
  // base64url decoding may ignore).
  std::string tampered = Jwt(*rsa_, "ana", {"analyst"});
  char& c = tampered[tampered.rfind('.') + 10];
  c = c == 'A' ? 'B' : 'A';
  ExpectUnauthenticated(GetRegion(tampered), "signature");
  // The same claims unsigned ("alg": "none") and signed with HMAC keyed by the public key.
  const nlohmann::json claims = {{"sub", "ana"},
                                 {"roles", {"admin"}},
                                 {"iss", kIssuer},
                                 {"aud", kAudience},
                                 {"exp", absl::ToUnixSeconds(absl::Now()) + 3600}};
  ExpectUnauthenticated(GetRegion(JwtIssuer::Unsigned({{"alg", "none"}, {"kid", "rsa-1"}}, claims)),
                        "none");
  ExpectUnauthenticated(GetRegion(JwtIssuer::SignHs256(
                            rsa_->PublicKeyPem(), {{"alg", "HS256"}, {"kid", "rsa-1"}}, claims)),
                        "HS256");
  ExpectUnauthenticated(GetRegion(Jwt(*rsa_, "ana", {"superuser"})), "superuser");
}

TEST_F(IdentityTest, ARegionScopedRegistrarWritesOnlyInItsRegion) {
  const std::string bungo = Jwt(*ec_, "officer@bungo.go.id", {"registrar"}, {"15.08"});
  EXPECT_TRUE(CreateParticipant(bungo, 1, "regions/15.08").ok());
  grpc::Status outside = CreateParticipant(bungo, 2, "regions/15.04");
  EXPECT_EQ(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED) << outside.error_message();
  EXPECT_TRUE(absl::StrContains(outside.error_message(), "15.04")) << outside.error_message();
  // The national officer writes anywhere; the Bungo officer may not move that person to Bungo's
  // neighbour nor touch them.
  EXPECT_TRUE(CreateParticipant(kNationalToken, 3, "regions/15.04").ok());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", bungo));
  rv1::UpdateParticipantRequest move;
  move.mutable_participant()->set_name("participants/24000000003");
  move.mutable_participant()->set_domicile_region("regions/15.08");
  move.mutable_update_mask()->add_paths("domicile_region");
  rv1::Participant moved;
  grpc::Status s = stub_->UpdateParticipant(&ctx, move, &moved);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "15.04")) << s.error_message();
}

TEST_F(IdentityTest, ARegionScopedPiiReaderReadsNiksOnlyInItsRegion) {
  ASSERT_TRUE(CreateParticipant(kNationalToken, 1, "regions/15.08").ok());
  ASSERT_TRUE(CreateParticipant(kNationalToken, 2, "regions/15.04").ok());
  const std::string bungo = Jwt(*rsa_, "pii@bungo.go.id", {"pii_reader"}, {"15.08"});
  EXPECT_TRUE(FindByNik(bungo, 1).ok());
  grpc::Status s = FindByNik(bungo, 2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "15.04")) << s.error_message();
  EXPECT_TRUE(FindByNik(kNationalToken, 2).ok());
}

TEST(IdentityOptionsTest, ProductionRefusesStaticTokensAndAuthenticationOff) {
  test_support::TempDir dir("identity-options");
  WriteFile(dir.File("tokens.txt"), "analyst tok-analyst-0000000001\n", 0600);
  AuthOptions o;
  o.production = true;
  absl::Status off = Authorizer::FromOptions(o).status();
  EXPECT_EQ(off.code(), absl::StatusCode::kFailedPrecondition) << off;
  EXPECT_TRUE(absl::StrContains(off.message(), "authentication off")) << off;
  o.tokens_file = dir.File("tokens.txt");
  absl::Status tokens = Authorizer::FromOptions(o).status();
  EXPECT_EQ(tokens.code(), absl::StatusCode::kFailedPrecondition) << tokens;
  EXPECT_TRUE(absl::StrContains(tokens.message(), "--tokens_file")) << tokens;
  o.production = false;
  EXPECT_TRUE(Authorizer::FromOptions(o).ok());
}

TEST(IdentityOptionsTest, SecretFilesReadableByOthersAreRefused) {
  test_support::TempDir dir("identity-options");
  WriteFile(dir.File("tokens.txt"), "analyst tok-analyst-0000000001\n", 0644);
  WriteFile(dir.File("certificates.txt"), "client-a svc-a analyst\n", 0640);
  AuthOptions tokens;
  tokens.tokens_file = dir.File("tokens.txt");
  absl::Status s = Authorizer::FromOptions(tokens).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "0644")) << s;
  AuthOptions certificates;
  certificates.client_certificates_file = dir.File("certificates.txt");
  s = Authorizer::FromOptions(certificates).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "0640")) << s;
}

}  // namespace
}  // namespace paritrana
