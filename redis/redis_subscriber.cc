#include "redis/redis_subscriber.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "platform/log.h"
#include "redis/redis_client.h"

namespace paritrana {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

// The longest the thread sleeps in poll(2), so that stopping never waits long.
constexpr absl::Duration kMaxWait = absl::Milliseconds(100);

absl::string_view Str(const redisReply& r) {
  return r.type == REDIS_REPLY_STRING || r.type == REDIS_REPLY_STATUS
             ? absl::string_view(r.str, r.len)
             : absl::string_view();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisSubscriber>> RedisSubscriber::Start(Options options,
                                                                        OnMessage on_message,
                                                                        OnReset on_reset) {
  absl::StatusOr<std::pair<std::string, int>> host_port =
      RedisClient::ParseAddress(options.address);
  if (!host_port.ok()) return host_port.status();
  if (options.channel.empty()) return absl::InvalidArgumentError("redis channel is required");
  if (options.ping_interval <= absl::ZeroDuration() || options.liveness <= options.ping_interval) {
    return absl::InvalidArgumentError("redis subscriber needs 0 < ping_interval < liveness");
  }
  if (!options.username.empty() && options.password.empty()) {
    return absl::InvalidArgumentError("redis user given without a password");
  }
  auto subscriber = std::unique_ptr<RedisSubscriber>(
      new RedisSubscriber(std::move(options), std::move(host_port->first), host_port->second,
                          std::move(on_message), std::move(on_reset)));
  subscriber->thread_ = std::thread([s = subscriber.get()] { s->Run(); });
  return subscriber;
}

RedisSubscriber::RedisSubscriber(Options options, std::string host, int port, OnMessage on_message,
                                 OnReset on_reset)
    : options_(std::move(options)),
      host_(std::move(host)),
      port_(port),
      on_message_(std::move(on_message)),
      on_reset_(std::move(on_reset)) {}

RedisSubscriber::~RedisSubscriber() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

bool RedisSubscriber::live() const {
  return absl::ToUnixNanos(absl::Now()) < live_until_ns_.load(std::memory_order_acquire);
}

void RedisSubscriber::Run() {
  // This thread only talks to Redis: a write to a connection Redis closed must fail with EPIPE,
  // not raise SIGPIPE and end the process.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

  absl::Duration backoff = options_.initial_backoff;
  bool reported = false;
  while (!stop_.load()) {
    const int64_t before = subscriptions();
    const std::string why = Session();
    live_until_ns_.store(0, std::memory_order_release);
    if (stop_.load()) break;
    const bool was_subscribed = subscriptions() > before;
    if (was_subscribed || !reported) {
      log::Warn("cache invalidation channel lost; in-process cache off until it is back",
                {{"redis", options_.address}, {"error", why}});
      reported = true;
    }
    backoff =
        was_subscribed ? options_.initial_backoff : std::min(2 * backoff, options_.max_backoff);
    for (absl::Time until = absl::Now() + backoff; !stop_.load() && absl::Now() < until;) {
      absl::SleepFor(std::min(kMaxWait, until - absl::Now()));
    }
  }
}

std::string RedisSubscriber::Session() {
  std::unique_ptr<redisContext, ContextDeleter> c(
      RedisClient::Connect(host_, port_, absl::ToTimeval(options_.connect_timeout)));
  if (c == nullptr) return "out of memory";
  if (c->err != 0) return absl::StrCat("cannot connect: ", c->errstr);
  // Bounds writes; reads only happen after poll(2) says there is data.
  redisSetTimeout(c.get(), absl::ToTimeval(options_.connect_timeout));
  if (absl::Status auth =
          RedisClient::Authenticate(*c, options_.address, options_.username, options_.password);
      !auth.ok()) {
    return std::string(auth.message());
  }
  redisAppendCommand(c.get(), "SUBSCRIBE %b", options_.channel.data(), options_.channel.size());

  bool subscribed = false;
  const absl::Time subscribe_by = absl::Now() + options_.liveness;
  absl::Time next_ping = absl::InfiniteFuture();
  std::deque<absl::Time> pings;  // send times of PINGs not yet answered, oldest first
  while (!stop_.load()) {
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(c.get(), &done) != REDIS_OK) return absl::StrCat("write: ", c->errstr);
    }
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(c.get(), &raw) != REDIS_OK) {
        return absl::StrCat("protocol: ", c->errstr);
      }
      if (raw == nullptr) break;
      std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(raw));
      if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        return "unexpected reply on a subscribed connection";
      }
      const absl::string_view kind = Str(*reply->element[0]);
      if (kind == "message" && reply->elements == 3) {
        on_message_(Str(*reply->element[2]));
      } else if (kind == "subscribe") {
        // Nothing published before this point is known: empty the cache, then go live.
        on_reset_();
        subscribed = true;
        subscriptions_.fetch_add(1);
        live_until_ns_.store(absl::ToUnixNanos(absl::Now() + options_.liveness),
                             std::memory_order_release);
        next_ping = absl::Now() + options_.ping_interval;
        log::Info("cache invalidation channel subscribed",
                  {{"redis", options_.address}, {"channel", options_.channel}});
      } else if (kind == "pong" && !pings.empty()) {
        // Every message published before that PING has been handled above.
        live_until_ns_.store(absl::ToUnixNanos(pings.front() + options_.liveness),
                             std::memory_order_release);
        pings.pop_front();
      }
    }
    const absl::Time now = absl::Now();
    if (!subscribed && now > subscribe_by) return "no answer to SUBSCRIBE";
    if (!pings.empty() && now - pings.front() > 2 * options_.liveness) return "no answer to PING";
    if (now >= next_ping) {
      redisAppendCommand(c.get(), "PING");
      pings.push_back(now);
      next_ping = now + options_.ping_interval;
      continue;  // send it before waiting
    }
    pollfd fd{c->fd, POLLIN, 0};
    const absl::Time wake = subscribed ? next_ping : subscribe_by;
    const absl::Duration wait = std::clamp(wake - now, absl::ZeroDuration(), kMaxWait);
    const int ready = poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)) + 1);
    if (ready < 0 && errno != EINTR) return "poll failed";
    if (ready > 0 && redisBufferRead(c.get()) != REDIS_OK) {
      return absl::StrCat("read: ", c->errstr);
    }
  }
  return "stopped";
}

}  // namespace paritrana
