#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace paritrana {

// Listens to one Redis pub/sub channel on a thread of its own, for in-process caches that must
// drop entries as soon as another process announces a change. What such a cache needs is not just
// the messages but to know that it has not missed any, so the subscriber:
//   - calls `on_reset` each time a subscription (re)starts, before it reports itself live:
//     whatever was published while it was not subscribed is unknown, so the cache starts empty;
//   - sends PING on the subscribed connection every `ping_interval`; Redis answers in order with
//     the messages, so a PONG proves every message published before the PING has been delivered;
//   - is live() only while the last PONG is younger than `liveness`. A link that breaks silently
//     (no FIN: a partition, a dead host) therefore stops the cache within about `liveness`.
// Reconnects after failures with the same doubling backoff as RedisClient. Never blocks callers:
// live() is one atomic load. Stops and joins its thread on destruction.
class RedisSubscriber final {
 public:
  struct Options {
    std::string address = "127.0.0.1:6379";  // HOST:PORT or unix:PATH, as RedisClient
    std::string channel;
    absl::Duration ping_interval = absl::Milliseconds(200);
    absl::Duration liveness = absl::Seconds(1);  // > ping_interval
    absl::Duration connect_timeout = absl::Milliseconds(500);
    absl::Duration initial_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
    // AUTH on each connection, as RedisClient::Options (copy them from the client's options).
    std::string username;
    std::string password;
  };
  using OnMessage = std::function<void(absl::string_view payload)>;
  using OnReset = std::function<void()>;

  // Starts the thread; does not wait for Redis (the subscriber is simply not live until then).
  // INVALID_ARGUMENT for a bad address, an empty channel, liveness <= ping_interval or a user
  // without a password.
  static absl::StatusOr<std::unique_ptr<RedisSubscriber>> Start(Options options,
                                                                OnMessage on_message,
                                                                OnReset on_reset);
  ~RedisSubscriber();

  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // True while the subscription is known to be current (see above).
  bool live() const;
  // Subscriptions started since creation (the first one included), for metrics and tests.
  int64_t subscriptions() const { return subscriptions_.load(std::memory_order_relaxed); }

 private:
  RedisSubscriber(Options options, std::string host, int port, OnMessage on_message,
                  OnReset on_reset);
  void Run();
  // One connection's life: connect, subscribe, read until failure or stop. The reason it ended.
  std::string Session();

  const Options options_;
  const std::string host_;
  const int port_;
  const OnMessage on_message_;
  const OnReset on_reset_;
  std::atomic<bool> stop_{false};
  // Until when the subscriber counts as live, in absl::ToUnixNanos; 0 when not live.
  std::atomic<int64_t> live_until_ns_{0};
  std::atomic<int64_t> subscriptions_{0};
  std::thread thread_;
};

}  // namespace paritrana
