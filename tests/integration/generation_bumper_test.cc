// GenerationBumper against a real redis-server (issue 13, item 3): a bump that Redis does not take
// at once (writes paused, server down) stays pending and goes through when Redis is back, instead
// of being dropped with a log line and leaving coverage stale until some later write.
#include "services/registry/generation_bumper.h"

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace paritrana::registry {
namespace {

using test_support::RedisServer;

class GenerationBumperTest : public testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << "cannot start redis-server: " << server.status();
    redis_ = *std::move(server);
    RedisClient::Options options;
    options.address = redis_->address();
    options.max_backoff = absl::Milliseconds(500);  // as the registry's main sets it
    auto client = RedisClient::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    bumper_ = GenerationBumper::ForRedis(*client_);
  }

  void TearDown() override {
    bumper_.reset();
    client_.reset();
  }

  // The province's generation in Redis (0 when the key does not exist, -1 on error).
  int64_t Generation(const std::string& province) {
    const std::string key = RedisClient::GenerationKey(province);
    auto exists = redis_->Command({"EXISTS", key});
    if (!exists.ok()) return -1;
    if (*exists == "0") return 0;
    auto reply = redis_->Command({"GET", key});
    if (!reply.ok()) return -1;
    int64_t g = 0;
    return absl::SimpleAtoi(*reply, &g) ? g : 0;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<GenerationBumper> bumper_;
};

TEST_F(GenerationBumperTest, AHealthyRedisHasTheBumpBeforeBumpReturns) {
  bumper_->Bump({"15", "16"});
  EXPECT_EQ(Generation("15"), 1);
  EXPECT_EQ(Generation("16"), 1);
  EXPECT_EQ(bumper_->pending(), 0u);
}

TEST_F(GenerationBumperTest, ABumpMadeWhileRedisPausesWritesGoesThroughAfterThePause) {
  ASSERT_TRUE(redis_->Command({"CLIENT", "PAUSE", "1500", "WRITE"}).ok());
  bumper_->Bump({"15"});  // the client times out after 50 ms: left pending
  EXPECT_EQ(bumper_->pending(), 1u);
  EXPECT_EQ(Generation("15"), 0) << "the pause did not hold the write back";
  // Bounded: the pause, then at most one retry interval (500 ms), with room for a loaded machine.
  EXPECT_TRUE(bumper_->WaitIdle(absl::Seconds(10)));
  EXPECT_GE(Generation("15"), 1) << "the bump was lost";
}

TEST_F(GenerationBumperTest, BumpsMadeWhileRedisIsDownCoalesceAndGoThroughWhenItIsBack) {
  ASSERT_TRUE(redis_->Stop().ok());
  bumper_->Bump({"15"});
  bumper_->Bump({"15", "36"});
  bumper_->Bump({"15"});
  EXPECT_EQ(bumper_->pending(), 2u);
  EXPECT_FALSE(bumper_->WaitIdle(absl::Milliseconds(300)));
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(bumper_->WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(Generation("15"), 1) << "three writes, one bump: readers only compare for equality";
  EXPECT_EQ(Generation("36"), 1);
}

TEST_F(GenerationBumperTest, EveryProvinceIsBumpedAtStart) {
  bumper_->BumpEveryProvince();
  EXPECT_TRUE(bumper_->WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(Generation("11"), 1);
  EXPECT_EQ(Generation("15"), 1);
  EXPECT_EQ(Generation("96"), 1);
}

TEST_F(GenerationBumperTest, StoppingWithRedisDownEndsAfterOneLastTry) {
  ASSERT_TRUE(redis_->Stop().ok());
  bumper_->Bump({"15"});
  const absl::Time start = absl::Now();
  bumper_.reset();  // must not wait for Redis to return
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace paritrana::registry
