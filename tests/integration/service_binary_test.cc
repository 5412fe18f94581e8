// The three service binaries as operators run them: port 0, health, environment equivalents of
// flags, refusal to start without TLS or --plaintext, and the SIGTERM drain.
#include <signal.h>
#include <sys/wait.h>

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

INSTANTIATE_TEST_SUITE_P(
    All, ServiceBinaryTest,
    testing::Values(Binary{"registry",
                           PARITRANA_REGISTRY_BINARY,
                           "paritrana.registry.v1.RegistryService",
                           {"--store=sqlite:$DIR/registry.db", "--nik_key_file=$DIR/nik.key",
                            "--create_nik_key"}},
                    Binary{"coverage", PARITRANA_COVERAGE_BINARY,
                           "paritrana.coverage.v1.CoverageService"},
                    Binary{"award",
                           PARITRANA_AWARD_BINARY,
                           "paritrana.award.v1.AwardService",
                           {"--store=sqlite:$DIR/award.db"}}),
    [](const testing::TestParamInfo<Binary>& info) { return info.param.name; });

}  // namespace
}  // namespace paritrana
