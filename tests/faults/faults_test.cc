// Fault injection with real processes (issue 13): the service binaries, a real redis-server and
// the paritrana CLI are started, stopped, frozen, killed and cancelled under load, and what
// clients see is checked. Every loop is bounded in count and time, and every address is
// 127.0.0.1 with a port the process under test picked itself.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "paritrana/coverage/v1/coverage.grpc.pb.h"
#include "paritrana/registry/v1/registry.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace paritrana {
namespace {

using grpc::health::v1::HealthCheckResponse;
using test_support::ChildProcess;
using test_support::RedisServer;
namespace rv1 = registry::v1;
namespace cv1 = coverage::v1;

// A service binary started on 127.0.0.1:0, with the port it logged.
struct Service {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::string address() const { return absl::StrCat("127.0.0.1:", port); }
};

Service StartService(const std::string& binary, std::vector<std::string> args) {
  args.insert(args.end(), {"--listen=127.0.0.1:0", "--plaintext"});
  Service s;
  s.process = std::make_unique<ChildProcess>(binary, args);
  const std::string line = s.process->WaitForLine(R"("msg":"listening")", absl::Seconds(30));
  if (!line.empty()) s.port = nlohmann::json::parse(line).at("port").get<int>();
  return s;
}

class FaultTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/faults-" + std::to_string(getpid()) + "-" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Service StartRegistry(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--store=sqlite:" + dir_ + "/registry.db",
                                     "--nik_key_file=" + dir_ + "/nik.key", "--create_nik_key"};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartService(PARITRANA_REGISTRY_BINARY, args);
  }

  std::string dir_;
};

HealthCheckResponse::ServingStatus Health(const std::string& address,
                                                           const std::string& name) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(name);
  HealthCheckResponse resp;
  if (!stub->Check(&ctx, req, &resp).ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

// Counts of the status codes calls ended with.
class Outcomes {
 public:
  void Add(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    ++counts_[code];
  }
  int Count(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    return counts_[code];
  }
  int Total() {
    absl::MutexLock lock(&mu_);
    int all = 0;
    for (const auto& [code, n] : counts_) all += n;
    return all;
  }
  std::string Summary() {
    absl::MutexLock lock(&mu_);
    std::string out;
    for (const auto& [code, n] : counts_) absl::StrAppend(&out, " code ", code, ": ", n, ";");
    return out;
  }

 private:
  absl::Mutex mu_;
  std::map<grpc::StatusCode, int> counts_ ABSL_GUARDED_BY(mu_);
};

// Issue 13, item 5: SIGTERM under load failed in-flight calls with CANCELLED, which clients do
// not retry. Every call must succeed, or be refused with UNAVAILABLE; a client that is refused
// goes elsewhere (it stops calling this server), as a client behind a load balancer would.
TEST_F(FaultTest, SigtermUnderLoadCancelsNoCall) {
  Service registry = StartRegistry({"--drain_grace=300ms", "--shutdown_deadline=5s"});
  ASSERT_GT(registry.port, 0);
  Outcomes outcomes;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      // A channel per client, as separate callers would have.
      auto stub = rv1::RegistryService::NewStub(
          grpc::CreateChannel(registry.address(), grpc::InsecureChannelCredentials()));
      const absl::Time end = absl::Now() + absl::Seconds(15);
      for (int i = 0; i < 100000 && absl::Now() < end; ++i) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        rv1::ListRegionsRequest req;
        req.set_page_size(38);
        rv1::ListRegionsResponse resp;
        const grpc::StatusCode code = stub->ListRegions(&ctx, req, &resp).error_code();
        outcomes.Add(code);
        if (code != grpc::StatusCode::OK) break;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  registry.process->Signal(SIGTERM);
  const int status = registry.process->Wait(absl::Seconds(20));
  for (auto& c : clients) c.join();
  EXPECT_NE(status, -1) << "the registry did not exit";
  EXPECT_GT(outcomes.Count(grpc::StatusCode::OK), 0) << outcomes.Summary();
  EXPECT_EQ(outcomes.Count(grpc::StatusCode::UNAVAILABLE), 8) << outcomes.Summary();
  EXPECT_EQ(outcomes.Total(), outcomes.Count(grpc::StatusCode::OK) + 8) << outcomes.Summary();
}

// Polls `name`'s health on `address` until it is `want` or `limit` passes; returns how long it
// took, or absl::InfiniteDuration().
absl::Duration TimeUntilHealth(const std::string& address, const std::string& name,
                               HealthCheckResponse::ServingStatus want, absl::Duration limit) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < limit) {
    if (Health(address, name) == want) return absl::Now() - start;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::InfiniteDuration();
}

// One GetCoverage of a region whose answer is not cached; its code and how long it took.
std::pair<grpc::StatusCode, absl::Duration> CoverageOnce(const std::string& address,
                                                         const std::string& region) {
  auto stub = cv1::CoverageService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  cv1::GetCoverageRequest req;
  req.set_region(region);
  cv1::RegionCoverage resp;
  const absl::Time start = absl::Now();
  const grpc::StatusCode code = stub->GetCoverage(&ctx, req, &resp).error_code();
  return {code, absl::Now() - start};
}

// Issue 13, item 6: with the registry frozen (SIGSTOP), coverage's dependency/registry stayed
// SERVING, and a stopped registry took up to 5 s to show. The probe is a health check with a
// 0.5 s deadline every second, and coverage fails at once while it fails.
TEST_F(FaultTest, AFrozenOrStoppedRegistryShowsInCoverageHealthAndFailsFast) {
  Service registry = StartRegistry({"--drain_grace=0s"});
  ASSERT_GT(registry.port, 0);
  Service coverage = StartService(PARITRANA_COVERAGE_BINARY,
                                  {"--registry=" + registry.address(), "--drain_grace=0s"});
  ASSERT_GT(coverage.port, 0);
  const std::string dependency = "dependency/registry";
  // Bounded by the probe interval (1 s) plus its deadline (0.5 s), with room for a busy machine.
  constexpr absl::Duration kShowsWithin = absl::Seconds(3);
  ASSERT_LT(TimeUntilHealth(coverage.address(), dependency, HealthCheckResponse::SERVING,
                            absl::Seconds(10)),
            absl::Seconds(10));
  EXPECT_EQ(CoverageOnce(coverage.address(), "regions/15").first, grpc::StatusCode::OK);

  registry.process->Signal(SIGSTOP);
  EXPECT_LT(TimeUntilHealth(coverage.address(), dependency, HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(10)),
            kShowsWithin);
  auto [frozen_code, frozen_time] = CoverageOnce(coverage.address(), "regions/15.08");
  EXPECT_EQ(frozen_code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(frozen_time, absl::Seconds(1)) << "not the registry deadline (2 s): at once";

  registry.process->Signal(SIGCONT);
  EXPECT_LT(TimeUntilHealth(coverage.address(), dependency, HealthCheckResponse::SERVING,
                            absl::Seconds(10)),
            kShowsWithin);
  EXPECT_EQ(CoverageOnce(coverage.address(), "regions/15.08").first, grpc::StatusCode::OK);

  registry.process->Signal(SIGKILL);
  EXPECT_LT(TimeUntilHealth(coverage.address(), dependency, HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(10)),
            kShowsWithin);
  auto [dead_code, dead_time] = CoverageOnce(coverage.address(), "regions/15.04");
  EXPECT_EQ(dead_code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(dead_time, absl::Seconds(1));
}

}  // namespace
}  // namespace paritrana
