// RedisClient against a real redis-server: pipelined generation bumps, binary-safe values, a
// shared pool under concurrency, and the failure behaviour the read path depends on (fail fast
// while Redis is down or hung, recover by itself when it returns, survive dropped connections).
#include "redis/redis_client.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "redis/redis_flags.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"

ABSL_DECLARE_FLAG(std::string, redis_user);
ABSL_DECLARE_FLAG(std::string, redis_password_file);

namespace paritrana {
namespace {

using test_support::RedisServer;
using testing::AnyOf;
using testing::ElementsAre;
using testing::Eq;
using testing::HasSubstr;
using testing::Not;
using testing::Optional;

// Generous for a loaded 2-core CI machine; the client's own bound is 50 ms.
constexpr absl::Duration kFast = absl::Milliseconds(500);

RedisClient::Options OptionsFor(const std::string& address) {
  RedisClient::Options o;
  o.address = address;
  return o;
}

// Calls `call` until it succeeds or `limit` passes; returns its last status.
absl::Status PollUntilOk(const std::function<absl::Status()>& call, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  absl::Status status = call();
  while (!status.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    status = call();
  }
  return status;
}

class RedisClientTest : public testing::Test {
 protected:
  // TCP, the transport production uses, for the failure tests below; UnixSocketTest covers the
  // Unix socket the other tests' servers listen on.
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::StartTcp();
    ASSERT_TRUE(server.ok()) << "cannot start redis-server: " << server.status();
    redis_ = *std::move(server);
  }

  // connected_clients from INFO, which counts the INFO connection itself.
  int ConnectedClients() {
    absl::StatusOr<std::string> info = redis_->Command({"INFO", "clients"});
    if (!info.ok()) return -1;
    for (absl::string_view line : absl::StrSplit(*info, "\r\n")) {
      int n = 0;
      if (absl::ConsumePrefix(&line, "connected_clients:") && absl::SimpleAtoi(line, &n)) return n;
    }
    return -1;
  }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RedisClientTest, BumpsGenerationsInOneCallAndReadsThemWithMGet) {
  auto client = RedisClient::Create(OptionsFor(redis_->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;

  ASSERT_TRUE(c.BumpGenerations({"15", "16"}).ok());
  ASSERT_TRUE(c.BumpGenerations({"16"}).ok());
  ASSERT_TRUE(c.BumpGenerations({}).ok());

  auto values = c.MGet({RedisClient::GenerationKey("15"), RedisClient::GenerationKey("16"),
                        RedisClient::GenerationKey("99")});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(Optional(std::string("1")), Optional(std::string("2")),
                                   Eq(std::nullopt)));
  EXPECT_EQ(RedisClient::GenerationKey("15"), "paritrana:gen:15");
  EXPECT_EQ(*redis_->Command({"GET", "paritrana:gen:16"}), "2");

  auto none = c.MGet({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  const RedisClient::Stats s = c.stats();
  EXPECT_EQ(s.commands_ok, 3);  // two bumps and one MGet; empty inputs cost no round trip
  EXPECT_EQ(s.commands_failed, 0);
}

TEST_F(RedisClientTest, SetExAndMGetAreBinarySafe) {
  auto client = RedisClient::Create(OptionsFor(redis_->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;

  std::string value("a\0b\r\n$3\r\n\0", 10);
  for (int b = 0; b < 256; ++b) value.push_back(static_cast<char>(b));
  const std::string key("cache:\0key", 10);

  ASSERT_TRUE(c.SetEx(key, value, 60).ok());
  ASSERT_TRUE(c.SetEx("cache:empty", "", 60).ok());
  auto values = c.MGet({key, "cache:empty", "cache:missing"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(Optional(value), Optional(std::string()), Eq(std::nullopt)));

  int ttl = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*redis_->Command({"TTL", key}), &ttl));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 60);

  EXPECT_EQ(c.SetEx(key, value, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.SetEx(key, value, -5).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisClientTest, ErrorRepliesAreInternalAndNameNoValues) {
  auto client = RedisClient::Create(OptionsFor(redis_->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;

  // A generation key that is not a number: Redis answers INCR with an error reply.
  ASSERT_TRUE(c.SetEx(RedisClient::GenerationKey("31"), "secret-not-a-number", 60).ok());
  const absl::Status s = c.BumpGenerations({"32", "31"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_THAT(s.message(), HasSubstr(redis_->address()));
  EXPECT_THAT(s.message(), Not(HasSubstr("secret")));
  EXPECT_THAT(s.message(), Not(HasSubstr("paritrana:gen")));

  // An error reply is not a connection failure: the connection stays and nothing backs off.
  EXPECT_TRUE(c.Ping().ok());
  EXPECT_EQ(*redis_->Command({"GET", "paritrana:gen:32"}), "1");  // the rest of the pipeline ran
  EXPECT_EQ(c.stats().fast_failures, 0);
  EXPECT_EQ(c.stats().commands_failed, 1);
}

class RedisClientConcurrencyTest : public RedisClientTest,
                                   public testing::WithParamInterface<int> {};

TEST_P(RedisClientConcurrencyTest, ConcurrentCallersShareThePool) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 200;
  RedisClient::Options o = OptionsFor(redis_->address());
  o.pool_size = GetParam();
  // This test is about correctness under contention, not latency: a loaded CI machine can stall
  // a thread for longer than the production 50 ms.
  o.timeout = absl::Seconds(2);
  auto client = RedisClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;

  std::atomic<int> failures{0};
  std::atomic<int> wrong_values{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = absl::StrCat("cache:thread:", t);
      for (int i = 0; i < kIterations; ++i) {
        const std::string value = absl::StrCat(t, ":", i);
        if (!c.SetEx(key, value, 60).ok()) ++failures;
        auto got = c.MGet({key, RedisClient::GenerationKey("conc")});
        if (!got.ok()) {
          ++failures;
        } else if ((*got)[0] != value) {
          ++wrong_values;
        }
        if (!c.BumpGenerations({"conc"}).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong_values.load(), 0);
  auto gen = c.MGet({RedisClient::GenerationKey("conc")});
  ASSERT_TRUE(gen.ok()) << gen.status();
  EXPECT_THAT(*gen, ElementsAre(Optional(std::to_string(kThreads * kIterations))));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(*redis_->Command({"GET", absl::StrCat("cache:thread:", t)}),
              absl::StrCat(t, ":", kIterations - 1));
  }
  const RedisClient::Stats s = c.stats();
  EXPECT_EQ(s.commands_ok, kThreads * kIterations * 3 + 1);
  EXPECT_EQ(s.commands_failed, 0);
  EXPECT_EQ(s.reconnects, 0);
  // Healthy connections are kept, so every connection ever opened is still open: never more
  // than the pool size (+1 for the INFO connection).
  EXPECT_LE(ConnectedClients(), o.pool_size + 1);
}

INSTANTIATE_TEST_SUITE_P(PoolSizes, RedisClientConcurrencyTest, testing::Values(8, 2),
                         [](const testing::TestParamInfo<int>& info) {
                           return absl::StrCat("pool", info.param);
                         });

TEST_F(RedisClientTest, FailsFastWhileRedisIsDownAndRecoversWhenItReturns) {
  auto client = RedisClient::Create(OptionsFor(redis_->address()));  // production defaults
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;
  ASSERT_TRUE(c.SetEx("cache:k", "before", 60).ok());
  ASSERT_TRUE(c.BumpGenerations({"15"}).ok());

  ASSERT_TRUE(redis_->Stop().ok());
  const RedisClient::Stats before = c.stats();
  constexpr int kCalls = 30;
  for (int i = 0; i < kCalls; ++i) {
    const absl::Time start = absl::Now();
    absl::Status s;
    switch (i % 4) {
      case 0:
        s = c.BumpGenerations({"15", "16"});
        break;
      case 1:
        s = c.MGet({"cache:k"}).status();
        break;
      case 2:
        s = c.SetEx("cache:k", "secret-value", 60);
        break;
      default:
        s = c.Ping();
        break;
    }
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << "call " << i << ": " << s;
    EXPECT_LT(took, kFast) << "call " << i;
    EXPECT_THAT(s.message(), HasSubstr(redis_->address()));
    EXPECT_THAT(s.message(), Not(HasSubstr("secret")));
  }
  const RedisClient::Stats down = c.stats();
  EXPECT_EQ(down.commands_failed - before.commands_failed, kCalls);
  EXPECT_GT(down.fast_failures, before.fast_failures);

  // Same port, same client: it must find Redis again by itself.
  ASSERT_TRUE(redis_->Restart().ok());
  const absl::Status back = PollUntilOk([&] { return c.Ping(); }, absl::Seconds(10));
  ASSERT_TRUE(back.ok()) << "no recovery within 10 s: " << back;
  EXPECT_TRUE(c.SetEx("cache:k", "after", 60).ok());
  auto values = c.MGet({"cache:k", RedisClient::GenerationKey("15")});
  ASSERT_TRUE(values.ok()) << values.status();
  // The restarted server started empty (no persistence), so the generation starts over.
  EXPECT_THAT(*values, ElementsAre(Optional(std::string("after")), Eq(std::nullopt)));
  EXPECT_TRUE(c.BumpGenerations({"15"}).ok());
  EXPECT_GE(c.stats().reconnects, 1);
}

TEST_F(RedisClientTest, TimesOutWhenRedisHangsAndRecoversWhenItResumes) {
  auto client = RedisClient::Create(OptionsFor(redis_->address()));  // 50 ms timeout
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;
  ASSERT_TRUE(c.Ping().ok());

  redis_->Pause();  // connections are accepted by the kernel, nothing is answered
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    const absl::Status s = c.BumpGenerations({"15", "16"});
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_LT(absl::Now() - start, kFast) << "call " << i;
    if (i == 0) {
      EXPECT_THAT(s.message(), HasSubstr("timed out")) << s;
    }
  }
  EXPECT_GT(c.stats().fast_failures, 0);

  // Callers beyond the pool do not queue behind a hung connection for longer than the timeout.
  RedisClient::Options small = OptionsFor(redis_->address());
  small.pool_size = 1;
  small.timeout = absl::Milliseconds(200);
  auto single = RedisClient::Create(small);
  ASSERT_TRUE(single.ok()) << single.status();
  std::vector<std::thread> callers;
  std::atomic<int> slow{0};
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      const absl::Time start = absl::Now();
      if ((*single)->Ping().ok()) ++succeeded;
      if (absl::Now() - start >= kFast) ++slow;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(succeeded.load(), 0);
  EXPECT_EQ(slow.load(), 0);

  redis_->Resume();
  const absl::Status back = PollUntilOk([&] { return c.Ping(); }, absl::Seconds(10));
  ASSERT_TRUE(back.ok()) << "no recovery within 10 s: " << back;
  EXPECT_TRUE(c.BumpGenerations({"15"}).ok());
}

TEST_F(RedisClientTest, ConnectionsClosedByTheServerAreReplacedWithoutFailingCalls) {
  RedisClient::Options o = OptionsFor(redis_->address());
  o.timeout = absl::Seconds(5);  // room for the 16 MiB write below
  auto client = RedisClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;
  ASSERT_TRUE(c.Ping().ok());

  // Redis drops every client (as on a restart, or its idle `timeout`): the pooled connection is
  // dead, which the next call discovers and survives by retrying on a fresh one.
  const auto kill = std::vector<std::string>{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"};
  ASSERT_EQ(*redis_->Command(kill), "1");
  EXPECT_TRUE(c.BumpGenerations({"15"}).ok());

  // Again, with a write larger than the socket buffers: writing on after the peer has reset
  // the connection raises SIGPIPE, which would kill this process if the client let it through.
  ASSERT_EQ(*redis_->Command(kill), "1");
  const std::string big(16 << 20, 'x');
  EXPECT_TRUE(c.SetEx("cache:big", big, 60).ok());
  auto values = c.MGet({"cache:big"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(Optional(big)));

  const RedisClient::Stats s = c.stats();
  EXPECT_EQ(s.commands_failed, 0);
  EXPECT_EQ(s.fast_failures, 0);
  EXPECT_EQ(s.reconnects, 2);
}

TEST(RedisClientCreateTest, StartsWithNothingListeningAndFailsItsCalls) {
  const int port = test_support::PickFreePort();
  ASSERT_GT(port, 0);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  RedisClient::Options o = OptionsFor(address);
  // A backoff window far longer than the test, so the second call is in it however slow the
  // machine is.
  o.initial_backoff = absl::Seconds(60);
  o.max_backoff = absl::Seconds(60);
  auto client = RedisClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;

  const absl::Time start = absl::Now();
  const absl::Status first = c.Ping();
  EXPECT_LT(absl::Now() - start, kFast);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_THAT(first.message(), HasSubstr(address));

  const absl::Status second = c.MGet({"cache:k"}).status();  // within the backoff window
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable) << second;
  const RedisClient::Stats s = c.stats();
  EXPECT_EQ(s.commands_failed, 2);
  EXPECT_EQ(s.fast_failures, 1);
  EXPECT_EQ(s.commands_ok, 0);
}

TEST(RedisClientCreateTest, RejectsMalformedAddressesAndOptions) {
  for (const char* address :
       {"nohost", "host:99999", "host:0", "host:", ":6379", "host:-1", "host:+80", "host:port",
        "host:6379x", "::1:6379", "[::1]", "[::1]6379", ""}) {
    auto client = RedisClient::Create(OptionsFor(address));
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument) << address;
  }
  for (const char* address : {"localhost:6379", "redis.internal:6380", "[::1]:6379"}) {
    EXPECT_TRUE(RedisClient::Create(OptionsFor(address)).ok()) << address;
  }

  RedisClient::Options o = OptionsFor("127.0.0.1:6379");
  o.pool_size = 0;
  EXPECT_EQ(RedisClient::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = OptionsFor("127.0.0.1:6379");
  o.timeout = absl::ZeroDuration();
  EXPECT_EQ(RedisClient::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = OptionsFor("127.0.0.1:6379");
  o.max_backoff = absl::Milliseconds(10);
  EXPECT_EQ(RedisClient::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RedisClientCreateTest, AcceptsUnixSockets) {
  for (const char* address : {"unix:/run/redis/redis.sock", "/run/redis/redis.sock"}) {
    auto parsed = RedisClient::ParseAddress(address);
    ASSERT_TRUE(parsed.ok()) << address << ": " << parsed.status();
    EXPECT_EQ(parsed->first, "/run/redis/redis.sock") << address;
    EXPECT_EQ(parsed->second, 0) << address;  // port 0 marks a socket
  }
  EXPECT_EQ(RedisClient::ParseAddress("unix:").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RedisClientUnixSocketTest, TalksOverAUnixSocketAndRecoversAfterARestart) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(absl::StartsWith((*server)->address(), "unix:")) << (*server)->address();
  auto client = RedisClient::Create(OptionsFor((*server)->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  RedisClient& c = **client;
  ASSERT_TRUE(c.SetEx("cache:unix", "v", 60).ok());
  auto values = c.MGet({"cache:unix"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(Optional(std::string("v"))));

  ASSERT_TRUE((*server)->Stop().ok());
  const absl::Status down = c.Ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_THAT(down.message(), HasSubstr((*server)->address()));
  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_TRUE(PollUntilOk([&] { return c.Ping(); }, absl::Seconds(10)).ok());
}

// Redis with a password: the services' ACL user authenticates on every new connection (here over
// TCP, with protected mode on); wrong or missing credentials fail with FAILED_PRECONDITION naming
// the address and never the password, and a user may run only what its ACL allows.
TEST(RedisClientAuthTest, AclUserAuthenticatesAndWrongCredentialsFailClearly) {
  auto server = RedisServer::StartWithPassword(/*tcp=*/true);
  ASSERT_TRUE(server.ok()) << server.status();
  const RedisServer& redis = **server;
  RedisClient::Options good = OptionsFor(redis.address());
  good.username = redis.user();
  good.password = redis.password();
  auto client = RedisClient::Create(good);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->Ping().ok());
  ASSERT_TRUE((*client)->SetEx("paritrana:cov:15:0:q", "v", 60).ok());
  auto versioned = (*client)->GetVersioned("paritrana:gen:15", "paritrana:cov:15:", ":q");
  ASSERT_TRUE(versioned.ok()) << versioned.status();
  EXPECT_THAT(versioned->value, Optional(std::string("v")));
  EXPECT_TRUE((*client)->BumpGenerations({"15"}).ok());
  // Outside its keys, the ACL refuses; that too is a configuration error, not an outage.
  const absl::Status outside = (*client)->SetEx("other:key", "v", 60);
  EXPECT_EQ(outside.code(), absl::StatusCode::kFailedPrecondition) << outside;
  EXPECT_THAT(outside.message(), HasSubstr("NOPERM"));

  RedisClient::Options wrong = good;
  wrong.password = "not-" + redis.password();
  RedisClient::Options no_user = good;
  no_user.username.clear();  // the default user, whose password is another one
  RedisClient::Options none = OptionsFor(redis.address());
  for (const RedisClient::Options& options : {wrong, no_user, none}) {
    auto c = RedisClient::Create(options);
    ASSERT_TRUE(c.ok()) << c.status();
    const absl::Status refused = (*c)->Ping();
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
    EXPECT_THAT(refused.message(), HasSubstr(redis.address()));
    EXPECT_THAT(refused.message(), Not(HasSubstr(redis.password())));
    EXPECT_THAT(refused.message(), AnyOf(HasSubstr("WRONGPASS"), HasSubstr("NOAUTH")));
  }
  RedisClient::Options user_only = OptionsFor(redis.address());
  user_only.username = redis.user();
  EXPECT_EQ(RedisClient::Create(user_only).status().code(), absl::StatusCode::kInvalidArgument);
}

// The flags every service shares: the password comes from a private file, newline stripped.
TEST(RedisFlagsTest, PasswordFileMustBePrivate) {
  test_support::TempDir dir("redis-flags");
  const std::string file = dir.File("password");
  {
    std::ofstream out(file);
    out << "s3cret\n";
  }
  absl::FlagSaver restore;
  absl::SetFlag(&FLAGS_redis_user, "paritrana");
  absl::SetFlag(&FLAGS_redis_password_file, file);
  ASSERT_EQ(chmod(file.c_str(), 0640), 0);
  auto refused = RedisOptionsFromFlags("127.0.0.1:6379");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("--redis_password_file"));
  EXPECT_THAT(refused.status().message(), HasSubstr("0640"));
  ASSERT_EQ(chmod(file.c_str(), 0400), 0);
  auto options = RedisOptionsFromFlags("127.0.0.1:6379");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->address, "127.0.0.1:6379");
  EXPECT_EQ(options->username, "paritrana");
  EXPECT_EQ(options->password, "s3cret");
  absl::SetFlag(&FLAGS_redis_password_file, "");
  EXPECT_EQ(RedisOptionsFromFlags("127.0.0.1:6379").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paritrana
