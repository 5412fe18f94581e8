// Bearer-token authentication and role checks: the tokens file parser, and the whole path through
// a real gRPC server, from the client's metadata to the ErrorInfo the client decodes.
#include "security/auth.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "platform/server.h"
#include "tests/support/echo.grpc.pb.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

using paritrana::testsupport::v1::EchoRequest;
using paritrana::testsupport::v1::EchoResponse;

constexpr char kRegistrarToken[] = "reg-3f9a1c7e5b2d4a60";
constexpr char kAnalystToken[] = "ana-8c1e4f2a9d7b3e51";
constexpr char kAdminToken[] = "adm-5d2b8e1f7a4c9e36";

constexpr char kTokensFile[] = R"(# Paritrana tokens: ROLE[,ROLE...] TOKEN [# comment]

registrar reg-3f9a1c7e5b2d4a60   # BPJS branch Jambi
analyst   ana-8c1e4f2a9d7b3e51	# dashboard (tab before the comment)
  # an indented comment
admin adm-5d2b8e1f7a4c9e36
analyst,assessor jury-0a7e3c9f1b5d2e84
)";

// A service whose one method asks for the role named in the request text ("registrar",
// "analyst", ...; "any" asks for none) and answers with what it learnt about the caller.
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
  absl::Status Handle(const grpc::ServerContextBase& context, const std::string& required,
                      EchoResponse& response) {
    absl::StatusOr<Caller> caller = auth_.Authenticate(context);
    if (!caller.ok()) return caller.status();
    if (required != "any") {
      absl::StatusOr<Role> role = ParseRole(required);
      if (!role.ok()) return role.status();
      if (absl::Status s = Authorizer::Require(*caller, {*role}); !s.ok()) return s;
    }
    std::vector<absl::string_view> roles;
    for (Role r : caller->roles) roles.push_back(RoleName(r));
    response.set_text(absl::StrCat("roles=", absl::StrJoin(roles, ","), " authenticated=",
                                   caller->authenticated, " pii=", caller->can_read_pii()));
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

// A file in a temporary folder of its own, both removed at the end of the test.
class TempFile final {
 public:
  explicit TempFile(const std::string& content) : path_(dir_.File("tokens")) {
    std::ofstream(path_) << content;
  }
  const std::string& path() const { return path_; }

 private:
  test_support::TempDir dir_{"auth_test"};
  std::string path_;
};

// Restores a flag's value when the test ends, so tests do not leak settings into each other.
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

  // Calls Echo asking for `required`, with `authorization` metadata unless it is empty.
  absl::StatusOr<std::string> Call(const std::string& required,
                                   const std::string& authorization = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    return Finish(ctx, required);
  }

  // Calls Echo with whatever AttachToken adds.
  absl::StatusOr<std::string> CallWithAttachedToken(const std::string& required) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    AttachToken(ctx);
    return Finish(ctx, required);
  }

 private:
  absl::StatusOr<std::string> Finish(grpc::ClientContext& ctx, const std::string& required) {
    EchoRequest req;
    req.set_text(required);
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

TEST(AuthTokensFileTest, ParsesRolesCommentsAndBlankLines) {
  TempFile file(kTokensFile);
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromTokensFile(file.path());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->enabled());
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
      {absl::StrCat("analyst ", kSecret, " extra\n"), 1, "found 3 fields"},
      {"analyst s3cr3t-tiny\n", 1, "shorter than 16"},
      {absl::StrCat("analyst ", kSecret, "\nadmin ", kSecret, "\n"), 2,
       "repeats the one on line 1"},
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

TEST(AuthTokensFileTest, UnreadableFileIsAFailedPrecondition) {
  EXPECT_EQ(Authorizer::FromTokensFile("/nonexistent/paritrana/tokens").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AuthCallerTest, AdminHoldsEveryRoleAndPiiNeedsProof) {
  Caller admin{{Role::kAdmin}, true};
  EXPECT_TRUE(admin.has(Role::kRegistrar));
  EXPECT_TRUE(admin.has(Role::kAssessor));
  EXPECT_TRUE(admin.can_read_pii());
  EXPECT_TRUE(Authorizer::Require(admin, {Role::kAssessor}).ok());

  Caller analyst{{Role::kAnalyst}, true};
  EXPECT_FALSE(analyst.can_read_pii());
  EXPECT_TRUE(Authorizer::Require(analyst, {Role::kRegistrar, Role::kAnalyst}).ok());
  absl::Status denied = Authorizer::Require(analyst, {Role::kRegistrar, Role::kAssessor});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetErrorInfo(denied)->metadata().at("required_role"), "registrar,assessor");

  Caller unproved{{Role::kRegistrar}, false};
  EXPECT_FALSE(unproved.can_read_pii());
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
  absl::StatusOr<std::string> r = server_.Call("analyst");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Reason(r.status()), "UNAUTHENTICATED");
}

TEST_F(AuthOnTest, WrongOrMalformedTokenIsUnauthenticated) {
  for (const std::string& authorization :
       {std::string("Bearer not-a-known-token-at-all"), std::string("Bearer "),
        absl::StrCat("Basic ", kAnalystToken), std::string(kAnalystToken),
        absl::StrCat("Bearer ", kAnalystToken, "x")}) {
    absl::StatusOr<std::string> r = server_.Call("analyst", authorization);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << authorization;
    EXPECT_EQ(Reason(r.status()), "UNAUTHENTICATED") << authorization;
    EXPECT_EQ(r.status().message().find("known-token"), std::string::npos);
  }
}

TEST_F(AuthOnTest, AnalystCannotCallARegistrarMethod) {
  absl::StatusOr<std::string> r = server_.Call("registrar", absl::StrCat("Bearer ", kAnalystToken));
  ASSERT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << r.status();
  auto info = GetErrorInfo(r.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "PERMISSION_DENIED");
  EXPECT_EQ(info->domain(), kErrorDomain);
  EXPECT_EQ(info->metadata().at("required_role"), "registrar");

  // The same token is fine where an analyst is enough.
  absl::StatusOr<std::string> ok = server_.Call("analyst", absl::StrCat("Bearer ", kAnalystToken));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "roles=analyst authenticated=1 pii=0");
}

TEST_F(AuthOnTest, RegistrarMayWriteAndReadPii) {
  absl::StatusOr<std::string> r =
      server_.Call("registrar", absl::StrCat("Bearer ", kRegistrarToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "roles=registrar authenticated=1 pii=1");
  // The scheme is case-insensitive.
  EXPECT_TRUE(server_.Call("registrar", absl::StrCat("bearer ", kRegistrarToken)).ok());
}

TEST_F(AuthOnTest, AdminPassesEveryCheck) {
  for (const char* required : {"registrar", "analyst", "assessor", "admin"}) {
    absl::StatusOr<std::string> r = server_.Call(required, absl::StrCat("Bearer ", kAdminToken));
    ASSERT_TRUE(r.ok()) << required << ": " << r.status();
    EXPECT_EQ(*r, "roles=admin authenticated=1 pii=1");
  }
}

TEST_F(AuthOnTest, MultipleRolesOnOneToken) {
  const std::string bearer = "Bearer jury-0a7e3c9f1b5d2e84";
  EXPECT_TRUE(server_.Call("assessor", bearer).ok());
  EXPECT_TRUE(server_.Call("analyst", bearer).ok());
  EXPECT_EQ(server_.Call("registrar", bearer).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(AuthOnTest, AttachTokenSendsTheTokenFlag) {
  FlagSaver saver;
  absl::SetFlag(&FLAGS_token, "");
  EXPECT_EQ(server_.CallWithAttachedToken("registrar").status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::SetFlag(&FLAGS_token, kRegistrarToken);
  absl::StatusOr<std::string> r = server_.CallWithAttachedToken("registrar");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "roles=registrar authenticated=1 pii=1");
}

TEST(AuthFromFlagsTest, TokensFileFlagTurnsAuthenticationOn) {
  FlagSaver saver;
  TempFile file(kTokensFile);
  absl::SetFlag(&FLAGS_tokens_file, file.path());
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromFlags();
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_TRUE((*auth)->enabled());
  AuthServer server(std::move(*auth));
  EXPECT_EQ(server.Call("analyst").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(server.Call("analyst", absl::StrCat("Bearer ", kAnalystToken)).ok());
}

TEST(AuthFromFlagsTest, EmptyTokensFileTurnsAuthenticationOff) {
  FlagSaver saver;
  absl::SetFlag(&FLAGS_tokens_file, "");
  absl::StatusOr<std::unique_ptr<Authorizer>> auth = Authorizer::FromFlags();
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE((*auth)->enabled());
  AuthServer server(std::move(*auth));

  // Writes and reads are allowed without a token, but nobody sees a NIK.
  for (const char* required : {"registrar", "analyst", "assessor"}) {
    absl::StatusOr<std::string> r = server.Call(required);
    ASSERT_TRUE(r.ok()) << required << ": " << r.status();
    EXPECT_EQ(*r, "roles=registrar,analyst,assessor authenticated=0 pii=0");
  }
  // A token proves nothing when there is nothing to check it against.
  absl::StatusOr<std::string> r = server.Call("any", absl::StrCat("Bearer ", kAdminToken));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "roles=registrar,analyst,assessor authenticated=0 pii=0");
  // Admin-only calls stay closed.
  EXPECT_EQ(server.Call("admin").status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace paritrana
