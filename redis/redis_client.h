#pragma once

#include <sys/time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

// hiredis types, kept out of this header so users of the client do not see the C library.
struct redisContext;
struct redisReply;

// A small, synchronous Redis client for the cache around the read path: the registry bumps
// per-province generations after each commit, the coverage service reads and writes cached
// answers. Redis is an optional dependency, so the client is built to fail fast and recover on
// its own rather than to wait:
//   - every call is bounded by `Options::timeout` end to end (waiting for a pooled connection,
//     connecting, sending and receiving), so a slow or absent Redis never holds up a caller;
//   - after a connection or I/O failure, new connections are not attempted until a backoff
//     window has passed (doubling up to `max_backoff`, reset by any success); meanwhile calls
//     that find no pooled connection fail at once with UNAVAILABLE, and one call per window
//     probes Redis, so the client comes back by itself when Redis does;
//   - a connection that saw a connection or I/O error is closed, never reused (an error *reply*
//     leaves it usable). If the failed connection had been idle in the pool, where it may have
//     gone stale (Redis restarted, or closed idle clients), the call is retried once on a fresh
//     connection within the same timeout; every command here is safe to repeat.
// With a password, each new connection authenticates (AUTH) before its first command.
// Errors: UNAVAILABLE for connection, I/O, timeout and transient server states (LOADING, BUSY,
// READONLY, ...); FAILED_PRECONDITION when Redis refuses the credentials (AUTH refused, NOAUTH:
// a password is required, NOPERM: the ACL user may not run a command), a configuration error
// no retry cures; INTERNAL for other error replies and unexpected reply shapes;
// INVALID_ARGUMENT for bad options or arguments. Messages name the Redis address and never keys,
// values or the password. Thread-safe.
namespace paritrana {

class RedisClient final {
 public:
  struct Options {
    // "HOST:PORT" (IPv6 as "[::1]:6379"), or a Unix socket as "unix:/path/redis.sock" or an
    // absolute path: a socket in a private folder cannot be taken by another process the way a
    // TCP port can, and skips the loopback TCP stack.
    std::string address = "127.0.0.1:6379";
    // Bound on one whole call. The registry calls Redis after a committed write, so this is how
    // long a Redis outage may delay a write; keep it short. One exception: hiredis resolves a
    // host name (getaddrinfo) on each new connection without a timeout, so a slow DNS server
    // adds to it; an IP address, or a name in /etc/hosts, avoids that.
    absl::Duration timeout = absl::Milliseconds(50);
    int pool_size = 8;  // most connections open at once; callers beyond it wait (within timeout)
    absl::Duration initial_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
    // Credentials sent with AUTH right after each new connection: `AUTH username password` for a
    // Redis 6+ ACL user, `AUTH password` (the `default` user) when `username` is empty. No AUTH
    // when `password` is empty. See redis_flags.h for where services get them.
    std::string username;
    std::string password;
  };

  // Counts since creation, for metrics. A "call" is one public method invocation (one round
  // trip, however many Redis commands it pipelines).
  struct Stats {
    int64_t commands_ok = 0;
    int64_t commands_failed = 0;  // includes fast_failures; not calls refused as invalid
    int64_t reconnects = 0;       // connections opened to replace ones lost to a failure
    int64_t fast_failures = 0;    // calls refused without trying because of the backoff window
  };

  // Validates the options and parses the address; does not connect, so a service can start
  // while Redis is down. INVALID_ARGUMENT for a malformed address or options.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(Options options);
  ~RedisClient();

  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // "HOST:PORT" (IPv6 as "[::1]:6379") split into host and port; a Unix socket ("unix:PATH" or
  // "/PATH") as its path and port 0. INVALID_ARGUMENT otherwise.
  static absl::StatusOr<std::pair<std::string, int>> ParseAddress(absl::string_view address);
  // Opens a hiredis connection to what ParseAddress returned (TCP, or a Unix socket for port 0);
  // `timeout` bounds connecting. Never null unless out of memory; check `err`. Shared with
  // RedisSubscriber so both accept the same addresses.
  static redisContext* Connect(const std::string& host, int port, timeval timeout);
  // Sends AUTH on a fresh connection whose socket timeouts are already set; OK without sending
  // anything when `password` is empty. FAILED_PRECONDITION when Redis refuses the credentials,
  // UNAVAILABLE on I/O failure or a transient state; messages name `address` and the user, never
  // the password. Shared with RedisSubscriber so both authenticate alike.
  static absl::Status Authenticate(redisContext& context, absl::string_view address,
                                   absl::string_view username, absl::string_view password);

  // The pub/sub channel on which BumpGenerations announces each bumped province (the message is
  // the province code), so that in-process caches can drop its answers at once.
  static constexpr absl::string_view kGenerationChannel = "paritrana:gen";

  // The key holding a province's cache generation: "paritrana:gen:{province}".
  static std::string GenerationKey(absl::string_view province);

  // INCR of GenerationKey(p) for every province, then PUBLISH of each province on
  // kGenerationChannel, in one pipelined round trip (Redis runs them in order, so a subscriber
  // that gets the message can already read the new generation). A province listed
  // twice is bumped twice, which is harmless: readers only compare generations for equality.
  // Empty input: OK without contacting Redis.
  absl::Status BumpGenerations(const std::vector<std::string>& provinces);

  // Values of `keys` in order; nullopt where a key does not exist. Binary-safe.
  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      const std::vector<std::string>& keys);

  // A value stored under a key that carries a generation, read with that generation.
  struct Versioned {
    std::string generation;  // "0" when the generation key does not exist
    std::optional<std::string> value;
  };
  // In one round trip (a server-side script): reads `generation_key` as G, then the value of
  // `key_prefix + G + key_suffix`. A reader therefore never pairs a value with a generation it
  // did not see, and needs no second round trip to learn which key is current.
  absl::StatusOr<Versioned> GetVersioned(absl::string_view generation_key,
                                         absl::string_view key_prefix,
                                         absl::string_view key_suffix);

  // SET key value EX ttl_seconds. Binary-safe. INVALID_ARGUMENT unless ttl_seconds > 0.
  absl::Status SetEx(absl::string_view key, absl::string_view value, int64_t ttl_seconds);

  // PING, for health probes. Fails fast like every other call while Redis is known to be down.
  absl::Status Ping();

  Stats stats() const;
  const std::string& address() const { return options_.address; }
  // The options it was created with, e.g. for a RedisSubscriber to the same server and user.
  const Options& options() const { return options_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  struct ReplyDeleter {
    void operator()(redisReply* reply) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
  using Args = std::vector<absl::string_view>;  // one command; views outlive the call

  // A connection borrowed from the pool for one attempt.
  struct Lease {
    ContextPtr context;
    bool reused = false;  // came from the idle list (it may have gone stale while idle)
    bool probe = false;   // the one connection attempt allowed in the current backoff window
  };
  enum class Outcome {
    kHealthy,  // back to the idle list
    kStale,    // a reused connection failed; discard it, the caller retries once
    kBroken,   // discard it and start (or extend) the backoff window
  };

  RedisClient(Options options, std::string host, int port);

  // Sends `commands` pipelined and returns one reply per command, or UNAVAILABLE. Error replies
  // are returned as replies, for the caller to interpret.
  absl::StatusOr<std::vector<ReplyPtr>> RoundTrip(absl::Span<const Args> commands);
  absl::StatusOr<Lease> Acquire(absl::Time deadline);
  absl::Status Exchange(redisContext& context, absl::Span<const Args> commands, absl::Time deadline,
                        std::vector<ReplyPtr>& replies);
  void Release(Lease lease, Outcome outcome);
  // Records a failure under mu_ and hands back the idle connections to close (outside mu_).
  std::vector<ContextPtr> FailLocked(bool probe) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool SlotAvailable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts the outcome of one call and passes its status through.
  absl::Status Count(absl::Status status);
  absl::Status Unavailable(absl::string_view what) const;
  absl::Status ErrorReply(const redisReply& reply, absl::string_view command) const;
  absl::Status UnexpectedReply(absl::string_view command) const;

  const Options options_;
  const std::string host_;
  const int port_;

  mutable absl::Mutex mu_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + borrowed + being connected
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_);
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_);  // while failing_: no new connection before this
  int lost_ ABSL_GUARDED_BY(mu_) = 0;         // connections lost to failures, not yet replaced

  std::atomic<int64_t> commands_ok_{0};
  std::atomic<int64_t> commands_failed_{0};
  std::atomic<int64_t> reconnects_{0};
  std::atomic<int64_t> fast_failures_{0};
};

}  // namespace paritrana
