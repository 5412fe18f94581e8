// The in-process answer cache's rules, without Redis: what a ticket guarantees, what an
// invalidation or a reset drops, and that nothing is served while the subscription is not live.
#include "services/coverage/local_cache.h"

#include <atomic>

#include "gtest/gtest.h"
#include "paritrana/coverage/v1/coverage.pb.h"

namespace paritrana::coverage {
namespace {

grpc::Slice Answer(int64_t persons) {
  v1::RegionCoverage c;
  c.set_active_persons(persons);
  return grpc::Slice(c.SerializeAsString());
}

int64_t Persons(const std::optional<grpc::Slice>& bytes) {
  v1::RegionCoverage c;
  EXPECT_TRUE(c.ParseFromArray(bytes->begin(), static_cast<int>(bytes->size())));
  return c.active_persons();
}

class LocalCacheTest : public ::testing::Test {
 protected:
  std::atomic<bool> live_{true};
  LocalCache cache_{100, [this] { return live_.load(); }};
};

TEST_F(LocalCacheTest, KeepsAnAnswerFilledUnderAValidTicket) {
  LocalCache::Ticket t;
  EXPECT_EQ(cache_.Get("15", "q", t), std::nullopt);
  cache_.Put("15", "q", t, Answer(3));
  LocalCache::Ticket again;
  auto hit = cache_.Get("15", "q", again);
  ASSERT_NE(hit, std::nullopt);
  EXPECT_EQ(Persons(hit), 3);
  EXPECT_EQ(cache_.Get("15", "other", again), std::nullopt);
  EXPECT_EQ(cache_.Get("16", "q", again), std::nullopt);
  EXPECT_EQ(cache_.stats().hits, 1);
  EXPECT_EQ(cache_.stats().entries, 1);
}

TEST_F(LocalCacheTest, RefusesAnAnswerReadBeforeAnInvalidationOfItsProvince) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Invalidate("15");  // a write landed while the answer was being computed
  cache_.Put("15", "q", t, Answer(3));
  LocalCache::Ticket again;
  EXPECT_EQ(cache_.Get("15", "q", again), std::nullopt);

  // Another province's invalidation does not void the ticket.
  LocalCache::Ticket other;
  cache_.Get("15", "q", other);
  cache_.Invalidate("16");
  cache_.Put("15", "q", other, Answer(4));
  ASSERT_NE(cache_.Get("15", "q", again), std::nullopt);
}

TEST_F(LocalCacheTest, InvalidationDropsOnlyThatProvince) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Put("15", "q", t, Answer(3));
  cache_.Get("16", "q", t);
  cache_.Put("16", "q", t, Answer(5));
  cache_.Invalidate("15");
  EXPECT_EQ(cache_.Get("15", "q", t), std::nullopt);
  ASSERT_NE(cache_.Get("16", "q", t), std::nullopt);
  EXPECT_EQ(cache_.stats().entries, 1);
  EXPECT_EQ(cache_.stats().invalidations, 1);
}

TEST_F(LocalCacheTest, ResetDropsEverythingAndVoidsOutstandingTickets) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Put("15", "q", t, Answer(3));
  LocalCache::Ticket outstanding;
  cache_.Get("16", "q", outstanding);
  cache_.Reset();
  EXPECT_EQ(cache_.Get("15", "q", t), std::nullopt);
  cache_.Put("16", "q", outstanding, Answer(5));
  EXPECT_EQ(cache_.Get("16", "q", t), std::nullopt);
  EXPECT_EQ(cache_.stats().entries, 0);
}

TEST_F(LocalCacheTest, ServesAndStoresNothingWhileNotLive) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Put("15", "q", t, Answer(3));
  live_ = false;
  EXPECT_EQ(cache_.Get("15", "q", t), std::nullopt);
  cache_.Put("15", "r", t, Answer(4));
  live_ = true;
  EXPECT_EQ(cache_.Get("15", "r", t), std::nullopt);
  EXPECT_NE(cache_.Get("15", "q", t), std::nullopt);
}

TEST(LocalCacheCapacityTest, EmptiesWhenFullAndNeverHoldsMoreThanTheBound) {
  LocalCache cache(3, [] { return true; });
  LocalCache::Ticket t;
  for (int i = 0; i < 10; ++i) {
    const std::string key = "q" + std::to_string(i);
    cache.Get("15", key, t);
    cache.Put("15", key, t, Answer(i));
    EXPECT_LE(cache.stats().entries, 3);
    ASSERT_NE(cache.Get("15", key, t), std::nullopt) << "the newest answer is always kept";
  }
  EXPECT_GT(cache.stats().evictions, 0);
}

TEST(LocalCacheCapacityTest, ZeroEntriesKeepsNothing) {
  LocalCache cache(0, [] { return true; });
  LocalCache::Ticket t;
  cache.Get("15", "q", t);
  cache.Put("15", "q", t, Answer(1));
  EXPECT_EQ(cache.Get("15", "q", t), std::nullopt);
}

}  // namespace
}  // namespace paritrana::coverage
