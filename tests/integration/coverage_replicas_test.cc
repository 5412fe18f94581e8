// Two coverage replicas behind one client channel: a real registry (SQLite) and a real
// redis-server, two coverage services on port 0 sharing the Redis cache and its MAC key, each with
// its own in-process cache kept fresh by the registry's invalidation messages, and one channel
// from ConnectToService naming both ("ipv4:A,B"), as a caller with several replicas has it.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/channel.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "region/validation.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::coverage {
namespace {

namespace rv1 = registry::v1;

constexpr char kService[] = "paritrana.coverage.v1.CoverageService";

google::type::Date D(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

class CoverageReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto registry = test_support::RegistryUnderTest::Start(temp_.path(), redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    // Regency 15.08 with a baseline of 400 and three active workers on 2025-06-30.
    for (const char* id : {"15.08.01", "15.08.01.2001"}) {
      rv1::CreateRegionRequest r;
      r.set_region_id(id);
      r.mutable_region()->set_display_name(absl::StrCat("Synthetic ", id));
      ASSERT_TRUE(registry_->registry().CreateRegion(r).ok());
    }
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent("regions/15.08");
    b.mutable_workforce_baseline()->set_year(2025);
    b.mutable_workforce_baseline()->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    b.mutable_workforce_baseline()->set_potential_workers(400);
    ASSERT_TRUE(registry_->registry().CreateWorkforceBaseline(b).ok());
    for (int n = 1; n <= 3; ++n) Enroll(n);

    for (auto& replica : replicas_) {
      test_support::CoverageUnderTest::Options options;
      options.local_cache = true;  // as the binary runs: both tiers, one MAC key (kCacheKey)
      options.today = [] { return absl::CivilDay(2026, 11, 26); };
      auto coverage = test_support::CoverageUnderTest::Start(registry_->address(),
                                                             redis_->address(), std::move(options));
      ASSERT_TRUE(coverage.ok()) << coverage.status();
      replica = std::move(*coverage);
    }
    for (int i = 0; i < 2; ++i) {
      direct_[i] = v1::CoverageService::NewStub(
          grpc::CreateChannel(replicas_[i]->address(), grpc::InsecureChannelCredentials()));
    }
    // "ipv4:" takes a comma-separated list; the addresses are 127.0.0.1:PORT.
    target_ = absl::StrCat("ipv4:", replicas_[0]->address(), ",", replicas_[1]->address());
    channel_ = ConnectToService(target_, grpc::InsecureChannelCredentials(), kService);
    both_ = v1::CoverageService::NewStub(channel_);
    // The in-process tier answers only while its subscription is provably live.
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    for (auto& replica : replicas_) {
      while (!replica->subscriber()->live() && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      ASSERT_TRUE(replica->subscriber()->live()) << "a replica's subscription did not start";
    }
  }

  void TearDown() override {
    both_.reset();
    channel_.reset();
    for (auto& replica : replicas_) replica.reset();
    registry_.reset();
  }

  // Participant n, a BPU worker in village 15.08.01.2001 covered from 2025-01-01 through
  // 2025-12-31.
  void Enroll(int n) {
    test_support::RegistryUnderTest::Worker w;
    w.n = n;
    w.region = "regions/15.08.01.2001";
    w.start = D(2025, 1, 1);
    w.covers_through = D(2025, 12, 31);
    registry_->Enroll(w);
  }

  // GetCoverage of regency 15.08 on 2025-06-30 through `stub`: its active persons, or -1 on error.
  int64_t Active(v1::CoverageService::Stub& stub, bool* from_cache = nullptr) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("paritrana-report-cache", "true");
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetCoverageRequest req;
    req.set_region("regions/15.08");
    *req.mutable_date() = D(2025, 6, 30);
    v1::RegionCoverage out;
    const grpc::Status s = stub.GetCoverage(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return -1;
    if (from_cache != nullptr) {
      auto it = ctx.GetServerInitialMetadata().find("paritrana-computed-from-cache");
      *from_cache = it != ctx.GetServerInitialMetadata().end() && it->second == "true";
    }
    return out.active_persons();
  }

  // Calls replica i has answered from its in-process cache: once it holds the answer asked for,
  // every call it serves is one such hit, so the difference over a run counts the calls it served.
  int64_t LocalHits(int i) { return replicas_[i]->local_cache()->stats().hits; }

  test_support::TempDir temp_{"coverage-replicas"};  // first: removed after everything using it
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> replicas_[2];
  std::unique_ptr<v1::CoverageService::Stub> direct_[2];  // a plain channel to each replica
  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;  // ConnectToService(target_): both replicas
  std::unique_ptr<v1::CoverageService::Stub> both_;
};

TEST_F(CoverageReplicasTest, OneChannelSpreadsCallsOverBothReplicas) {
  // Each replica computes the answer once and keeps it.
  for (auto& stub : direct_) {
    ASSERT_EQ(Active(*stub), 3);
    bool cached = false;
    ASSERT_EQ(Active(*stub, &cached), 3);
    ASSERT_TRUE(cached);
  }
  // Round robin counts only connected replicas: let both connections come up first (the channel
  // reports READY as soon as one has).
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  const int64_t first[2] = {LocalHits(0), LocalHits(1)};
  while ((LocalHits(0) == first[0] || LocalHits(1) == first[1]) && absl::Now() < deadline) {
    ASSERT_EQ(Active(*both_), 3);
  }
  ASSERT_GT(LocalHits(0), first[0]) << "no call reached replica 0 through " << target_;
  ASSERT_GT(LocalHits(1), first[1]) << "no call reached replica 1 through " << target_;

  // Then the calls alternate: pick_first (gRPC's default) would send all 100 to one replica.
  constexpr int kCalls = 100;
  const int64_t before[2] = {LocalHits(0), LocalHits(1)};
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(Active(*both_), 3);
  const int64_t served[2] = {LocalHits(0) - before[0], LocalHits(1) - before[1]};
  EXPECT_EQ(served[0] + served[1], kCalls) << "every call a hit of one replica's own cache";
  EXPECT_GE(served[0], kCalls * 2 / 5) << "replica 0 served " << served[0] << " of " << kCalls;
  EXPECT_GE(served[1], kCalls * 2 / 5) << "replica 1 served " << served[1] << " of " << kCalls;
}

// docs/architecture.md (and services/coverage/local_cache.h): after the registry acknowledges a
// write, a process can serve the previous answer only until the registry's message reaches its
// subscriber, well under a millisecond on one host, and never beyond about a second (the
// subscription's liveness). Each replica subscribes on its own, so the bound holds for each.
TEST_F(CoverageReplicasTest, AWriteIsVisibleThroughEachReplicaWithinTheBound) {
  for (auto& stub : direct_) {
    ASSERT_EQ(Active(*stub), 3);
    bool cached = false;
    ASSERT_EQ(Active(*stub, &cached), 3);
    ASSERT_TRUE(cached) << "each replica holds the answer before the write";
  }
  const int64_t invalidations[2] = {replicas_[0]->local_cache()->stats().invalidations,
                                    replicas_[1]->local_cache()->stats().invalidations};

  Enroll(4);  // acknowledged: the registry has bumped 15's generation and published it
  const absl::Time acknowledged = absl::Now();
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(absl::StrCat("replica ", i));
    int64_t seen = Active(*direct_[i]);
    int calls = 1;
    while (seen != 4 && absl::Now() - acknowledged < absl::Seconds(1)) {
      absl::SleepFor(absl::Microseconds(200));
      seen = Active(*direct_[i]);
      ++calls;
    }
    EXPECT_EQ(seen, 4) << "the write was not visible within 1 s";
    EXPECT_GT(replicas_[i]->local_cache()->stats().invalidations, invalidations[i])
        << "the replica's own subscription dropped the province";
    // The time includes the calls themselves (the first after a write recomputes the answer).
    std::printf("replica %d: the new count answered %s after the acknowledgement, call %d\n", i,
                absl::FormatDuration(absl::Now() - acknowledged).c_str(), calls);
  }
  // From then on every call, on whichever replica, answers the new figure.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Active(*both_), 4);
}

TEST_F(CoverageReplicasTest, AStoppedReplicaLeavesTheOtherAnswering) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  const int64_t first[2] = {LocalHits(0), LocalHits(1)};
  ASSERT_EQ(Active(*direct_[0]), 3);
  ASSERT_EQ(Active(*direct_[1]), 3);
  while ((LocalHits(0) == first[0] || LocalHits(1) == first[1]) && absl::Now() < deadline) {
    ASSERT_EQ(Active(*both_), 3);
  }
  ASSERT_TRUE(LocalHits(0) > first[0] && LocalHits(1) > first[1]) << "both replicas in use";

  // Replica 0 goes away (its server stops, its connections close); no call through the channel
  // fails: one that still picks it meets UNAVAILABLE and is retried on replica 1.
  const int64_t before = LocalHits(1);
  replicas_[0].reset();
  constexpr int kCalls = 50;
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(Active(*both_), 3);
  EXPECT_EQ(LocalHits(1) - before, kCalls);
}

}  // namespace
}  // namespace paritrana::coverage
