// The coverage service end to end: a real registry (SQLite) and a real redis-server, the coverage
// service on port 0, and a small Jambi dataset whose figures are computed by hand below.
#include "services/coverage/coverage_service.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "redis/redis_subscriber.h"
#include "region/validation.h"
#include "services/coverage/cache_mac.h"
#include "services/coverage/coverage.h"
#include "tests/support/coverage_under_test.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_under_test.h"
#include "tests/support/temp_dir.h"

namespace paritrana::coverage {
namespace {

using registry::v1::Enrollment;
namespace rv1 = registry::v1;

google::type::Date D(int y, int m, int d) { return ToProtoDate(absl::CivilDay(y, m, d)); }

class CoverageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    // Redis as deployed: protected mode, a password, and the services' ACL user (every client
    // of this address authenticates through test_support::RedisOptionsFor).
    auto redis = test_support::RedisServer::StartWithPassword();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    auto registry = test_support::RegistryUnderTest::Start(dir_, redis_->address());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    Seed();

    test_support::CoverageUnderTest::Options options;
    options.local_cache = WithLocalCache();
    options.today = [] { return absl::CivilDay(2026, 11, 26); };
    options.registry_deadline = absl::Seconds(2);
    auto coverage = test_support::CoverageUnderTest::Start(registry_->address(), redis_->address(),
                                                           std::move(options));
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    coverage_ = std::move(*coverage);
    cache_ = &coverage_->cache();
    local_ = coverage_->local_cache();
    subscriber_ = coverage_->subscriber();
    stub_ = v1::CoverageService::NewStub(
        grpc::CreateChannel(coverage_->address(), grpc::InsecureChannelCredentials()));
  }

  // The in-process tier is off here, so the Redis tier's exact read-after-write is what the
  // tests below check; CoverageLocalCacheTest turns it on.
  virtual bool WithLocalCache() const { return false; }

  void TearDown() override {
    coverage_.reset();
    registry_.reset();
  }

  void Ok(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

  void Region(const std::string& id) {
    rv1::CreateRegionRequest r;
    r.set_region_id(id);
    r.mutable_region()->set_display_name("Synthetic " + id);
    Ok(registry_->registry().CreateRegion(r).status());
  }

  void Baseline(const std::string& region, int64_t potential, int64_t pu = 0, int64_t bpu = 0) {
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent(region);
    auto* wb = b.mutable_workforce_baseline();
    wb->set_year(2025);
    wb->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    wb->set_potential_workers(potential);
    if (pu > 0) {
      auto* s = wb->add_segment_workers();
      s->set_segment(type::v1::SEGMENT_PU);
      s->set_potential_workers(pu);
      s = wb->add_segment_workers();
      s->set_segment(type::v1::SEGMENT_BPU);
      s->set_potential_workers(bpu);
    }
    Ok(registry_->registry().CreateWorkforceBaseline(b).status());
  }

  // Enrolls participant n in `village`, covered from `start` through `through`.
  void Worker(int n, const std::string& village, type::v1::Segment segment,
              google::type::Date start, google::type::Date through,
              type::v1::FundingSource funding = type::v1::FUNDING_SOURCE_WORKER,
              const std::string& scheme = "") {
    test_support::RegistryUnderTest::Worker w;
    w.n = n;
    w.region = village;
    w.segment = segment;
    w.start = start;
    w.covers_through = through;
    w.funding = funding;
    w.subsidy_scheme = scheme;
    if (segment == type::v1::SEGMENT_PU) {
      w.programmes.push_back(type::v1::PROGRAMME_JHT);
      w.employer = "employers/71000001";
      w.funding = type::v1::FUNDING_SOURCE_EMPLOYER;
    }
    registry_->Enroll(w);
  }

  // Jambi in miniature. On 2025-06-30: Bungo (15.08) has 3 BPU workers paid by the province
  // (Dumisake); Kota Jambi (15.71) has 2 PU and 1 BPU worker. Baselines 2025: province 1000
  // (PU 600, BPU 400), Bungo 400, Kota Jambi 200, no other regency. Target 2025: 55%.
  void Seed() {
    Region("15.08.01");
    Region("15.08.01.2001");
    Region("15.71.01");
    Region("15.71.01.1001");
    rv1::CreateEmployerRequest emp;
    emp.set_employer_id("71000001");
    emp.mutable_employer()->set_display_name("PT Batanghari (synthetic)");
    emp.mutable_employer()->set_size_class(rv1::EMPLOYER_SIZE_CLASS_MEDIUM);
    emp.mutable_employer()->set_sector("G");
    emp.mutable_employer()->set_region("regions/15.71.01.1001");
    Ok(registry_->registry().CreateEmployer(emp).status());
    Baseline("regions/15", 1000, 600, 400);
    Baseline("regions/15.08", 400);
    Baseline("regions/15.71", 200);
    rv1::CreateCoverageTargetRequest t;
    t.set_parent("regions/15");
    t.mutable_coverage_target()->set_year(2025);
    t.mutable_coverage_target()->set_target_ratio_percent(55);
    t.mutable_coverage_target()->set_denominator_source(
        type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    Ok(registry_->registry().CreateCoverageTarget(t).status());

    for (int n = 1; n <= 3; ++n) {
      Worker(n, "regions/15.08.01.2001", type::v1::SEGMENT_BPU, D(2025, 1, 1), D(2025, 12, 31),
             type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET, "dumisake");
    }
    Worker(4, "regions/15.71.01.1001", type::v1::SEGMENT_PU, D(2025, 1, 1), D(2025, 6, 30));
    Worker(5, "regions/15.71.01.1001", type::v1::SEGMENT_PU, D(2025, 1, 1), D(2025, 6, 30));
    Worker(6, "regions/15.71.01.1001", type::v1::SEGMENT_BPU, D(2025, 3, 1), D(2025, 12, 31));
  }

  // Calls GetCoverage; `from_cache` receives the response metadata flag.
  grpc::Status Get(const std::string& region, google::type::Date date, v1::RegionCoverage* out,
                   bool* from_cache = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (from_cache != nullptr) ctx.AddMetadata("paritrana-report-cache", "true");
    v1::GetCoverageRequest req;
    req.set_region(region);
    *req.mutable_date() = date;
    grpc::Status s = stub_->GetCoverage(&ctx, req, out);
    if (from_cache != nullptr) {
      auto it = ctx.GetServerInitialMetadata().find("paritrana-computed-from-cache");
      *from_cache = it != ctx.GetServerInitialMetadata().end() && it->second == "true";
    }
    return s;
  }

  test_support::TempDir temp_{"coverage"};  // first: removed after everything using it
  std::string dir_;
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<test_support::RegistryUnderTest> registry_;
  std::unique_ptr<test_support::CoverageUnderTest> coverage_;
  CoverageCache* cache_ = nullptr;         // coverage_'s
  LocalCache* local_ = nullptr;            // coverage_'s; null without the local cache
  RedisSubscriber* subscriber_ = nullptr;  // coverage_'s; null without the local cache
  std::unique_ptr<v1::CoverageService::Stub> stub_;
};

TEST_F(CoverageServiceTest, TheCacheHeaderIsSentOnlyToCallersWhoAskForIt) {
  v1::RegionCoverage c;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c).ok());
  for (const bool ask : {false, true}) {
    grpc::ClientContext ctx;
    if (ask) ctx.AddMetadata("paritrana-report-cache", "true");
    v1::GetCoverageRequest req;
    req.set_region("regions/15");
    *req.mutable_date() = D(2025, 6, 30);
    ASSERT_TRUE(stub_->GetCoverage(&ctx, req, &c).ok());
    EXPECT_EQ(ctx.GetServerInitialMetadata().count("paritrana-computed-from-cache"), ask ? 1 : 0)
        << (ask ? "asked" : "not asked");
  }
}

TEST_F(CoverageServiceTest, ProvinceCoverageMatchesHandComputation) {
  v1::RegionCoverage c;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c).ok());
  EXPECT_EQ(c.display_name(), "Jambi");
  EXPECT_EQ(c.active_persons(), 6);
  EXPECT_EQ(c.potential_workers(), 1000);
  EXPECT_DOUBLE_EQ(c.coverage_ratio_percent(), 0.6);
  EXPECT_TRUE(c.baseline_found());
  EXPECT_EQ(c.denominator_year(), 2025);
  ASSERT_EQ(c.segments_size(), 4);
  EXPECT_EQ(c.segments(0).segment(), type::v1::SEGMENT_PU);
  EXPECT_EQ(c.segments(0).active_persons(), 2);
  EXPECT_NEAR(c.segments(0).coverage_ratio_percent(), 100.0 * 2 / 600, 1e-9);
  EXPECT_EQ(c.segments(1).active_persons(), 4);
  EXPECT_DOUBLE_EQ(c.segments(1).coverage_ratio_percent(), 1.0);
  EXPECT_EQ(c.programmes(0).active_persons(), 6);  // JKK: everyone
  EXPECT_EQ(c.programmes(2).active_persons(), 2);  // JHT: the PU workers
  // Funding: employer 2, provincial budget (Dumisake) 3, worker 1.
  ASSERT_EQ(c.funding_size(), 3);
  EXPECT_EQ(c.funding(0).funding_source(), type::v1::FUNDING_SOURCE_WORKER);
  EXPECT_EQ(c.funding(0).active_persons(), 1);
  EXPECT_EQ(c.funding(1).funding_source(), type::v1::FUNDING_SOURCE_EMPLOYER);
  EXPECT_EQ(c.funding(1).active_persons(), 2);
  EXPECT_EQ(c.funding(2).funding_source(), type::v1::FUNDING_SOURCE_PROVINCIAL_BUDGET);
  EXPECT_EQ(c.funding(2).subsidy_scheme(), "dumisake");
  EXPECT_EQ(c.funding(2).active_persons(), 3);
  // Target 55% of 1000 = 550 workers; 6 active, so 544 still to enroll; 54.4 points short.
  EXPECT_EQ(c.target().year(), 2025);
  EXPECT_EQ(c.target().target_workers(), 550);
  EXPECT_EQ(c.target().workers_to_enroll(), 544);
  EXPECT_NEAR(c.target().gap_ratio_points(), 54.4, 1e-9);
  EXPECT_FALSE(c.target().met());
  EXPECT_GT(c.generation(), 0);

  // After the PU workers' paid-through date only 4 remain.
  ASSERT_TRUE(Get("regions/15", D(2025, 7, 1), &c).ok());
  EXPECT_EQ(c.active_persons(), 4);
}

TEST_F(CoverageServiceTest, TargetGapRankingAndTrend) {
  grpc::ClientContext gap_ctx;
  v1::GetTargetGapRequest gap_req;
  gap_req.set_region("regions/15");
  gap_req.set_year(2025);
  *gap_req.mutable_date() = D(2025, 6, 30);
  v1::TargetGap gap;
  ASSERT_TRUE(stub_->GetTargetGap(&gap_ctx, gap_req, &gap).ok());
  EXPECT_EQ(gap.workers_to_enroll(), 544);
  EXPECT_EQ(gap.target_workers(), 550);

  grpc::ClientContext no_target_ctx;
  gap_req.set_region("regions/15.04");
  grpc::Status s = stub_->GetTargetGap(&no_target_ctx, gap_req, &gap);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetErrorInfo(FromGrpcStatus(s))->reason(), "TARGET_NOT_FOUND");

  // Kota Jambi 3/200 = 1.5% beats Bungo 3/400 = 0.75%; the nine regencies without a baseline
  // follow in code order.
  v1::RankChildRegionsRequest rank_req;
  rank_req.set_parent("regions/15");
  *rank_req.mutable_date() = D(2025, 6, 30);
  rank_req.set_page_size(2);
  v1::RankChildRegionsResponse page;
  grpc::ClientContext rank_ctx;
  ASSERT_TRUE(stub_->RankChildRegions(&rank_ctx, rank_req, &page).ok());
  ASSERT_EQ(page.ranked_regions_size(), 2);
  EXPECT_EQ(page.total_size(), 11);
  EXPECT_EQ(page.ranked_regions(0).region(), "regions/15.71");
  EXPECT_EQ(page.ranked_regions(0).rank(), 1);
  EXPECT_DOUBLE_EQ(page.ranked_regions(0).coverage_ratio_percent(), 1.5);
  EXPECT_EQ(page.ranked_regions(1).region(), "regions/15.08");
  ASSERT_FALSE(page.next_page_token().empty());
  rank_req.set_page_token(page.next_page_token());
  grpc::ClientContext rank_ctx2;
  ASSERT_TRUE(stub_->RankChildRegions(&rank_ctx2, rank_req, &page).ok());
  EXPECT_EQ(page.ranked_regions(0).region(), "regions/15.01");
  EXPECT_EQ(page.ranked_regions(0).rank(), 3);
  EXPECT_FALSE(page.ranked_regions(0).baseline_found());
  rank_req.set_parent("regions/15.08");  // a token of another query is refused
  grpc::ClientContext rank_ctx3;
  EXPECT_EQ(stub_->RankChildRegions(&rank_ctx3, rank_req, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Trend Jan-Mar 2025: 5, 5, then 6 when the BPU worker of Kota Jambi starts on 1 March.
  v1::GetCoverageTrendRequest trend_req;
  trend_req.set_region("regions/15");
  trend_req.mutable_start_month()->set_year(2025);
  trend_req.mutable_start_month()->set_month(1);
  trend_req.mutable_end_month()->set_year(2025);
  trend_req.mutable_end_month()->set_month(3);
  v1::GetCoverageTrendResponse trend;
  grpc::ClientContext trend_ctx;
  ASSERT_TRUE(stub_->GetCoverageTrend(&trend_ctx, trend_req, &trend).ok());
  ASSERT_EQ(trend.points_size(), 3);
  EXPECT_EQ(trend.points(0).date().day(), 31);
  EXPECT_EQ(trend.points(0).active_persons(), 5);
  EXPECT_EQ(trend.points(0).active_persons_change(), 5);
  EXPECT_EQ(trend.points(1).date().day(), 28);
  EXPECT_EQ(trend.points(1).active_persons_change(), 0);
  EXPECT_EQ(trend.points(2).active_persons(), 6);
  EXPECT_DOUBLE_EQ(trend.points(2).coverage_ratio_percent(), 0.6);

  v1::BatchGetCoverageRequest batch_req;
  batch_req.add_regions("regions/15.08");
  batch_req.add_regions("regions/15.71");
  *batch_req.mutable_date() = D(2025, 6, 30);
  v1::BatchGetCoverageResponse batch;
  grpc::ClientContext batch_ctx;
  ASSERT_TRUE(stub_->BatchGetCoverage(&batch_ctx, batch_req, &batch).ok());
  ASSERT_EQ(batch.coverages_size(), 2);
  EXPECT_DOUBLE_EQ(batch.coverages(0).coverage_ratio_percent(), 0.75);
  EXPECT_DOUBLE_EQ(batch.coverages(1).coverage_ratio_percent(), 1.5);
}

TEST_F(CoverageServiceTest, ReadAfterWriteSeesTheWriteAtOnce) {
  v1::RegionCoverage c;
  bool cached = true;
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(c.active_persons(), 3);
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_TRUE(cached);  // a hit: no registry call
  EXPECT_EQ(c.active_persons(), 3);

  Worker(7, "regions/15.08.01.2001", type::v1::SEGMENT_BPU, D(2025, 6, 1), D(2025, 12, 31));
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(c.active_persons(), 4);
}

// Whoever can write to Redis must not be able to change an answer: a value rewritten there, with
// no MAC, a MAC under another key, or a genuine value moved from another key, is a miss that is
// counted, answered from the registry and stored again.
TEST_F(CoverageServiceTest, ValuesRewrittenInRedisAreNeverServed) {
  v1::RegionCoverage c;
  bool cached = false;
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  ASSERT_EQ(c.active_persons(), 3);
  // The one cached answer of province 15 so far, and a genuine one of another region.
  auto key =
      redis_->Command({"EVAL", "return redis.call('KEYS', ARGV[1])[1]", "0", "paritrana:cov:15:*"});
  ASSERT_TRUE(key.ok()) << key.status();
  v1::RegionCoverage other;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &other).ok());
  ASSERT_NE(other.active_persons(), 3);
  auto other_key = redis_->Command(
      {"EVAL",
       "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do if k ~= ARGV[2] then return k end end",
       "0", "paritrana:cov:15:*", *key});
  ASSERT_TRUE(other_key.ok()) << other_key.status();
  auto genuine_other = redis_->Command({"GET", *other_key});
  ASSERT_TRUE(genuine_other.ok()) << genuine_other.status();

  v1::RegionCoverage forged = c;
  forged.set_active_persons(999999);
  auto attacker = CacheMac::FromKey("an attacker's own key of 32 bytes or more");
  ASSERT_TRUE(attacker.ok());
  const std::vector<std::pair<std::string, std::string>> rewrites = {
      {"without a MAC", forged.SerializeAsString()},
      {"with a MAC under another key", attacker->Seal(*key, forged.SerializeAsString())},
      {"moved from another region's key", *genuine_other},
  };
  for (const auto& rewrite : rewrites) {
    SCOPED_TRACE(rewrite.first);
    ASSERT_TRUE(redis_->Command({"SET", *key, rewrite.second, "EX", "600"}).ok());
    const int64_t forged_before = cache_->stats().forged;
    ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
    EXPECT_EQ(c.active_persons(), 3);  // the registry's figure, never 999999 or the province's
    EXPECT_FALSE(cached);
    EXPECT_EQ(cache_->stats().forged, forged_before + 1);
    // Rewritten with a valid MAC: the next call is a hit again.
    ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
    EXPECT_EQ(c.active_persons(), 3);
    EXPECT_TRUE(cached);
  }
}

TEST_F(CoverageServiceTest, RedisDownStillAnswersAndHitsResumeWhenItReturns) {
  v1::RegionCoverage c;
  bool cached = false;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  ASSERT_TRUE(cached);

  ASSERT_TRUE(redis_->Stop().ok());
  const int64_t bypasses = cache_->stats().bypasses;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
    EXPECT_FALSE(cached);
    EXPECT_EQ(c.active_persons(), 6);
  }
  EXPECT_GE(cache_->stats().bypasses, bypasses + 5);

  ASSERT_TRUE(redis_->Restart().ok());  // an empty Redis: the old entries are gone
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  const int64_t hits = cache_->stats().hits;
  while (absl::Now() < deadline && cache_->stats().hits < hits + 3) {
    ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_GE(cache_->stats().hits, hits + 3) << "cache hits did not resume after Redis returned";
  EXPECT_EQ(c.active_persons(), 6);
}

class CoverageLocalCacheTest : public CoverageServiceTest {
 protected:
  bool WithLocalCache() const override { return true; }

  void WaitUntilLive() {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!subscriber_->live() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_TRUE(subscriber_->live()) << "the invalidation subscription did not start";
  }
};

TEST_F(CoverageLocalCacheTest, AnswersFromProcessUntilTheRegistryAnnouncesAWrite) {
  WaitUntilLive();
  v1::RegionCoverage c;
  bool cached = true;
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_FALSE(cached);
  const int64_t redis_lookups = cache_->stats().hits + cache_->stats().misses;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
    EXPECT_TRUE(cached);
    EXPECT_EQ(c.active_persons(), 3);
  }
  EXPECT_EQ(local_->stats().hits, 3);
  EXPECT_EQ(cache_->stats().hits + cache_->stats().misses, redis_lookups)
      << "in-process hits must not touch Redis";

  // The write's message reaches the subscriber (the documented window: one pub/sub delivery);
  // from then on the province's answers are recomputed.
  const int64_t invalidations = local_->stats().invalidations;
  Worker(7, "regions/15.08.01.2001", type::v1::SEGMENT_BPU, D(2025, 6, 1), D(2025, 12, 31));
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  while (local_->stats().invalidations == invalidations && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GT(local_->stats().invalidations, invalidations);
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(c.active_persons(), 4);
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(c.active_persons(), 4);
  EXPECT_EQ(local_->stats().hits, 4);
}

// GetCoverage as the wire sees it: `request` bytes in, the answer's bytes out, through a generic
// stub, so that nothing parses or reserializes them on the client side.
grpc::Status RawGetCoverage(const std::string& address, const std::string& request,
                            std::string* answer) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice in(request);
  grpc::ByteBuffer req(&in, 1), resp;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/paritrana.coverage.v1.CoverageService/GetCoverage", grpc::StubOptions(),
                 &req, &resp, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  std::vector<grpc::Slice> slices;
  if (status.ok() && resp.Dump(&slices).ok()) {
    answer->clear();
    for (const grpc::Slice& s : slices) answer->append(s.begin(), s.end());
  }
  return status;
}

TEST_F(CoverageLocalCacheTest, AHitIsSentAsTheBytesOfTheComputedAnswer) {
  WaitUntilLive();
  v1::GetCoverageRequest req;
  req.set_region("regions/15.71");
  *req.mutable_date() = D(2025, 6, 30);
  std::string computed, hit;
  ASSERT_TRUE(RawGetCoverage(coverage_->address(), req.SerializeAsString(), &computed).ok());
  ASSERT_TRUE(RawGetCoverage(coverage_->address(), req.SerializeAsString(), &hit).ok());
  EXPECT_EQ(local_->stats().hits, 1);
  EXPECT_EQ(hit, computed);
  v1::RegionCoverage c;
  ASSERT_TRUE(c.ParseFromString(hit));
  EXPECT_EQ(c.region(), "regions/15.71");
  EXPECT_EQ(c.active_persons(), 3);

  // The same question spelt with its defaults (target year of the date) shares the entry; a
  // different target year does not.
  req.set_target_year(2025);
  ASSERT_TRUE(RawGetCoverage(coverage_->address(), req.SerializeAsString(), &hit).ok());
  EXPECT_EQ(local_->stats().hits, 2);
  EXPECT_EQ(hit, computed);
  req.set_target_year(2026);
  ASSERT_TRUE(RawGetCoverage(coverage_->address(), req.SerializeAsString(), &hit).ok());
  EXPECT_EQ(local_->stats().hits, 2);

  // Bytes that are not a GetCoverageRequest fail like a generated method's, and the next call
  // is served.
  std::string ignored;
  grpc::Status bad = RawGetCoverage(coverage_->address(), std::string("\xff\xff\xff", 3), &ignored);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INTERNAL) << bad.error_message();
  req.set_region("regions/15.7");
  grpc::Status invalid = RawGetCoverage(coverage_->address(), req.SerializeAsString(), &ignored);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << invalid.error_message();
  req.set_region("regions/15.71");
  req.clear_target_year();
  ASSERT_TRUE(RawGetCoverage(coverage_->address(), req.SerializeAsString(), &hit).ok());
  EXPECT_EQ(hit, computed);
}

TEST_F(CoverageLocalCacheTest, BatchSharesTheProcessCacheWithSingleReads) {
  WaitUntilLive();
  v1::RegionCoverage c;
  bool cached = true;
  ASSERT_TRUE(Get("regions/15.08", D(2025, 6, 30), &c, &cached).ok());  // fills 15.08
  ASSERT_EQ(c.active_persons(), 3);

  v1::BatchGetCoverageRequest req;
  req.add_regions("regions/15.08");
  req.add_regions("regions/15.71");
  *req.mutable_date() = D(2025, 6, 30);
  auto batch = [&](bool expect_from_cache) {
    v1::BatchGetCoverageResponse out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("paritrana-report-cache", "true");
    EXPECT_TRUE(stub_->BatchGetCoverage(&ctx, req, &out).ok());
    const auto& md = ctx.GetServerInitialMetadata();
    auto it = md.find("paritrana-computed-from-cache");
    EXPECT_TRUE(it != md.end());
    if (it != md.end()) {
      EXPECT_EQ(std::string(it->second.data(), it->second.size()),
                expect_from_cache ? "true" : "false");
    }
    return out;
  };
  v1::BatchGetCoverageResponse first = batch(false);  // 15.71 comes from the registry
  EXPECT_EQ(local_->stats().hits, 1);
  ASSERT_EQ(first.coverages_size(), 2);
  EXPECT_EQ(first.coverages(0).active_persons(), 3);
  EXPECT_DOUBLE_EQ(first.coverages(1).coverage_ratio_percent(), 1.5);

  const int64_t redis_lookups = cache_->stats().hits + cache_->stats().misses;
  v1::BatchGetCoverageResponse second = batch(true);
  EXPECT_EQ(local_->stats().hits, 3);
  EXPECT_EQ(cache_->stats().hits + cache_->stats().misses, redis_lookups)
      << "a batch answered in process must not touch Redis";
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());

  // A single read of 15.71 now hits what the batch filled.
  ASSERT_TRUE(Get("regions/15.71", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(local_->stats().hits, 4);

  const int64_t invalidations = local_->stats().invalidations;
  Worker(7, "regions/15.08.01.2001", type::v1::SEGMENT_BPU, D(2025, 6, 1), D(2025, 12, 31));
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  while (local_->stats().invalidations == invalidations && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GT(local_->stats().invalidations, invalidations);
  v1::BatchGetCoverageResponse third = batch(false);
  ASSERT_EQ(third.coverages_size(), 2);
  EXPECT_EQ(third.coverages(0).active_persons(), 4);
}

TEST_F(CoverageLocalCacheTest, RedisDownTurnsTheProcessCacheOffUntilItIsBack) {
  WaitUntilLive();
  v1::RegionCoverage c;
  bool cached = false;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  ASSERT_TRUE(cached);

  ASSERT_TRUE(redis_->Stop().ok());
  const absl::Time off_by = absl::Now() + absl::Seconds(3);
  while (subscriber_->live() && absl::Now() < off_by) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_FALSE(subscriber_->live());
  // Writes now cannot be announced, so nothing may come from the process cache.
  const int64_t hits = local_->stats().hits;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(c.active_persons(), 6);
  EXPECT_EQ(local_->stats().hits, hits);

  ASSERT_TRUE(redis_->Restart().ok());
  WaitUntilLive();
  EXPECT_GE(local_->stats().resets, 2);
  // The Redis client itself comes back after its backoff; then answers are kept in process again.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (local_->stats().hits == hits && absl::Now() < deadline) {
    ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GT(local_->stats().hits, hits) << "in-process hits did not resume";
  EXPECT_EQ(c.active_persons(), 6);
}

TEST_F(CoverageServiceTest, RegistryDownServesCachedAnswersAndFailsFastOtherwise) {
  v1::RegionCoverage c;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c).ok());
  registry_->Stop();

  bool cached = false;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(c.active_persons(), 6);

  const absl::Time start = absl::Now();
  grpc::Status s = Get("regions/15", D(2025, 5, 31), &c);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GetErrorInfo(FromGrpcStatus(s))->reason(), "REGISTRY_UNAVAILABLE");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// Issue 19: the target follows the year asked, not only the date's; each target year is its own
// cached answer.
TEST_F(CoverageServiceTest, TargetYearChoosesTheTargetAndIsPartOfTheCacheKey) {
  rv1::CreateCoverageTargetRequest t;
  t.set_parent("regions/15");
  t.mutable_coverage_target()->set_year(2026);
  t.mutable_coverage_target()->set_target_ratio_percent(60);
  t.mutable_coverage_target()->set_denominator_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
  Ok(registry_->registry().CreateCoverageTarget(t).status());

  auto get = [&](int target_year, v1::RegionCoverage* out, bool* cached) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("paritrana-report-cache", "true");
    v1::GetCoverageRequest req;
    req.set_region("regions/15");
    *req.mutable_date() = D(2025, 6, 30);
    req.set_target_year(target_year);
    grpc::Status s = stub_->GetCoverage(&ctx, req, out);
    auto it = ctx.GetServerInitialMetadata().find("paritrana-computed-from-cache");
    *cached = it != ctx.GetServerInitialMetadata().end() && it->second == "true";
    return s;
  };
  v1::RegionCoverage c;
  bool cached = true;
  // The default: the date's year, 55% of the 2025 baseline's 1,000.
  ASSERT_TRUE(get(0, &c, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(c.target().target(), "regions/15/targets/2025");
  EXPECT_EQ(c.target().year(), 2025);
  EXPECT_EQ(c.target().target_workers(), 550);
  // 2026's 60% of the same denominator (the baseline applying to the date): 600, 594 to enroll.
  ASSERT_TRUE(get(2026, &c, &cached).ok());
  EXPECT_FALSE(cached) << "another target year must not come from the cache";
  EXPECT_EQ(c.target().target(), "regions/15/targets/2026");
  EXPECT_EQ(c.target().year(), 2026);
  EXPECT_DOUBLE_EQ(c.target().target_ratio_percent(), 60);
  EXPECT_EQ(c.target().target_workers(), 600);
  EXPECT_EQ(c.target().workers_to_enroll(), 594);
  EXPECT_EQ(c.potential_workers(), 1000);
  EXPECT_EQ(c.denominator_year(), 2025);
  // Both are now cached, each with its own target; 2025 spelt out is the default's entry.
  ASSERT_TRUE(get(2026, &c, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(c.target().year(), 2026);
  ASSERT_TRUE(get(2025, &c, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(c.target().target(), "regions/15/targets/2025");
  EXPECT_EQ(c.target().target_workers(), 550);
  // A year without a target: none.
  ASSERT_TRUE(get(2027, &c, &cached).ok());
  EXPECT_FALSE(c.has_target());

  auto batch = [&](int target_year, v1::BatchGetCoverageResponse* out) {
    grpc::ClientContext ctx;
    v1::BatchGetCoverageRequest req;
    req.add_regions("regions/15");
    req.add_regions("regions/15.71");
    *req.mutable_date() = D(2025, 6, 30);
    req.set_target_year(target_year);
    return stub_->BatchGetCoverage(&ctx, req, out);
  };
  v1::BatchGetCoverageResponse b;
  ASSERT_TRUE(batch(2026, &b).ok());
  ASSERT_EQ(b.coverages_size(), 2);
  EXPECT_EQ(b.coverages(0).target().target(), "regions/15/targets/2026");
  EXPECT_EQ(b.coverages(0).target().target_workers(), 600);
  EXPECT_FALSE(b.coverages(1).has_target());  // Kota Jambi has no target
  ASSERT_TRUE(batch(0, &b).ok());
  EXPECT_EQ(b.coverages(0).target().target(), "regions/15/targets/2025");
  EXPECT_EQ(b.coverages(0).target().year(), 2025);

  for (int bad : {1999, 2101, -1}) {
    SCOPED_TRACE(bad);
    grpc::Status s = get(bad, &c, &cached);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(GetBadRequest(FromGrpcStatus(s))->field_violations(0).field(), "target_year");
    s = batch(bad, &b);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(GetBadRequest(FromGrpcStatus(s))->field_violations(0).field(), "target_year");
  }
}

// Issue 19: the denominator says whether it was given or summed from the regencies/cities, and
// carries the registry's disagreement when the province's own figure does not add up.
TEST_F(CoverageServiceTest, DenominatorOriginAndDisagreement) {
  v1::RegionCoverage c;
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c).ok());
  EXPECT_EQ(c.denominator_origin(), type::v1::DENOMINATOR_ORIGIN_GIVEN);
  // Bungo 400 + Kota Jambi 200 of 11 children fall short of 1,000: no disagreement.
  EXPECT_FALSE(c.has_denominator_disagreement());

  // In 2024 the province has no baseline; two regencies do: 300 + 100.
  for (const auto& [region, potential] : std::vector<std::pair<std::string, int64_t>>{
           {"regions/15.08", 300}, {"regions/15.71", 100}}) {
    rv1::CreateWorkforceBaselineRequest b;
    b.set_parent(region);
    b.mutable_workforce_baseline()->set_year(2024);
    b.mutable_workforce_baseline()->set_source(type::v1::DENOMINATOR_SOURCE_BPJS_POTENTIAL);
    b.mutable_workforce_baseline()->set_potential_workers(potential);
    Ok(registry_->registry().CreateWorkforceBaseline(b).status());
  }
  ASSERT_TRUE(Get("regions/15", D(2024, 6, 30), &c).ok());
  EXPECT_TRUE(c.baseline_found());
  EXPECT_EQ(c.denominator_origin(), type::v1::DENOMINATOR_ORIGIN_DERIVED_FROM_CHILDREN);
  EXPECT_EQ(c.potential_workers(), 400);
  EXPECT_EQ(c.denominator_year(), 2024);
  EXPECT_EQ(c.denominator_note(),
            "derived: the sum of the baselines of 2 of 11 regencies/cities (2024 or earlier)");
  // A regency without a baseline: nothing found, nothing said about the origin.
  ASSERT_TRUE(Get("regions/15.04", D(2025, 6, 30), &c).ok());
  EXPECT_FALSE(c.baseline_found());
  EXPECT_EQ(c.denominator_origin(), type::v1::DENOMINATOR_ORIGIN_UNSPECIFIED);

  // The province's 2025 figure lowered to 500 (PU 300, BPU 200), below its two regencies' 600
  // alone: accepted, used, and reported as (500 - 600) / 500 = -20%.
  rv1::UpdateWorkforceBaselineRequest u;
  u.mutable_workforce_baseline()->set_name("regions/15/baselines/2025-bpjs-potential");
  u.mutable_workforce_baseline()->set_potential_workers(500);
  for (const auto& [segment, workers] :
       {std::pair{type::v1::SEGMENT_PU, 300}, std::pair{type::v1::SEGMENT_BPU, 200}}) {
    auto* s = u.mutable_workforce_baseline()->add_segment_workers();
    s->set_segment(segment);
    s->set_potential_workers(workers);
  }
  u.mutable_update_mask()->add_paths("potential_workers");
  u.mutable_update_mask()->add_paths("segment_workers");
  Ok(registry_->registry().UpdateWorkforceBaseline(u).status());
  ASSERT_TRUE(Get("regions/15", D(2025, 6, 30), &c).ok());
  EXPECT_EQ(c.potential_workers(), 500);
  EXPECT_EQ(c.denominator_origin(), type::v1::DENOMINATOR_ORIGIN_GIVEN);
  ASSERT_TRUE(c.has_denominator_disagreement());
  EXPECT_EQ(c.denominator_disagreement().children_potential_workers(), 600);
  EXPECT_EQ(c.denominator_disagreement().children_with_baseline(), 2);
  EXPECT_EQ(c.denominator_disagreement().children(), 11);
  EXPECT_DOUBLE_EQ(c.denominator_disagreement().difference_percent(), -20);
}

TEST_F(CoverageServiceTest, BadInputGetsFieldViolations) {
  v1::RegionCoverage c;
  grpc::Status s = Get("regions/15.8", D(2025, 6, 30), &c);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetBadRequest(FromGrpcStatus(s))->field_violations(0).field(), "region");

  google::type::Date february_30;
  february_30.set_year(2025);
  february_30.set_month(2);
  february_30.set_day(30);
  s = Get("regions/15", february_30, &c);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetBadRequest(FromGrpcStatus(s))->field_violations(0).field(), "date");

  s = Get("regions/15.99", D(2025, 6, 30), &c);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  auto info = GetErrorInfo(FromGrpcStatus(s));
  // The suite's one NOT_FOUND (api/resource_errors.h): reason NOT_FOUND, metadata `resource`.
  EXPECT_EQ(info->reason(), "NOT_FOUND");
  EXPECT_EQ(info->metadata().at("resource"), "regions/15.99");
}

}  // namespace
}  // namespace paritrana::coverage
