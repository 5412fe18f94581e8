// The in-process answer cache's rules, without Redis: what a ticket guarantees, what an
// invalidation or a reset drops, and that nothing is served while the subscription is not live.
#include "services/coverage/local_cache.h"

#include <atomic>

#include "gtest/gtest.h"
#include "paritrana/coverage/v1/coverage.pb.h"

namespace paritrana::coverage {
namespace {

std::shared_ptr<const google::protobuf::Message> Answer(int64_t persons) {
  auto c = std::make_shared<v1::RegionCoverage>();
  c->set_active_persons(persons);
  return c;
}

int64_t Persons(const std::shared_ptr<const google::protobuf::Message>& m) {
  return static_cast<const v1::RegionCoverage&>(*m).active_persons();
}

class LocalCacheTest : public ::testing::Test {
 protected:
  std::atomic<bool> live_{true};
  LocalCache cache_{100, [this] { return live_.load(); }};
};

TEST_F(LocalCacheTest, KeepsAnAnswerFilledUnderAValidTicket) {
  LocalCache::Ticket t;
  EXPECT_EQ(cache_.Get("15", "q", t), nullptr);
  cache_.Put("15", "q", t, Answer(3));
  LocalCache::Ticket again;
  auto hit = cache_.Get("15", "q", again);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(Persons(hit), 3);
  EXPECT_EQ(cache_.Get("15", "other", again), nullptr);
  EXPECT_EQ(cache_.Get("16", "q", again), nullptr);
  EXPECT_EQ(cache_.stats().hits, 1);
  EXPECT_EQ(cache_.stats().entries, 1);
}

TEST_F(LocalCacheTest, RefusesAnAnswerReadBeforeAnInvalidationOfItsProvince) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Invalidate("15");  // a write landed while the answer was being computed
  cache_.Put("15", "q", t, Answer(3));
  LocalCache::Ticket again;
  EXPECT_EQ(cache_.Get("15", "q", again), nullptr);

  // Another province's invalidation does not void the ticket.
  LocalCache::Ticket other;
  cache_.Get("15", "q", other);
  cache_.Invalidate("16");
  cache_.Put("15", "q", other, Answer(4));
  ASSERT_NE(cache_.Get("15", "q", again), nullptr);
}

TEST_F(LocalCacheTest, InvalidationDropsOnlyThatProvince) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Put("15", "q", t, Answer(3));
  cache_.Get("16", "q", t);
  cache_.Put("16", "q", t, Answer(5));
  cache_.Invalidate("15");
  EXPECT_EQ(cache_.Get("15", "q", t), nullptr);
  ASSERT_NE(cache_.Get("16", "q", t), nullptr);
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
  EXPECT_EQ(cache_.Get("15", "q", t), nullptr);
  cache_.Put("16", "q", outstanding, Answer(5));
  EXPECT_EQ(cache_.Get("16", "q", t), nullptr);
  EXPECT_EQ(cache_.stats().entries, 0);
}

TEST_F(LocalCacheTest, ServesAndStoresNothingWhileNotLive) {
  LocalCache::Ticket t;
  cache_.Get("15", "q", t);
  cache_.Put("15", "q", t, Answer(3));
  live_ = false;
  EXPECT_EQ(cache_.Get("15", "q", t), nullptr);
  cache_.Put("15", "r", t, Answer(4));
  live_ = true;
  EXPECT_EQ(cache_.Get("15", "r", t), nullptr);
  EXPECT_NE(cache_.Get("15", "q", t), nullptr);
}

TEST(LocalCacheCapacityTest, EmptiesWhenFullAndNeverHoldsMoreThanTheBound) {
  LocalCache cache(3, [] { return true; });
  LocalCache::Ticket t;
  for (int i = 0; i < 10; ++i) {
    const std::string key = "q" + std::to_string(i);
    cache.Get("15", key, t);
    cache.Put("15", key, t, Answer(i));
    EXPECT_LE(cache.stats().entries, 3);
    ASSERT_NE(cache.Get("15", key, t), nullptr) << "the newest answer is always kept";
  }
  EXPECT_GT(cache.stats().evictions, 0);
}

TEST(LocalCacheCapacityTest, ZeroEntriesKeepsNothing) {
  LocalCache cache(0, [] { return true; });
  LocalCache::Ticket t;
  cache.Get("15", "q", t);
  cache.Put("15", "q", t, Answer(1));
  EXPECT_EQ(cache.Get("15", "q", t), nullptr);
}

}  // namespace
}  // namespace paritrana::coverage
