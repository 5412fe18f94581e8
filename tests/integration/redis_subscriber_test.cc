// RedisSubscriber against a real redis-server: messages arrive, liveness follows the link
// (including a server that stops answering without closing it), and every new subscription
// resets the cache it feeds.
#include "redis/redis_subscriber.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "redis/redis_client.h"
#include "tests/support/redis_server.h"

namespace paritrana {
namespace {

bool WaitFor(const std::function<bool()>& condition, absl::Duration limit) {
  for (const absl::Time deadline = absl::Now() + limit; absl::Now() < deadline;) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

class RedisSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = test_support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    RedisSubscriber::Options o;
    o.address = redis_->address();
    o.channel = std::string(RedisClient::kGenerationChannel);
    o.ping_interval = absl::Milliseconds(50);
    o.liveness = absl::Milliseconds(300);
    o.max_backoff = absl::Milliseconds(200);
    auto s = RedisSubscriber::Start(
        o,
        [this](absl::string_view m) {
          absl::MutexLock lock(&mu_);
          messages_.emplace_back(m);
        },
        [this] { resets_.fetch_add(1); });
    ASSERT_TRUE(s.ok()) << s.status();
    subscriber_ = std::move(*s);
  }

  std::vector<std::string> Messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<RedisSubscriber> subscriber_;
  absl::Mutex mu_;
  std::vector<std::string> messages_;
  std::atomic<int> resets_{0};
};

TEST_F(RedisSubscriberTest, ReceivesEachBumpedProvinceAfterGoingLive) {
  ASSERT_TRUE(WaitFor([&] { return subscriber_->live(); }, absl::Seconds(5)));
  EXPECT_EQ(resets_.load(), 1);
  RedisClient::Options o;
  o.address = redis_->address();
  auto client = RedisClient::Create(o);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->BumpGenerations({"15", "31"}).ok());
  ASSERT_TRUE(WaitFor([&] { return Messages().size() == 2; }, absl::Seconds(2)));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"15", "31"}));
  // The generation is already bumped when the message arrives.
  EXPECT_EQ(*redis_->Command({"GET", RedisClient::GenerationKey("15")}), "1");
  EXPECT_TRUE(subscriber_->live());
}

TEST_F(RedisSubscriberTest, StopsBeingLiveWhenRedisStopsAndResetsOnResubscribing) {
  ASSERT_TRUE(WaitFor([&] { return subscriber_->live(); }, absl::Seconds(5)));
  ASSERT_TRUE(redis_->Stop().ok());
  EXPECT_TRUE(WaitFor([&] { return !subscriber_->live(); }, absl::Seconds(2)));
  ASSERT_TRUE(redis_->Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return subscriber_->live(); }, absl::Seconds(5)));
  EXPECT_EQ(resets_.load(), 2);
  EXPECT_EQ(subscriber_->subscriptions(), 2);
}

TEST_F(RedisSubscriberTest, StopsBeingLiveWhenRedisHangsWithTheConnectionOpen) {
  ASSERT_TRUE(WaitFor([&] { return subscriber_->live(); }, absl::Seconds(5)));
  redis_->Pause();
  // No FIN, no error: only the missing PONGs tell. Liveness is 300 ms after the last answered PING.
  EXPECT_TRUE(WaitFor([&] { return !subscriber_->live(); }, absl::Seconds(1)));
  absl::SleepFor(absl::Milliseconds(900));  // > 2 x liveness: the subscriber gives the link up
  redis_->Resume();
  ASSERT_TRUE(WaitFor([&] { return subscriber_->live(); }, absl::Seconds(5)));
  EXPECT_GE(resets_.load(), 2) << "a new subscription must reset what the cache holds";
}

TEST(RedisSubscriberOptionsTest, RejectsBadOptions) {
  RedisSubscriber::Options o;
  o.channel = "c";
  o.address = "nohost";
  EXPECT_EQ(RedisSubscriber::Start(o, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  o.address = "127.0.0.1:1";
  o.channel = "";
  EXPECT_EQ(RedisSubscriber::Start(o, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  o.channel = "c";
  o.liveness = o.ping_interval;
  EXPECT_EQ(RedisSubscriber::Start(o, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RedisSubscriberOptionsTest, IsNotLiveWithoutRedis) {
  RedisSubscriber::Options o;
  o.address = "127.0.0.1:" + std::to_string(test_support::PickFreePort());
  o.channel = "c";
  int resets = 0;
  auto s = RedisSubscriber::Start(
      o, [](absl::string_view) {}, [&] { ++resets; });
  ASSERT_TRUE(s.ok());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE((*s)->live());
  EXPECT_EQ(resets, 0);
}

}  // namespace
}  // namespace paritrana
