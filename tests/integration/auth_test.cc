// Authentication and role checks: the tokens file parser (principals, regions, file modes), the
// roles of Caller and the access table, and the whole path through a real gRPC server, from the
// client's metadata to the caller the handler sees and the ErrorInfo the client decodes.
#include "security/auth.h"

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "security/access_policy.h"
#include "security/caller.h"
#include "tests/support/echo.grpc.pb.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

using paritrana::testsupport::v1::EchoRequest;
using paritrana::testsupport::v1::EchoResponse;

constexpr char kRegistrarToken[] = "reg-3f9a1c7e5b2d4a60";
constexpr char kAnalystToken[] = "ana-8c1e4f2a9d7b3e51";
constexpr char kAdminToken[] = "adm-5d2b8e1f7a4c9e36";
constexpr char kPiiToken[] = "pii-1b7d3f9e5a2c8e40";
constexpr char kJuryToken[] = "jury-0a7e3c9f1b5d2e84";
// `token-` and the first 12 hex digits of SHA-256("ana-8c1e4f2a9d7b3e51") (sha256sum).
constexpr char kAnalystDefaultId[] = "token-6a2a3660880f";

constexpr char kTokensFile[] = R"(# Paritrana tokens: ROLE[,ROLE...] TOKEN [PRINCIPAL [REGION,...]]

registrar reg-3f9a1c7e5b2d4a60 bpjs-jambi 15,14.71  # BPJS branches Jambi and Pekanbaru
analyst   ana-8c1e4f2a9d7b3e51	# dashboard (tab before the comment; no principal)
  # an indented comment
admin adm-5d2b8e1f7a4c9e36 ops-admin
pii_reader pii-1b7d3f9e5a2c8e40 dpo
analyst,assessor jury-0a7e3c9f1b5d2e84 siti
)";

std::string Bearer(absl::string_view token) { return absl::StrCat("Bearer ", token); }

// What GuardedEcho may be asked to check, by the request's text.
struct NamedAccess {
  const char* name;
  Access access;
};
constexpr NamedAccess kAccesses[] = {
    {"any_role", Access::kAnyRole},
    {"personal_read", Access::kPersonalRead},
    {"pii_read", Access::kPiiRead},
    {"registry_write", Access::kRegistryWrite},
    {"pii_write", Access::kPiiWrite},
    {"assess", Access::kAssess},
    {"assessment_read", Access::kAssessmentRead},
    {"award_admin", Access::kAwardAdmin},
    {"audit", Access::kAudit},
};

// A service whose one method checks what the request text names and answers with the caller it
// saw: "none" authenticates only; "package.Service/Method" admits the call as that method of the
// access table (Authorizer::Admit); any other text is an Access from kAccesses (CheckAccess).
class GuardedEcho final : public paritrana::testsupport::v1::EchoService::CallbackService {
 public:
  explicit GuardedEcho(const Authorizer& auth) : auth_(auth) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(Handle(*context, request->text(), *response)));
    return reactor;
  }

 private:
  absl::Status Handle(const grpc::ServerContextBase& context, const std::string& check,
                      EchoResponse& response) {
    absl::StatusOr<Caller> caller = check.find('/') != std::string::npos
                                        ? auth_.Admit(context, check)
                                        : auth_.Authenticate(context);
    if (!caller.ok()) return caller.status();
    if (check != "none" && check.find('/') == std::string::npos) {
      const NamedAccess* named = nullptr;
      for (const NamedAccess& a : kAccesses) {
        if (check == a.name) named = &a;
      }
      if (named == nullptr) return absl::InvalidArgumentError("unknown check " + check);
      PARITRANA_RETURN_IF_ERROR(CheckAccess(*caller, named->access));
    }
    std::vector<absl::string_view> roles;
    for (Role r : caller->roles) roles.push_back(RoleName(r));
    response.set_text(absl::StrCat("id=", caller->id, " how=", AuthMethodName(caller->how),
                                   " roles=", absl::StrJoin(roles, ","),
                                   " regions=", absl::StrJoin(caller->regions, ","),
                                   " pii=", caller->can_read_pii()));
    return absl::OkStatus();
  }

  const Authorizer& auth_;
};

ServerOptions TestOptions() {
  ServerOptions o;
  o.service_name = "paritrana.testsupport.v1.EchoService";
  o.drain_grace = absl::ZeroDuration();
  o.shutdown_deadline = absl::Seconds(5);
  o.health_interval = absl::Hours(1);
  return o;
}

// A file with `mode` in a temporary folder of its own, both removed at the end of the test.
class TempFile final {
 public:
  explicit TempFile(const std::string& content, mode_t mode = 0600) : path_(dir_.File("tokens")) {
    std::ofstream(path_) << content;
    EXPECT_EQ(::chmod(path_.c_str(), mode), 0) << path_;
  }
  const std::string& path() const { return path_; }

 private:
  test_support::TempDir dir_{"auth_test"};
  std::string path_;
};

absl::StatusOr<std::unique_ptr<Authorizer>> FromTokensFile(const std::string& path,
                                                           bool production = false) {
  AuthOptions options;
  options.tokens_file = path;
  options.production = production;
  return Authorizer::FromOptions(options);
}

// Restores the flags a test sets when it ends, so tests do not leak settings into each other.
class FlagSaver final {
 public:
  FlagSaver()
      : tokens_file_(absl::GetFlag(FLAGS_tokens_file)), token_(absl::GetFlag(FLAGS_token)) {}
  ~FlagSaver() {
    absl::SetFlag(&FLAGS_tokens_file, tokens_file_);
    absl::SetFlag(&FLAGS_token, token_);
  }

 private:
  std::string tokens_file_;
  std::string token_;
};

// A real server with GuardedEcho behind `auth`, and a client for it.
class AuthServer {
 public:
  explicit AuthServer(std::unique_ptr<Authorizer> auth) : auth_(std::move(auth)), service_(*auth_) {
    auto host = ServiceHost::Start(TestOptions(), {&service_});
    EXPECT_TRUE(host.ok()) << host.status();
    if (host.ok()) host_ = std::move(*host);
    stub_ = paritrana::testsupport::v1::EchoService::NewStub(grpc::CreateChannel(
        host_ ? host_->address() : "127.0.0.1:1", grpc::InsecureChannelCredentials()));
  }

  // Calls Echo asking for `check`, with `authorization` metadata unless it is empty.
  absl::StatusOr<std::string> Call(const std::string& check,
                                   const std::string& authorization = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    return Finish(ctx, check);
  }

  // Calls Echo with whatever AttachToken adds.
  absl::StatusOr<std::string> CallWithAttachedToken(const std::string& check) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    AttachToken(ctx);
    return Finish(ctx, check);
  }

 private:
  absl::StatusOr<std::string> Finish(grpc::ClientContext& ctx, const std::string& check) {
    EchoRequest req;
    req.set_text(check);
    EchoResponse resp;
    absl::Status s = FromGrpcStatus(stub_->Echo(&ctx, req, &resp));
    if (!s.ok()) return s;
    return resp.text();
  }

  std::unique_ptr<Authorizer> auth_;
  GuardedEcho service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<paritrana::testsupport::v1::EchoService::Stub> stub_;
};

std::string Reason(const absl::Status& status) {
  auto info = GetErrorInfo(status);
  return info ? info->reason() : "(no ErrorInfo)";
}

std::string RequiredRole(const absl::Status& status) {
  auto info = GetErrorInfo(status);
  if (!info.has_value() || !info->metadata().contains("required_role")) return "(none)";
  return info->metadata().at("required_role");
}

Caller MakeCaller(std::set<Role> roles, AuthMethod how = AuthMethod::kStaticToken,
                  std::set<std::string> regions = {}) {
  Caller c;
  c.id = "someone";
  c.roles = std::move(roles);
  c.regions = std::move(regions);
  c.how = how;
  return c;
}

constexpr char kFindByNik[] = "paritrana.registry.v1.RegistryService/FindParticipantByNik";
constexpr char kCreateParticipant[] = "paritrana.registry.v1.RegistryService/CreateParticipant";
constexpr char kGetParticipant[] = "paritrana.registry.v1.RegistryService/GetParticipant";
constexpr char kCreateRubric[] = "paritrana.award.v1.AwardService/CreateRubric";

TEST(AuthTokensFileTest, ParsesRolesPrincipalsRegionsCommentsAndBlankLines) {
  TempFile file(kTokensFile);
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = FromTokensFile(file.path());
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_TRUE((*auth)->enabled());
  AuthServer server(std::move(*auth));
  // The third field is the principal id, the fourth the regions (sorted, deduplicated).
  absl::StatusOr<std::string> r = server.Call("none", Bearer(kRegistrarToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "id=bpjs-jambi how=token roles=registrar regions=14.71,15 pii=0");
  // Without a principal the id derives from the token's hash; without regions: national.
  r = server.Call("none", Bearer(kAnalystToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, absl::StrCat("id=", kAnalystDefaultId, " how=token roles=analyst regions= pii=0"));
  r = server.Call("none", Bearer(kJuryToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "id=siti how=token roles=analyst,assessor regions= pii=0");
}

TEST(AuthTokensFileTest, BadLinesNameTheLineNumberAndNeverTheToken) {
  constexpr char kSecret[] = "s3cr3t-0a7e3c9f1b5d2e84";
  struct Case {
    std::string text;
    int line;
    std::string says;
  };
  const Case cases[] = {
      {absl::StrCat("# header\nregistrar ", kSecret, "\nregistrar\n"), 3, "found 1 field"},
      {absl::StrCat("\n\nsuperuser ", kSecret, "\n"), 3, "unknown role"},
      {absl::StrCat("registrar,wizard ", kSecret, "\n"), 1, "unknown role"},
      {absl::StrCat("registrar, ", kSecret, "\n"), 1, "unknown role"},  // empty role
      {absl::StrCat(kSecret, " registrar\n"), 1, "unknown role"},       // columns swapped
      {absl::StrCat("analyst ", kSecret, " p 15 extra\n"), 1, "found 5 fields"},
      {"analyst s3cr3t-tiny\n", 1, "shorter than 16"},
      {absl::StrCat("analyst ", kSecret, "\nadmin ", kSecret, "\n"), 2,
       "repeats the one on line 1"},
      {absl::StrCat("analyst ", kSecret, " ", std::string(129, 'p'), "\n"), 1,
       "a principal id has 1 to 128 characters"},
      {absl::StrCat("registrar ", kSecret, " jambi 15,Jambi\n"), 1, "is not a region code"},
      {absl::StrCat("registrar ", kSecret, " jambi 15,,14\n"), 1, "is not a region code"},
      {"\n# only comments\n", 0, "has no token"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromTokensText(c.text, "t.txt");
    ASSERT_FALSE(auth.ok()) << c.text;
    const std::string message(auth.status().message());
    EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument) << message;
    if (c.line > 0) {
      EXPECT_NE(message.find(absl::StrCat("line ", c.line, ":")), std::string::npos) << message;
    }
    EXPECT_NE(message.find(c.says), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  }
}

TEST(AuthTokensFileTest, MissingFileIsAnError) {
  absl::StatusOr<std::unique_ptr<Authorizer>> auth =
      FromTokensFile("/nonexistent/paritrana/tokens");
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find("--tokens_file"), std::string::npos) << auth.status();
}

// A tokens file any other local account can read gives its tokens away.
TEST(AuthTokensFileTest, FileReadableByGroupOrOthersIsRefused) {
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    TempFile file(kTokensFile, mode);
    absl::StatusOr<std::unique_ptr<Authorizer>> auth = FromTokensFile(file.path());
    ASSERT_FALSE(auth.ok()) << std::oct << mode;
    EXPECT_EQ(auth.status().code(), absl::StatusCode::kFailedPrecondition) << auth.status();
    const std::string message(auth.status().message());
    EXPECT_NE(message.find("--tokens_file"), std::string::npos) << message;
    EXPECT_NE(message.find(file.path()), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
    EXPECT_EQ(message.find(kAdminToken), std::string::npos) << message;
  }
  for (mode_t mode : {0600, 0400}) {
    TempFile file(kTokensFile, mode);
    absl::StatusOr<std::unique_ptr<Authorizer>> auth = FromTokensFile(file.path());
    EXPECT_TRUE(auth.ok()) << std::oct << mode << ": " << auth.status();
  }
}

TEST(AuthTokensFileTest, ProductionRefusesStaticTokensAndAuthenticationOff) {
  TempFile file(kTokensFile);
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = FromTokensFile(file.path(), true);
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kFailedPrecondition) << auth.status();
  EXPECT_NE(auth.status().message().find("--tokens_file"), std::string::npos) << auth.status();

  AuthOptions off;
  off.production = true;
  EXPECT_EQ(Authorizer::FromOptions(off).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AuthCallerTest, AdminHoldsEveryRoleButPiiReaderAndAuditor) {
  const Caller admin = MakeCaller({Role::kAdmin});
  for (Role role :
       {Role::kRegistrar, Role::kAnalyst, Role::kAssessor, Role::kAwardAdmin, Role::kAdmin}) {
    EXPECT_TRUE(admin.has(role)) << RoleName(role);
  }
  EXPECT_FALSE(admin.has(Role::kPiiReader));
  EXPECT_FALSE(admin.has(Role::kAuditor));
  EXPECT_FALSE(admin.can_read_pii());
  EXPECT_TRUE(CheckAccess(admin, Access::kRegistryWrite).ok());
  EXPECT_TRUE(CheckAccess(admin, Access::kAwardAdmin).ok());
  EXPECT_TRUE(CheckAccess(admin, Access::kAssess).ok());
  EXPECT_TRUE(CheckAccess(admin, Access::kPersonalRead).ok());
  EXPECT_EQ(RequiredRole(CheckAccess(admin, Access::kPiiRead)), "pii_reader");
  EXPECT_EQ(RequiredRole(CheckAccess(admin, Access::kAudit)), "auditor");
  EXPECT_EQ(RequiredRole(CheckAccess(admin, Access::kPiiWrite)), "registrar+pii_reader");

  // Only a proved pii_reader sees NIKs.
  EXPECT_TRUE(MakeCaller({Role::kPiiReader}).can_read_pii());
  EXPECT_TRUE(MakeCaller({Role::kPiiReader}, AuthMethod::kJwt).can_read_pii());
  EXPECT_FALSE(MakeCaller({Role::kPiiReader}, AuthMethod::kNone).can_read_pii());
  EXPECT_FALSE(MakeCaller({Role::kRegistrar}).can_read_pii());
  EXPECT_TRUE(CheckAccess(MakeCaller({Role::kPiiReader}), Access::kPiiRead).ok());
  EXPECT_TRUE(
      CheckAccess(MakeCaller({Role::kRegistrar, Role::kPiiReader}), Access::kPiiWrite).ok());
  EXPECT_TRUE(CheckAccess(MakeCaller({Role::kAdmin, Role::kPiiReader}), Access::kPiiWrite).ok());

  // An award_admin runs the award but does not write the registry or score as a juror.
  const Caller award_admin = MakeCaller({Role::kAwardAdmin});
  EXPECT_TRUE(CheckAccess(award_admin, Access::kAwardAdmin).ok());
  EXPECT_TRUE(CheckAccess(award_admin, Access::kAssessmentRead).ok());
  EXPECT_EQ(RequiredRole(CheckAccess(award_admin, Access::kAssess)), "assessor");
  EXPECT_EQ(RequiredRole(CheckAccess(award_admin, Access::kRegistryWrite)), "registrar");
  EXPECT_EQ(RequiredRole(CheckAccess(award_admin, Access::kPersonalRead)),
            "registrar,pii_reader,analyst");

  const Caller analyst = MakeCaller({Role::kAnalyst});
  EXPECT_TRUE(CheckAccess(analyst, Access::kPersonalRead).ok());
  absl::Status denied = CheckAccess(analyst, Access::kAssessmentRead);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(denied), "PERMISSION_DENIED");
  EXPECT_EQ(RequiredRole(denied), "assessor,award_admin");
  // The auditor reads the trail and whatever any role may read, nothing personal.
  const Caller auditor = MakeCaller({Role::kAuditor});
  EXPECT_TRUE(CheckAccess(auditor, Access::kAudit).ok());
  EXPECT_TRUE(CheckAccess(auditor, Access::kAnyRole).ok());
  EXPECT_FALSE(CheckAccess(auditor, Access::kPersonalRead).ok());
}

TEST(AuthCallerTest, RegionScopeCoversRegionsBelow) {
  const Caller national = MakeCaller({Role::kRegistrar});
  EXPECT_TRUE(national.Covers("regions/31"));
  const Caller jambi = MakeCaller({Role::kRegistrar}, AuthMethod::kStaticToken, {"15", "14.71"});
  EXPECT_TRUE(jambi.Covers("15"));
  EXPECT_TRUE(jambi.Covers("regions/15.08.01.2001"));
  EXPECT_TRUE(jambi.Covers("regions/14.71"));
  EXPECT_FALSE(jambi.Covers("regions/14"));     // the province above a regency in scope
  EXPECT_FALSE(jambi.Covers("regions/14.72"));  // a sibling
  EXPECT_FALSE(jambi.Covers("150"));            // a prefix of digits is not a region below
  absl::Status out = jambi.CheckRegion("regions/31.71");
  EXPECT_EQ(out.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(out), "REGION_OUT_OF_SCOPE");
  EXPECT_EQ(GetErrorInfo(out)->metadata().at("region"), "31.71");
  EXPECT_NE(out.message().find("31.71"), std::string::npos) << out;
}

TEST(AuthAccessTableTest, EveryMethodHasOneRuleAndUnknownMethodsNone) {
  std::set<std::string> seen;
  for (const MethodAccess& m : AccessTable()) {
    EXPECT_TRUE(seen.insert(std::string(m.method)).second) << m.method << " listed twice";
    absl::StatusOr<Access> access = AccessOf(m.method);
    ASSERT_TRUE(access.ok()) << m.method;
    EXPECT_EQ(*access, m.access) << m.method;
  }
  EXPECT_EQ(*AccessOf(kFindByNik), Access::kPiiRead);
  EXPECT_EQ(*AccessOf(kGetParticipant), Access::kPersonalRead);
  EXPECT_EQ(*AccessOf(kCreateRubric), Access::kAwardAdmin);
  EXPECT_EQ(AccessOf("paritrana.registry.v1.RegistryService/DropEverything").status().code(),
            absl::StatusCode::kNotFound);
}

class AuthOnTest : public testing::Test {
 protected:
  AuthOnTest() : server_(MustParse()) {}

  static std::unique_ptr<Authorizer> MustParse() {
    auto auth = Authorizer::FromTokensText(kTokensFile, "test");
    EXPECT_TRUE(auth.ok()) << auth.status();
    return auth.ok() ? std::move(*auth) : Authorizer::Disabled();
  }

  AuthServer server_;
};

TEST_F(AuthOnTest, NoTokenIsUnauthenticated) {
  absl::StatusOr<std::string> r = server_.Call("any_role");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Reason(r.status()), "UNAUTHENTICATED");
  // Admit authenticates before it looks at the method.
  EXPECT_EQ(server_.Call(kGetParticipant).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthOnTest, WrongOrMalformedTokenIsUnauthenticated) {
  for (const std::string& authorization :
       {std::string("Bearer not-a-known-token-at-all"), std::string("Bearer "),
        absl::StrCat("Basic ", kAnalystToken), std::string(kAnalystToken),
        absl::StrCat("Bearer ", kAnalystToken, "x")}) {
    absl::StatusOr<std::string> r = server_.Call("any_role", authorization);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << authorization;
    EXPECT_EQ(Reason(r.status()), "UNAUTHENTICATED") << authorization;
    EXPECT_EQ(r.status().message().find("known-token"), std::string::npos);
    EXPECT_EQ(r.status().message().find(kAnalystToken), std::string::npos);
  }
}

TEST_F(AuthOnTest, AnalystCannotWriteButReadsParticipantsMasked) {
  absl::StatusOr<std::string> r = server_.Call(kCreateParticipant, Bearer(kAnalystToken));
  ASSERT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << r.status();
  auto info = GetErrorInfo(r.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "PERMISSION_DENIED");
  EXPECT_EQ(info->domain(), kErrorDomain);
  EXPECT_EQ(info->metadata().at("required_role"), "registrar");
  EXPECT_NE(r.status().message().find("registrar"), std::string::npos) << r.status();

  // The same token may read participants, with the NIK masked.
  absl::StatusOr<std::string> ok = server_.Call(kGetParticipant, Bearer(kAnalystToken));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, absl::StrCat("id=", kAnalystDefaultId, " how=token roles=analyst regions= pii=0"));
  EXPECT_EQ(RequiredRole(server_.Call(kFindByNik, Bearer(kAnalystToken)).status()), "pii_reader");
}

TEST_F(AuthOnTest, RegistrarWritesButSeesNoNik) {
  absl::StatusOr<std::string> r = server_.Call(kCreateParticipant, Bearer(kRegistrarToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "id=bpjs-jambi how=token roles=registrar regions=14.71,15 pii=0");
  // The scheme is case-insensitive.
  EXPECT_TRUE(server_.Call(kCreateParticipant, absl::StrCat("bearer ", kRegistrarToken)).ok());
  absl::Status denied = server_.Call(kFindByNik, Bearer(kRegistrarToken)).status();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied) << denied;
  EXPECT_EQ(RequiredRole(denied), "pii_reader");
}

TEST_F(AuthOnTest, PiiReaderFindsByNikAndWritesNothing) {
  absl::StatusOr<std::string> r = server_.Call(kFindByNik, Bearer(kPiiToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "id=dpo how=token roles=pii_reader regions= pii=1");
  EXPECT_TRUE(server_.Call(kGetParticipant, Bearer(kPiiToken)).ok());
  EXPECT_EQ(RequiredRole(server_.Call(kCreateParticipant, Bearer(kPiiToken)).status()),
            "registrar");
  EXPECT_EQ(RequiredRole(server_.Call("pii_write", Bearer(kPiiToken)).status()),
            "registrar+pii_reader");
}

TEST_F(AuthOnTest, AdminPassesEveryCheckButPiiAndAudit) {
  for (const char* check :
       {"any_role", "personal_read", "registry_write", "assess", "assessment_read", "award_admin",
        kCreateParticipant, kGetParticipant, kCreateRubric}) {
    absl::StatusOr<std::string> r = server_.Call(check, Bearer(kAdminToken));
    ASSERT_TRUE(r.ok()) << check << ": " << r.status();
    EXPECT_EQ(*r, "id=ops-admin how=token roles=admin regions= pii=0");
  }
  for (const char* check : {"pii_read", "pii_write", "audit", kFindByNik}) {
    absl::StatusOr<std::string> r = server_.Call(check, Bearer(kAdminToken));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << check;
    EXPECT_EQ(Reason(r.status()), "PERMISSION_DENIED") << check;
  }
}

TEST_F(AuthOnTest, MultipleRolesOnOneToken) {
  const std::string bearer = Bearer(kJuryToken);
  EXPECT_TRUE(server_.Call("assess", bearer).ok());
  EXPECT_TRUE(server_.Call("personal_read", bearer).ok());
  EXPECT_EQ(server_.Call("registry_write", bearer).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(server_.Call(kCreateRubric, bearer).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AuthOnTest, AMethodOutsideTheTableIsNeverServed) {
  absl::StatusOr<std::string> r =
      server_.Call("paritrana.registry.v1.RegistryService/DropEverything", Bearer(kAdminToken));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
}

TEST_F(AuthOnTest, AttachTokenSendsTheTokenFlag) {
  FlagSaver saver;
  absl::SetFlag(&FLAGS_token, "");
  EXPECT_EQ(server_.CallWithAttachedToken("registry_write").status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::SetFlag(&FLAGS_token, kRegistrarToken);
  absl::StatusOr<std::string> r = server_.CallWithAttachedToken("registry_write");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "id=bpjs-jambi how=token roles=registrar regions=14.71,15 pii=0");
}

TEST(AuthFromFlagsTest, TokensFileFlagTurnsAuthenticationOn) {
  FlagSaver saver;
  TempFile file(kTokensFile);
  absl::SetFlag(&FLAGS_tokens_file, file.path());
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromFlags();
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_TRUE((*auth)->enabled());
  AuthServer server(std::move(*auth));
  EXPECT_EQ(server.Call("any_role").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(server.Call("any_role", Bearer(kAnalystToken)).ok());
}

TEST(AuthFromFlagsTest, WorldReadableTokensFileFlagIsRefused) {
  FlagSaver saver;
  TempFile file(kTokensFile, 0644);
  absl::SetFlag(&FLAGS_tokens_file, file.path());
  EXPECT_EQ(Authorizer::FromFlags().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AuthFromFlagsTest, EmptyTokensFileTurnsAuthenticationOff) {
  FlagSaver saver;
  absl::SetFlag(&FLAGS_tokens_file, "");
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromFlags();
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE((*auth)->enabled());
  AuthServer server(std::move(*auth));

  // Every caller is `anonymous` with the role admin: it may write and run the award...
  constexpr char kAnonymous[] = "id=anonymous how=none roles=admin regions= pii=0";
  for (const char* check : {"registry_write", "personal_read", "assess", "award_admin",
                            kCreateParticipant, kCreateRubric}) {
    absl::StatusOr<std::string> r = server.Call(check);
    ASSERT_TRUE(r.ok()) << check << ": " << r.status();
    EXPECT_EQ(*r, kAnonymous);
  }
  // ...but sees no NIK and no audit trail, since anyone could be calling.
  for (const char* check : {"pii_read", "audit", kFindByNik}) {
    EXPECT_EQ(server.Call(check).status().code(), absl::StatusCode::kPermissionDenied) << check;
  }
  // A token proves nothing when there is nothing to check it against.
  absl::StatusOr<std::string> r = server.Call("none", Bearer(kPiiToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, kAnonymous);
}

}  // namespace
}  // namespace paritrana
