// The three service binaries as operators run them: port 0, health, environment equivalents of
// flags, --help, log levels, refusal to start without TLS or --plaintext, and the SIGTERM drain.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace paritrana {
namespace {

using grpc::health::v1::HealthCheckResponse;

struct Binary {
  std::string name;
  std::string path;
  std::string service;
  std::vector<std::string> args = {};  // what the service needs besides the common flags
  std::string own_flag = "";           // a flag defined in the binary's main.cc
};

class ServiceBinaryTest : public testing::TestWithParam<Binary> {
 protected:
  // Flags plus the binary's own, with its data in the test's temporary folder.
  std::vector<std::string> Args(const Binary& b, std::vector<std::string> common) const {
    for (const std::string& a : b.args) {
      std::string arg = a;
      if (auto pos = arg.find("$DIR"); pos != std::string::npos) arg.replace(pos, 4, dir_.path());
      common.push_back(arg);
    }
    return common;
  }

  test_support::TempDir dir_{"service_binary"};
};

struct Finished {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs `binary args` to its end (each argument must be free of shell metacharacters).
Finished RunToEnd(const std::string& binary, const std::string& args) {
  Finished run;
  FILE* pipe = popen(("'" + binary + "' " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
  run.status = pclose(pipe);
  return run;
}

int PortFromListeningLine(const std::string& line) {
  if (line.empty()) return 0;
  return nlohmann::json::parse(line).at("port").get<int>();
}

HealthCheckResponse::ServingStatus Check(int port, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  if (!stub->Check(&ctx, req, &resp).ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

TEST_P(ServiceBinaryTest, ServesHealthAndDrainsOnSigterm) {
  const Binary& b = GetParam();
  test_support::ChildProcess child(
      b.path, Args(b, {"--listen=127.0.0.1:0", "--plaintext", "--drain_grace=1500ms",
                       "--shutdown_deadline=3s"}));
  const int port =
      PortFromListeningLine(child.WaitForLine(R"("msg":"listening")", absl::Seconds(20)));
  ASSERT_GT(port, 0) << "no 'listening' log line with a port";
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(port, b.service), HealthCheckResponse::SERVING);

  const absl::Time sent = absl::Now();
  child.Signal(SIGTERM);
  ASSERT_FALSE(child.WaitForLine(R"("msg":"draining")", absl::Seconds(5)).empty());
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::NOT_SERVING);  // within the grace period

  const int status = child.Wait(absl::Seconds(10));
  ASSERT_NE(status, -1) << "did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(absl::Now() - sent, absl::Milliseconds(1500) + absl::Seconds(3));
}

TEST_P(ServiceBinaryTest, ReadsFlagsFromTheEnvironment) {
  const Binary& b = GetParam();
  setenv("PARITRANA_LISTEN", "127.0.0.1:0", 1);
  setenv("PARITRANA_PLAINTEXT", "true", 1);
  test_support::ChildProcess child(b.path, Args(b, {"--drain_grace=0s"}));
  unsetenv("PARITRANA_LISTEN");
  unsetenv("PARITRANA_PLAINTEXT");
  const std::string line = child.WaitForLine(R"("msg":"listening")", absl::Seconds(20));
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(nlohmann::json::parse(line).at("address").get<std::string>().rfind("127.0.0.1:", 0),
            0u);
  child.Signal(SIGTERM);
  EXPECT_NE(child.Wait(absl::Seconds(10)), -1);
}

TEST_P(ServiceBinaryTest, RefusesToServeWithoutTlsOrPlaintext) {
  test_support::ChildProcess child(GetParam().path, Args(GetParam(), {"--listen=127.0.0.1:0"}));
  const int status = child.Wait(absl::Seconds(10));
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST_P(ServiceBinaryTest, HelpListsEveryFlagWithItsVariableAndDefault) {
  const Binary& b = GetParam();
  const Finished run = RunToEnd(b.path, "--help");
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.status << "\n"
                                                                     << run.output;
  for (const char* expected :
       {"--listen  (PARITRANA_LISTEN, default: \"\")", "--plaintext  (PARITRANA_PLAINTEXT",
        "--tls_ca  (PARITRANA_TLS_CA", "--tls_cert  (PARITRANA_TLS_CERT",
        "--tls_key  (PARITRANA_TLS_KEY", "--log_level  (PARITRANA_LOG_LEVEL, default: info)",
        "--drain_grace  (PARITRANA_DRAIN_GRACE, default: 5s)",
        "--tokens_file  (PARITRANA_TOKENS_FILE", "--jwks_file  (PARITRANA_JWKS_FILE",
        "--jwt_issuer  (PARITRANA_JWT_ISSUER", "--jwt_audience  (PARITRANA_JWT_AUDIENCE",
        "--client_certificates_file  (PARITRANA_CLIENT_CERTIFICATES_FILE",
        "--production  (PARITRANA_PRODUCTION, default: false)"}) {
    EXPECT_NE(run.output.find(expected), std::string::npos) << expected << "\n" << run.output;
  }
  EXPECT_NE(run.output.find("--" + b.own_flag + "  (PARITRANA_"), std::string::npos)
      << b.own_flag << "\n"
      << run.output;
  // Abseil's own flags are not the binary's; principals come from the credentials now.
  EXPECT_EQ(run.output.find("--flagfile"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("No flags matched"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("--principals_file"), std::string::npos) << run.output;
}

// A tokens file that group or others may read is refused before the service listens, naming the
// file and never a token; the same file with mode 0600 is served.
TEST_P(ServiceBinaryTest, RefusesATokensFileOthersMayRead) {
  const Binary& b = GetParam();
  constexpr char kToken[] = "binary-test-token-5e8a1c3f7b";
  const std::string tokens = dir_.File("tokens");
  FILE* f = std::fopen(tokens.c_str(), "w");
  ASSERT_NE(f, nullptr) << tokens;
  std::fprintf(f, "admin %s ops\n", kToken);
  std::fclose(f);
  std::string args = "--plaintext --listen=127.0.0.1:0 --drain_grace=0s --tokens_file=" + tokens;
  for (const std::string& a : Args(b, {})) args += " " + a;

  ASSERT_EQ(chmod(tokens.c_str(), 0640), 0);
  const Finished run = RunToEnd(b.path, args);
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status << "\n" << run.output;
  EXPECT_NE(WEXITSTATUS(run.status), 0) << run.output;
  EXPECT_NE(run.output.find("chmod 600"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(tokens), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(kToken), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("listening"), std::string::npos) << run.output;

  ASSERT_EQ(chmod(tokens.c_str(), 0600), 0);
  test_support::ChildProcess child(
      b.path, Args(b, {"--listen=127.0.0.1:0", "--plaintext", "--drain_grace=0s",
                       "--tokens_file=" + tokens}));
  EXPECT_FALSE(child.WaitForLine(R"("msg":"listening")", absl::Seconds(20)).empty());
  child.Signal(SIGTERM);
  EXPECT_NE(child.Wait(absl::Seconds(10)), -1);
}

TEST_P(ServiceBinaryTest, LogLinesNameLevelsAsLogLevelDoes) {
  const Binary& b = GetParam();
  // Without --tokens_file every service warns that authentication is off.
  test_support::ChildProcess child(b.path, Args(b, {"--listen=127.0.0.1:0", "--plaintext",
                                                    "--drain_grace=0s", "--log_level=warn"}));
  const std::string warning =
      child.WaitForLine(R"("msg":"authentication is disabled)", absl::Seconds(20));
  ASSERT_FALSE(warning.empty());
  EXPECT_EQ(nlohmann::json::parse(warning).at("level"), "warn") << warning;
  child.Signal(SIGTERM);
  EXPECT_NE(child.Wait(absl::Seconds(10)), -1);
}

TEST_P(ServiceBinaryTest, RefusesAnUnknownLogLevel) {
  const Finished run = RunToEnd(GetParam().path, "--plaintext --log_level=warning");
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status;
  EXPECT_EQ(WEXITSTATUS(run.status), 2) << run.output;
  EXPECT_NE(run.output.find("--log_level: unknown log level \"warning\"; use debug, info, warn or "
                            "error"),
            std::string::npos)
      << run.output;
}

TEST_P(ServiceBinaryTest, RefusesANegativeMaxConnectionAge) {
  const Finished run = RunToEnd(GetParam().path, "--plaintext --max_connection_age=-1s");
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status;
  EXPECT_EQ(WEXITSTATUS(run.status), 2) << run.output;
  EXPECT_NE(run.output.find("--max_connection_age must not be negative"), std::string::npos)
      << run.output;
}

INSTANTIATE_TEST_SUITE_P(All, ServiceBinaryTest,
                         testing::Values(Binary{"registry",
                                                PARITRANA_REGISTRY_BINARY,
                                                "paritrana.registry.v1.RegistryService",
                                                {"--store=sqlite:$DIR/registry.db",
                                                 "--nik_key_file=$DIR/nik.key", "--create_nik_key"},
                                                "store"},
                                         Binary{"coverage",
                                                PARITRANA_COVERAGE_BINARY,
                                                "paritrana.coverage.v1.CoverageService",
                                                {},
                                                "local_cache_entries"},
                                         Binary{"award",
                                                PARITRANA_AWARD_BINARY,
                                                "paritrana.award.v1.AwardService",
                                                {"--store=sqlite:$DIR/award.db"},
                                                "rubric_files"}),
                         [](const testing::TestParamInfo<Binary>& info) {
                           return info.param.name;
                         });

// --region_catalog names a directory that is not the idn-area-data package: the registry stops
// before serving, naming the flag and the file (docs/operations.md), whatever the database holds.
TEST(RegistryBinaryTest, RefusesToStartWithoutItsRegionCatalogue) {
  test_support::TempDir dir("registry_catalog");
  const Finished run =
      RunToEnd(PARITRANA_REGISTRY_BINARY,
               "--plaintext --listen=127.0.0.1:0 --store=sqlite:" + dir.File("registry.db") +
                   " --nik_key_file=" + dir.File("nik.key") +
                   " --create_nik_key --region_catalog=" + dir.File("idn-area-data"));
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status << "\n" << run.output;
  EXPECT_EQ(WEXITSTATUS(run.status), 1) << run.output;
  EXPECT_NE(run.output.find("cannot load the national region catalogue --region_catalog"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("idn-area-data/package.json: cannot open"), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("listening"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace paritrana
